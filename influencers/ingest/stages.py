"""The threaded pipeline of an import on PostgreSQL: a planner and a writer, each on its own thread
and database connection, so the database works while Python does.

The thread reading the source parses batch N+2 while the planner resolves identities, looks up
stored rows and draws ids for N+1, and the writer COPYs and commits N. Run one after the other the
three steps took 70 s a million rows. One batch waits before each stage, no more: memory stays
flat and batches are stored in the order they were read.

The interpreter's switch interval is left alone. A process-wide 0.5 ms (instead of 5 ms, so a stage
whose answer arrived gets the interpreter back sooner) gained nothing on the figure the import is
held to, its speed against a raw COPY of the same rows (benchmarks/ingest_reddit_dump.py,
300,000 comments, six runs each on a shared two-core machine: median 0.38 × COPY with it, 0.41
without), as an earlier session found at a million.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import DatabaseError, connection, connections


class Stages:
    """The planner and writer threads of one import.

    ``prepare(batch)`` runs on the planner and returns what ``write(prepared, progress)``, run on
    the writer, stores. Use ``hand_over`` for each batch, then ``drain`` (which re-raises a stage's
    error), and ``close`` in any case.
    """

    def __init__(self, *, prepare: Callable[[list], list], write: Callable[[list, object], None]):
        self._prepare = prepare
        self._write = write
        self._planner = ThreadPoolExecutor(1, "ingest-planner", initializer=_open_stage_connection)
        self._writer = ThreadPoolExecutor(1, "ingest-writer", initializer=_open_stage_connection)
        self._planning: Future | None = None
        self._writing: Future | None = None

    def hand_over(self, batch: list, progress: object) -> None:
        """Queue ``batch`` for planning, once the batch before it has been planned."""
        _wait(self._planning)  # one batch planned at a time: memory stays flat, order kept
        self._planning = self._planner.submit(self._plan_and_hand_over, batch, progress)

    def _plan_and_hand_over(self, batch: list, progress: object) -> None:
        """The planner stage: prepare a batch, then queue it behind the one being written.

        No transaction: each statement commits on its own, so the batch's new identities are
        stored before its rows arrive (and a transaction's extra round trips are saved).
        """
        prepared = self._prepare(batch)
        _wait(self._writing)
        self._writing = self._writer.submit(self._write, prepared, progress)

    def drain(self, *, raise_errors: bool = True) -> None:
        """Wait until every batch handed over is stored (or failed). With ``raise_errors`` the
        first stage error is raised here; without, errors are dropped (the caller is already
        reporting one of its own)."""
        for attribute in ("_planning", "_writing"):  # the planner queues writes: wait for it first
            stage = getattr(self, attribute)
            setattr(self, attribute, None)
            try:
                _wait(stage)
            except BaseException:
                if raise_errors:
                    raise
                raise_errors = False  # the first error is the one to report

    def close(self) -> None:
        """Close each stage's connection (on its own thread: connections are per thread) and stop it."""
        for stage in (self._planner, self._writer):
            stage.submit(_close_connection).result()
            stage.shutdown()


def _wait(stage: Future | None) -> None:
    if stage is not None:
        stage.result()  # re-raises a stage's error where the pipeline would go on


def _open_stage_connection() -> None:
    """A stage's own connection commits without waiting for its WAL flush (see ``Ingestor._write``)."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")


def _close_connection() -> None:
    try:
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_all()")  # closing would too; say so
    except DatabaseError:
        pass  # a broken connection holds no locks any more
    finally:
        connections.close_all()
