"""Slack, live, through the Web API (the official slack_sdk ``WebClient``): a workspace's public
channels the bot was invited to.

What is read: ``auth.test`` (which workspace the token belongs to), ``users.list`` (members, bots
flagged, deactivated members marked), ``conversations.list`` with ``types=public_channel`` (archived
channels left out), and, for each public channel whose ``is_member`` is true, ``conversations.history``
and, for each message that starts a thread, ``conversations.replies``. Reactions (who reacted with
what) come inside the messages. Messages become records through the export connector's own
``message_records`` (slack.py), so ids match an export's (``general:1712048400.000200``, a channel's
*name* then the message's ts) and a workspace imported from an export then synced live is one
community with each message stored once.

What is never read: direct messages, group DMs and private channels (``conversations.list`` is
only ever asked for public channels, and a channel that is not public is passed over whatever the
answer says), public channels the bot was not invited to, files, and anything outside
conversations. The bot needs the scopes ``channels:read``, ``channels:history`` and ``users:read``;
a missing one is named in the error (Slack's ``needed``).

Incremental: the checkpoint is ``{"channels": {channel id: ts}}``, the newest ts history listed in
each channel (it never goes back). A channel is read again from that ts less ``LOOKBACK_SECONDS``
(seven days): Slack lists a thread under its first message, so a late reply, or an edit, to a
message of that last week is picked up by reading that message again. A reply to an older thread
is not (a full read, without a checkpoint, finds it). After each channel is read through, the whole
``channels`` map is yielded as a Checkpoint (the ingest merges checkpoints one level deep only). A
channel cut short (by ``limit``, or by Slack refusing it half-way) keeps the value it had.

Rate limits: Slack answers 429 with a Retry-After. conversations.history and .replies are Tier 3
(about 50 requests a minute) for an app built for its own workspace or approved for the Marketplace;
since 2025 Slack limits them far more for commercially distributed apps that are not (see Slack's
"Rate limits" page), where a sync of a large channel takes hours. slack_sdk's retry handlers wait a
429 out in-process up to ``RATE_LIMIT_RETRIES`` times, and retry a 500/503 or a dropped connection a
few times; a wait longer than ``MAX_WAIT_SECONDS``, or errors that last, become TemporarySourceError
(with Slack's Retry-After) for the sync task to try again later. A refused token is one SourceError;
the token itself never appears in any error or log line.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import random
import re
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from urllib.error import HTTPError

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from crm.outbound import outbound_url_refusal
from influencers.connectors.records import (
    Checkpoint,
    CommunityRecord,
    Skipped,
    SourceError,
    TemporarySourceError,
    parse_json,
    seconds_to_wait,
)
from influencers.connectors.slack import PLATFORM, members_by_id, message_records

logger = logging.getLogger(__name__)

PAGE_SIZE = 200  # Slack's advice for paginated methods: no more than 200 a page
LOOKBACK_SECONDS = 7 * 24 * 3600  # late thread replies and edits within a week are read again
MAX_WAIT_SECONDS = 120  # the longest Retry-After waited out here; a longer one is waited out by the task
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2
TIMEOUT_SECONDS = 30
# The largest answer read: a page of 200 messages with their blocks and reactions is well under a
# megabyte; a body beyond this is a broken or hostile server, not Slack, and is not held in memory.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # "\ud83d" in JSON text: maybe half an emoji
TOKEN_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
# Said to whoever reads the failure (a manager on the community page, an operator at the command
# line): the connector does not know whether the token was the community's own or the operator's.
REPLACE_THE_TOKEN = (
    "it was revoked or mistyped; an operator replaces it (admin: Live Slack or Discord connections, or SLACK_BOT_TOKEN)"
)
CHANNEL_GONE = {"not_in_channel", "channel_not_found"}
THREAD_GONE = {"thread_not_found"}  # its first message deleted between history and replies


def _retry_after(headers) -> float | None:
    """A response's Retry-After in seconds (Slack sends whole seconds), None if absent or unreadable.
    slack_sdk hands retry handlers a header's values as a list, and a SlackResponse plain strings."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            return seconds_to_wait(value[0] if isinstance(value, list) and value else value)
    return None


