"""The plain records every connector produces, and the ingest service consumes.

No ORM here: a connector can be tested on a file alone. A connector yields, in any order:
``CommunityRecord`` (before the first interaction of that community), ``InteractionRecord`` and
``Skipped`` (a malformed line or record: where, and why). A source it cannot read at all (missing
file, not a zip, not the expected format) raises ``SourceError`` with one readable line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime


class SourceError(Exception):
    """The whole source is unusable (missing, unreadable, wrong format): one line for the operator."""


class TemporarySourceError(SourceError):
    """The source is unreachable or overloaded for now (timeouts, 429, 5xx): a retry may succeed."""


@dataclass(frozen=True)
class Checkpoint:
    """Yielded after the records it covers: where the next sync of this source may start."""

    values: dict


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    platform: str
    external_id: str
    name: str
    url: str = ""
    description: str = ""

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
