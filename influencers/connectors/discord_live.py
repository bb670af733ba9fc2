"""Discord, live: a server read through Discord's REST API (v10) by the operator's bot.

The bot must be in the server, with View Channels and Read Message History. Server nicknames need
the privileged Server Members intent (switched on in the developer portal); without it the list of
members answers 403 and names come from the messages' authors (their global display names).

What a sync reads, in order:

- the server (``/guilds/{id}``): the community, with the key and URL the DiscordChatExporter
  connector gives it, so an export and a live sync of one server land in one community;
- its members (``/guilds/{id}/members``, 1,000 a page), for their server nicknames only;
- its text and announcement channels, each followed by its threads: the active ones
  (``/guilds/{id}/threads/active``) and the archived public ones (``/channels/{id}/threads/archived/public``,
  page by page); a forum channel has threads only. Private threads are not read: like direct messages
  (``/users/@me/channels`` is never asked for), their words were not said in public. A channel or
  thread the bot cannot see (403) is skipped, saying so, and the rest is read;
- each channel's and thread's messages, oldest first, 100 a page (``after=``). Every message is put
  in the shape DiscordChatExporter writes and handed to that connector's ``_message``, so its records
  (ids, replies, mentions, reactions, bots, Discord's "Deleted User") are the same whichever way it came.

Reactions: a message lists each emoji with its count; who reacted costs one request per emoji
(``/reactions/{emoji}``), of which one page is read: the first 100 people. Beyond 100 the rest stays
a count, in the message's score.

Incremental: the checkpoint holds, per channel and thread, the newest message id read
(``{"channels": {id: message id}}``). The next sync reads each again from a week (``LOOKBACK``)
before that message, so edits and reactions on recent messages are seen: a snowflake id holds its
time. The checkpoint is yielded after each channel or thread is read whole; one cut off by an error
keeps its old value. Discord does not list deleted messages, so one is never created again (what was
stored stays, unmarked). ``limit`` caps the new messages read per channel (a sample of a big server).

Why a thin client on requests, not discord.py's HTTPClient: discord.py is asyncio and aiohttp, so its
requests would go around the outbound policy (crm/outbound.py: pinned addresses, redirects checked,
the bot token never sent on to another host), and a sync needs a handful of GETs. The rate limits
are then kept here, by hand, as no maintained synchronous Discord client does it: each answer's
``X-RateLimit-Bucket``/``-Remaining``/``-Reset-After`` say when a bucket (per route and channel or
server) is empty, and the next request to it waits until it refills; a 429 is waited out as its
``retry_after`` says and tried again, up to ``MAX_RETRIES`` times; a wait of more than
``MAX_WAIT_SECONDS`` is not slept in the task but handed to Celery (``TemporarySourceError`` with
``retry_after``). A 5xx or a failed connection is tried again after 1, 2 and 4 s. Errors say
"refused: …" or "failed: …" and the URL asked; never the token, which travels only in a header.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests
from django.conf import settings

from crm.outbound import OutboundRefused, outbound_detail, outbound_failure, outbound_session, outbound_url_refusal
from influencers.connectors.discord import PLATFORM, _message, _objects
from influencers.connectors.records import (
    Checkpoint,
    CommunityRecord,
    Skipped,
    SourceError,
    TemporarySourceError,
    parse_json,
    seconds_to_wait,
)

logger = logging.getLogger(__name__)

API_URL = "https://discord.com/api/v10"
# Discord asks bots to say who they are: "DiscordBot ($url, $version)". The URL is the operator's
# own server (PUBLIC_URL); without one, the bot says so rather than name a site that is not its own.
USER_AGENT_URL_UNSET = "PUBLIC_URL not set"
DISCORD_EPOCH_MS = 1_420_070_400_000  # a snowflake's time is (id >> 22) ms after this
LOOKBACK = timedelta(days=7)  # recent messages are read again: their edits and reactions
MESSAGES_PER_PAGE = 100  # Discord's maximum
MEMBERS_PER_PAGE = 1000  # Discord's maximum
ARCHIVED_THREADS_PER_PAGE = 100
REACTORS_PER_EMOJI = 100  # one page of who reacted; the rest stays a count
MAX_RETRIES = 5  # 429s in a row before giving the sync back to Celery
MAX_WAIT_SECONDS = 120  # the longest wait slept in the task; a longer one is waited out by Celery
BACKOFF_SECONDS = 1  # after a 5xx or a failed connection: 1, 2, 4 s
SERVER_ERROR_RETRIES = 3
# The largest answer read: a page of 100 messages with embeds is a few hundred kilobytes; a body
# beyond this is a broken or hostile server, and is not held in memory.
MAX_ANSWER_BYTES = 32 * 1024 * 1024

TEXT, ANNOUNCEMENT, FORUM = 0, 5, 15
PUBLIC_THREADS = {10, 11}  # announcement thread, public thread; 12 is a private thread
# API message types as DiscordChatExporter names them; any other type is a system message
# (a join, a pin, a boost), which the export connector passes over.
MESSAGE_TYPES = {0: "Default", 19: "Reply", 21: "ThreadStarterMessage"}


def time_of(snowflake: int) -> datetime:
    """When a Discord id was made."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def snowflake_at(moment: datetime) -> int:
    """The smallest id made at ``moment`` (0 before Discord's epoch): ``after=`` it starts there."""
    return max(0, (int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)


class NoAccess(SourceError):
    """Discord answered 403 (the bot may not see it) or 404 (there is no such thing)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status} {message}")
        self.status = status


def _route(path: str) -> tuple[str, str]:
    """(route, major resource) for rate limits: Discord's buckets are per route and per channel or
    server, so ``/channels/1/messages`` and ``/channels/2/messages`` have one bucket name but
    separate counts."""
    parts = path.strip("/").split("/")
    major = "/".join(parts[:2])
    rest = ["{emoji}" if parts[i - 1] == "reactions" else "{id}" if part.isdigit() else part
            for i, part in enumerate(parts[2:], start=2)]  # fmt: skip
    return "/".join([parts[0], *rest]), major


class DiscordClient:
    """GETs to Discord's API as the bot, through the outbound policy, keeping to the rate limits."""

    def __init__(self, token: str, *, base_url: str | None = None, sleep: Callable[[float], None] = time.sleep):
        if not token:
            raise SourceError("no Discord bot token: set DISCORD_BOT_TOKEN")
        if base_url is None:
            base_url = getattr(settings, "DISCORD_API_URL", API_URL) if settings.configured else API_URL
        self.base = base_url.strip().rstrip("/")
        refusal = outbound_url_refusal(self.base)
        if refusal is not None:  # before the token is attached to anything
            raise SourceError(f"refused: {self.base}: {refusal}")
        self.sleep = sleep
        self._token = token  # only to keep it out of what a server writes back (see get)
        self.session = outbound_session(follow_redirects=True, credential_headers=("Authorization",))
        public_url = getattr(settings, "PUBLIC_URL", "") if settings.configured else ""
        self.session.headers.update(
            {
                "Authorization": f"Bot {token}",
                "User-Agent": f"DiscordBot ({public_url or USER_AGENT_URL_UNSET}, 1.0)",
                "Accept": "application/json",
            }
        )
        self.bucket_of: dict[str, str] = {}  # route → Discord's bucket name
        self.empty_until: dict[tuple[str, str], float] = {}  # (bucket, major) → monotonic time it refills

    def get(self, path: str, params: dict | None = None):
        """The JSON Discord answers; NoAccess for a 403 or 404, SourceError for a refused token or an
        answer that is not JSON, TemporarySourceError when Discord stays unavailable or rate-limited."""
        url = self.base + path
        route, major = _route(path)
        rate_limited = failed = 0
        while True:
            self._wait_for_bucket(route, major, url)
            try:
                # Streamed, so that an answer is read only up to MAX_ANSWER_BYTES (see _body).
                response = self.session.get(url, params=params, stream=True)
                body = _body(response, url)
            except OutboundRefused as error:  # a DNS answer or a redirect to a refused address
                logger.warning("discord %s: %s", url, outbound_detail(error))
                raise SourceError(f"refused: {url}: {error.reason}") from None
            except requests.RequestException as error:
                logger.warning("discord %s: %s", url, outbound_detail(error))
                failed += 1
                if failed > SERVER_ERROR_RETRIES:
                    what = outbound_failure(error).removeprefix("failed: ")
                    raise TemporarySourceError(
                        f"failed: {url}: {what}, also after {SERVER_ERROR_RETRIES} retries"
                    ) from None
                self.sleep(BACKOFF_SECONDS * 2 ** (failed - 1))
                continue
            self._note_bucket(route, major, response.headers)
            status = response.status_code
            if status == 429:
                wait = _retry_after(response, body)
                rate_limited += 1
                if wait > MAX_WAIT_SECONDS or rate_limited > MAX_RETRIES:
                    raise TemporarySourceError(
                        f"failed: {url}: Discord is rate-limiting the bot (429), retry in {wait:g} s",
                        retry_after=wait,
                    )
                self.sleep(wait)
                self.empty_until.pop((self.bucket_of.get(route, ""), major), None)  # waited out just now
                continue
            if status >= 500:
                failed += 1
                if failed > SERVER_ERROR_RETRIES:
                    raise TemporarySourceError(
                        f"failed: {url}: answered {status}, also after {SERVER_ERROR_RETRIES} retries"
                    )
                self.sleep(BACKOFF_SECONDS * 2 ** (failed - 1))
                continue
            if status == 401:
                raise SourceError(
                    "Discord refused the bot token (401 Unauthorized): it was reset or mistyped; an operator replaces "
                    "it (admin: Live Slack or Discord connections, or DISCORD_BOT_TOKEN)"
                )
            if status in (403, 404):
                # Discord's own words go into Skipped reasons: never the token, should a server echo it.
                raise NoAccess(status, _discord_message(body).replace(self._token, "[the bot token]"))
            if not 200 <= status < 300:
                raise SourceError(f"failed: {url}: answered {status}")
            try:
                return parse_json(body)
            except ValueError:
                raise SourceError(f"failed: {url}: did not answer JSON (is this Discord's API?)") from None

    def _wait_for_bucket(self, route: str, major: str, url: str) -> None:
        key = (self.bucket_of.get(route, ""), major)
        until = self.empty_until.pop(key, None)
        if until is None:
            return
        wait = until - time.monotonic()
        if wait > MAX_WAIT_SECONDS:
            raise TemporarySourceError(f"failed: {url}: Discord's rate limit resets in {wait:.0f} s", retry_after=wait)
        if wait > 0:
            self.sleep(wait)

    def _note_bucket(self, route: str, major: str, headers) -> None:
        bucket = headers.get("X-RateLimit-Bucket")
        if bucket:
            self.bucket_of[route] = bucket
        reset_after = seconds_to_wait(headers.get("X-RateLimit-Reset-After"))
        if headers.get("X-RateLimit-Remaining") == "0" and reset_after is not None:
            self.empty_until[(self.bucket_of.get(route, ""), major)] = time.monotonic() + reset_after


def _body(response, url: str) -> bytes:
    """An answer's body, read up to MAX_ANSWER_BYTES; SourceError beyond (the rest is never read)."""
    try:
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise SourceError(f"failed: {url}: the answer is too large (over {MAX_ANSWER_BYTES // 2**20} MB)")
        return b"".join(chunks)
    finally:
        response.close()


def _retry_after(response, body: bytes) -> float:
    """A 429's wait in seconds: the body's ``retry_after`` (fractions of a second), else the
    ``Retry-After`` header, else the bucket's reset, else a second."""
    try:
        body = parse_json(body)
    except ValueError:
        body = None
    seconds = seconds_to_wait(body.get("retry_after")) if isinstance(body, dict) else None
    for header in ("Retry-After", "X-RateLimit-Reset-After"):
        if seconds is None:
            seconds = seconds_to_wait(response.headers.get(header))
    return 1.0 if seconds is None else seconds


def _discord_message(body: bytes) -> str:
    try:
        body = parse_json(body)
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:100] if message else ""


