"""A fake of Discord's REST API (v10) on loopback, for the live Discord connector.

It answers the GETs a bot makes to read a server, in the shapes Discord answers (the API reference's
examples and its answers to a bot, 2024): the server, its members (with a bot), its channels (text,
announcement, forum, voice, a category, and one the bot may not see: 403 Missing Access), active and
archived threads, messages (``after=``/``limit=`` as Discord reads them: the ``limit`` messages right
after that id, newest first), reactions and who reacted. Every answer carries rate-limit headers; a
request without ``Authorization: Bot <token>`` gets Discord's 401.

Between syncs a test changes the server (``add_message``, ``edit_message``, ``delete_message``,
``add_reaction``), puts faults before answers (``inject``: 429s per route or global, 5xx;
``empty_bucket``: a bucket with 0 requests left) and reads what the client asked (``log``: method,
path, status and arrival time by ``time.monotonic``).

``populate(channels, messages, seed)`` builds a large deterministic server whose messages are made
from their index when asked for (a 200,000-message server costs no memory).
``python -m tests.fakes.discord_api --port N --messages M --channels C`` serves one in its own
process and prints its URL on the first line.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlparse

TOKEN = "fake-discord-bot-token-0000000000"  # as long as a token must be for the admin to take it
API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
GENERATED_SPACING_MS = 3_600_000  # between two messages of a generated channel
MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}
NOT_FOUND = {"message": "404: Not Found", "code": 0}
TEXT, VOICE, CATEGORY, ANNOUNCEMENT, PUBLIC_THREAD, FORUM = 0, 2, 4, 5, 11, 15


def snowflake(moment: datetime, sequence: int = 0) -> str:
    """A Discord id made at ``moment`` (the low 22 bits: worker, process and sequence)."""
    milliseconds = int(moment.timestamp() * 1000)
    return str(((milliseconds - DISCORD_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def moment_of(snowflake_id: str | int) -> datetime:
    return datetime.fromtimestamp(((int(snowflake_id) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def iso(moment: datetime) -> str:
    """As Discord writes times: microseconds and +00:00."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def user(id_: str, username: str, *, global_name: str | None = None, discriminator: str = "0", bot=False) -> dict:
    data = {
        "id": id_, "username": username, "avatar": None, "discriminator": discriminator, "public_flags": 0,
        "flags": 0, "banner": None, "accent_color": None, "global_name": global_name, "avatar_decoration_data": None,
        "banner_color": None, "clan": None,
    }  # fmt: skip
    if bot:
        data["bot"] = True
    return data


def member(user_data: dict, *, nick: str | None = None, joined: str = "2023-01-05T10:00:00.000000+00:00") -> dict:
    return {
        "avatar": None, "banner": None, "communication_disabled_until": None, "flags": 0, "joined_at": joined,
        "nick": nick, "pending": False, "premium_since": None, "roles": [], "unusual_dm_activity_until": None,
        "user": user_data, "mute": False, "deaf": False,
    }  # fmt: skip


def reaction(name: str, count: int, *, emoji_id: str | None = None) -> dict:
    return {
        "emoji": {"id": emoji_id, "name": name}, "count": count, "count_details": {"burst": 0, "normal": count},
        "burst_colors": [], "me_burst": False, "burst_me": False, "me": False, "burst_count": 0,
    }  # fmt: skip


def emoji_key(emoji: dict) -> str:
    """How the reactions route names an emoji: the character, or ``name:id`` for a server's own."""
    return f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else emoji["name"]


@dataclass
class Arrival:
    at: float  # time.monotonic() when the request arrived
    method: str
    path: str  # without /api/v10, with the query
    status: int


class _StoredMessages:
    """A channel's messages, kept: they can be added, edited and deleted."""

    def __init__(self):
        self.ids: list[int] = []
        self.by_id: dict[int, dict] = {}
        self.reactors: dict[tuple[int, str], list[dict]] = {}

    def add(self, message: dict) -> None:
        bisect.insort(self.ids, int(message["id"]))
        self.by_id[int(message["id"])] = message

    def delete(self, message_id: int) -> None:
        self.ids.remove(message_id)
        del self.by_id[message_id]

    def after(self, after: int, limit: int) -> list[dict]:
        start = bisect.bisect_right(self.ids, after)
        return [self.by_id[i] for i in self.ids[start : start + limit]]

    def newest(self, limit: int) -> list[dict]:
        return [self.by_id[i] for i in self.ids[-limit:]]

    def get(self, message_id: int) -> dict | None:
        return self.by_id.get(message_id)

    def users(self, message_id: int, key: str) -> list[dict]:
        return self.reactors.get((message_id, key), [])


