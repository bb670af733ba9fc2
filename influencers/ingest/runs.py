"""Starting and running a SyncRun: the one path used by the ``ingest`` command and Celery tasks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from influencers.connectors import open_source
from influencers.ingest import child
from influencers.ingest.service import IngestSummary, run_ingest
from influencers.models import Community, SyncRun, SyncSource

# Which argument names the remote place a live source reads, for finding its last checkpoint.
LIVE_KEYS = {SyncSource.REDDIT: "subreddit", SyncSource.DISCOURSE: "target"}
FILE_SOURCES = {SyncSource.REDDIT_DUMP, SyncSource.DISCORD, SyncSource.SLACK}


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


def sync_run_items(sync_run: SyncRun) -> Iterable:
    """The run's source as records, from its last checkpoint.

    Files are parsed in a child process when the import runs on PostgreSQL outside a transaction
    (then the database, the parser and the planner each get a core's worth of work); live sources
    and everything else are read here.
    """
    checkpoint = last_checkpoint(sync_run)

    def records():
        return open_source(sync_run.source, sync_run.arguments, checkpoint=checkpoint)

    if (
        sync_run.source in FILE_SOURCES
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and child.can_fork()
    ):
        return child.read_in_child(records)
    return records()


def sync_run_execute(*, sync_run: SyncRun, on_progress=None) -> IngestSummary:
    """Read the run's source from its last checkpoint and store what it holds."""
    return run_ingest(sync_run=sync_run, items=sync_run_items(sync_run), on_progress=on_progress)