@dataclass
class ServerNames:
    """What a message's author and mentions are called in the server, as DiscordChatExporter names
    them: people by server nickname, else global display name, else user name; channels and roles
    by name."""

    nicknames: dict[str, str] = field(default_factory=dict)  # member id → server nickname
    channels: dict[str, str] = field(default_factory=dict)  # channel id → "#name" (voice: "#name [voice]")
    roles: dict[str, str] = field(default_factory=dict)  # role id → name

    def display_name(self, user: dict) -> str | None:
        member = user.get("member") if isinstance(user.get("member"), dict) else {}
        return (
            self.nicknames.get(str(user.get("id")))
            or member.get("nick")
            or user.get("global_name")
            or user.get("username")
        )

    def plain_text(self, content, mentioned: list) -> str:
        """Message content as DiscordChatExporter's JSON holds it: ``<@id>`` becomes ``@name``,
        ``<#id>`` ``#channel``, ``<@&id>`` ``@role``, a server's emoji ``:name:``. Timestamps
        (``<t:…>``) stay as written: the exporter formats them in its user's locale."""
        if not isinstance(content, str) or "<" not in content:
            return content
        people = {str(u.get("id")): self.display_name(u) for u in mentioned if isinstance(u, dict)}

        def person(match):
            return "@" + (people.get(match[1]) or self.nicknames.get(match[1]) or "Unknown")

        content = _USER_MENTION.sub(person, content)
        content = _ROLE_MENTION.sub(lambda m: "@" + self.roles.get(m[1], "deleted-role"), content)
        content = _CHANNEL_MENTION.sub(lambda m: self.channels.get(m[1], "#deleted-channel"), content)
        return _CUSTOM_EMOJI.sub(lambda m: f":{m[1]}:", content)


