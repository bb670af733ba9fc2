"""Starting and running a SyncRun: the one path used by the ``ingest`` command and Celery tasks."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

from influencers.connectors import open_source
from influencers.ingest.service import IngestSummary, run_ingest
from influencers.models import Community, SyncRun, SyncSource, SyncStatus

# Which argument names the remote place a live source reads, for finding its last checkpoint.
LIVE_KEYS = {SyncSource.REDDIT: "subreddit", SyncSource.DISCOURSE: "target"}


def sync_run_create(*, source: str, arguments: dict) -> SyncRun:
    """A queued SyncRun. Live sources' keys are normalised so checkpoints are found again."""
    if source == SyncSource.REDDIT:
        arguments = {**arguments, "subreddit": arguments["subreddit"].strip().removeprefix("r/").lower()}
    if source == SyncSource.DISCOURSE and arguments["target"].startswith(("http://", "https://")):
        arguments = {**arguments, "target": arguments["target"].strip().rstrip("/")}
    return SyncRun.objects.create(source=source, arguments=arguments)


def sync_run_for_community(*, community: Community) -> SyncRun:
    """A periodic sync of a tracked community whose source can be read again (Reddit, Discourse)."""
    if community.platform == "reddit":
        return sync_run_create(source=SyncSource.REDDIT, arguments={"subreddit": community.external_id})
    if community.platform == "discourse" and community.external_id.startswith(("http://", "https://")):
        return sync_run_create(source=SyncSource.DISCOURSE, arguments={"target": community.external_id})
    raise ValueError(f"{community.key} comes from export files; it cannot be synced periodically")


def last_checkpoint(sync_run: SyncRun) -> dict:
    key = LIVE_KEYS.get(sync_run.source)
    if key is None:
        return {}
    previous = (
        SyncRun.objects.filter(source=sync_run.source, **{f"arguments__{key}": sync_run.arguments.get(key)})
        .exclude(pk=sync_run.pk)
        .exclude(checkpoint={})
        .order_by("-created_at")
        .first()
    )
    return previous.checkpoint if previous else {}


def sync_run_execute(*, sync_run: SyncRun, on_progress=None) -> IngestSummary:
    """Read the run's source from its last checkpoint and store what it holds."""
    items = open_source(sync_run.source, sync_run.arguments, checkpoint=last_checkpoint(sync_run))
    return run_ingest(sync_run=sync_run, items=items, on_progress=on_progress)


def _claim_key(sync_run_id: int) -> int:
    return zlib.crc32(f"sync-run:{sync_run_id}".encode())


@contextmanager
def sync_run_claimed(sync_run_id: int) -> Iterator[bool]:
    """Whether this process may run the SyncRun now.

    On PostgreSQL the claim is a session advisory lock held for the whole run: a second delivery
    of the same run (Celery delivers a task again when its worker vanished without acknowledging
    it) finds it held and leaves the run alone. The lock dies with the holder's database session,
    so a killed worker's run is free to be resumed at once. Elsewhere (SQLite, one process) every
    caller may run it.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = _claim_key(sync_run_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                pass  # the session is gone (a restart), and its lock with it


def sync_runs_interrupted() -> list[SyncRun]:
    """Runs still marked running that no process holds: their worker was killed, or lost the
    database and could not record it. (PostgreSQL only: elsewhere there is one process.)"""
    if connection.vendor != "postgresql":
        return []
    interrupted = []
    for run in SyncRun.objects.filter(status=SyncStatus.RUNNING).order_by("pk"):
        with sync_run_claimed(run.pk) as free:
            if free:
                interrupted.append(run)
    return interrupted