class BoundedRateLimitRetry(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, but waiting no longer than MAX_WAIT_SECONDS. The stock handler
    sleeps whatever Retry-After says (a worker held idle for ten minutes, past the task's time
    limit) and raises ValueError on a header that is not a whole number; this one declines the
    retry instead, so the 429 comes back as an answer, which ``_call`` turns into a
    TemporarySourceError carrying the Retry-After for the task to wait out."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        seconds = _retry_after(response.headers)
        return seconds is None or seconds <= MAX_WAIT_SECONDS

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        seconds = _retry_after(response.headers if response is not None else None)
        # A little jitter, as the stock handler adds, so several workers do not come back at once.
        time.sleep((1.0 if seconds is None else seconds) + random.random() / 2)
        state.next_attempt_requested = True
        state.increment_current_attempt()


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Slack's Web API never redirects. urllib would follow a 30x to any host, private ones
    included, carrying the Authorization header (the bot token) with it: the 30x is an error instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 30x, which slack_sdk reads as a failed answer


class _GuardedWebClient(WebClient):
    """slack_sdk's WebClient, opening its requests without following redirects and reading at
    most MAX_ANSWER_BYTES of an answer (slack_sdk reads a body whole, however long). The body of
    slack_sdk's own method, as of slack_sdk 3.48, minus the proxy and gzip cases we never use."""

    def _perform_urllib_http_request_internal(self, url: str, req: urllib.request.Request) -> dict:
        if not url.lower().startswith(("http://", "https://")):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        opener = urllib.request.build_opener(_RefuseRedirects(), urllib.request.HTTPSHandler(context=self.ssl))
        try:
            resp = opener.open(req, timeout=self.timeout)
        except HTTPError as error:
            # slack_sdk reads an error's body itself: hand it one already cut to size.
            body = _bounded_read(error, url)
            raise HTTPError(error.url, error.code, error.msg, error.headers, io.BytesIO(body)) from None
        with resp:
            body = _bounded_read(resp, url)
        charset = resp.headers.get_content_charset() or "utf-8"
        text = body.decode(charset, errors="replace")
        if SURROGATE_ESCAPE.search(text):
            # slack_sdk reads JSON with Python's json, which keeps a lone surrogate (half an emoji in a
            # name or a message) that no database stores: read as the other connectors read JSON.
            try:
                text = json.dumps(parse_json(body), ensure_ascii=False)
            except ValueError:
                pass  # not JSON: slack_sdk says so
        return {"status": resp.code, "headers": resp.headers, "body": text}


def _bounded_read(answer, url: str) -> bytes:
    body = answer.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        answer.close()
        method = url.rsplit("/", 1)[-1].split("?")[0]
        raise SourceError(f"failed: Slack {method}: the answer is too large (over {MAX_ANSWER_BYTES // 2**20} MB)")
    return body


def api_base_url(base_url: str | None = None) -> str:
    """The Web API's address (``settings.SLACK_API_URL`` unless given), ending in "/" as slack_sdk
    joins method names to it."""
    url = (base_url or settings.SLACK_API_URL).strip()
    return url if url.endswith("/") else url + "/"


def slack_client(*, token: str, base_url: str | None = None) -> WebClient:
    """A WebClient on the bot ``token`` with bounded retries; refuses an address the outbound
    policy refuses (crm/outbound.py) before the token is sent anywhere."""
    url = api_base_url(base_url)
    refusal = outbound_url_refusal(url)
    if refusal is not None:
        raise SourceError(f"refused: {url}: {refusal}")
    if not token:
        raise SourceError("no Slack bot token: set SLACK_BOT_TOKEN, or give the community a token of its own")
    return _GuardedWebClient(
        token=token,
        base_url=url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            BoundedRateLimitRetry(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
        ],
    )


class _Refused(SourceError):
    """Slack will not let the bot read this channel or thread (any more): it is skipped, the sync
    goes on. (A SourceError, so that one from a call that is not about a channel fails the sync.)"""

    def __init__(self, method: str, code: str):
        super().__init__(f"failed: Slack {method}: {code}")
        self.code = code


def _call(client: WebClient, method: str, **params) -> dict:
    """One Web API call's answer, with Slack's errors turned into ours. slack_sdk has already
    retried 429s (see BoundedRateLimitRetry), 500/503s and dropped connections."""
    try:
        answer = client.api_call(method, params={k: v for k, v in params.items() if v is not None})
    except SlackApiError as error:
        raise _translate(error.response, method, token=client.token) from None
    except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets, after the retries
        logger.warning("slack %s: %s after %s retries", method, type(error).__name__, CONNECTION_ERROR_RETRIES)
        raise TemporarySourceError(f"failed: Slack {method}: no answer ({type(error).__name__})") from None
    except (ValueError, SlackClientError):  # an answer slack_sdk could not read as JSON
        raise SourceError(f"failed: Slack {method}: did not answer JSON (is SLACK_API_URL Slack's Web API?)") from None
    data = answer.data
    if not isinstance(data, dict):
        raise SourceError(f"failed: Slack {method}: did not answer a JSON object")
    return data


def _without_token(text: str, token: str | None) -> str:
    """Text a server wrote, which goes into errors an operator and managers read: a server (or a
    proxy) repeating the Authorization header back must not put the bot token there."""
    return text.replace(token, "[the bot token]") if token else text


def _translate(response, method: str, *, token: str | None = None) -> Exception:
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = _without_token(str(data.get("error") or ""), token)
    if status == 429:
        seconds = _retry_after(response.headers)
        wait = f"; Slack asks to wait {seconds:.0f} s" if seconds is not None else ""
        return TemporarySourceError(f"failed: Slack {method}: rate-limited (429){wait}", retry_after=seconds)
    if status >= 500:
        return TemporarySourceError(f"failed: Slack {method}: answered {status}, also after the retries")
    if code in TOKEN_REFUSED:
        return SourceError(f"Slack refused the bot token ({code}): {REPLACE_THE_TOKEN}")
    if code == "missing_scope":
        needed = _without_token(str(data.get("needed") or "?"), token)
        return SourceError(f"Slack refused {method}: the bot lacks the scope {needed} (add it to the Slack app)")
    if code in CHANNEL_GONE | THREAD_GONE:
        return _Refused(method, code)
    if code.startswith("Received a response in a non-JSON format"):  # slack_sdk's words for it
        return SourceError(f"failed: Slack {method}: did not answer JSON (is SLACK_API_URL Slack's Web API?)")
    if code == "ratelimited":  # a 429's code on another status: still a rate limit
        return TemporarySourceError(f"failed: Slack {method}: rate-limited", retry_after=_retry_after(response.headers))
    return SourceError(f"failed: Slack {method}: {code or f'answered {status}'}"[:300])


def _pages(client: WebClient, method: str, key: str, **params) -> Iterator[list]:
    """A cursor-paginated method's lists (``key``: "members", "channels", "messages"), page by page."""
    cursor, cursors_seen = None, set()
    while True:
        data = _call(client, method, cursor=cursor, **params)
        items = data.get(key)
        if not isinstance(items, list):
            raise SourceError(f"failed: Slack {method}: the answer holds no {key} list")
        yield items
        metadata = data.get("response_metadata")
        cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
        if not cursor or not isinstance(cursor, str):
            return
        # A cursor given before would read the same pages again, forever (a broken or hostile server).
        if cursor in cursors_seen:
            raise SourceError(f"failed: Slack {method}: the next_cursor repeats an earlier one; the list never ends")
        cursors_seen.add(cursor)


def _ts_number(ts) -> Decimal | None:
    """A message's ts as an exact number (floats lose its sixth decimal), None if it is not one."""
    try:
        value = Decimal(str(ts))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _is_public_invited(channel) -> bool:
    return (
        isinstance(channel, dict)
        and isinstance(channel.get("id"), str)
        and channel.get("is_member") is True
        # Never a DM, a group DM or a private channel, whatever the answer holds.
        and not any(channel.get(flag) for flag in ("is_private", "is_im", "is_mpim", "is_group"))
    )


def _workspace(client: WebClient, team: str) -> tuple[dict, str, str]:
    """``auth.test``'s answer, the team id and the workspace's name; SourceError when the token is
    refused or belongs to another workspace."""
    identity = _call(client, "auth.test")
    team_id, team_name = identity.get("team_id"), str(identity.get("team") or identity.get("team_id") or "")
    if team_id != team:
        raise SourceError(f"the bot token belongs to workspace {team_name!r} ({team_id}), not {team}")
    return identity, team_id, team_name


def workspace_name(team: str, *, token: str, base_url: str | None = None) -> str:
    """The workspace's name, asking Slack with ``token`` (one request, ``auth.test``): how an
    operator's new token is checked before it is stored. Raises as ``read_workspace`` does."""
    return _workspace(slack_client(token=token, base_url=base_url), team)[2]


def read_workspace(
    team: str,
    *,
    token: str,
    checkpoint: dict | None = None,
    base_url: str | None = None,
    limit: int | None = None,
) -> Iterator:
    """The records of workspace ``team`` (its id, "T…") that the bot ``token`` can read: the
    community, each invited public channel's messages with their threads, mentions and reactions,
    and a Checkpoint after each channel. ``limit``: at most this many top-level messages per
    channel, newest first. Costs one request per 200 messages and one per thread."""
    client = slack_client(token=token, base_url=base_url)
    identity, team_id, team_name = _workspace(client, team)
    users = members_by_id([m for page in _pages(client, "users.list", "members", limit=PAGE_SIZE) for m in page])
    url = identity.get("url") if isinstance(identity.get("url"), str) else ""
    community = CommunityRecord(PLATFORM, team_id, name=team_name[:200], url=url)
    yield community
    stored = (checkpoint or {}).get("channels")
    newest = {k: v for k, v in stored.items() if isinstance(v, str)} if isinstance(stored, dict) else {}
    channels = [
        c
        for page in _pages(
            client, "conversations.list", "channels", types="public_channel", exclude_archived=True, limit=PAGE_SIZE
        )
        for c in page
        if _is_public_invited(c)
    ]
    for channel in channels:
        channel_id = channel["id"]
        name = channel.get("name") if isinstance(channel.get("name"), str) and channel.get("name") else channel_id
        reader = _ChannelReader(client, community, users, channel_id, name)
        try:
            yield from reader.read(since=newest.get(channel_id), limit=limit)
        except _Refused as refused:
            if refused.code not in CHANNEL_GONE:
                raise
            yield Skipped(f"#{name}", f"Slack refused the channel ({refused.code}); the bot may have been removed")
            continue
        if reader.newest is not None and not reader.cut_short:
            # Never backwards (the newest message may have been deleted since).
            old = _ts_number(newest.get(channel_id))
            if old is None or _ts_number(reader.newest) > old:
                newest[channel_id] = reader.newest
        yield Checkpoint({"channels": dict(newest)})


class _ChannelReader:
    """One channel's messages, threads included, each ts yielded once."""

    def __init__(self, client: WebClient, community: CommunityRecord, users: dict, channel_id: str, name: str):
        self.client, self.community, self.users = client, community, users
        self.channel_id, self.name = channel_id, name
        self.newest: str | None = None  # the newest ts history listed (its checkpoint), as Slack wrote it
        self.cut_short = False
        # Replies already yielded: a reply also sent to the channel (thread_broadcast) is listed by
        # history and by its thread. Only replies are kept, not every message of the channel.
        self.replies_seen: set[str] = set()

    def read(self, *, since: str | None, limit: int | None) -> Iterator:
        since_number = _ts_number(since) if since else None
        oldest = str(since_number - LOOKBACK_SECONDS) if since_number is not None else None
        top_level = 0
        for page in _pages(
            self.client, "conversations.history", "messages", channel=self.channel_id, oldest=oldest, limit=PAGE_SIZE
        ):
            for message in page:
                ts = message.get("ts") if isinstance(message, dict) else None
                thread_ts = message.get("thread_ts") if isinstance(message, dict) else None
                is_reply = bool(thread_ts) and thread_ts != ts
                if is_reply and isinstance(ts, str):
                    if ts in self.replies_seen:
                        continue
                    self.replies_seen.add(ts)
                elif not is_reply:
                    if limit and top_level >= limit:
                        self.cut_short = True
                        return
                    top_level += 1
                records = self._records(message)
                yield from records
                # Only a message that could be used moves the checkpoint: a ts such as "1e400" would
                # otherwise start every later read after the end of time, and nothing would be read again.
                if not any(isinstance(record, Skipped) for record in records):
                    self._saw(ts)
                reply_count = message.get("reply_count") if isinstance(message, dict) else None
                if not is_reply and thread_ts == ts and isinstance(reply_count, int) and reply_count > 0:
                    yield from self._thread(ts)

    def _thread(self, thread_ts: str) -> Iterator:
        pages = _pages(
            self.client, "conversations.replies", "messages", channel=self.channel_id, ts=thread_ts, limit=PAGE_SIZE
        )
        try:
            for page in pages:
                for reply in page:
                    ts = reply.get("ts") if isinstance(reply, dict) else None
                    if isinstance(ts, str):
                        if ts == thread_ts or ts in self.replies_seen:  # the parent, or a reply history listed
                            continue
                        self.replies_seen.add(ts)
                    yield from self._records(reply)
        except _Refused as refused:
            if refused.code not in THREAD_GONE:
                raise
            yield Skipped(f"#{self.name} thread {thread_ts}", "the thread was deleted while it was being read")

    def _records(self, message) -> list:
        try:
            return message_records(message, self.community, self.name, self.users)
        # What the export connector raises for a message it cannot use (OverflowError: "1e400").
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            ts = message.get("ts") if isinstance(message, dict) else None
            return [Skipped(f"#{self.name} message {ts!s:.40}", f"unusable message ({error})")]

    def _saw(self, ts) -> None:
        number = _ts_number(ts)
        if number is not None and (self.newest is None or number > _ts_number(self.newest)):
            self.newest = str(ts)