# The mention forms of Discord's markup, as DiscordChatExporter's minimal markdown parser reads them.
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#!?(\d+)>")
_CUSTOM_EMOJI = re.compile(r"<a?:(.+?):\d+?>")
VOICE_CHANNELS = {2, 13}  # voice, stage


def _exporter_author(user, names: ServerNames):
    """An API user as DiscordChatExporter writes an author."""
    if not isinstance(user, dict):
        return user  # the export connector says why it is unusable
    return {
        "id": user.get("id"),
        "name": user.get("username"),
        "discriminator": user.get("discriminator"),
        "nickname": names.display_name(user),
        "isBot": bool(user.get("bot")),
    }


def _reactors(client: DiscordClient, channel_id: str, message_id: str, emoji: dict) -> list:
    """The first page of who reacted with ``emoji`` (a custom emoji is asked for as ``name:id``);
    none when the message or emoji has gone since the page was read."""
    name, emoji_id = emoji.get("name"), emoji.get("id")
    if not isinstance(name, str) or not name:
        return []  # a custom emoji deleted from the server: it can no longer be asked for
    key = f"{name}:{emoji_id}" if emoji_id else name
    path = f"/channels/{channel_id}/messages/{message_id}/reactions/{quote(key, safe='')}"
    try:
        users = client.get(path, {"limit": REACTORS_PER_EMOJI})
    except NoAccess:
        return []
    return users if isinstance(users, list) else []


