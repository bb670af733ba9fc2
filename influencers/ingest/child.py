"""Read a source in a child process, so parsing runs on the other core.

An import is bound by Python's interpreter lock: parsing a dump, planning batches and formatting
COPY rows all take turns on one core while PostgreSQL uses the other. Here the connector runs in
a forked child that sends its records to the parent in batches, encoded by orjson as plain lists
(pickling the record objects cost more than the parsing it saved, measured). The parent turns
them back into the same records, so the ingest service cannot tell the difference.

Only for sources read from local files: the child inherits the parent's memory, including any
open database connection, which it never touches and does not close (it leaves with os._exit).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

import orjson

from influencers.connectors import records as r

BATCH = 2000
ERRORS = {"SourceError": r.SourceError, "TemporarySourceError": r.TemporarySourceError}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _time(value: datetime | None) -> int | str | None:
    """Exact microseconds since the epoch; a naive time as text, so it is refused as before."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat()
    return (value - EPOCH) // MICROSECOND


def _untime(value: int | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return EPOCH + timedelta(microseconds=value)


def _author(author: r.AuthorRecord | None) -> list | None:
    if author is None:
        return None
    return [author.platform, author.external_id, author.handle, author.display_name, author.profile_url,
            author.reach, author.reach_kind, author.is_bot, author.is_deleted]  # fmt: skip


def encode(item) -> list:
    if isinstance(item, r.InteractionRecord):
        return ["i", item.community_key, item.external_id, item.kind, _author(item.author), _time(item.posted_at),
                item.parent_external_id, item.thread_external_id, _author(item.target), item.title, item.text,
                item.url, item.score, _time(item.edited_at), item.is_removed]  # fmt: skip
    if isinstance(item, r.Skipped):
        return ["s", item.location, item.reason]
    if isinstance(item, r.CommunityRecord):
        return ["c", item.platform, item.external_id, item.name, item.url, item.description]
    if isinstance(item, r.AuthorRecord):
        return ["a", *_author(item)]
    if isinstance(item, r.Checkpoint):
        return ["k", item.values]
    raise TypeError(f"connector produced {type(item).__name__}")


class Decoder:
    """Lists back into records; accounts are built once each (a dump names the same people often)."""

    def __init__(self, max_authors: int = 100_000):
        self.authors: dict[tuple, r.AuthorRecord] = {}
        self.max_authors = max_authors

    def author(self, values: list | None) -> r.AuthorRecord | None:
        if values is None:
            return None
        key = tuple(values)
        found = self.authors.get(key)
        if found is None:
            if len(self.authors) >= self.max_authors:
                self.authors.clear()
            found = self.authors[key] = r.AuthorRecord(*values)
        return found

    def decode(self, values: list):
        kind = values[0]
        if kind == "i":
            (_, community_key, external_id, kind_, author, posted_at, parent, thread, target, title, text, url,
             score, edited_at, is_removed) = values  # fmt: skip
            return r.InteractionRecord(
                community_key, external_id, kind_, self.author(author), _untime(posted_at),
                parent, thread, self.author(target), title, text, url, score, _untime(edited_at), is_removed,
            )  # fmt: skip
        if kind == "s":
            return r.Skipped(values[1], values[2])
        if kind == "c":
            return r.CommunityRecord(*values[1:])
        if kind == "a":
            return self.author(values[1:])
        if kind == "k":
            return r.Checkpoint(values[1])
        raise ValueError(f"unknown record kind {kind!r}")


def _child(make_items: Callable[[], Iterable], connection) -> None:
    progress = r.ReadProgress()
    r.read_progress.set(progress)
    batch = []
    try:
        for item in make_items():
            batch.append(encode(item))
            if len(batch) >= BATCH:
                connection.send_bytes(orjson.dumps([progress.bytes, batch]))
                batch = []
        connection.send_bytes(orjson.dumps([progress.bytes, batch]))
        connection.send_bytes(orjson.dumps(["end"]))
    except BaseException as error:  # everything goes to the parent, which decides
        name = type(error).__name__
        try:
            # What was read before the error is delivered first: the parent stores it.
            connection.send_bytes(orjson.dumps([progress.bytes, batch]))
            connection.send_bytes(orjson.dumps(["error", name if name in ERRORS else "", f"{error}" or name]))
        except BaseException:
            pass
    finally:
        connection.close()
        sys.stdout.flush()
        os._exit(0)  # no atexit handlers: the parent's database connection must stay untouched


def can_fork() -> bool:
    """Not from a daemonic process (a Celery prefork worker may not have children)."""
    return not multiprocessing.current_process().daemon and "fork" in multiprocessing.get_all_start_methods()


def read_in_child(make_items: Callable[[], Iterable]) -> Iterator:
    """Yield what ``make_items()`` yields, computed in a forked child process."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(make_items, sending), daemon=True)
    process.start()
    sending.close()
    decoder = Decoder()
    parent_progress = r.read_progress.get(None)
    try:
        while True:
            try:
                message = orjson.loads(receiving.recv_bytes())
            except EOFError:
                raise r.SourceError("the reading process stopped without finishing") from None
            if message[0] == "end":
                return
            if message[0] == "error":
                raise ERRORS.get(message[1], RuntimeError)(message[2])
            read_bytes, batch = message
            if parent_progress is not None:
                parent_progress.bytes = read_bytes
            for values in batch:
                yield decoder.decode(values)
    finally:
        receiving.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
