import importlib
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest

from influencers.connectors.discourse import MAX_RETRIES, MAX_WAIT_SECONDS, read_forum, read_saved
from influencers.connectors.records import (
    Checkpoint,
    CommunityRecord,
    InteractionRecord,
    SourceError,
    TemporarySourceError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "discourse"
TOPIC = json.loads((FIXTURES / "topic_42.json").read_text())


def records(items):
    return {i.external_id: i for i in items if isinstance(i, InteractionRecord)}


def test_saved_topic_posts_become_a_thread_with_replies():
    found = records(read_saved(FIXTURES / "topic_42.json", forum="https://forum.homebrewers.example"))
    first, answer, thanks = found["42/1"], found["42/2"], found["42/3"]
    assert (first.kind, first.title) == ("post", "Stuck fermentation at 1.030")
    assert (answer.parent_external_id, thanks.parent_external_id) == ("42/1", "42/2")
    assert (
        answer.text.startswith("Underpitched.") and "https://forum.homebrewers.example/t/pitch-rates/7" in answer.text
    )
    assert answer.edited_at is not None and first.edited_at is None
    assert answer.author.external_id == "https://forum.homebrewers.example/u/krausen_kate"
    assert found["42/4"].author.is_bot  # the "system" user
    assert answer.url == "https://forum.homebrewers.example/t/stuck-fermentation-at-1-030/42/2"


def test_a_saved_file_that_is_not_discourse_is_one_clear_error(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(SourceError, match="not a saved Discourse"):
        list(read_saved(other))


class FakeForum(BaseHTTPRequestHandler):
    """latest.json (one topic), the topic with two posts inline, the rest via posts.json.
    ``refusals``: per path, the (status, headers) answered first, one per request, before the real
    answer (by default one 429 on latest.json). ``categories``, when a test sets it, is the
    (status, body) /categories.json answers (else 404)."""

    calls: list = []
    refusals: dict = {}
    categories: tuple[int, dict] | None = None

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        FakeForum.calls.append(url.path)
        if FakeForum.refusals.get(url.path):
            status, headers = FakeForum.refusals[url.path].pop(0)
            return self._send(status, {"errors": ["not now"]}, headers)
        if url.path == "/categories.json" and FakeForum.categories is not None:
            return self._send(*FakeForum.categories)
        if url.path == "/latest.json":
            return self._send(200, {"topic_list": {"topics": [{"id": 42, "bumped_at": "2024-05-09T07:00:00.000Z"}]}})
        if url.path == "/t/42.json":
            topic = {
                **TOPIC,
                "post_stream": {"stream": TOPIC["post_stream"]["stream"], "posts": TOPIC["post_stream"]["posts"][:2]},
            }
            return self._send(200, topic)
        if url.path == "/t/42/posts.json":
            wanted = {int(i) for i in parse_qs(url.query)["post_ids[]"]}
            posts = [p for p in TOPIC["post_stream"]["posts"] if p["id"] in wanted]
            return self._send(200, {"post_stream": {"posts": posts}})
        return self._send(404, {"errors": ["not found"]})

    def _send(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def forum():
    FakeForum.calls, FakeForum.categories = [], None
    FakeForum.refusals = {"/latest.json": [(429, {"Retry-After": "0"})]}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeForum)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_live_forum_reads_every_post_waits_out_429_and_returns_a_checkpoint(forum):
    items = list(read_forum(forum))
    assert isinstance(items[0], CommunityRecord) and items[0].external_id == forum
    assert set(records(items)) == {"42/1", "42/2", "42/3", "42/4"}
    assert items[-1] == Checkpoint({"bumped_at": "2024-05-09T07:00:00.000Z"})
    assert FakeForum.calls[:2] == ["/latest.json", "/latest.json"]  # the 429, then the retry
    assert "/t/42/posts.json" in FakeForum.calls


@pytest.fixture
def waits(monkeypatch):
    """The pauses urllib3's Retry takes between attempts, recorded instead of waited."""
    slept = []
    retry_module = importlib.import_module("urllib3.util.retry")
    monkeypatch.setattr(retry_module, "time", SimpleNamespace(time=time.time, sleep=slept.append))
    return slept


def test_a_retry_after_given_as_an_http_date_is_waited_out(forum, waits):
    in_thirty_seconds = formatdate(time.time() + 30, usegmt=True)  # "Sat, 05 Dec 2026 09:30:00 GMT"
    FakeForum.refusals = {"/latest.json": [(503, {"Retry-After": in_thirty_seconds})]}
    assert set(records(read_forum(forum))) == {"42/1", "42/2", "42/3", "42/4"}
    assert FakeForum.calls[:2] == ["/latest.json", "/latest.json"]
    assert len(waits) == 1 and 27 <= waits[0] <= 30, waits  # the date has whole seconds


def test_server_errors_are_retried_with_backoff_until_the_forum_answers(forum, waits):
    FakeForum.refusals = {"/latest.json": [(500, {}), (502, {}), (504, {})], "/t/42.json": [(503, {})]}
    assert set(records(read_forum(forum))) == {"42/1", "42/2", "42/3", "42/4"}
    assert FakeForum.calls.count("/latest.json") == 4 and FakeForum.calls.count("/t/42.json") == 2
    assert waits == [2, 4]  # no Retry-After: the first retry at once, then doubling (the topic's at once)


def test_a_forum_that_keeps_answering_429_is_a_temporary_error_with_its_retry_after(forum, waits):
    FakeForum.refusals = {"/latest.json": [(429, {"Retry-After": "600"})] * (MAX_RETRIES + 1)}
    with pytest.raises(TemporarySourceError, match=r"answered 429, also after 5 retries") as raised:
        list(read_forum(forum))
    assert raised.value.retry_after == 600  # the task's next attempt comes no sooner
    assert FakeForum.calls == ["/latest.json"] * (MAX_RETRIES + 1)
    assert waits == [MAX_WAIT_SECONDS] * MAX_RETRIES  # within the task, at most two minutes each


def test_a_refusal_that_cannot_be_fixed_by_waiting_is_asked_once(forum, waits):
    FakeForum.refusals = {"/latest.json": [(403, {"Retry-After": "5"})]}
    with pytest.raises(SourceError, match="access denied") as raised:
        list(read_forum(forum))
    assert not isinstance(raised.value, TemporarySourceError)
    assert FakeForum.calls == ["/latest.json"] and waits == []


def test_live_forum_skips_topics_older_than_the_checkpoint(forum):
    items = list(read_forum(forum, checkpoint={"bumped_at": "2024-05-09T07:00:00.000Z"}))
    assert records(items) == {}
    assert "/t/42.json" not in FakeForum.calls


def test_something_that_is_not_a_forum_is_one_clear_error(forum):
    with pytest.raises(SourceError, match="not found"):
        list(read_forum(forum + "/nothing-here"))


def _post(topic, number, username, **extra):
    return {
        "id": topic * 100 + number, "topic_id": topic, "post_number": number, "username": username,
        "created_at": f"2024-05-0{number}T10:00:00.000Z", "cooked": f"<p>post {number} by {username}</p>",
        "topic_slug": "slug", **extra,
    }  # fmt: skip


def test_an_archive_of_month_folders_holding_every_shape_the_api_saves_is_read_whole(tmp_path):
    """discourse-archive saves single posts in month folders; others save topics, pages of a topic's
    posts (/t/{id}/posts.json), /posts.json and topic lists. All of them are read, subfolders too."""
    (tmp_path / "posts" / "2024-05").mkdir(parents=True)
    (tmp_path / "posts" / "2024-05" / "a.json").write_text(json.dumps(_post(7, 1, "ann", topic_title="Grinders")))
    (tmp_path / "posts" / "2024-05" / "b.json").write_text(json.dumps(_post(7, 2, "bob", reply_to_post_number=1)))
    (tmp_path / "t").mkdir()
    topic = {"title": "Burrs", "post_stream": {"posts": [_post(8, 1, "cy")]}}
    (tmp_path / "t" / "8.json").write_text(json.dumps(topic))
    (tmp_path / "t" / "8-posts.json").write_text(json.dumps({"id": 8, "post_stream": {"posts": [_post(8, 2, "ann")]}}))
    (tmp_path / "latest-posts.json").write_text(json.dumps({"latest_posts": [_post(9, 1, "dee")]}))
    (tmp_path / "latest.json").write_text(json.dumps({"topic_list": {"topics": [{"id": 7}]}}))
    items = list(read_saved(tmp_path, forum="https://forum.example.org/"))
    assert sorted(records(items)) == ["7/1", "7/2", "8/1", "8/2", "9/1"]
    assert not [i for i in items if type(i).__name__ == "Skipped"]
    assert records(items)["7/2"].parent_external_id == "7/1" and records(items)["8/1"].title == "Burrs"


def test_an_empty_folder_tree_is_one_clear_error(tmp_path):
    (tmp_path / "2024-05").mkdir()
    with pytest.raises(SourceError, match="no .json files in it or its subfolders"):
        list(read_saved(tmp_path))


def test_saved_files_with_forum_carry_the_forums_url_so_its_own_links_are_known():
    community = next(read_saved(FIXTURES / "topic_42.json", forum="https://forum.homebrewers.example/"))
    assert community == CommunityRecord(
        "discourse", "https://forum.homebrewers.example", name="forum.homebrewers.example",
        url="https://forum.homebrewers.example",
    )  # fmt: skip


def test_only_regular_posts_are_conversation_and_removals_say_who_removed(tmp_path):
    topic = {
        "title": "Flags",
        "post_stream": {
            "posts": [
                _post(5, 1, "ann"),
                _post(5, 2, "bob", hidden=True, cooked="<p>This post was flagged by the community and is hidden.</p>"),
                _post(5, 3, "cy", user_deleted=True, cooked="<p>(post deleted by author)</p>"),
                _post(5, 4, "dee", deleted_at="2024-05-05T00:00:00Z"),
                _post(5, 5, "mod", post_type=3, action_code="closed.enabled"),  # a small action
                _post(5, 6, "mod", post_type=4),  # a whisper: staff only, never imported
                _post(5, 7, "mod", post_type=2),  # a moderator action
            ]
        },
    }  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(topic))
    found = records(read_saved(tmp_path / "t.json"))
    assert sorted(found) == ["5/1", "5/2", "5/3", "5/4"]
    assert [(found[k].is_removed, found[k].removed_by) for k in sorted(found)] == [
        (False, ""), (True, "community"), (True, "author"), (True, "community"),
    ]  # fmt: skip
    # user_deleted is the post's flag: its author is not a deleted account and still ranks.
    assert not found["5/3"].author.is_deleted