def exporter_message(client: DiscordClient, channel_id: str, message: dict, names: ServerNames) -> dict:
    """An API message as DiscordChatExporter writes it, with who reacted (asked for only for
    messages that are conversation)."""
    kind = MESSAGE_TYPES.get(message.get("type"), "System")
    reference = message.get("message_reference")
    reactions = []
    for reaction in _objects(message.get("reactions"), "reactions") if kind != "System" else []:
        emoji = reaction.get("emoji") if isinstance(reaction.get("emoji"), dict) else {}
        users = _reactors(client, channel_id, str(message["id"]), emoji) if reaction.get("count") else []
        reactions.append(
            {
                "emoji": {"id": emoji.get("id") or "", "name": emoji.get("name")},
                "count": reaction.get("count"),
                "users": [_exporter_author(user, names) for user in users],
            }
        )
    mentions = _objects(message.get("mentions"), "mentions")
    return {
        "id": message["id"],
        "type": kind,
        "timestamp": message.get("timestamp"),
        "timestampEdited": message.get("edited_timestamp"),
        "content": names.plain_text(message.get("content"), mentions),
        "author": _exporter_author(message.get("author"), names),
        "reactions": reactions,
        "mentions": [_exporter_author(user, names) for user in mentions],
        "reference": {"messageId": reference.get("message_id")} if isinstance(reference, dict) else None,
    }


