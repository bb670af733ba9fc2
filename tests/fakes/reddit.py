"""A fake Reddit on loopback, for the real praw client (pointed at it with oauth_url/reddit_url).

Routes are (method, path) with an optional query; each holds a queue of responses served in
order (the last one repeats). Routes come from hand-built listings or from praw's own vcrpy
cassettes, replayed as recorded. Every request is logged so tests can say what praw asked for.
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
    def __init__(self):
        self.routes: dict[tuple[str, str], list[tuple[frozenset | None, deque]]] = defaultdict(list)
        self.requests: list[tuple[str, str]] = []
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.add("POST", "/api/v1/access_token", TOKEN)
        self._server = None

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

    # --- server ---------------------------------------------------------------------------
    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                fake.requests.append((self.command, url.path + (f"?{url.query}" if url.query else "")))
                fake.times.append(time.monotonic())
                status, body, headers, delay = fake._respond(self.command, url.path, _query(url.query))
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
