"""Stack Exchange: one site's data dump — a folder, a ``.zip``, or the ``.7z`` Stack Exchange publishes.

Reads ``Users.xml``, ``Posts.xml`` and ``Comments.xml`` (at the top of the dump, or in one folder
inside it; ``Badges.xml``, ``Votes.xml``, ``PostHistory.xml`` and the rest are not read). One
community per dump, ``stackexchange:<site>``: the site is ``--site`` when given, else the dump's
name as Stack Exchange names them (``quantumcomputing.stackexchange.com.7z``). When the site is a
host, the community, its posts and its members get their ``https://<site>/…`` addresses.

- Questions (``PostTypeId`` 1) are posts, with their title; answers (2) are comments on their
  question. Tag wikis and their excerpts, moderator nominations, privilege wikis and the other
  types are not conversation: passed over, with the comments on them, and not reported.
- A comment answers its post — or, when it opens with ``@name`` naming an earlier commenter on the
  same post, that commenter's latest comment there. This is Stack Exchange's own rule for whom a
  comment notifies: the name runs to the first space, one final punctuation mark dropped; it must
  have 3 characters or more, and matches a user whose name, spaces removed, starts with it, in any
  case. The post's owner is notified of every comment anyway, so naming them answers the post. When
  several earlier commenters match, the latest is taken (their exchange is the one going on).
- Ids are ``p<Id>`` for questions and answers and ``c<Id>`` for comments; a thread is its question's
  id. Stable, so importing the dump again creates nothing.
- Authors come from ``Users.xml``: the display name as handle, reputation as reach (shown, never
  ranked on), ``https://<site>/users/<id>``. Account ids carry the site (``<site>/users/<id>``), so
  the same number on two sites is two accounts. The ``Community`` account (-1) is a bot. A post
  whose owner is gone (only ``OwnerDisplayName``, or an id ``Users.xml`` does not hold) has a deleted
  author.
- Dates are UTC (the dump writes them without an offset). Bodies are HTML, read as text with link
  addresses kept; comments are plain text.

Memory stays flat in the dump's size but for one thing: per user, a name and a reputation (about
100 bytes each; Stack Overflow's 20 million users would take about 2 GB). The files are streamed
(stackexchange_files.py: how they are found, unpacked, checked and read), and what comments need
of the posts before them (each post's question and owner; each post's latest comment by each
commenter) is kept in a SQLite file in a scratch folder, on disk, removed when reading ends.

A row that cannot be used is skipped with its file and ``Id``, and the rest imported; a file
damaged part way keeps the rows before the damage and says where it stopped. A source that is not
a dump at all — missing, not a folder/.zip/.7z, a damaged archive, a file missing or not XML — is
one SourceError.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from influencers.connectors.discourse import html_to_text
from influencers.connectors.records import (
    AuthorRecord,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
    count_bytes,
    utc_from_iso,
)
from influencers.connectors.stackexchange_files import DumpFile, check_root, dump_files, rows, source_bytes

PLATFORM = "stackexchange"
QUESTION, ANSWER = 1, 2  # PostTypeId
COMMUNITY_USER_ID = -1  # the site's own background process
HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
REPLY = re.compile(r"\s*@(\S+)")
MIN_REPLY_NAME = 3
# Reputation is stored as a non-negative 64-bit integer; ids are looked up in SQLite's.
MAX_NUMBER = 2**63 - 1


def _number(row: dict, name: str, *, default: int | None = None) -> int:
    """The row's attribute ``name`` as a whole number (``default`` when absent, if given); ValueError
    if it is missing or not one."""
    value = row.get(name)
    if value is None and default is not None:
        return default
    if value is None:
        raise ValueError(f"no {name}")
    return _integer(value, name)


def _integer(value: str, name: str) -> int:
    number = int(value)  # ValueError for "1.5", "", "1e400", 5,000 digits
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"{name} out of range")
    return number


def _date(row: dict, name: str):
    value = row.get(name)
    if value is None:
        raise ValueError(f"no {name}")
    return utc_from_iso(value)  # naive, as the dump writes them: UTC


def _where(file: str, row: dict, position: int) -> str:
    row_id = row.get("Id")
    return f"{file} Id={row_id:.40}" if row_id is not None else f"{file} row {position} (no Id)"


# --- what comments need of what came before ------------------------------------------------------


class _Index:
    """What comments need to know of the posts before them, in SQLite on disk so that memory does
    not grow with the dump: each post's question (None for a post that is not conversation) and
    owner, and each post's latest comment by each commenter (for ``@name`` replies). One
    transaction, never committed: the file is scratch, removed with its folder."""

    def __init__(self, file: Path):
        self._db = sqlite3.connect(file)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE post (id INTEGER PRIMARY KEY, question INTEGER, owner TEXT);
            CREATE TABLE commenter (
                post INTEGER, author TEXT, name TEXT, comment INTEGER, PRIMARY KEY (post, author)
            ) WITHOUT ROWID;
            """
        )

    def close(self) -> None:
        self._db.close()

    def add_post(self, post_id: int, *, question: int | None, owner: str | None) -> None:
        self._db.execute("INSERT OR REPLACE INTO post VALUES (?, ?, ?)", (post_id, question, owner))

    def post(self, post_id: int) -> tuple[int | None, str | None] | None:
        """(question, owner) of a post read before; None if Posts.xml had no such post."""
        return self._db.execute("SELECT question, owner FROM post WHERE id = ?", (post_id,)).fetchone()

    def add_comment(self, post_id: int, *, author: str, name: str, comment_id: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO commenter VALUES (?, ?, ?, ?)", (post_id, author, _name_key(name), comment_id)
        )

    def replied_comment(self, post_id: int, text: str, *, author: str, owner: str | None) -> int | None:
        """The comment a comment opening with ``@name`` answers: the latest on the same post by an
        earlier commenter (neither its own author nor the post's owner) whose name starts so."""
        opening = REPLY.match(text)
        if not opening:
            return None
        name = opening.group(1)
        if unicodedata.category(name[-1]).startswith("P"):
            name = name[:-1]  # "@Joel," is Joel
        name = name.lower()
        if len(name) < MIN_REPLY_NAME:
            return None
        earlier = self._db.execute(
            "SELECT author, name, comment FROM commenter WHERE post = ? ORDER BY comment DESC", (post_id,)
        )
        for commenter, commenter_name, comment_id in earlier:
            if commenter not in (author, owner) and commenter_name.startswith(name):
                return comment_id
        return None