def _is_id(value) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) <= 20


def _messages(client, community, guild_id: str, channel_id: str, conversation: str, *, start: int, known: int,
              limit: int | None, names: ServerNames) -> Iterator:  # fmt: skip
    """The records of a channel's or thread's messages after ``start``, oldest first; returns the
    newest message id read (None if none). ``limit``: at most so many messages newer than ``known``."""
    after, newest, new = start, None, 0
    while True:
        page = client.get(f"/channels/{channel_id}/messages", {"after": after, "limit": MESSAGES_PER_PAGE})
        if not isinstance(page, list):
            raise SourceError(f"failed: {client.base}/channels/{channel_id}/messages: not a list of messages")
        # Discord answers newest first; ids are compared as numbers (they grow in length over time).
        messages = sorted((m for m in page if isinstance(m, dict) and _is_id(m.get("id"))), key=lambda m: int(m["id"]))
        for message in messages:
            message_id = int(message["id"])
            try:
                shaped = exporter_message(client, channel_id, message, names)
                yield from _message(shaped, community, conversation, guild_id, channel_id)
            except (KeyError, TypeError, ValueError) as error:
                yield Skipped(f"channel {channel_id} message {message_id}", f"unusable message ({error})")
            newest = message_id
            new += message_id > known
            if limit and new >= limit:
                return newest
        if len(page) < MESSAGES_PER_PAGE or not messages:
            return newest
        if int(messages[-1]["id"]) <= after:
            # The same page again (``after`` ignored): asking on would never end.
            raise SourceError(f"failed: {client.base}/channels/{channel_id}/messages: the pages did not advance")
        after = int(messages[-1]["id"])


def _nicknames(client: DiscordClient, guild_id: str) -> dict[str, str]:
    """Member id → server nickname, for those who set one. Without the Server Members intent
    Discord answers 403: names then come from the messages."""
    nicknames, after = {}, "0"
    while True:
        try:
            page = client.get(f"/guilds/{guild_id}/members", {"limit": MEMBERS_PER_PAGE, "after": after})
        except NoAccess:
            return nicknames
        if not isinstance(page, list):
            return nicknames
        members = [m for m in page if isinstance(m, dict) and isinstance(m.get("user"), dict)]
        for member in members:
            if member.get("nick"):
                nicknames[str(member["user"].get("id"))] = str(member["nick"])
        ids = [int(m["user"]["id"]) for m in members if _is_id(m["user"].get("id"))]
        if len(page) < MEMBERS_PER_PAGE or not ids or max(ids) <= int(after):
            return nicknames  # the last page, or the same page again (nicknames are a nicety: keep what we have)
        after = str(max(ids))


def _archived_threads(client: DiscordClient, channel_id: str) -> Iterator[dict]:
    """A channel's archived public threads, most recently archived first, page by page."""
    before, seen = None, set()
    while True:
        params = {"limit": ARCHIVED_THREADS_PER_PAGE, **({"before": before} if before else {})}
        page = client.get(f"/channels/{channel_id}/threads/archived/public", params)
        threads = page.get("threads") if isinstance(page, dict) else None
        if not isinstance(threads, list):
            return
        threads = [t for t in threads if isinstance(t, dict)]
        new = [t for t in threads if t.get("id") not in seen]
        seen.update(t.get("id") for t in new if isinstance(t.get("id"), str))
        yield from new
        metadata = threads[-1].get("thread_metadata") if threads else None
        last = metadata.get("archive_timestamp") if isinstance(metadata, dict) else None
        # A page of no new thread (the same one again, whatever its timestamps say) ends the list.
        if not page.get("has_more") or not isinstance(last, str) or last == before or not new:
            return
        before = last


def _place(channel: dict) -> str:
    name = channel.get("name")
    return f"#{name} ({channel['id']})" if isinstance(name, str) and name else f"channel {channel['id']}"


