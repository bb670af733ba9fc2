"""A fake Slack Web API on loopback, for the real slack_sdk ``WebClient`` (pointed at it with ``base_url``).

slack_sdk sends every method as a form-encoded POST to ``{base_url}{method}`` with the token in an
``Authorization: Bearer …`` header; this answers in the shapes Slack documents (``{"ok": true, …,
"response_metadata": {"next_cursor": …}}``, errors as ``{"ok": false, "error": "…"}``) for the
methods the live connector uses: auth.test, users.list, conversations.list, conversations.history,
conversations.replies. Anything else answers ``unknown_method``.

The workspace lives in memory and can change between syncs (``add_message``, ``edit_message``,
``delete_message``). Every request is logged with its parameters and arrival time (``requests``),
so a test can say what was asked for, and when. ``fail`` puts errors (429 with a Retry-After, 5xx)
before a method's answers. ``populate`` makes a large workspace whose messages are computed from
their index when asked for, never stored, so a 200,000-message benchmark measures the sync, not
the fake; ``python -m tests.fakes.slack_api --port N --messages M --channels C`` serves one in a
process of its own and prints its URL on the first line.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

TOKEN = "xoxb-0000000000-fake-bot-token"
TEAM_ID = "T03TRAILRUN"
TEAM_NAME = "Trail Runners"
BOT_USER = "U0CRMBOT"
PAGE_SIZE = 100  # Slack's default when a request names no limit
# A generated workspace: every THREAD_EVERY-th message starts a thread of REPLIES_PER_THREAD replies.
GENERATED_START = 1_700_000_000
# Seconds between two top-level messages (a generated channel spans months, as a real one does, and a
# sync's week of look-back is a small part of it); replies come 1, 2 … seconds after theirs.
GENERATED_SPACING = 3600
THREAD_EVERY = 5
REPLIES_PER_THREAD = 2
GENERATED_USERS = 500


@dataclass(frozen=True)
class Request:
    method: str  # Slack's name: "conversations.history"
    params: dict
    at: float  # time.monotonic() on arrival
    status: int  # what the fake answered


def _cursor(kind: str, position) -> str:
    # Slack's cursors are opaque base64 ("bmV4dF90czox…" is "next_ts:1…"); so are these.
    return base64.b64encode(f"{kind}:{position}".encode()).decode()


def _uncursor(cursor: str, kind: str) -> str | None:
    try:
        text = base64.b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    prefix = f"{kind}:"
    return text[len(prefix) :] if text.startswith(prefix) else None


def _ok(**fields) -> dict:
    return {"ok": True, **fields}


def _error(code: str, **fields) -> dict:
    return {"ok": False, "error": code, **fields}


def _page_size(params: dict, cap: int) -> int:
    try:
        asked = int(params.get("limit") or PAGE_SIZE)
    except ValueError:
        asked = PAGE_SIZE
    return max(1, min(asked, 1000, cap))


class FakeSlack:
    """One workspace. ``max_page_size`` caps pages below what a request asks (Slack may answer fewer
    than ``limit``), so a test shows pagination with a handful of messages."""

    def __init__(self, *, token: str = TOKEN, team_id: str = TEAM_ID, team: str = TEAM_NAME):
        self.token = token
        self.team_id = team_id
        self.team = team
        self.users: list[dict] = []
        self.channels: dict[str, dict] = {}  # id → Slack's channel object (is_member, is_private, is_im …)
        self.messages: dict[str, dict[str, dict]] = defaultdict(dict)  # channel id → ts → message (replies too)
        self.requests: list[Request] = []
        self.faults: dict[str, deque] = defaultdict(deque)  # method → (status, headers, body) answered first
        self.max_page_size = 1000
        self._generated: dict[str, tuple[int, int]] = {}  # channel id → (its index, top-level messages)
        self._generated_seed = 0
        self._server = None
        self._lock = threading.Lock()

    # --- the workspace ----------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, real_name: str = "", display_name: str = "", **extra) -> dict:
        user = {
            "id": user_id, "team_id": self.team_id, "name": name, "deleted": False, "is_bot": False,
            "is_app_user": False, "real_name": real_name or name, "tz": "Europe/Amsterdam",
            "profile": {"display_name": display_name, "real_name": real_name or name, "team": self.team_id},
            "updated": 1_700_000_000, **extra,
        }  # fmt: skip
        self.users.append(user)
        return user

    def add_channel(self, channel_id: str, name: str, *, member: bool = True, private: bool = False, **extra) -> dict:
        channel = {
            "id": channel_id, "name": name, "is_channel": not private, "is_group": private, "is_im": False,
            "is_mpim": False, "is_private": private, "is_archived": False, "is_general": name == "general",
            "is_member": member, "created": 1_700_000_000, "creator": "U01MAYA", "name_normalized": name,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0}, "num_members": 3, **extra,
        }  # fmt: skip
        self.channels[channel_id] = channel
        return channel

    def add_dm(self, channel_id: str, user: str) -> dict:
        channel = {"id": channel_id, "is_im": True, "is_private": True, "user": user, "created": 1_700_000_000}
        self.channels[channel_id] = channel
        return channel

    def add_message(
        self,
        channel: str,
        user: str | None,
        text: str,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
        broadcast: bool = False,
        **extra,
    ) -> dict:
        """A message as Slack stores it. ``thread_ts``: a reply in that thread (``broadcast``: also
        sent to the channel, a thread_broadcast, which history lists as well)."""
        ts = ts or self._next_ts(channel)
        message = {"type": "message", "text": text, "ts": ts, **extra}
        if user:
            message["user"] = user
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = self.messages[channel].get(thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                message["parent_user_id"] = parent.get("user", "")
            if broadcast:
                message["subtype"] = "thread_broadcast"
        self.messages[channel][ts] = message
        return message

    def edit_message(self, channel: str, ts: str, text: str, *, edited_ts: str | None = None) -> dict:
        message = self.messages[channel][ts]
        message["text"] = text
        message["edited"] = {"user": message.get("user", ""), "ts": edited_ts or self._next_ts(channel)}
        return message

    def delete_message(self, channel: str, ts: str) -> None:
        """As Slack does: gone, unless replies hang from it, which keep a tombstone in its place."""
        if self._replies(channel, ts):
            self.messages[channel][ts] = {
                "type": "message", "subtype": "tombstone", "text": "This message was deleted.", "ts": ts,
                "thread_ts": ts, "user": "USLACKBOT", "hidden": True,
            }  # fmt: skip
        else:
            del self.messages[channel][ts]

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: float | None = None, body=None):
        """The next ``times`` requests for ``method`` answer ``status`` (with this Retry-After)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if body is None:
            body = _error("ratelimited") if status == 429 else "<html><body>upstream connect error</body></html>"
        for _ in range(times):
            self.faults[method].append((status, headers, body))

    def asked(self, method: str) -> list[Request]:
        return [r for r in self.requests if r.method == method]

    def _next_ts(self, channel: str) -> str:
        stored = [Decimal(ts) for ts in self.messages[channel]]
        return f"{max([Decimal(time.time()), *(s + 1 for s in stored)]):.6f}"

    def _replies(self, channel: str, thread_ts: str) -> list[dict]:
        return sorted(
            (m for m in self.messages[channel].values() if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts),
            key=lambda m: Decimal(m["ts"]),
        )

    def _with_thread_fields(self, channel: str, message: dict) -> dict:
        """A thread's parent as Slack shows it: reply_count, reply_users, latest_reply."""
        replies = self._replies(channel, message["ts"]) if message.get("thread_ts") == message["ts"] else []
        if not replies:
            return message
        users = list(dict.fromkeys(r.get("user", "") for r in replies))
        return {
            **message, "reply_count": len(replies), "reply_users_count": len(users), "reply_users": users[:5],
            "latest_reply": replies[-1]["ts"], "is_locked": False, "subscribed": False,
        }  # fmt: skip

    # --- a generated workspace (benchmarks) ------------------------------------------------
    def populate(self, channels: int, messages: int, seed: int = 0) -> None:
        """A workspace of ``channels`` public channels the bot is in, holding about ``messages``
        messages between them (a fifth of the top-level ones start a thread of two replies; some
        carry reactions or a mention), and one channel it is not in. Deterministic for a ``seed``;
        messages are computed from their index when a request asks for them."""
        self._generated_seed = seed
        self.add_user(BOT_USER, "crm-bot", is_bot=True)
        for n in range(GENERATED_USERS):
            self.add_user(f"UG{n:06d}", f"member{n}", deleted=n % 97 == 0)
        per_channel = messages / channels
        # Top-level messages t with t + 2·ceil(t/5) ≈ per_channel.
        tops = max(1, round(per_channel * THREAD_EVERY / (THREAD_EVERY + REPLIES_PER_THREAD)))
        for index in range(channels):
            channel_id = f"CG{index:05d}"
            self.add_channel(channel_id, f"topic-{index}")
            self._generated[channel_id] = (index, tops)
        self.add_channel("CGOUTSIDE", "not-invited", member=False)

    def message_count(self) -> int:
        """Messages (replies included) held in the workspace, generated or not."""
        generated = sum(t + REPLIES_PER_THREAD * math.ceil(t / THREAD_EVERY) for _, t in self._generated.values())
        return generated + sum(len(m) for m in self.messages.values())

    def _mix(self, *numbers: int) -> int:
        value = self._generated_seed + 0x9E3779B9
        for number in numbers:
            value = (value ^ number) * 0x01000193 % 2**32
        return value

    def _generated_ts(self, index: int, j: int, k: int = 0) -> str:
        return f"{GENERATED_START + j * GENERATED_SPACING + k}.{index:06d}"

    def _generated_user(self, *numbers: int) -> str:
        return f"UG{self._mix(*numbers) % GENERATED_USERS:06d}"

    def _generated_top(self, index: int, j: int) -> dict:
        h = self._mix(index, j)
        ts = self._generated_ts(index, j)
        user = self._generated_user(index, j)
        text = f"Long run report {j} from #topic-{index}"
        if h % 7 == 0:
            text += f" thanks <@{self._generated_user(index, j, 7)}>"
        message = {"type": "message", "user": user, "text": text, "ts": ts, "team": self.team_id}
        if h % 3 == 0:
            reactors = sorted({self._generated_user(index, j, 3), self._generated_user(index, j, 4)})
            message["reactions"] = [{"name": "+1", "users": reactors, "count": len(reactors)}]
        if j % THREAD_EVERY == 0:
            replies = [self._generated_reply(index, j, k) for k in range(1, REPLIES_PER_THREAD + 1)]
            message.update(
                thread_ts=ts, reply_count=len(replies), reply_users=sorted({r["user"] for r in replies}),
                reply_users_count=len({r["user"] for r in replies}), latest_reply=replies[-1]["ts"],
            )  # fmt: skip
        return message

    def _generated_reply(self, index: int, j: int, k: int) -> dict:
        return {
            "type": "message", "user": self._generated_user(index, j, k), "text": f"Reply {k} to run {j}",
            "ts": self._generated_ts(index, j, k), "thread_ts": self._generated_ts(index, j),
            "parent_user_id": self._generated_user(index, j), "team": self.team_id,
        }  # fmt: skip

    # --- the methods --------------------------------------------------------------------------
    def answer(self, method: str, params: dict, authorization: str | None):
        """(status, headers, body) for one request."""
        with self._lock:
            faults = self.faults.get(method)
            if faults:
                return faults.popleft()
        if not authorization:
            return 200, {}, _error("not_authed")
        if authorization != f"Bearer {self.token}":
            return 200, {}, _error("invalid_auth")
        handler = {
            "auth.test": self._auth_test,
            "users.list": self._users_list,
            "conversations.list": self._conversations_list,
            "conversations.history": self._history,
            "conversations.replies": self._replies_answer,
        }.get(method)
        if handler is None:
            return 200, {}, _error("unknown_method")
        return 200, {}, handler(params)

    def _auth_test(self, params: dict) -> dict:
        return _ok(
            url=f"https://{self.team.lower().replace(' ', '')}.slack.com/", team=self.team, user="crm-bot",
            team_id=self.team_id, user_id=BOT_USER, bot_id="B0CRMBOT", is_enterprise_install=False,
        )  # fmt: skip

    def _listing(self, items: list, params: dict, kind: str) -> tuple[list, str]:
        start = int(_uncursor(params.get("cursor") or "", kind) or 0)
        size = _page_size(params, self.max_page_size)
        page = items[start : start + size]
        more = start + size < len(items)
        return page, _cursor(kind, start + size) if more else ""

    def _users_list(self, params: dict) -> dict:
        members, cursor = self._listing(self.users, params, "user")
        return _ok(members=members, cache_ts=int(time.time()), response_metadata={"next_cursor": cursor})

    def _conversations_list(self, params: dict) -> dict:
        types = set((params.get("types") or "public_channel").split(","))
        wanted = []
        for channel in self.channels.values():
            kind = (
                "im" if channel.get("is_im") else "mpim" if channel.get("is_mpim")
                else "private_channel" if channel.get("is_private") else "public_channel"
            )  # fmt: skip
            if kind not in types:
                continue
            if params.get("exclude_archived") in ("1", "true") and channel.get("is_archived"):
                continue
            wanted.append(channel)
        channels, cursor = self._listing(wanted, params, "channel")
        return _ok(channels=channels, response_metadata={"next_cursor": cursor})

    def _channel_error(self, channel_id: str | None) -> dict | None:
        channel = self.channels.get(channel_id or "")
        if channel is None:
            return _error("channel_not_found")
        if not channel.get("is_im") and not channel.get("is_member"):
            return _error("not_in_channel")
        return None

    def _history(self, params: dict) -> dict:
        channel_id = params.get("channel")
        if (refusal := self._channel_error(channel_id)) is not None:
            return refusal
        size = _page_size(params, self.max_page_size)
        oldest = Decimal(params.get("oldest") or 0)
        latest = Decimal(params.get("latest") or "Infinity")
        before = _uncursor(params.get("cursor") or "", "next_ts")
        if channel_id in self._generated:
            index, tops = self._generated[channel_id]
            first = max(0, int((oldest - GENERATED_START) // GENERATED_SPACING))
            while first < tops and Decimal(self._generated_ts(index, first)) <= oldest:
                first += 1
            last = tops - 1 if before is None else int(before)
            while last >= first and Decimal(self._generated_ts(index, last)) >= latest:
                last -= 1
            page = [self._generated_top(index, j) for j in range(last, max(first, last - size + 1) - 1, -1)]
            more = last - size + 1 > first
            cursor = _cursor("next_ts", last - size) if more else ""
            return self._history_page(page, more, cursor)
        # Top-level messages, and replies also sent to the channel; newest first.
        listed = sorted(
            (
                m for m in self.messages[channel_id].values()
                if (not m.get("thread_ts") or m["thread_ts"] == m["ts"] or m.get("subtype") == "thread_broadcast")
                and oldest < Decimal(m["ts"]) < latest
                and (before is None or Decimal(m["ts"]) < Decimal(before))
            ),
            key=lambda m: Decimal(m["ts"]),
            reverse=True,
        )  # fmt: skip
        page = [self._with_thread_fields(channel_id, m) for m in listed[:size]]
        more = len(listed) > size
        return self._history_page(page, more, _cursor("next_ts", page[-1]["ts"]) if more else "")

    @staticmethod
    def _history_page(page: list, more: bool, cursor: str) -> dict:
        return _ok(
            messages=page, has_more=more, pin_count=0, channel_actions_ts=None, channel_actions_count=0,
            response_metadata={"next_cursor": cursor},
        )  # fmt: skip

    def _replies_answer(self, params: dict) -> dict:
        channel_id, thread_ts = params.get("channel"), params.get("ts") or ""
        if (refusal := self._channel_error(channel_id)) is not None:
            return refusal
        size = _page_size(params, self.max_page_size)
        if channel_id in self._generated:
            index, tops = self._generated[channel_id]
            seconds = int(Decimal(thread_ts or 0)) - GENERATED_START
            j = seconds // GENERATED_SPACING
            if seconds % GENERATED_SPACING or not 0 <= j < tops or self._generated_ts(index, j) != thread_ts:
                return _error("thread_not_found")
            parent = self._generated_top(index, j)
            thread = [parent] + (
                [self._generated_reply(index, j, k) for k in range(1, REPLIES_PER_THREAD + 1)]
                if j % THREAD_EVERY == 0 else []
            )  # fmt: skip
        else:
            parent = self.messages[channel_id].get(thread_ts)
            if parent is None:
                return _error("thread_not_found")
            thread = [self._with_thread_fields(channel_id, parent), *self._replies(channel_id, thread_ts)]
        # The parent heads the first page; later pages continue with the replies.
        start = int(_uncursor(params.get("cursor") or "", "reply") or 0)
        page = thread[start : start + size]
        more = start + size < len(thread)
        return _ok(
            messages=page,
            has_more=more,
            response_metadata={"next_cursor": _cursor("reply", start + size) if more else ""},
        )

    # --- what an export of this workspace would hold ----------------------------------------
    def export_files(self) -> dict[str, list]:
        """The files of the workspace's export as Slack writes it (a standard export: public
        channels, every message of a day in ``<channel>/<YYYY-MM-DD>.json``, replies included)."""
        public = [c for c in self.channels.values() if not c.get("is_private") and not c.get("is_im")]
        files = {
            "users.json": self.users,
            "channels.json": [{k: v for k, v in c.items() if k != "is_member"} for c in public],
        }
        for channel in public:
            for message in sorted(self.messages[channel["id"]].values(), key=lambda m: Decimal(m["ts"])):
                day = datetime.fromtimestamp(float(message["ts"]), tz=UTC).strftime("%Y-%m-%d")
                files.setdefault(f"{channel['name']}/{day}.json", []).append(
                    self._with_thread_fields(channel["id"], message)
                )
        return files

    # --- server ---------------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, port: int = 0) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlparse(self.path)
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                    params.update(parse_qsl(raw.decode(), keep_blank_values=True))
                elif raw and "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw))
                method = url.path.rsplit("/", 1)[-1]
                status, headers, body = fake.answer(method, params, self.headers.get("Authorization"))
                with fake._lock:
                    fake.requests.append(Request(method, params, arrived, status))
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                kind = "text/html" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        """The base URL slack_sdk takes (``WebClient(base_url=…)``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"


def trail_runners() -> FakeSlack:
    """A small workspace: two public channels the bot was invited to, one it was not, a private
    channel and a DM it is in; a thread with an edited reply, a mention and a reply also sent to
    the channel; reactions; a join and a leave; a bot's message; a message by a deactivated member."""
    fake = FakeSlack()
    fake.add_user("U01MAYA", "maya", real_name="Maya Verhoeven", display_name="maya.vert")
    fake.add_user("U02JONAS", "jonas", real_name="Jonas Ultra")
    fake.add_user("U03GONE", "former.member", display_name="former.member", deleted=True)
    fake.add_user("B04STANDUP", "standup-bot", display_name="standup-bot", is_bot=True)
    fake.add_user(BOT_USER, "crm-bot", is_bot=True)
    fake.add_channel("C01GENERAL", "general")
    fake.add_channel("C02GEAR", "gear")
    fake.add_channel("C03RANDOM", "random", member=False)
    fake.add_channel("G04COACHES", "coaches", private=True)
    fake.add_dm("D05MAYA", "U01MAYA")

    general = "C01GENERAL"
    fake.add_message(general, "U02JONAS", "<@U02JONAS> has joined the channel", ts="1712044800.000100",
                     subtype="channel_join")  # fmt: skip
    fake.add_message(general, "U02JONAS", "First 50k in June. How do you plan fueling for 6+ hours?",
                     ts="1712048400.000200",
                     reactions=[{"name": "eyes", "users": ["U01MAYA"], "count": 1}])  # fmt: skip
    fake.add_message(general, "U01MAYA", "60-90g carbs an hour, practise it on long runs. <@U02JONAS> happy to share.",
                     ts="1712049000.000300", thread_ts="1712048400.000200",
                     edited={"user": "U01MAYA", "ts": "1712049100.000000"})  # fmt: skip
    fake.add_message(general, "U02JONAS", "Yes please!", ts="1712049600.000400", thread_ts="1712048400.000200",
                     reactions=[{"name": "heart", "users": ["U01MAYA", "U03GONE"], "count": 2}])  # fmt: skip
    fake.add_message(general, "U01MAYA", "Sharing with everyone: gels every 30 minutes worked for me.",
                     ts="1712049700.000450", thread_ts="1712048400.000200", broadcast=True)  # fmt: skip
    fake.add_message(general, None, "Daily check-in: who ran today?", ts="1712050000.000500",
                     subtype="bot_message", bot_id="B04STANDUP", username="standup-bot")  # fmt: skip
    fake.add_message(general, "U03GONE", "Old message from someone who left.", ts="1712051000.000600")
    fake.add_message("C02GEAR", "U01MAYA", "Which vest for a 50k? <@U02JONAS> you had the Salomon one?",
                     ts="1712052000.000100")  # fmt: skip
    fake.add_message("C02GEAR", "U02JONAS", "<@U02JONAS> has left the channel", ts="1712053000.000100",
                     subtype="channel_leave")  # fmt: skip
    fake.add_message("C03RANDOM", "U01MAYA", "Anyone seen my headlamp?", ts="1712052500.000100")
    fake.add_message("G04COACHES", "U01MAYA", "Private: coaching fees for next season", ts="1712052600.000100")
    fake.add_message("D05MAYA", "U01MAYA", "Private: a direct message to the bot", ts="1712052700.000100")
    return fake


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A fake Slack Web API holding a generated workspace.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    fake = FakeSlack()
    fake.populate(arguments.channels, arguments.messages, arguments.seed)
    fake.start(arguments.port)
    print(fake.url, flush=True)
    print(f"token {fake.token} team {fake.team_id} messages {fake.message_count()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
