"""Adversarial probe of the live Slack and Discord connectors (issue 22): a hostile or broken API
answering on loopback, and what must still hold: every read ends, memory stays bounded, the bot
token goes nowhere but the API's own host, private conversations are never read.

Each probe server here answers whatever a test's ``answer(path, query)`` returns, and gives up
after ``GIVE_UP`` requests with an error answer, so a connector that would loop forever fails its
test instead of hanging it.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from crm import outbound
from influencers.connectors import discord_live, slack_live
from influencers.connectors.records import Checkpoint, InteractionRecord, Skipped, SourceError, TemporarySourceError
from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.ingest.service import run_ingest
from influencers.models import Interaction, SyncSource
from tests.fakes.discord_api import TOKEN as DISCORD_TOKEN
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import TOKEN as SLACK_TOKEN

GIVE_UP = 60  # requests a probe server answers before it answers only errors
TEAM = "T0PROBE01"
GUILD = "704112345678901234"


class Probe:
    """A loopback HTTP server whose answers a test writes: ``answer(path, query)`` returns
    (status, headers, body bytes, or an iterator of chunks). Records each request's path and headers."""

    def __init__(self, answer=None):
        self.answer = answer or (lambda path, query: (404, {}, b"{}"))
        self.requests: list[tuple[str, dict]] = []
        self.bytes_sent = 0
        self.gave_up = False
        probe = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self._serve()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                self._serve(body)

            def _serve(self, body=""):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query or body).items()}
                probe.requests.append((parts.path, dict(self.headers)))
                if len(probe.requests) > GIVE_UP:
                    probe.gave_up = True
                    status, headers, content = 400, {}, b'{"ok": false, "error": "probe_gave_up", "message": "gave up"}'
                else:
                    status, headers, content = probe.answer(parts.path, query)
                self.send_response(status)
                chunks = [content] if isinstance(content, bytes) else content
                headers = {"Content-Type": "application/json", **headers}
                if isinstance(content, bytes):
                    headers.setdefault("Content-Length", str(len(content)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        probe.bytes_sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self, prefix: str = "") -> list[str]:
        return [path for path, _ in self.requests if path.startswith(prefix)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def ok(data, status=200, headers=None):
    return status, headers or {}, json.dumps(data).encode()


def slack_answers(**by_method):
    """A Slack Web API: auth.test for TEAM, empty lists, and ``by_method`` (method → data or callable)."""
    defaults = {
        "auth.test": {"ok": True, "team_id": TEAM, "team": "Probe", "url": "https://probe.slack.com/"},
        "users.list": {"ok": True, "members": []},
        "conversations.list": {"ok": True, "channels": []},
        "conversations.history": {"ok": True, "messages": []},
    }

    def answer(path, query):
        method = path.strip("/").split("/")[-1]
        data = by_method.get(method, defaults.get(method, {"ok": False, "error": "unknown_method"}))
        return data(query) if callable(data) else ok(data)

    return answer


def slack_read(probe, **options):
    return list(slack_live.read_workspace(TEAM, token=SLACK_TOKEN, base_url=probe.url + "/api/", **options))


def discord_answers(**by_path):
    """A Discord API: the guild, no members, ``by_path`` (path → data or callable) for the rest."""
    defaults = {
        f"/guilds/{GUILD}": {"id": GUILD, "name": "Probe", "roles": []},
        f"/guilds/{GUILD}/members": [],
        f"/guilds/{GUILD}/channels": [],
        f"/guilds/{GUILD}/threads/active": {"threads": []},
    }

    def answer(path, query):
        for key in (path, path.rsplit("/", 1)[0] + "/*"):
            if key in by_path:
                data = by_path[key]
                return data(query) if callable(data) else ok(data)
        if path in defaults:
            return ok(defaults[path])
        if path.endswith("/threads/archived/public"):
            return ok({"threads": [], "has_more": False})
        return ok([]) if path.endswith("/messages") else ok({"message": "Unknown", "code": 0}, 404)

    return answer


def discord_read(probe, sleeps=None, **options):
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    return list(discord_live.read_guild(GUILD, token=DISCORD_TOKEN, base_url=probe.url, sleep=sleep, **options))


def snowflake(n: int) -> str:
    return str((1_700_000_000_000 - discord_live.DISCORD_EPOCH_MS + n) << 22)


def discord_message(n: int, channel: str = "1000000000000000001", content="hello") -> dict:
    return {
        "id": snowflake(n), "type": 0, "channel_id": channel, "content": content,
        "timestamp": "2023-11-14T22:13:20.000000+00:00", "edited_timestamp": None,
        "author": {"id": "111111111111111111", "username": "lena", "global_name": "Lena"},
        "mentions": [], "reactions": [],
    }  # fmt: skip


TEXT_CHANNEL = {"id": "1000000000000000001", "type": 0, "name": "general", "position": 0}


# --- cursors that never end ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["users.list", "conversations.list", "conversations.history"])
def test_a_slack_cursor_that_repeats_forever_ends_the_read_with_a_clear_error(method):
    key = {"users.list": "members", "conversations.list": "channels", "conversations.history": "messages"}[method]
    channel = {"id": "C01", "name": "general", "is_member": True, "is_channel": True}
    repeating = {"ok": True, key: [], "response_metadata": {"next_cursor": "dXNlcjpVMDYxTkZUVDI="}}
    answers = {"conversations.list": {"ok": True, "channels": [channel]}, method: repeating}
    with Probe(slack_answers(**answers)) as probe:
        with pytest.raises(SourceError) as raised:
            slack_read(probe)
    assert not probe.gave_up, f"{len(probe.requests)} requests for a cursor that never advances"
    assert "cursor" in str(raised.value)


def test_a_discord_message_page_that_does_not_advance_ends_the_read():
    page = [discord_message(n) for n in range(100)]  # the same full page whatever ``after`` says
    answers = discord_answers(
        **{f"/guilds/{GUILD}/channels": [TEXT_CHANNEL], "/channels/1000000000000000001/messages": page}
    )
    with Probe(answers) as probe:
        with pytest.raises(SourceError) as raised:
            discord_read(probe)
    assert not probe.gave_up, f"{len(probe.requests)} requests for a page that never advances"
    assert "did not advance" in str(raised.value)


def test_a_discord_member_list_that_does_not_advance_ends_and_the_channels_are_still_read():
    members = [{"user": {"id": str(10**17 + n), "username": f"m{n}"}, "nick": f"nick {n}"} for n in range(1000)]
    answers = discord_answers(
        **{
            f"/guilds/{GUILD}/members": members,
            f"/guilds/{GUILD}/channels": [TEXT_CHANNEL],
            "/channels/1000000000000000001/messages": [discord_message(1)],
        }
    )
    with Probe(answers) as probe:
        items = discord_read(probe)
    assert not probe.gave_up, f"{len(probe.paths(f'/guilds/{GUILD}/members'))} member pages, all the same"
    assert len(probe.paths(f"/guilds/{GUILD}/members")) == 2
    assert any(isinstance(i, InteractionRecord) for i in items) or any(isinstance(i, Checkpoint) for i in items)


@pytest.mark.parametrize("moving_timestamp", [False, True])
def test_archived_threads_with_has_more_forever_end(moving_timestamp):
    """The same page again, or the same threads under a new archive timestamp each time."""
    calls = []

    def archived(query):
        calls.append(query)
        stamp = (
            f"2024-01-{28 - len(calls) % 28:02d}T00:00:00+00:00" if moving_timestamp else "2024-01-01T00:00:00+00:00"
        )
        thread = {"id": "1000000000000000009", "type": 11, "parent_id": TEXT_CHANNEL["id"], "name": "t",
                  "thread_metadata": {"archive_timestamp": stamp}}  # fmt: skip
        return ok({"threads": [thread], "has_more": True})

    answers = discord_answers(
        **{
            f"/guilds/{GUILD}/channels": [TEXT_CHANNEL],
            f"/channels/{TEXT_CHANNEL['id']}/threads/archived/public": archived,
        }
    )
    with Probe(answers) as probe:
        discord_read(probe)
    assert not probe.gave_up and len(calls) <= 2


# --- huge, non-JSON and wrongly shaped answers -----------------------------------------------------------------
def endless(total=200 * 1024 * 1024, chunk=1024 * 1024):
    """A 200 MB body, written a megabyte at a time (never held whole)."""
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block


def test_a_200_mb_slack_answer_is_refused_without_reading_it_all():
    huge = {"auth.test": lambda query: (200, {"Content-Length": str(200 * 1024 * 1024)}, endless())}
    with Probe(slack_answers(**huge)) as probe:
        with pytest.raises(SourceError) as raised:
            slack_read(probe)
    assert "too large" in str(raised.value)
    assert probe.bytes_sent < 100 * 1024 * 1024  # the client stopped reading (socket buffers hold a few MB more)


def test_a_200_mb_discord_answer_is_refused_without_reading_it_all():
    huge = {f"/guilds/{GUILD}": lambda query: (200, {"Content-Length": str(200 * 1024 * 1024)}, endless())}
    with Probe(discord_answers(**huge)) as probe:
        with pytest.raises(SourceError) as raised:
            discord_read(probe)
    assert "too large" in str(raised.value)
    assert probe.bytes_sent < 100 * 1024 * 1024


def test_an_html_page_with_status_200_is_a_clear_error_from_both():
    html = lambda query: (200, {"Content-Type": "text/html"}, b"<html><body>Service unavailable</body></html>")  # noqa: E731
    with Probe(slack_answers(**{"auth.test": html})) as probe:
        with pytest.raises(SourceError, match="did not answer JSON"):
            slack_read(probe)
    with Probe(discord_answers(**{f"/guilds/{GUILD}": html})) as probe:
        with pytest.raises(SourceError, match="did not answer JSON"):
            discord_read(probe)


@pytest.mark.parametrize(
    "answers",
    [
        {"users.list": {"ok": True, "members": "U01,U02"}},
        {"conversations.list": {"ok": True, "channels": {"C01": {"is_member": True}}}},
        {"conversations.list": {"ok": True, "channels": [{"id": 12, "is_member": True}, {"id": None}, "C01"]}},
        {"auth.test": {"ok": True, "team_id": 12345}},
    ],
)
def test_slack_answers_of_the_wrong_shape_are_refused_or_passed_over_never_a_crash(answers):
    with Probe(slack_answers(**answers)) as probe:
        try:
            items = slack_read(probe)
        except SourceError as error:
            assert str(error).startswith(("failed:", "the bot token belongs"))
        else:
            assert not probe.paths("/api/conversations.history")  # nothing usable to read
            assert items


def test_hostile_slack_messages_are_skipped_and_do_not_poison_the_checkpoint():
    channel = {"id": "C01", "name": "general", "is_member": True}
    messages = [
        {"type": "message", "user": "U01", "text": "fine", "ts": "1712048400.000200"},
        {"type": "message", "user": "U01", "text": "from the far future", "ts": "1e400"},
        {"type": "message", "user": "U01", "text": "nan", "ts": "NaN"},
        {"type": "message", "user": "\x00" * 3, "text": "nul \x00 and a lone \ud800", "ts": "1712048401.000100"},
        {"type": "message", "user": "U01", "text": "x" * 100, "ts": "9" * 5000},
        {"type": "message", "user": "U01", "text": "number ts", "ts": 1712048402.5},  # a number, but a time
    ]
    answers = {"conversations.list": {"ok": True, "channels": [channel]},
               "conversations.history": {"ok": True, "messages": messages}}  # fmt: skip
    with Probe(slack_answers(**answers)) as probe:
        items = slack_read(probe)
    checkpoint = [i.values for i in items if isinstance(i, Checkpoint)][-1]
    # A message the connector could not use must not move the checkpoint, or no later sync reads anything.
    assert checkpoint == {"channels": {"C01": "1712048402.5"}}
    stored = {i.external_id for i in items if isinstance(i, InteractionRecord)}
    assert "general:1712048402.5" in stored and not any("1e400" in external_id for external_id in stored)


# --- rate limits and time --------------------------------------------------------------------------------------
@pytest.mark.parametrize("retry_after", ["0", "-5", "NaN", "abc", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_slack_429_forever_stops_after_the_retries(retry_after, monkeypatch):
    slept = []
    monkeypatch.setattr(slack_live.time, "sleep", slept.append)
    limited = lambda query: ok({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": retry_after})  # noqa: E731
    with Probe(slack_answers(**{"users.list": limited})) as probe:
        with pytest.raises(TemporarySourceError):
            slack_read(probe)
    assert len(probe.paths("/api/users.list")) == slack_live.RATE_LIMIT_RETRIES + 1
    assert all(0 <= seconds <= 2 for seconds in slept)


@pytest.mark.parametrize("retry_after", [0, -5, "NaN", "abc", None])
def test_a_discord_429_forever_stops_after_the_retries(retry_after):
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    limited = lambda query: ok(body, 429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})  # noqa: E731
    slept = []
    with Probe(discord_answers(**{f"/guilds/{GUILD}": limited})) as probe:
        with pytest.raises(TemporarySourceError):
            discord_read(probe, sleeps=slept)
    assert len(probe.requests) == discord_live.MAX_RETRIES + 1
    assert all(0 <= seconds <= 1 for seconds in slept)


class Silent:
    """Accepts connections and never answers."""

    def __enter__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def __exit__(self, *exc):
        self.socket.close()


def test_the_slack_client_has_a_timeout_and_a_silent_server_is_a_temporary_error(monkeypatch):
    assert slack_live.slack_client(token="t", base_url="http://127.0.0.1:9/").timeout == 30
    monkeypatch.setattr(slack_live, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(slack_live.time, "sleep", lambda seconds: None)
    with Silent() as silent:
        with pytest.raises(TemporarySourceError) as raised:
            list(slack_live.read_workspace(TEAM, token=SLACK_TOKEN, base_url=silent.url + "/api/"))
    assert SLACK_TOKEN not in str(raised.value)


def test_a_silent_discord_server_is_a_temporary_error(monkeypatch):
    assert outbound.DEFAULT_TIMEOUT == (10, 30)
    monkeypatch.setattr(outbound, "DEFAULT_TIMEOUT", (1, 0.3))
    with Silent() as silent:
        with pytest.raises(TemporarySourceError, match="timed out"):
            list(discord_live.read_guild(GUILD, token=DISCORD_TOKEN, base_url=silent.url, sleep=lambda s: None))


# --- redirects -------------------------------------------------------------------------------------------------
def test_slack_does_not_follow_a_redirect_and_never_sends_the_token_elsewhere():
    with Probe(slack_answers()) as elsewhere:
        moved = lambda query: (302, {"Location": elsewhere.url + "/api/auth.test"}, b"")  # noqa: E731
        with Probe(slack_answers(**{"auth.test": moved})) as probe:
            with pytest.raises(SourceError) as raised:
                slack_read(probe)
    assert elsewhere.requests == []
    assert SLACK_TOKEN not in str(raised.value)


@pytest.mark.parametrize("target", ["other-port", "http://localhost:{port}/x", "http://127.0.0.2:{port}/x"])
def test_a_discord_redirect_keeps_the_token_home_and_a_private_address_is_refused(target):
    with Probe(discord_answers()) as elsewhere:
        port = elsewhere.server.server_address[1]
        location = elsewhere.url + f"/guilds/{GUILD}" if target == "other-port" else target.format(port=port)
        moved = lambda query: (302, {"Location": location}, b"")  # noqa: E731
        with Probe(discord_answers(**{f"/guilds/{GUILD}": moved})) as probe:
            try:
                discord_read(probe)
            except SourceError as error:
                assert DISCORD_TOKEN not in str(error)
                assert target != "other-port" and str(error).startswith("refused:")
    if target == "other-port":  # another host (port): followed, without the token
        assert elsewhere.requests and all("Authorization" not in headers for _, headers in elsewhere.requests)
    else:
        assert elsewhere.requests == []


# --- the token stays out of every record -----------------------------------------------------------------------
def test_the_token_is_in_no_error_log_or_skipped_reason(caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(slack_live.time, "sleep", lambda seconds: None)
    refused = lambda query: ok({"ok": False, "error": "invalid_auth"})  # noqa: E731
    seen = []
    with Probe(slack_answers(**{"auth.test": refused})) as probe:
        with pytest.raises(SourceError) as raised:
            slack_read(probe)
        seen.append(str(raised.value))
    with Probe(discord_answers(**{f"/guilds/{GUILD}": lambda q: ok({"message": "401: Unauthorized"}, 401)})) as probe:
        with pytest.raises(SourceError) as raised:
            discord_read(probe)
        seen.append(str(raised.value))
    hidden = {**TEXT_CHANNEL, "id": "1000000000000000002"}
    forbidden = lambda query: ok({"message": "Missing Access", "code": 50001}, 403)  # noqa: E731
    answers = discord_answers(
        **{f"/guilds/{GUILD}/channels": [hidden], f"/channels/{hidden['id']}/messages": forbidden}
    )
    with Probe(answers) as probe:
        seen += [f"{i.location} {i.reason}" for i in discord_read(probe) if isinstance(i, Skipped)]
    assert len(seen) == 3
    for text in [*seen, caplog.text]:
        assert SLACK_TOKEN not in text and DISCORD_TOKEN not in text


# --- privacy ---------------------------------------------------------------------------------------------------
def test_slack_never_reads_a_dm_group_dm_or_private_channel_whatever_the_list_says():
    channels = [
        {"id": "D01", "is_im": True, "is_member": True, "user": "U01"},
        {"id": "G01", "name": "mpdm-a--b", "is_mpim": True, "is_member": True},
        {"id": "C02", "name": "secret", "is_private": True, "is_member": True},
        {"id": "G02", "name": "old-private", "is_group": True, "is_member": True},
        {"id": "C01", "name": "general", "is_member": True, "is_channel": True},
    ]
    with Probe(slack_answers(**{"conversations.list": {"ok": True, "channels": channels}})) as probe:
        slack_read(probe)
    # The probe records POST bodies' channel only through the query it parsed: look at what was asked.
    assert len(probe.paths("/api/conversations.history")) == 1


def test_discord_never_reads_dm_channels_or_private_threads():
    dm = {"id": "1000000000000000003", "type": 1, "name": "dm"}
    group_dm = {"id": "1000000000000000004", "type": 3, "name": "group"}
    private = {"id": "1000000000000000005", "type": 12, "parent_id": TEXT_CHANNEL["id"], "name": "private"}
    answers = discord_answers(
        **{
            f"/guilds/{GUILD}/channels": [dm, group_dm, TEXT_CHANNEL],
            f"/guilds/{GUILD}/threads/active": {"threads": [private]},
            f"/channels/{TEXT_CHANNEL['id']}/threads/archived/public": {"threads": [{**private}], "has_more": False},
        }
    )
    with Probe(answers) as probe:
        discord_read(probe)
    asked = {path.split("/")[2] for path in probe.paths("/channels/")}
    assert asked == {TEXT_CHANNEL["id"]}


# --- the ingest: a checkpoint, then a failure, then a re-run ---------------------------------------------------
@pytest.mark.django_db
def test_a_sync_that_fails_after_a_checkpoint_resumes_without_duplicates(settings, monkeypatch):
    """Through the path a task takes (sync_run_execute: the token from settings, the checkpoint
    looked up), small batches so that the first channels' checkpoint is committed before the failure."""
    monkeypatch.setattr("influencers.ingest.runs.run_ingest", functools.partial(run_ingest, batch_size=3))
    with FakeDiscord() as clean:
        clean_items = list(
            discord_live.read_guild(clean.guild_id, token=DISCORD_TOKEN, base_url=clean.url, sleep=lambda s: None)
        )
    expected = {i.external_id for i in clean_items if isinstance(i, InteractionRecord)}
    read_in_order = list(
        dict.fromkeys(k for i in clean_items if isinstance(i, Checkpoint) for k in i.values["channels"])
    )
    with FakeDiscord() as fake:
        settings.DISCORD_BOT_TOKEN, settings.DISCORD_API_URL = DISCORD_TOKEN, fake.url
        later = read_in_order[-1]  # the last channel or thread read
        # A 429 storm (retry_after 0, so nothing is slept) longer than the client's retries, on it only.
        fake.inject(429, path=f"/channels/{later}/messages", times=discord_live.MAX_RETRIES + 1, retry_after=0)
        run = sync_run_create(source=SyncSource.DISCORD_LIVE, arguments={"guild": fake.guild_id})
        with pytest.raises(TemporarySourceError):
            sync_run_execute(sync_run=run)
        run.refresh_from_db()
        assert run.status == "failed" and DISCORD_TOKEN not in run.error + json.dumps(run.attempt_log)
        first = dict(run.checkpoint.get("channels", {}))
        assert first and later not in first  # what was read whole is kept; the failed channel is not
        stored_before = Interaction.objects.count()
        assert 0 < stored_before < len(expected)
        sync_run_execute(sync_run=run)  # the task's retry: the same run again
    run.refresh_from_db()
    assert run.status == "completed" and run.attempts == 2
    assert later in run.checkpoint["channels"]
    assert all(int(run.checkpoint["channels"][k]) >= int(v) for k, v in first.items())  # never backwards
    stored = list(Interaction.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) and set(stored) == expected


# --- an API that echoes the token back -------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_server_that_echoes_the_token_in_its_error_does_not_put_it_on_the_run(settings):
    """A proxy or a broken server repeating the Authorization header in its error: the run's error
    (shown on the community page) and the Skipped reasons must not carry it on."""
    echo = lambda query: ok({"ok": False, "error": f"bad_header Authorization: Bearer {SLACK_TOKEN}"})  # noqa: E731
    with Probe(slack_answers(**{"users.list": echo})) as probe:
        settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL = SLACK_TOKEN, probe.url + "/api/"
        run = sync_run_create(source=SyncSource.SLACK_LIVE, arguments={"team": TEAM})
        with pytest.raises(SourceError):
            sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert run.status == "failed" and "bad_header" in run.error
    assert SLACK_TOKEN not in run.error + json.dumps(run.attempt_log)

    hidden = {**TEXT_CHANNEL, "id": "1000000000000000002"}
    forbidden = lambda query: ok({"message": f"Missing Access for Bot {DISCORD_TOKEN}", "code": 50001}, 403)  # noqa: E731
    answers = discord_answers(
        **{f"/guilds/{GUILD}/channels": [hidden], f"/channels/{hidden['id']}/messages": forbidden}
    )
    with Probe(answers) as probe:
        reasons = [i.reason for i in discord_read(probe) if isinstance(i, Skipped)]
    assert reasons and all("Missing Access" in reason and DISCORD_TOKEN not in reason for reason in reasons)


@pytest.mark.django_db
def test_nul_and_lone_surrogates_from_slack_are_stored_or_skipped_never_a_failed_run(settings):
    """slack_sdk reads JSON with Python's json, which keeps a lone surrogate ("\\ud83d", half an
    emoji) and NUL: neither can go into PostgreSQL."""
    channel = {"id": "C01", "name": "general", "is_member": True}
    user = {"id": "U01", "name": "lena\x00", "profile": {"display_name": "Lena \ud83d", "real_name": "Lena\x00"}}
    messages = [
        {"type": "message", "user": "U01", "text": "half an emoji \ud83d and a NUL \x00", "ts": "1712048400.000200",
         "reactions": [{"name": "tada\x00", "users": ["U01"], "count": 1}]},
        {"type": "message", "user": "U01", "text": "<@U01\ud800> hi", "ts": "1712048401.000100"},
    ]  # fmt: skip
    answers = {
        "users.list": {"ok": True, "members": [user]},
        "conversations.list": {"ok": True, "channels": [channel]},
        "conversations.history": {"ok": True, "messages": messages},
    }
    with Probe(slack_answers(**answers)) as probe:
        settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL = SLACK_TOKEN, probe.url + "/api/"
        run = sync_run_create(source=SyncSource.SLACK_LIVE, arguments={"team": TEAM})
        summary = sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert run.status == "completed"
    assert Interaction.objects.count() >= 1 and summary.created + summary.skipped >= 2
    for text in Interaction.objects.values_list("text", flat=True):
        assert "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.django_db
def test_the_task_s_retry_of_a_run_resumes_from_that_run_s_own_checkpoint(settings, monkeypatch):
    monkeypatch.setattr("influencers.ingest.runs.run_ingest", functools.partial(run_ingest, batch_size=3))
    with FakeDiscord() as fake:
        settings.DISCORD_BOT_TOKEN, settings.DISCORD_API_URL = DISCORD_TOKEN, fake.url
        first_channel = fake.general
        fake.inject(
            429, path=f"/channels/{fake.announcements}/messages", times=discord_live.MAX_RETRIES + 1, retry_after=0
        )
        run = sync_run_create(source=SyncSource.DISCORD_LIVE, arguments={"guild": fake.guild_id})
        with pytest.raises(TemporarySourceError):
            sync_run_execute(sync_run=run)
        run.refresh_from_db()
        assert first_channel in run.checkpoint.get("channels", {})  # read whole before the failure
        asked_before = len(fake.requested(f"/channels/{first_channel}/messages?"))
        sync_run_execute(sync_run=run)
        again = fake.requested(f"/channels/{first_channel}/messages?")[asked_before:]
    # Read again from a week before its checkpoint (after= a recent id), not from the beginning (after=0).
    assert again and all("after=0&" not in path and not path.endswith("after=0") for path in again)
