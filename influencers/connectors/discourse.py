"""Discourse forums: the public JSON API, or saved JSON files of the same shape.

Live: ``/latest.json`` page by page (newest activity first, stopping at the stored checkpoint),
then ``/t/{id}.json`` for each topic and ``/t/{id}/posts.json`` for the rest of its post stream.
The community is named by the forum's title (``/site/basic-info.json``), else by its host.
An ``Api-Key`` is optional (``DISCOURSE_API_KEY`` / ``DISCOURSE_API_USERNAME``). A 429 or a 5xx is
retried by urllib3's ``Retry`` (waiting as ``Retry-After`` says, in seconds or as an HTTP date, up to
two minutes, else backing off); one that lasts becomes a ``TemporarySourceError`` carrying the
forum's ``Retry-After``, so the sync task tries again later. Requests follow the outbound policy
(crm/outbound.py): a forum on a loopback or private address is refused (unless the operator allows
its host), redirects are checked on every hop, and the key is never sent on to another host. Errors
say "refused: …" or "failed: …" and the URL asked, never the network's detail: every member can
read them.

Saved files: a file, or a folder read with its subfolders (archivers save month folders), holding
any document the API answers: topics (``/t/{id}.json``), pages of a topic's posts
(``/t/{id}/posts.json``), single posts (``/posts/{id}.json``), ``/posts.json`` (``latest_posts``);
topic and category lists hold no posts and are passed over. ``--forum`` names the forum the files
came from: its URL becomes the community's, so links to its own threads are known as the forum's
own.

Only regular posts are conversation: moderator actions, "small actions" (closed, pinned, split) and
whispers (staff-only) are passed over. A post the community flagged (``hidden``) or staff deleted is
kept, marked removed by the community; one its author deleted (``user_deleted``: the *post's* flag,
not the account's) is marked removed by its author. Their placeholder text ("This post was flagged
by the community…", "(post deleted by author)") is not the member's words, and readers skip it.

A forum's categories (``/categories.json`` live, after the posts; a saved ``category_list``
document) are what the community says it is for: they come as its guidelines (kind "category",
name and description as text), with the community record again. Categories that cannot be read
live do not fail the sync: the community goes without them this time.

Posts are keyed ``topic/post_number`` (the forum's own URL scheme), so a reply's parent is known
without a lookup: ``reply_to_post_number``, or the topic's first post.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import requests
from django.conf import settings
from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from crm.outbound import OutboundRefused, outbound_detail, outbound_failure, outbound_session, outbound_url_refusal
from influencers.connectors.records import (
    AuthorRecord,
    Checkpoint,
    CommunityRecord,
    Guideline,
    InteractionRecord,
    Skipped,
    SourceError,
    TemporarySourceError,
    parse_json,
    utc_from_iso,
)

logger = logging.getLogger(__name__)
PLATFORM = "discourse"
SYSTEM_USERS = {"system", "discobot"}
REGULAR_POST = 1  # Discourse's post_type; 2 moderator action, 3 small action, 4 whisper
POSTS_PER_REQUEST = 20
MAX_RETRIES = 5
MAX_WAIT_SECONDS = 120  # the longest Retry-After waited out in the task; a longer one is waited out by Celery
BACKOFF_SECONDS = 1  # without a Retry-After: 0, 2, 4, 8, 16 s between the attempts
RETRIED_STATUSES = (429, 500, 502, 503, 504)


class _TextExtractor(HTMLParser):
    """Cooked HTML to plain text; links keep their address (promotion is judged by where they go)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self.parts.append(f" {href} ")
        elif tag in ("p", "br", "li", "h1", "h2", "h3", "blockquote", "pre"):
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html or "")
    except AssertionError:
        # html.parser (CPython 3.11) gives up on a "<![" section it does not know ("<![x[ ]]>"): read
        # it again with those as text, so the post keeps its words instead of failing the import.
        parser = _TextExtractor()
        parser.feed(html.replace("<![", "&lt;!["))
    return " ".join("".join(parser.parts).split(" ")).strip()