def _name_key(name: str) -> str:
    """A name as ``@name`` is matched against it: spaces removed, in lower case."""
    return name.replace(" ", "").lower()


# --- rows to records -----------------------------------------------------------------------------


class _Site:
    """One dump's site: its members (read from Users.xml first) and how its rows become records."""

    def __init__(self, community: CommunityRecord, index: _Index):
        self.community = community
        self.site = community.external_id
        self.base = community.url  # "" when the site is not a host
        self.index = index
        self.users: dict[int, tuple[str, int | None]] = {}  # id → display name, reputation

    def add_user(self, row: dict) -> None:
        """Remember a member of Users.xml (nothing to yield: members come with what they wrote)."""
        user_id = _number(row, "Id")
        try:
            reputation = _number(row, "Reputation")
        except ValueError:  # unknown reach is no reason to lose the member
            reputation = None
        reputation = reputation if reputation is None or reputation >= 0 else None
        self.users[user_id] = (row.get("DisplayName") or f"user{user_id}", reputation)

    def author(self, user_id: str | None, display_name: str | None) -> AuthorRecord:
        """The account behind ``OwnerUserId``/``UserId`` (with ``OwnerDisplayName``/``UserDisplayName``,
        which the dump keeps for accounts deleted since); ValueError if the id is not a number."""
        if user_id is not None:
            number = _integer(user_id, "user id")
            external_id = f"{self.site}/users/{number}"
            if number not in self.users:
                # Deleted since; the Community account stays what it is, whatever Users.xml holds.
                is_bot = number == COMMUNITY_USER_ID
                handle = display_name or ("Community" if is_bot else f"user{number}")
                return AuthorRecord(PLATFORM, external_id, handle, is_bot=is_bot, is_deleted=not is_bot)
            handle, reputation = self.users[number]
            return AuthorRecord(
                PLATFORM,
                external_id,
                handle,
                profile_url=f"{self.base}/users/{number}" if self.base else "",
                reach=reputation,
                reach_kind="reputation" if reputation is not None else "",
                is_bot=number == COMMUNITY_USER_ID,
            )
        if display_name:
            return AuthorRecord(PLATFORM, f"{self.site}/deleted/{display_name}", display_name, is_deleted=True)
        return AuthorRecord(PLATFORM, f"{self.site}/deleted", "[deleted]", is_deleted=True)

    def post(self, row: dict) -> InteractionRecord | None:
        """A question or an answer; None for the other post types (remembered, so that comments on
        them are passed over too)."""
        post_type = _number(row, "PostTypeId")
        post_id = _number(row, "Id")
        if post_type not in (QUESTION, ANSWER):
            self.index.add_post(post_id, question=None, owner=None)
            return None
        is_question = post_type == QUESTION
        question = post_id if is_question else _number(row, "ParentId")
        author = self.author(row.get("OwnerUserId"), row.get("OwnerDisplayName"))
        record = InteractionRecord(
            community_key=self.community.key,
            external_id=f"p{post_id}",
            kind="post" if is_question else "comment",
            author=author,
            posted_at=_date(row, "CreationDate"),
            parent_external_id="" if is_question else f"p{question}",
            thread_external_id=f"p{question}",
            title=row.get("Title", "") if is_question else "",
            text=html_to_text(row.get("Body", "")),
            url=f"{self.base}/{'q' if is_question else 'a'}/{post_id}" if self.base else "",
            score=_number(row, "Score", default=0),
            edited_at=_date(row, "LastEditDate") if "LastEditDate" in row else None,
        )
        self.index.add_post(post_id, question=question, owner=author.external_id)
        return record

    def comment(self, row: dict) -> InteractionRecord | None:
        """A comment, answering its post or the earlier comment its ``@name`` names; None for a
        comment on a post that is not conversation."""
        comment_id = _number(row, "Id")
        post_id = _number(row, "PostId")
        post = self.index.post(post_id)
        if post is None:
            raise ValueError(f"its post (PostId {post_id}) is not among Posts.xml's questions and answers")
        question, owner = post
        if question is None:
            return None
        author = self.author(row.get("UserId"), row.get("UserDisplayName"))
        text = row.get("Text", "")
        replied = self.index.replied_comment(post_id, text, author=author.external_id, owner=owner)
        record = InteractionRecord(
            community_key=self.community.key,
            external_id=f"c{comment_id}",
            kind="comment",
            author=author,
            posted_at=_date(row, "CreationDate"),
            parent_external_id=f"c{replied}" if replied is not None else f"p{post_id}",
            thread_external_id=f"p{question}",
            text=text,
            url=f"{self.base}/posts/comments/{comment_id}" if self.base else "",
            score=_number(row, "Score", default=0),
        )
        self.index.add_comment(post_id, author=author.external_id, name=author.handle, comment_id=comment_id)
        return record