class _GeneratedMessages:
    """A generated channel's messages, made from their index when asked for: message ``i`` is a
    hour after message ``i - 1`` (so a generated server spans months, as a real one does, and a
    sync's week of look-back is a small part of it); every fourth replies to the one before, every ninth mentions
    someone, every twentieth has reactions."""

    def __init__(self, channel_id: str, number: int, count: int, start: datetime, people: list[dict], seed: int):
        self.channel_id, self.number, self.count, self.people, self.seed = channel_id, number, count, people, seed
        self.start_ms = int(start.timestamp() * 1000)

    def id_of(self, index: int) -> int:
        return ((self.start_ms + index * GENERATED_SPACING_MS - DISCORD_EPOCH_MS) << 22) | (self.number & 0xFFF)

    def index_of(self, message_id: int) -> int | None:
        index = ((message_id >> 22) + DISCORD_EPOCH_MS - self.start_ms) // GENERATED_SPACING_MS
        return index if 0 <= index < self.count and self.id_of(index) == message_id else None

    def _user(self, index: int, salt: int = 0) -> dict:
        return self.people[(index * 7919 + self.number * 104_729 + self.seed * 31 + salt) % len(self.people)]

    def message(self, index: int) -> dict:
        author = self._user(index)
        mentions = [self._user(index, 1)] if index % 9 == 4 else []
        data = message_data(
            str(self.id_of(index)), self.channel_id, author,
            f"message {index} in channel {self.number} (seed {self.seed})"
            + (f" <@{mentions[0]['id']}>" if mentions else ""),
            moment_of(self.id_of(index)), mentions=mentions,
        )  # fmt: skip
        if index % 4 == 3:
            data["type"] = 19
            data["message_reference"] = {
                "type": 0,
                "channel_id": self.channel_id,
                "message_id": str(self.id_of(index - 1)),
            }
        if index % 20 == 10:
            data["reactions"] = [reaction("👍", 2)]
        return data

    def after(self, after: int, limit: int) -> list[dict]:
        start = bisect.bisect_right(range(self.count), after, key=self.id_of)
        return [self.message(i) for i in range(start, min(start + limit, self.count))]

    def newest(self, limit: int) -> list[dict]:
        return [self.message(i) for i in range(max(0, self.count - limit), self.count)]

    def get(self, message_id: int) -> dict | None:
        index = self.index_of(message_id)
        return None if index is None else self.message(index)

    def users(self, message_id: int, key: str) -> list[dict]:
        index = self.index_of(message_id)
        if index is None or index % 20 != 10 or key != "👍":
            return []
        return [self._user(index, 2), self._user(index, 3)]


def message_data(id_: str, channel_id: str, author: dict, content: str, at: datetime, *, mentions=()) -> dict:
    """A message as ``GET /channels/{id}/messages`` answers it (a default message)."""
    return {
        "type": 0, "content": content, "mentions": list(mentions), "mention_roles": [], "attachments": [],
        "embeds": [], "timestamp": iso(at), "edited_timestamp": None, "flags": 0, "components": [], "id": id_,
        "channel_id": channel_id, "author": author, "pinned": False, "mention_everyone": False, "tts": False,
    }  # fmt: skip


