"""A fake Reddit on loopback, for the real praw client (pointed at it with oauth_url/reddit_url).

Routes are (method, path) with an optional query; each holds a queue of responses served in
order (the last one repeats). Routes come from hand-built listings or from praw's own vcrpy
cassettes, replayed as recorded. Every request is logged so tests can say what praw asked for.

Private messages are live instead (``FakeReddit(account="name")``): a compose or a reply is kept
and shows in the sent box and the conversations, in the JSON shapes Reddit answers (read from
praw's cassettes TestMessage.test_reply, 2016 and 2025). ``inject`` puts an error before any answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

RATE_LIMIT_HEADERS = {"x-ratelimit-remaining": "590", "x-ratelimit-used": "10", "x-ratelimit-reset": "300"}
TOKEN = {"access_token": "fake-token", "token_type": "bearer", "expires_in": 3600, "scope": "*"}


def _normal_path(path: str) -> str:
    return unquote(path).rstrip("/") or "/"


def _query(url_query: str) -> frozenset:
    return frozenset((k, v) for k, v in parse_qsl(url_query, keep_blank_values=True) if k != "raw_json")


class FakeReddit:
    def __init__(self, *, account: str | None = None):
        self.routes: dict[tuple[str, str], list[tuple[frozenset | None, deque]]] = defaultdict(list)
        self.requests: list[tuple[str, str]] = []
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.forms: list[tuple[str, dict]] = []  # (path, form fields) of every POST, in order
        self.add("POST", "/api/v1/access_token", TOKEN)
        self._server = None
        # Private messages (only with an account: other tests see the routes they add, nothing more).
        self.account = account
        self.messages: list[dict] = []  # every message's data, in the order they were written
        self.clock = time.time  # what "now" is for a message's created_utc
        self.injected: dict[tuple[str, str], deque] = defaultdict(deque)
        self._next_id = 36**5  # base-36 ids of five and more digits, as Reddit's

    # --- routes -------------------------------------------------------------------------
    def add(self, method: str, path: str, body, *, status: int = 200, query: dict | None = None, headers=None):
        key = (method, _normal_path(path))
        wanted = frozenset((query or {}).items()) if query is not None else None
        for existing_query, responses in self.routes[key]:
            if existing_query == wanted:
                responses.append((status, body, headers or {}, 0.0))
                return
        self.routes[key].append((wanted, deque([(status, body, headers or {}, 0.0)])))

    def replace(self, method: str, path: str, body, **options) -> None:
        """From now on, this route answers ``body`` (what changed on Reddit since)."""
        self.routes.pop((method, _normal_path(path)), None)
        self.add(method, path, body, **options)

    def fail_first(self, method: str, path: str, *answers: tuple[int, dict] | float) -> None:
        """Before a route's recorded answers, these: (status, headers) pairs, or a number of
        seconds to stay silent before answering normally (a timeout for a client that waits less)."""
        [(_, responses)] = self.routes[(method, _normal_path(path))]
        for answer in reversed(answers):
            if isinstance(answer, (int, float)):
                status, body, headers, _delay = responses[0]
                responses.appendleft((status, body, headers, float(answer)))
            else:
                status, headers = answer
                responses.appendleft((status, {"message": f"error {status}", "error": status}, headers, 0.0))

    def set_rules(self, subreddit: str, rules: list[dict], *, status: int = 200) -> None:
        """From now on ``/r/{subreddit}/about/rules`` answers these rules (see ``rule``), or, with
        an error ``status`` (403: private or quarantined), Reddit's error body. Until this is
        called, the route is unknown: 404, as for a subreddit that has gone."""
        body = rules_body(rules) if status == 200 else {"message": f"error {status}", "error": status}
        self.replace("GET", f"/r/{subreddit}/about/rules", body, status=status)

    def set_post(self, id_: str, title: str, selftext: str = "", *, status: int = 200, **extra) -> dict:
        """From now on the post ``id_`` reads as this (``/comments/{id_}``, as praw's
        ``reddit.submission(url=…)`` asks): a self post with ``selftext``, or with ``is_self=False``
        and ``url`` a link post. ``removed_by_category`` and ``author="[deleted]"`` with a
        selftext of "[removed]" or "[deleted]" are how Reddit shows a post removed or deleted.
        With an error ``status`` (403: private subreddit; 404: gone), Reddit's error body."""
        data = submission(id_, extra.pop("author", "sheen_queen"), 1_767_000_000.0, title, selftext=selftext, **extra)
        body = [listing([data]), listing([])] if status == 200 else {"message": f"error {status}", "error": status}
        self.replace("GET", f"/comments/{id_}", body, status=status)
        return data

    def set_comment(self, id_: str, body: str, *, post: str = "x", **extra) -> dict:
        """From now on the comment ``id_`` reads as this (``/api/info?id=t1_{id_}``, as praw's
        ``reddit.comment(id)`` asks); Reddit answers an empty listing for one that never existed."""
        data = comment(
            id_, extra.pop("author", "sheen_queen"), 1_767_000_000.0, body, f"t3_{post}", f"t3_{post}", **extra
        )
        wanted = frozenset({("id", f"t1_{id_}")})
        key = ("GET", "/api/info")
        self.routes[key] = [route for route in self.routes[key] if route[0] != wanted]  # what it said before goes
        self.add("GET", "/api/info", listing([data]), query={"id": f"t1_{id_}"})
        return data

    def load_cassette(self, path: Path) -> None:
        """Every interaction of a praw cassette, in the order it was recorded."""
        for interaction in json.loads(path.read_text())["interactions"]:
            request, response = interaction["request"], interaction["response"]
            url = urlparse(request["uri"])
            if url.path.endswith("/api/v1/access_token"):
                continue
            body = response["body"]["string"]
            self.add(
                request["method"],
                url.path,
                body,
                status=response["status"]["code"],
                query=dict(_query(url.query)),
            )

    def _respond(self, method: str, path: str, query: frozenset):
        candidates = self.routes.get((method, _normal_path(path)), [])
        if not candidates:
            return 404, {"message": "Not Found", "error": 404}, {}, 0.0
        # The route whose recorded query agrees best with this request's.
        best = max(candidates, key=lambda c: -1 if c[0] is None else len(c[0] & query) - len(c[0] - query))
        responses = best[1]
        return responses.popleft() if len(responses) > 1 else responses[0]

    # --- private messages -------------------------------------------------------------------
    def inject(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        body=None,
        headers=None,
        times: int = 1,
        deliver: bool = False,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` requests to this route answer this instead, after ``delay`` seconds.
        ``body`` None: Reddit's error body for the status. ``deliver``: the message is kept all the
        same (Reddit took it, then failed to say so, or said so too late)."""
        body = {"message": f"error {status}", "error": status} if body is None else body
        for _ in range(times):
            self.injected[(method, _normal_path(path))].append((status, body, headers or {}, deliver, delay))

    def refuse_compose(self, error_type: str, message: str, field: str = "to") -> None:
        """The next compose answers Reddit's error list, e.g. NOT_WHITELISTED_BY_USER_MESSAGE."""
        self.inject("POST", "/api/compose", body={"json": {"errors": [[error_type, message, field]]}})

    def receive_message(
        self,
        author: str,
        subject: str,
        body: str,
        *,
        first_message_name: str | None = None,
        parent_id: str | None = None,
        created_utc: float | None = None,
    ) -> dict:
        """A message arriving for the account: a new conversation, or (``first_message_name``) a
        reply inside one."""
        return self._write(
            author=author,
            dest=self.account,
            subject=subject,
            body=body,
            first_message_name=first_message_name,
            parent_id=parent_id,
            created_utc=created_utc,
        )

    def sent_to(self, dest: str) -> list[dict]:
        return [m for m in self.messages if m["author"] == self.account and m["dest"] == dest]

    def _write(self, *, author, dest, subject, body, first_message_name=None, parent_id=None, created_utc=None):
        self._next_id += 1
        id_ = base36(self._next_id)
        message = {
            "first_message": int(first_message_name[3:], 36) if first_message_name else None,
            "first_message_name": first_message_name, "subreddit": None, "likes": None, "replies": "",
            "author_fullname": f"t2_{author.lower()[:8]}", "id": id_, "subject": subject, "score": 0,
            "author": author, "num_comments": None, "parent_id": parent_id, "subreddit_name_prefixed": None,
            "new": author != self.account, "type": "unknown", "body": body, "dest": dest, "was_comment": False,
            "body_html": f"<!-- SC_OFF --><div class=\"md\"><p>{body}</p>\n</div><!-- SC_ON -->",
            "name": f"t4_{id_}", "created": 0.0, "created_utc": float(int(created_utc or self.clock())),
            "context": "", "distinguished": None,
        }  # fmt: skip
        message["created"] = message["created_utc"]
        self.messages.append(message)
        return message

    def _find(self, fullname: str) -> dict | None:
        return next((m for m in self.messages if m["name"] == fullname), None)

    def _conversation(self, root: dict) -> dict:
        """The first message with the rest of its conversation nested in ``replies``, oldest first."""
        rest = [m for m in self.messages if m["first_message_name"] == root["name"]]
        return {
            "kind": "t4",
            "data": {**root, "replies": listing([{"kind": "t4", "data": m} for m in rest]) if rest else ""},
        }

    def _conversations(self) -> list[dict]:
        """/message/messages: the account's conversations, the one with the latest message first."""
        mine = [m for m in self.messages if self.account in (m["author"], m["dest"])]
        roots = [m for m in mine if not m["first_message_name"]]

        def latest(root):
            return max(m["created_utc"] for m in mine if root["name"] in (m["name"], m["first_message_name"]))

        return [self._conversation(root) for root in sorted(roots, key=latest, reverse=True)]

    def _page(self, things: list[dict], query: dict) -> dict:
        if query.get("after"):
            names = [t["data"]["name"] for t in things]
            things = things[names.index(query["after"]) + 1 :] if query["after"] in names else []
        limit = int(query.get("limit") or 25)
        page = things[:limit]
        return listing(page, after=page[-1]["data"]["name"] if len(things) > limit else None)

    def _message_answer(self, method: str, path: str, query: dict, form: dict):
        """Reddit's answer to a messaging request, or None for a route this part does not serve."""
        path = _normal_path(path)
        if (method, path) == ("GET", "/api/v1/me"):
            return 200, {
                "name": self.account,
                "id": "fake01",
                "created_utc": 1500000000.0,
                "link_karma": 1,
                "comment_karma": 0,
                "has_mail": False,
                "inbox_count": 0,
                "is_suspended": False,
            }
        if (method, path) == ("POST", "/api/compose"):
            self._write(
                author=self.account, dest=form.get("to", ""), subject=form.get("subject", ""), body=form.get("text", "")
            )
            return 200, {"json": {"errors": []}}
        if (method, path) == ("POST", "/api/comment") and form.get("thing_id", "").startswith("t4_"):
            parent = self._find(form["thing_id"])
            if parent is None:
                return 200, {"json": {"errors": [["NO_THING_ID", "can't find that", "parent"]]}}
            root = parent["first_message_name"] or parent["name"]
            other = parent["dest"] if parent["author"] == self.account else parent["author"]
            reply = self._write(
                author=self.account,
                dest=other,
                subject=self._find(root)["subject"],
                body=form.get("text", ""),
                first_message_name=root,
                parent_id=parent["name"],
            )
            return 200, {"json": {"errors": [], "data": {"things": [{"kind": "t4", "data": reply}]}}}
        if (method, path) == ("GET", "/message/sent"):
            sent = [{"kind": "t4", "data": m} for m in reversed(self.messages) if m["author"] == self.account]
            return 200, self._page(sent, query)
        if (method, path) == ("GET", "/message/messages"):
            return 200, self._page(self._conversations(), query)
        if method == "GET" and path.startswith("/message/messages/"):
            root = self._find(f"t4_{path.rsplit('/', 1)[1]}")
            if root is not None and root["first_message_name"]:
                root = self._find(root["first_message_name"])
            return 200, listing([self._conversation(root)] if root else [])
        return None

    def _answer(self, method: str, path: str, query: str, form: dict):
        injected = self.injected.get((method, _normal_path(path)))
        if injected:
            status, body, headers, deliver, delay = injected.popleft()
            if deliver and self.account:
                self._message_answer(method, path, dict(parse_qsl(query)), form)
            return status, body, headers, delay
        if self.account:
            answer = self._message_answer(method, path, dict(parse_qsl(query)), form)
            if answer is not None:
                return *answer, {}, 0.0
        return self._respond(method, path, _query(query))

    # --- server ---------------------------------------------------------------------------
    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                form = {}
                if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                    form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
                if self.command == "POST":
                    fake.forms.append((_normal_path(url.path), form))
                fake.requests.append((self.command, url.path + (f"?{url.query}" if url.query else "")))
                fake.times.append(time.monotonic())
                status, body, headers, delay = fake._answer(self.command, url.path, url.query, form)
                time.sleep(delay)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {**RATE_LIMIT_HEADERS, **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                # One request per connection: with keep-alive, praw now and then sent a request on a
                # connection this server was closing (RemoteDisconnected: a retry praw counted).
                self.send_header("Connection", "close")
                self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def environ(self) -> dict:
        """The environment the live connector reads, pointing praw at this fake."""
        return {
            "REDDIT_CLIENT_ID": "fake-id",
            "REDDIT_CLIENT_SECRET": "fake-secret",
            "REDDIT_USER_AGENT": "crm-tests/1.0",
            "REDDIT_OAUTH_URL": self.url,
            "REDDIT_AUTH_URL": self.url,
        }


# --- hand-built Reddit JSON -------------------------------------------------------------------
def listing(children: list[dict], after: str | None = None) -> dict:
    return {"kind": "Listing", "data": {"after": after, "before": None, "children": children, "dist": len(children)}}


def submission(id_: str, author: str, created: float, title: str, subreddit: str = "fountainpens", **extra) -> dict:
    return {"kind": "t3", "data": {
        "id": id_, "name": f"t3_{id_}", "author": author, "created_utc": created, "title": title,
        "selftext": extra.pop("selftext", ""), "is_self": True, "subreddit": subreddit, "score": 10,
        "num_comments": 0, "permalink": f"/r/{subreddit}/comments/{id_}/x/", "url": f"https://reddit.com/{id_}",
        "edited": False, **extra,
    }}  # fmt: skip


def comment(id_: str, author: str, created: float, body: str, parent: str, link: str, replies=None, **extra) -> dict:
    return {"kind": "t1", "data": {
        "id": id_, "name": f"t1_{id_}", "author": author, "created_utc": created, "body": body,
        "parent_id": parent, "link_id": link, "subreddit": "fountainpens", "score": 3, "edited": False,
        "replies": listing(replies) if replies else "", "permalink": f"/r/fountainpens/comments/x/{id_}/",
        **extra,
    }}  # fmt: skip


def more(ids: list[str], parent: str) -> dict:
    return {
        "kind": "more",
        "data": {
            "count": len(ids),
            "name": f"t1_{ids[0]}",
            "id": ids[0],
            "parent_id": parent,
            "depth": 0,
            "children": ids,
        },
    }


def about(name: str, link_karma: int, comment_karma: int) -> dict:
    return {
        "kind": "t2",
        "data": {
            "name": name,
            "id": name[:6],
            "link_karma": link_karma,
            "comment_karma": comment_karma,
            "created_utc": 1400000000,
        },
    }


SITE_RULES = ["Spam", "Personal and confidential information", "Threatening, harassing, or inciting violence"]


def rule(short_name: str, description: str = "", *, kind: str = "all", priority: int = 0, **extra) -> dict:
    """One rule as ``/r/{name}/about/rules`` lists it (praw makes a Rule of an object with kind,
    short_name and violation_reason)."""
    return {
        "kind": kind, "short_name": short_name, "description": description,
        "description_html": f"<!-- SC_OFF --><div class=\"md\"><p>{description}</p></div><!-- SC_ON -->",
        "violation_reason": short_name, "created_utc": 1500000000.0, "priority": priority, **extra,
    }  # fmt: skip


def rules_body(rules: list[dict]) -> dict:
    """The whole answer: the subreddit's rules, then Reddit's own, which every subreddit lists."""
    return {
        "rules": rules,
        "site_rules": SITE_RULES,
        "site_rules_flow": [{"reasonTextToShow": "This is spam", "reasonText": "This is spam"}],
    }


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text or "0"