def _server(client: DiscordClient, guild_id: str):
    """``GET /guilds/{id}``: the server as Discord describes it; SourceError when the token is
    refused, the bot is not in it or there is no such server."""
    if not _is_id(guild_id):
        raise SourceError(f"{guild_id!r:.40} is not a Discord server id (a number such as 704112345678901234)")
    try:
        return client.get(f"/guilds/{guild_id}")
    except NoAccess as error:
        if error.status == 403:
            raise SourceError(f"the bot is not in the Discord server {guild_id} (403): invite it first") from None
        raise SourceError(f"Discord has no server {guild_id} (404 not found)") from None


def server_name(guild: str, *, token: str, base_url: str | None = None) -> str:
    """The server's name, asking Discord with ``token`` (one request): how an operator's new
    token is checked before it is stored. Raises as ``read_guild`` does."""
    guild_id = str(guild).strip()
    server = _server(DiscordClient(token, base_url=base_url), guild_id)
    name = server.get("name") if isinstance(server, dict) else None
    return str(name or guild_id)


def read_guild(
    guild: str,
    *,
    token: str,
    checkpoint: dict | None = None,
    base_url: str | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator:
    """A Discord server's public conversation as records: the community, then each channel's and
    thread's messages with their mentions and reactions, a Checkpoint after each."""
    guild_id = str(guild).strip()
    client = DiscordClient(token, base_url=base_url, sleep=sleep)
    server = _server(client, guild_id)
    name = server.get("name") if isinstance(server, dict) else None
    community = CommunityRecord(
        PLATFORM, guild_id, str(name or guild_id), url=f"https://discord.com/channels/{guild_id}"
    )
    yield community

    roles = server.get("roles") if isinstance(server, dict) and isinstance(server.get("roles"), list) else []
    names = ServerNames(
        nicknames=_nicknames(client, guild_id),
        roles={str(r.get("id")): str(r.get("name")) for r in roles if isinstance(r, dict)},
    )
    old = (checkpoint or {}).get("channels")
    read_to = {str(k): str(v) for k, v in old.items() if _is_id(str(v))} if isinstance(old, dict) else {}
    channels = client.get(f"/guilds/{guild_id}/channels")
    channels = (
        [c for c in channels if isinstance(c, dict) and _is_id(c.get("id"))] if isinstance(channels, list) else []
    )
    names.channels = {
        c["id"]: f"#{c.get('name')}" + (" [voice]" if c.get("type") in VOICE_CHANNELS else "") for c in channels
    }
    active = client.get(f"/guilds/{guild_id}/threads/active")
    active = active.get("threads") if isinstance(active, dict) else None
    active = [t for t in active if isinstance(t, dict) and _is_id(t.get("id"))] if isinstance(active, list) else []

    def read(channel: dict, conversation: str) -> Iterator:
        channel_id = channel["id"]
        known = int(read_to.get(channel_id, 0))
        start = snowflake_at(time_of(known) - LOOKBACK) if known else 0
        try:
            newest = yield from _messages(
                client, community, guild_id, channel_id, conversation,
                start=start, known=known, limit=limit, names=names,
            )  # fmt: skip
        except NoAccess as error:
            yield Skipped(
                _place(channel), f"the bot cannot read it ({error}): give it View Channel and Read Message History"
            )
            return False
        if newest is not None and newest > known:
            read_to[channel_id] = str(newest)
        yield Checkpoint({"channels": dict(read_to)})
        return True

    readable = [c for c in channels if c.get("type") in (TEXT, ANNOUNCEMENT, FORUM)]
    for channel in sorted(
        readable, key=lambda c: (c.get("position") if isinstance(c.get("position"), int) else 0, int(c["id"]))
    ):
        # A forum's posts are its threads. A channel the bot may not see: nor its threads (one Skipped says so).
        if channel["type"] != FORUM and not (yield from read(channel, f"channel-{channel['id']}")):
            continue
        threads = {t["id"]: t for t in active if t.get("parent_id") == channel["id"]}
        try:
            threads.update((t["id"], t) for t in _archived_threads(client, channel["id"]) if _is_id(t.get("id")))
        except NoAccess as error:
            yield Skipped(f"archived threads of {_place(channel)}", f"the bot cannot read them ({error})")
        for thread in sorted(threads.values(), key=lambda t: int(t["id"])):
            if thread.get("type") in PUBLIC_THREADS:
                yield from read(thread, f"thread-{thread['id']}")
