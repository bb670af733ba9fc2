"""The plain records every connector produces, and the ingest service consumes.

No ORM here: a connector can be tested on a file alone. A connector yields, in any order:
``CommunityRecord`` (before the first interaction of that community, and again if it learns the
community's guidelines later), ``InteractionRecord`` and ``Skipped`` (a malformed line or record:
where, and why). A source it cannot read at all (missing file, not a zip, not the expected format)
raises ``SourceError`` with one readable line. A record refuses an id no database can store
(ValueError), which the connector reports as skipped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

# The columns account and community ids are stored in (Identity.external_id, Community.external_id).
# Interaction ids are checked by the ingest service, which counts a too-long one as skipped.
MAX_ID_LENGTH = 255
# A reason is one line for the operator; some quote the input (a date that did not parse), which
# may be a 5 MB field.
MAX_REASON_LENGTH = 300


def check_id(value, what: str, *, max_length: int | None = MAX_ID_LENGTH) -> None:
    """Ids are what rows are found by: a string a database can hold. PostgreSQL refuses NUL and
    values longer than the column, no database encodes a lone surrogate, and either fails the whole
    batch, so a record with such an id is refused here (ValueError, which each connector reports as
    a skipped message or a refused source)."""
    if (
        not isinstance(value, str)
        or "\x00" in value
        or (max_length and not 0 < len(value) <= max_length)
        or has_lone_surrogate(value)
    ):
        raise ValueError(f"unusable {what} {value!r:.80}")


def has_lone_surrogate(text: str) -> bool:
    """Half an emoji, which Python's json makes of a "\\ud83d" escape: no database encodes it."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")  # fails on surrogates, and only on them
    except UnicodeEncodeError:
        return True
    return False


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, as other undecodable text is."""
    if has_lone_surrogate(text):
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def seconds_to_wait(value) -> float | None:
    """A wait a source asked for, in seconds (a Retry-After header, Discord's ``retry_after``, a
    rate limit's reset): None when absent or unreadable — not a number, NaN, infinite or negative —
    so the caller falls back to its own wait."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


class SourceError(Exception):
    """The whole source is unusable (missing, unreadable, wrong format): one line for the operator."""


class TemporarySourceError(SourceError):
    """The source is unreachable or overloaded for now (timeouts, 429, 5xx): a retry may succeed,
    not before ``retry_after`` seconds when the source said so (a 429's Retry-After)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Checkpoint:
    """Yielded after the records it covers: where the next sync of this source may start."""

    values: dict


GUIDELINE_KINDS = ("rule", "category")
MAX_GUIDELINE_TITLE = 300
MAX_GUIDELINE_DESCRIPTION = 5000
MAX_GUIDELINES = 100


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _guideline_text(value, limit: int) -> str:
    """Text a source gave, made storable: not a string is empty; no NUL (PostgreSQL's jsonb refuses
    it) nor lone surrogate; clipped, since a hostile or broken source may send megabytes."""
    if not isinstance(value, str):
        return ""
    value = without_lone_surrogates(value.replace("\x00", "")).strip()
    return _clip(value, limit)


@dataclass(frozen=True, slots=True)
class Guideline:
    """One of a community's own rules as its source states them: a subreddit rule (``kind``
    "rule"), or a forum category with what it is for ("category")."""

    kind: str
    title: str
    description: str = ""

    def __post_init__(self):
        if self.kind not in GUIDELINE_KINDS:
            raise ValueError(f"unknown guideline kind {self.kind!r:.40}")
        object.__setattr__(self, "title", _guideline_text(self.title, MAX_GUIDELINE_TITLE))
        object.__setattr__(self, "description", _guideline_text(self.description, MAX_GUIDELINE_DESCRIPTION))

    def as_dict(self) -> dict:
        """What ``Community.guidelines`` stores for it."""
        return {"kind": self.kind, "title": self.title, "description": self.description}


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    """A community, yielded before its first interaction, and again whenever there is more to say.

    ``guidelines`` is what the source says the community's own rules are, in the source's order:
    None when it did not say (a dump; the rules could not be read), a tuple (even an empty one)
    when it did, which replaces what is stored. A connector that learns them only later (a saved
    forum's categories file, a subreddit's rules read after its posts) yields the same community
    again with them: the ingest service looks a community up by its key, so a second record of it
    is cheap and changes only what it carries. Guidelines without a title are dropped and at most
    ``MAX_GUIDELINES`` kept, whatever the source sent.
    """

    platform: str
    external_id: str
    name: str
    url: str = ""
    description: str = ""
    guidelines: tuple[Guideline, ...] | None = None

    def __post_init__(self):
        check_id(self.external_id, "community id")
        if self.guidelines is not None:
            # Any iterable will do: a connector may hand over a generator, read no further than needed.
            kept = tuple(islice((g for g in self.guidelines if g.title), MAX_GUIDELINES))
            object.__setattr__(self, "guidelines", kept)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    platform: str
    external_id: str
    handle: str
    display_name: str = ""
    profile_url: str = ""
    reach: int | None = None
    reach_kind: str = ""
    is_bot: bool = False
    is_deleted: bool = False
    # (platform, external id): computed once, it is read for every interaction an import stores.
    key: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        check_id(self.external_id, "account id")
        object.__setattr__(self, "key", (self.platform, self.external_id))


@dataclass(slots=True)
class InteractionRecord:
    community_key: str  # "platform:external_id" of a CommunityRecord
    external_id: str
    kind: str  # post, comment, reaction, mention
    author: AuthorRecord | None
    posted_at: datetime
    parent_external_id: str = ""
    thread_external_id: str = ""
    target: AuthorRecord | None = None  # whom it is directed at, when the source says so directly
    title: str = ""
    text: str = ""
    url: str = ""
    score: int = 0
    edited_at: datetime | None = None
    is_removed: bool = False
    removed_by: str = ""  # "author" or "community" when the source says who removed it (RemovedBy)

    def __post_init__(self):
        if self.removed_by:
            self.is_removed = True
        # Lengths are the ingest service's to check (it counts the skip); NUL or a lone surrogate no
        # database takes. One pass over the three ids first (an import makes millions of records):
        # the careful check, which names the culprit, only when that pass cannot vouch for them.
        try:
            ids = self.external_id + self.parent_external_id + self.thread_external_id
            plain = ids.isascii() and "\x00" not in ids
        except TypeError:  # an id that is not a string
            plain = False
        if not plain:
            check_id(self.external_id, "id", max_length=None)
            check_id(self.parent_external_id, "parent id", max_length=None)
            check_id(self.thread_external_id, "thread id", max_length=None)


def directed_records(
    message: InteractionRecord,
    *,
    mentioned: Iterable[AuthorRecord] = (),
    reactions: Iterable[tuple[str, AuthorRecord]] = (),
) -> Iterator[InteractionRecord]:
    """Mentions made by ``message`` and reactions to it (emoji, who reacted), as interactions of
    their own: who named or reacted to whom. Naming or reacting to yourself is not an interaction."""
    author = message.author
    own = author.external_id if author else None
    for target in mentioned:
        if target.external_id != own:
            yield InteractionRecord(
                community_key=message.community_key,
                external_id=f"{message.external_id}:mention:{target.external_id}"[:128],
                kind="mention",
                author=author,
                posted_at=message.posted_at,
                parent_external_id=message.external_id,
                thread_external_id=message.thread_external_id,
                target=target,
            )
    for emoji, reactor in reactions:
        if reactor.external_id != own:
            yield InteractionRecord(
                community_key=message.community_key,
                external_id=f"{message.external_id}:reaction:{emoji}:{reactor.external_id}"[:128],
                kind="reaction",
                author=reactor,
                posted_at=message.posted_at,
                parent_external_id=message.external_id,
                thread_external_id=message.thread_external_id,
                target=author,
                text=emoji,
            )


@dataclass(frozen=True, slots=True)
class Skipped:
    location: str  # "file.ndjson line 12", "general.json message 1060926346089476176"
    reason: str

    def __post_init__(self):
        for name in ("location", "reason"):
            value = getattr(self, name)
            if len(value) > MAX_REASON_LENGTH:
                value = value[: MAX_REASON_LENGTH - 1] + "…"
            # Stored in the run's report: a lone surrogate quoted from the input could not be.
            object.__setattr__(self, name, value.encode("utf-8", "replace").decode())


def utc_from_timestamp(value) -> datetime:
    """Seconds since the epoch, as a number or a numeric string (both occur in Reddit dumps)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a timestamp: {value!r}")
    seconds = float(value)
    if not (0 <= seconds < 32_503_680_000):  # year 3000
        raise ValueError(f"timestamp out of range: {value!r}")
    return datetime.fromtimestamp(seconds, tz=UTC)


def utc_from_iso(value: str) -> datetime:
    """ISO 8601 with an offset or Z (Discord, Discourse)."""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# A \uD800-\uDFFF escape: only JSON holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(data: bytes):
    """A JSON document from a file or an answer, as connectors read them: bytes that are not UTF-8
    become U+FFFD, and so does a lone surrogate ("\\ud83d", half an emoji), which Python's json
    accepts but no database stores. Anything unreadable (including a document nested too deep, or
    a number of more than 4,300 digits) raises ValueError."""
    text = data.decode(json.detect_encoding(data), errors="replace")  # UTF-8, with or without a BOM, or UTF-16/32
    try:
        document = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):  # rare, and the walk costs: only then
            document = _without_lone_surrogates(document)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    return document


def _without_lone_surrogates(value):
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    return value


class ReadProgress:
    """Bytes of source files read so far, for a progress bar; connectors of files add to it."""

    def __init__(self):
        self.bytes = 0


# Set by whoever shows progress (the ingest command on a terminal); None otherwise.
read_progress: ContextVar[ReadProgress | None] = ContextVar("read_progress", default=None)


def count_bytes(amount: int) -> None:
    progress = read_progress.get()
    if progress is not None:
        progress.bytes += amount