def forum_key(base_url: str) -> str:
    parsed = urlparse(base_url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SourceError(f"{base_url!r} is not a forum URL (https://forum.example.org)")
    return f"{parsed.scheme}://{parsed.netloc}{parsed.path.rstrip('/')}"


def _author(post: dict, forum: str) -> AuthorRecord:
    username = post.get("username")
    if not isinstance(username, str) or not username:
        raise ValueError("post without a username")
    user_id = post.get("user_id")
    return AuthorRecord(
        platform=PLATFORM,
        external_id=f"{forum}/u/{username.lower()}",
        handle=username,
        display_name=str(post.get("name") or post.get("display_username") or ""),
        profile_url=f"{forum}/u/{username}" if forum.startswith("http") else "",
        is_bot=username.lower() in SYSTEM_USERS or (isinstance(user_id, int) and user_id < 0),
    )


def _removed_by(post: dict) -> str:
    if post.get("user_deleted"):
        return "author"
    if post.get("hidden") or post.get("deleted_at"):
        return "community"
    return ""


def is_conversation(post) -> bool:
    """A regular post (not a moderator action, a small action or a whisper); a post without a type
    is taken as regular, as older saves omit it."""
    return not isinstance(post, dict) or post.get("post_type", REGULAR_POST) == REGULAR_POST


def post_to_record(post: dict, community: CommunityRecord) -> InteractionRecord:
    """One Discourse post to an interaction; raises ValueError/KeyError/TypeError if unusable."""
    if not isinstance(post, dict):
        raise ValueError("not an object")
    topic, number = int(post["topic_id"]), int(post["post_number"])
    reply_to = post.get("reply_to_post_number")
    is_first = number == 1
    parent = "" if is_first else f"{topic}/{int(reply_to) if reply_to else 1}"
    text = post["raw"] if isinstance(post.get("raw"), str) else html_to_text(post.get("cooked") or "")
    forum = community.external_id
    slug = post.get("topic_slug") or "-"
    likes = post.get("like_count")
    if likes is None:
        actions = post.get("actions_summary") or []
        if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
            raise ValueError("actions_summary is not a list of objects")
        likes = next((a.get("count", 0) for a in actions if a.get("id") == 2), 0)
    return InteractionRecord(
        community_key=community.key,
        external_id=f"{topic}/{number}",
        kind="post" if is_first else "comment",
        author=_author(post, forum),
        posted_at=utc_from_iso(post["created_at"]),
        parent_external_id=parent,
        thread_external_id=f"{topic}/1",
        title=str(post.get("topic_title") or ""),
        text=text,
        url=f"{forum}/t/{slug}/{topic}/{number}" if forum.startswith("http") else "",
        score=int(likes or 0),
        edited_at=utc_from_iso(post["updated_at"]) if post.get("updated_at") and post.get("version", 1) > 1 else None,
        removed_by=_removed_by(post),
    )


def _posts_in(document) -> list | None:
    if isinstance(document, dict):
        if isinstance(document.get("post_stream"), dict):
            posts = document["post_stream"].get("posts") or []
            if not isinstance(posts, list):
                return None  # not a topic after all
            title = document.get("title")
            if title:  # a topic document: its posts carry the topic's title
                for post in posts:
                    if isinstance(post, dict):
                        post.setdefault("topic_title", title)
            return posts
        if isinstance(document.get("latest_posts"), list):
            return document["latest_posts"]
        if "post_number" in document and "topic_id" in document:
            return [document]  # a single post (/posts/{id}.json)
        if document.keys() & {"topic_list", "category_list", "user", "user_actions", "users", "directory_items"}:
            return []  # a Discourse document that holds no posts
    if isinstance(document, list) and all(
        isinstance(d, dict) and ("results" in d or "username" in d) for d in document
    ):
        return []  # search results or a user list: no posts
    return None


_END = object()


def categories_to_guidelines(document) -> tuple[Guideline, ...] | None:
    """A ``/categories.json`` document's categories (subcategories, when it lists them, after their
    parent) as guidelines in the forum's order; None if it is not a category list. A category's
    description is its cooked HTML as text, or else its plain-text forms."""
    category_list = document.get("category_list") if isinstance(document, dict) else None
    top = category_list.get("categories") if isinstance(category_list, dict) else None
    if not isinstance(top, list):
        return None
    guidelines = []
    pending = [iter(top)]  # a stack, not recursion: subcategory lists nest as deep as a file likes
    while pending:
        category = next(pending[-1], _END)
        if category is _END:
            pending.pop()
            continue
        if not isinstance(category, dict):
            continue
        description = next(
            (text for key in ("description", "description_text", "description_excerpt")
             if isinstance(text := category.get(key), str) and text.strip()),
            "",
        )  # fmt: skip
        guidelines.append(Guideline("category", category.get("name"), html_to_text(description)))
        if isinstance(category.get("subcategory_list"), list):
            pending.append(iter(category["subcategory_list"]))
    return tuple(guidelines)


def read_saved(path: str | Path, *, forum: str | None = None) -> Iterator:
    """Saved API responses: one JSON file, or every ``*.json`` in a folder and its subfolders.

    The community is yielded with the first document that is Discourse's, never before: a folder
    holding none is refused (SourceError) having created nothing. Its name is the forum's own when
    the files include ``/about.json`` or ``/site/basic-info.json`` (their ``title``), else the
    forum's host (``--forum``), else the folder's name."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    if not files:
        raise SourceError(f"{path}: no .json files in it or its subfolders")
    title = _saved_forum_title(files)
    if forum:
        base = forum_key(forum)
        community = CommunityRecord(PLATFORM, base, name=title or urlparse(base).netloc, url=base)
    else:
        name = path.name if path.is_dir() else path.parent.name
        community = CommunityRecord(PLATFORM, f"saved:{name}", name=title or name)
    understood = 0
    for file in files:
        where = str(file.relative_to(path)) if path.is_dir() else file.name
        try:
            document = parse_json(file.read_bytes())
        except ValueError as error:
            yield Skipped(where, f"not valid JSON ({error})")
            continue
        guidelines = categories_to_guidelines(document)
        posts = _posts_in(document) if guidelines is None else []
        if posts is None:
            if _forum_title(document) is None:
                yield Skipped(where, "not a Discourse topic or posts document")
            continue
        understood += 1
        if understood == 1:  # the first document of the forum's: the community exists from here
            yield community
        if guidelines is not None:
            yield replace(community, guidelines=guidelines)
            continue
        for position, post in enumerate(posts, start=1):
            if not is_conversation(post):
                continue
            try:
                yield post_to_record(post, community)
            except (KeyError, TypeError, ValueError, OverflowError) as error:  # OverflowError: int() of Infinity
                yield Skipped(f"{where} post {position}", f"unusable post ({error})")
    if understood == 0:
        if not path.is_dir():
            raise SourceError(f"{path}: not a saved Discourse API response")
        raise SourceError(
            f"{path}: none of its {len(files):,} .json files is a saved Discourse API response "
            "(topics, posts or categories); nothing was imported"
        )


def _forum_title(document) -> str | None:
    """The forum's own name in an ``/about.json`` or ``/site/basic-info.json`` document; None
    when the document is neither."""
    if not isinstance(document, dict):
        return None
    about = document.get("about")
    holder = about if isinstance(about, dict) else document if "logo_url" in document else None
    title = holder.get("title") if holder is not None else None
    if isinstance(title, str) and title.strip():
        return title.strip()[:200]
    return None


def _saved_forum_title(files: list[Path]) -> str:
    """The forum's name, when a saved ``about.json`` or ``basic-info.json`` is among ``files``
    (read first: the community is named before its first post); "" otherwise."""
    for file in files:
        if file.name in ("about.json", "basic-info.json") and file.stat().st_size < 5_000_000:
            try:
                title = _forum_title(parse_json(file.read_bytes()))
            except ValueError:
                continue
            if title:
                return title
    return ""


class _Retry(Retry):
    """urllib3's ``Retry``, reading a Retry-After it cannot parse as absent (so it backs off)
    instead of raising urllib3's own error past requests."""

    def get_retry_after(self, response) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None


def retry_policy() -> Retry:
    """How a request to a forum is retried: GETs only, on a 429 or a 5xx or a failed connection,
    ``MAX_RETRIES`` times; the last answer is handed back rather than raised (``DiscourseClient.get``
    says what it means)."""
    return _Retry(
        total=MAX_RETRIES,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods={"GET"},
        backoff_factor=BACKOFF_SECONDS,
        backoff_max=MAX_WAIT_SECONDS,
        respect_retry_after_header=True,
        retry_after_max=MAX_WAIT_SECONDS,
        raise_on_status=False,
    )


def retry_after_seconds(response) -> float | None:
    """A response's Retry-After in seconds (it may be a number or an HTTP date), None if it has none
    or one that cannot be read."""
    return _Retry().get_retry_after(response)  # urllib3 reads it from the headers alone


class DiscourseClient:
    """A small JSON client; its session retries 429s and 5xx as the forum's Retry-After says (``retry_policy``)."""

    CREDENTIAL_HEADERS = ("Api-Key", "Api-Username")

    def __init__(self, base_url: str, *, session: requests.Session | None = None):
        self.base = forum_key(base_url)
        refusal = outbound_url_refusal(self.base)
        if refusal is not None:  # before the key is attached to anything
            raise SourceError(f"refused: {self.base}: {refusal}")
        self.session = session or outbound_session(
            follow_redirects=True, credential_headers=self.CREDENTIAL_HEADERS, max_retries=retry_policy()
        )
        self.session.headers["Accept"] = "application/json"
        api_key = getattr(settings, "DISCOURSE_API_KEY", None) if settings.configured else None
        if api_key:  # the operator's key (crm/env.py), for forums that hide content from guests
            self.session.headers["Api-Key"] = api_key
            self.session.headers["Api-Username"] = settings.DISCOURSE_API_USERNAME

    def get(self, path: str, params=None) -> dict:
        url = self.base + path
        try:
            response = self.session.get(url, params=params, timeout=30)
        except OutboundRefused as error:  # a DNS answer or a redirect to a refused address
            logger.warning("discourse %s: %s", url, outbound_detail(error))
            raise SourceError(f"refused: {url}: {error.reason}") from None
        except requests.RequestException as error:  # no connection, after the retries
            logger.warning("discourse %s (after %s retries): %s", url, MAX_RETRIES, outbound_detail(error))
            what = outbound_failure(error).removeprefix("failed: ")
            raise TemporarySourceError(f"failed: {url}: {what}") from None
        status = response.status_code
        if status in RETRIED_STATUSES:  # still, after the retries: the task tries again later
            raise TemporarySourceError(
                f"failed: {url}: answered {status}, also after {MAX_RETRIES} retries",
                retry_after=retry_after_seconds(response),
            )
        if status in (401, 403):
            raise SourceError(f"failed: {url}: answered {status}, access denied; check DISCOURSE_API_KEY")
        if status == 404:
            raise SourceError(f"failed: {url}: answered 404, not found (is this a Discourse forum?)")
        if not 200 <= status < 300:
            raise SourceError(f"failed: {url}: answered {status}")
        try:
            # As saved files are read: response.json() would pass on a lone surrogate ("\\ud83d").
            return parse_json(response.content)
        except ValueError:
            raise SourceError(f"failed: {url}: did not answer JSON (is this a Discourse forum?)") from None


def read_forum(base_url: str, *, checkpoint: dict | None = None, limit: int | None = None, client=None) -> Iterator:
    """Topics with activity since the checkpoint (newest first), then each topic's posts."""
    client = client or DiscourseClient(base_url)
    # The first page before anything else: a forum that does not answer creates no community.
    listing = client.get("/latest.json")
    name = forum_name(client) or urlparse(client.base).netloc
    community = CommunityRecord(PLATFORM, client.base, name=name, url=client.base)
    yield community
    since = (checkpoint or {}).get("bumped_at")
    newest = since
    topics_seen = 0
    page = 0
    while True:
        if page:
            listing = client.get("/latest.json", params={"page": page})
        topic_list = (listing.get("topic_list") or {}) if isinstance(listing, dict) else None
        topics = (topic_list.get("topics") or []) if isinstance(topic_list, dict) else None
        if not isinstance(topics, list):
            raise SourceError(f"{client.base}/latest.json: not a Discourse topic list")
        if not topics:
            break
        for position, topic in enumerate(topics, start=1):
            if not isinstance(topic, dict) or not isinstance(topic.get("id"), int):
                yield Skipped(f"latest.json page {page} topic {position}", "not a topic with an id")
                continue
            bumped = topic.get("bumped_at") or topic.get("last_posted_at") or ""
            bumped = bumped if isinstance(bumped, str) else ""  # compared with the checkpoint's text
            if since and bumped and bumped <= since:
                if not topic.get("pinned"):
                    topics = []  # ordered by activity: everything after this is older
                    break
                continue
            yield from _topic_posts(client, community, topic["id"])
            newest = max(newest or "", bumped)
            topics_seen += 1
            if limit and topics_seen >= limit:
                break
        if not topics or (limit and topics_seen >= limit) or not topic_list.get("more_topics_url"):
            break
        page += 1
    guidelines = forum_categories(client)
    if guidelines is not None:
        yield replace(community, guidelines=guidelines)
    if newest:
        yield Checkpoint({"bumped_at": newest})


def forum_name(client: DiscourseClient) -> str | None:
    """The forum's own title (``/site/basic-info.json``), None when it cannot be read: the
    community is then named by the forum's host. Not worth failing a sync for."""
    try:
        return _forum_title(client.get("/site/basic-info.json"))
    except (SourceError, requests.RequestException):  # TemporarySourceError is a SourceError
        return None


def forum_categories(client: DiscourseClient) -> tuple[Guideline, ...] | None:
    """The forum's categories, or None when they cannot be read: refused, missing, not JSON, or the
    forum unavailable after the client's retries. Not worth failing a sync for."""
    try:
        document = client.get("/categories.json", params={"include_subcategories": "true"})
    except (SourceError, requests.RequestException):  # TemporarySourceError is a SourceError
        return None
    return categories_to_guidelines(document)


def _topic_posts(client: DiscourseClient, community: CommunityRecord, topic_id: int) -> Iterator:
    topic = client.get(f"/t/{topic_id}.json")
    if not isinstance(topic, dict) or _posts_in(topic) is None:
        yield Skipped(f"topic {topic_id}", "not a Discourse topic")
        return
    posts = list(_posts_in(topic))
    post_stream = topic.get("post_stream")
    stream = post_stream.get("stream") if isinstance(post_stream, dict) else None
    have = {p["id"] for p in posts if isinstance(p, dict) and isinstance(p.get("id"), int)}
    # Post ids are numbers; anything else in the stream cannot be asked for (nor is it hashable).
    rest = [i for i in stream if isinstance(i, int) and i not in have] if isinstance(stream, list) else []
    for start in range(0, len(rest), POSTS_PER_REQUEST):
        chunk = client.get(f"/t/{topic_id}/posts.json", params={"post_ids[]": rest[start : start + POSTS_PER_REQUEST]})
        for post in _posts_in(chunk) or []:
            if isinstance(post, dict):
                post.setdefault("topic_title", topic.get("title"))
            posts.append(post)
    for position, post in enumerate(posts, start=1):
        if not is_conversation(post):
            continue
        try:
            yield post_to_record(post, community)
        except (KeyError, TypeError, ValueError, OverflowError) as error:  # OverflowError: int() of Infinity
            yield Skipped(f"topic {topic_id} post {position}", f"unusable post ({error})")
