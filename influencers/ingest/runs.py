"""Starting and running a SyncRun: the one path used by the ``ingest`` command and Celery tasks."""

from __future__ import annotations

from influencers.connectors import open_source
from influencers.ingest.service import IngestSummary, run_ingest
from influencers.models import Community, SyncRun, SyncSource

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