class FakeDiscord:
    def __init__(self, *, token: str = TOKEN, recorded: bool = True):
        self.token = token
        self.lock = threading.RLock()
        self.guild_id = snowflake(datetime(2020, 5, 1, tzinfo=UTC))
        self.guild: dict = {"id": self.guild_id, "name": "Sourdough Society", "icon": None, "features": []}
        self.members: list[dict] = []
        self.members_intent = True  # False: the members list answers 403, as without the privileged intent
        self.channels: list[dict] = []
        self.threads: list[dict] = []
        self.messages: dict[str, _StoredMessages | _GeneratedMessages] = {}
        self.hidden: set[str] = set()  # channels the bot may not see: 403 Missing Access
        self.log: list[Arrival] = []
        self.faults: list[list] = []  # [route prefix or None, times left, status, body, headers]
        self.exhausted: dict[str, float] = {}  # route prefix → reset-after, said once with Remaining 0
        self.clock = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)  # when the next added message is written
        self._server = None
        if recorded:
            self._record_sourdough()

    # --- the server --------------------------------------------------------------------------
    def _record_sourdough(self) -> None:
        """A small server, in the shapes Discord answers: #general with a join, a question with
        reactions, a reply with a mention and a custom emoji, a bot and a deleted user; an active and an
        archived thread; #announcements; a forum with one archived post; #mods-only the bot may not see;
        a voice channel and a category."""
        start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        self.guild = {
            "id": self.guild_id, "name": "Sourdough Society", "icon": None, "description": None, "splash": None,
            "features": ["COMMUNITY"], "owner_id": "100000000000000001", "region": "deprecated",
            "verification_level": 1,
            "system_channel_id": None, "rules_channel_id": None, "preferred_locale": "en-US", "nsfw_level": 0,
            "premium_tier": 0, "emojis": [], "stickers": [],
            "roles": [
                {"id": self.guild_id, "name": "@everyone", "color": 0, "position": 0, "permissions": "1071698660929"},
                {"id": "1100000000000000001", "name": "Bakers", "color": 15105570, "position": 1, "permissions": "0"},
            ],
        }  # fmt: skip
        self.hannah = user("100000000000000001", "hydro_hannah", global_name="Hannah H")
        self.lena = user("100000000000000002", "levain_lena", global_name="Lena")
        self.carl = user("235148962103951360", "Carl-bot", discriminator="1536", bot=True)
        self.miko = user("100000000000000004", "miko_mills")
        self.deleted = user("456226577798135808", "Deleted User", discriminator="0000")
        self.members = [
            member(self.hannah, nick="Hannah"), member(self.lena), member(self.carl), member(self.miko, nick="Miko"),
        ]  # fmt: skip
        category = self.add_channel("Text", CATEGORY, at=start - timedelta(days=30))
        self.general = self.add_channel("general", TEXT, parent=category, at=start - timedelta(days=29))
        self.announcements = self.add_channel(
            "announcements", ANNOUNCEMENT, parent=category, at=start - timedelta(days=28)
        )
        self.mods = self.add_channel("mods-only", TEXT, parent=category, at=start - timedelta(days=27))
        self.hidden.add(self.mods)
        self.add_channel("Bake-along", VOICE, at=start - timedelta(days=26))
        self.help = self.add_channel("help", FORUM, at=start - timedelta(days=25))

        self.clock = start
        self.add_message(self.general, self.hannah, "", type=7)  # "joined the server"
        question = self.add_message(
            self.general, self.hannah, "My levain doubles in 4 hours but the crumb is dense. Ideas?"
        )
        self.edit_message(self.general, question["id"], question["content"] + " (75% hydration)")
        self.add_reaction(self.general, question["id"], "🍞", self.lena)
        self.add_reaction(self.general, question["id"], "🍞", self.hannah)
        answer = self.add_message(
            self.general, self.lena,
            "Try a longer bulk ferment, <@100000000000000001>. <:breadcat:1111111111111111111>",
            reply_to=question["id"], mentions=[self.hannah],
        )  # fmt: skip
        self.add_reaction(self.general, answer["id"], "👍", self.hannah)
        self.add_reaction(self.general, answer["id"], "breadcat", self.miko, emoji_id="1111111111111111111")
        self.question, self.answer = question["id"], answer["id"]
        self.add_message(
            self.general, self.carl, f"Reminder, <@&1100000000000000001>: news go in <#{self.announcements}>."
        )
        self.add_message(self.general, self.deleted, "This message was written by an account that no longer exists.")
        self.add_message(self.mods, self.hannah, "mods only: nobody outside should read this")
        self.add_message(self.announcements, self.hannah, "Bake-along on Saturday!")

        self.crumb = self.add_thread(self.general, "Crumb check", archived=False)
        crumb_shot = self.add_message(self.crumb, self.miko, "Here's my crumb")
        self.add_message(self.crumb, self.hannah, "Open and glossy, well done", reply_to=crumb_shot["id"])
        self.rye = self.add_thread(self.general, "Rye week", archived=True)
        self.add_message(self.rye, self.lena, "Rye needs less water than you think")
        self.starter = self.add_thread(
            self.help, "Starter died?", archived=True,
            forum_post={"author": self.miko, "content": "My starter smells of acetone and stopped rising"},
        )  # fmt: skip
        self.add_message(self.starter, self.lena, "Feed it twice a day and keep it warm", reply_to=self.starter)

    def add_channel(self, name: str, type_: int, *, parent: str | None = None, at: datetime | None = None) -> str:
        with self.lock:
            channel_id = snowflake(at or self._tick(), len(self.channels) + 1)
            self.channels.append({
                "id": channel_id, "type": type_, "guild_id": self.guild_id, "name": name,
                "position": len(self.channels),
                "parent_id": parent, "permission_overwrites": [], "flags": 0, "nsfw": False, "topic": None,
                "last_message_id": None, "rate_limit_per_user": 0,
            })  # fmt: skip
            if type_ in (TEXT, ANNOUNCEMENT):
                self.messages[channel_id] = _StoredMessages()
            return channel_id

    def add_thread(self, parent: str, name: str, *, archived: bool, forum_post: dict | None = None) -> str:
        """A public thread in ``parent``; a forum post (``forum_post``: its first message's author
        and content) starts with a message of the thread's own id."""
        with self.lock:
            at = self._tick()
            thread_id = snowflake(at, 1)
            self.threads.append({
                "id": thread_id, "type": PUBLIC_THREAD, "guild_id": self.guild_id, "parent_id": parent, "name": name,
                "owner_id": self.lena["id"], "last_message_id": None, "message_count": 0, "member_count": 2, "flags": 0,
                "rate_limit_per_user": 0, "total_message_sent": 0,
                "thread_metadata": {
                    "archived": archived, "archive_timestamp": iso(at + timedelta(days=3) if archived else at),
                    "auto_archive_duration": 4320, "locked": False, "create_timestamp": iso(at),
                },
            })  # fmt: skip
            self.messages[thread_id] = _StoredMessages()
            if forum_post:
                self.messages[thread_id].add(
                    message_data(thread_id, thread_id, forum_post["author"], forum_post["content"], at)
                )
            return thread_id

    def _tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def add_message(self, channel: str, author: dict, content: str, *, reply_to: str | None = None, mentions=(),
                    at: datetime | None = None, type: int | None = None) -> dict:  # fmt: skip
        with self.lock:
            store = self.messages[channel]
            when = at or self._tick()
            data = message_data(snowflake(when, len(store.ids)), channel, author, content, when, mentions=mentions)
            if reply_to:
                data["type"] = 19
                data["message_reference"] = {
                    "type": 0,
                    "channel_id": channel,
                    "message_id": reply_to,
                    "guild_id": self.guild_id,
                }
                data["referenced_message"] = self._find(reply_to)
            if type is not None:
                data["type"] = type
            store.add(data)
            return data

    def _find(self, message_id: str) -> dict | None:
        for store in self.messages.values():
            found = store.get(int(message_id))
            if found is not None:
                return found
        return None

    def edit_message(self, channel: str, message_id: str, content: str) -> dict:
        with self.lock:
            message = self.messages[channel].get(int(message_id))
            message["content"] = content
            message["edited_timestamp"] = iso(self._tick())
            return message

    def delete_message(self, channel: str, message_id: str) -> None:
        with self.lock:
            self.messages[channel].delete(int(message_id))

    def add_reaction(self, channel: str, message_id: str, name: str, who: dict, *, emoji_id: str | None = None) -> None:
        with self.lock:
            store = self.messages[channel]
            message = store.get(int(message_id))
            reactions = message.setdefault("reactions", [])
            existing = next((r for r in reactions if r["emoji"]["name"] == name and r["emoji"]["id"] == emoji_id), None)
            if existing is None:
                reactions.append(reaction(name, 1, emoji_id=emoji_id))
            else:
                existing["count"] += 1
                existing["count_details"]["normal"] += 1
            store.reactors.setdefault((int(message_id), emoji_key({"name": name, "id": emoji_id})), []).append(who)

    def populate(self, channels: int, messages: int, seed: int = 0) -> list[str]:
        """A large server: ``channels`` text channels sharing ``messages`` messages (made when asked
        for), written by 50 members, 5 of them with nicknames; the same for the same arguments."""
        with self.lock:
            start = datetime(2024, 1, 1, tzinfo=UTC)
            self.guild_id = snowflake(datetime(2021, 1, 1, tzinfo=UTC), seed)
            self.guild = {"id": self.guild_id, "name": f"Generated server {seed}", "icon": None, "features": []}
            people = [user(str(200_000_000_000_000_000 + n), f"member_{seed}_{n}") for n in range(50)]
            self.members = [member(p, nick=f"Nick {n}" if n % 10 == 0 else None) for n, p in enumerate(people)]
            self.channels, self.threads, self.messages, self.hidden = [], [], {}, set()
            ids = []
            for number in range(channels):
                count = messages // channels + (1 if number < messages % channels else 0)
                channel_id = snowflake(start - timedelta(days=1), number + 1)
                self.channels.append({"id": channel_id, "type": TEXT, "guild_id": self.guild_id,
                                      "name": f"channel-{number}", "position": number, "parent_id": None})  # fmt: skip
                self.messages[channel_id] = _GeneratedMessages(channel_id, number, count, start, people, seed)
                ids.append(channel_id)
            return ids

    # --- faults ------------------------------------------------------------------------------
    def inject(self, status: int, *, path: str | None = None, times: int = 1, retry_after: float = 1.0,
               is_global: bool = False, body=None) -> None:  # fmt: skip
        """The next ``times`` requests whose path starts with ``path`` (any request when None)
        answer ``status`` instead: a 429 as Discord words it (``retry_after`` in the body, a
        rounded-up Retry-After header, ``X-RateLimit-Global`` when ``is_global``), or a 5xx."""
        headers = {}
        if status == 429:
            body = body or {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
            headers = {
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Scope": "global" if is_global else "user",
            }
            if is_global:
                headers["X-RateLimit-Global"] = "true"
            else:
                headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{retry_after:.3f}"})
        body = body or {"message": f"{status}: Server Error", "code": 0}
        with self.lock:
            self.faults.append([path, times, status, body, headers])

    def empty_bucket(self, path: str, reset_after: float) -> None:
        """The next answer on a path starting with ``path`` says its bucket has 0 requests left
        until ``reset_after`` seconds from now."""
        with self.lock:
            self.exhausted[path] = reset_after

    # --- answers -----------------------------------------------------------------------------
    def _answer(self, method: str, path: str, query: dict, authorization: str):
        with self.lock:
            for fault in self.faults:
                prefix, times, status, body, headers = fault
                if times > 0 and (prefix is None or path.startswith(prefix)):
                    fault[1] -= 1
                    return status, body, headers
            if authorization != f"Bot {self.token}":
                return 401, UNAUTHORIZED, {}
            status, body = self._route(method, path, query)
            return status, body, {}

    def _route(self, method: str, path: str, query: dict):
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if method != "GET":
            return 405, {"message": "405: Method Not Allowed", "code": 0}
        if parts[:2] == ["users", "@me"]:
            return 200, []  # the bot's DMs: the connector must never ask
        if parts[0] == "guilds" and len(parts) >= 2:
            if parts[1] != self.guild_id:
                return 404, {"message": "Unknown Guild", "code": 10004}
            rest = parts[2:]
            if not rest:
                return 200, self.guild
            if rest == ["members"]:
                if not self.members_intent:
                    return 403, MISSING_ACCESS
                after, limit = int(query.get("after") or 0), min(int(query.get("limit") or 1), 1000)
                chosen = sorted(
                    (m for m in self.members if int(m["user"]["id"]) > after), key=lambda m: int(m["user"]["id"])
                )
                return 200, chosen[:limit]
            if rest == ["channels"]:
                return 200, self.channels
            if rest == ["threads", "active"]:
                return 200, {
                    "threads": [t for t in self.threads if not t["thread_metadata"]["archived"]],
                    "members": [],
                }
        if parts[0] == "channels" and len(parts) >= 3:
            channel, rest = parts[1], parts[2:]
            if channel in self.hidden:
                return 403, MISSING_ACCESS
            if rest == ["threads", "archived", "public"]:
                return 200, self._archived(channel, query)
            store = self.messages.get(channel)
            if store is None:
                return 404, {"message": "Unknown Channel", "code": 10003}
            if rest == ["messages"]:
                limit = max(1, min(int(query.get("limit") or 50), 100))
                page = store.after(int(query["after"]), limit) if "after" in query else store.newest(limit)
                return 200, list(reversed(page))  # newest first, as Discord answers
            if len(rest) == 4 and rest[0] == "messages" and rest[2] == "reactions":
                if store.get(int(rest[1])) is None:
                    return 404, {"message": "Unknown Message", "code": 10008}
                limit = max(1, min(int(query.get("limit") or 25), 100))
                after = int(query.get("after") or 0)
                users = sorted(
                    (u for u in store.users(int(rest[1]), rest[3]) if int(u["id"]) > after), key=lambda u: int(u["id"])
                )
                return 200, users[:limit]
        return 404, NOT_FOUND

    def _archived(self, channel: str, query: dict) -> dict:
        before = query.get("before")
        limit = max(2, min(int(query.get("limit") or 50), 100))  # Discord's minimum is 2
        threads = sorted(
            (t for t in self.threads if t["parent_id"] == channel and t["thread_metadata"]["archived"]
             and (not before or t["thread_metadata"]["archive_timestamp"] < before)),
            key=lambda t: t["thread_metadata"]["archive_timestamp"], reverse=True,
        )  # fmt: skip
        return {"threads": threads[:limit], "members": [], "has_more": len(threads) > limit}

    def _rate_headers(self, path: str) -> dict:
        parts = path.strip("/").split("/")
        rest = ["{emoji}" if parts[i - 1] == "reactions" else "{id}" if part.isdigit() else part
                for i, part in enumerate(parts[2:], start=2)]  # fmt: skip
        template = "/".join([parts[0], *rest])  # one bucket name for every channel; counted per channel
        remaining, reset_after = "4", 1.0
        with self.lock:
            for prefix, seconds in list(self.exhausted.items()):
                if path.startswith(prefix):
                    remaining, reset_after = "0", seconds
                    del self.exhausted[prefix]
                    break
        return {
            "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": remaining,
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(template.encode()).hexdigest()[:16],
        }  # fmt: skip

    def requested(self, prefix: str = "") -> list[str]:
        """The paths asked for (with their queries), in order, those starting with ``prefix``."""
        return [a.path for a in self.log if a.path.startswith(prefix)]

    # --- server ------------------------------------------------------------------------------
    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
            # delayed ACK hold each answer back ~40 ms on a kept-alive connection.
            disable_nagle_algorithm = True

            def _serve(self):
                arrived = time.monotonic()
                url = urlparse(self.path)
                path = url.path.removeprefix(API_PREFIX)
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                try:
                    status, body, headers = fake._answer(
                        self.command, path, query, self.headers.get("Authorization", "")
                    )
                except (KeyError, ValueError):
                    status, body, headers = 400, {"message": "400: Bad Request", "code": 50035}, {}
                with fake.lock:
                    fake.log.append(
                        Arrival(arrived, self.command, path + (f"?{url.query}" if url.query else ""), status)
                    )
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {**fake._rate_headers(path), **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        # A short poll: shutdown() waits for it, and tests open many fakes.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    _port = 0

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A fake Discord API serving a generated server.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--token", default=TOKEN)
    arguments = parser.parse_args(argv)
    fake = FakeDiscord(token=arguments.token, recorded=False)
    fake.populate(arguments.channels, arguments.messages, arguments.seed)
    fake._port = arguments.port
    with fake:
        print(fake.url, flush=True)
        print(f"guild {fake.guild_id}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