def _each_row(file: DumpFile, build: Callable[[dict], InteractionRecord | None]) -> Iterator:
    """``build`` applied to each row of ``file``: its record if it makes one, or a Skipped saying why
    it cannot be used."""
    position = 0
    for row in rows(file):
        if isinstance(row, Skipped):
            yield row
            continue
        position += 1
        try:
            record = build(row)
        # OverflowError: a date past what a datetime holds once moved to UTC.
        except (KeyError, TypeError, ValueError, OverflowError) as error:
            yield Skipped(_where(file.name, row, position), f"unusable row ({error})")
            continue
        if record is not None:
            yield record


def site_name(path: Path, site: str | None) -> str:
    """The site a dump is of: ``site`` as given (a host, or its address), else the archive's or
    folder's name as Stack Exchange names its dumps (``meta.ai.stackexchange.com.7z``)."""
    if site:
        name = site.strip().split("://", 1)[-1].strip("/")
    elif path.is_file() and path.suffix.lower() in (".7z", ".zip"):
        name = path.name[: -len(path.suffix)]
    else:
        name = path.name
    return name.lower()


def _community(path: Path, site: str | None) -> CommunityRecord:
    name = site_name(path, site)
    try:
        return CommunityRecord(PLATFORM, name, name=name, url=f"https://{name}" if HOST.fullmatch(name) else "")
    except ValueError as error:
        raise SourceError(f"{path}: cannot name the site ({error}); give it with --site") from None


def read_dump(path: str | Path, *, site: str | None = None) -> Iterator:
    """Yield the site's CommunityRecord, then an InteractionRecord or a Skipped for each row of
    Posts.xml and Comments.xml (and a Skipped for each unusable row of Users.xml)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="stackexchange-") as scratch, dump_files(path, Path(scratch)) as files:
        for file in files.values():
            check_root(file, path)
        community = _community(path, site)
        # What is not read (the dump's other files) is done as soon as reading starts.
        count_bytes(max(0, int(source_bytes(path) - sum(file.weight for file in files.values()))))
        yield community
        index = _Index(Path(scratch) / "index.sqlite3")
        try:
            reader = _Site(community, index)
            yield from _each_row(files["Users.xml"], reader.add_user)
            yield from _each_row(files["Posts.xml"], reader.post)
            yield from _each_row(files["Comments.xml"], reader.comment)
        finally:
            index.close()
