"""Starting and running a SyncRun: the one path used by the ``ingest`` command and Celery tasks."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

from crm.sealed import SealBroken
from influencers import services
from influencers.connectors import open_source
from influencers.connectors.records import SourceError
from influencers.ingest.service import IngestSummary, run_ingest
from influencers.models import Community, LiveConnection, Platform, SyncRun, SyncSource, SyncStatus
from influencers.models.live import LIVE_CHAT_PLATFORMS, OPERATORS_TOKEN_SETTING, operators_bot_token

# Which argument names the remote place a live source reads, for finding its last checkpoint.
LIVE_KEYS = {
    SyncSource.REDDIT: "subreddit",
    SyncSource.DISCOURSE: "target",
    SyncSource.SLACK_LIVE: "team",
    SyncSource.DISCORD_LIVE: "guild",
}
# The chat sources read through a bot, and the platform their community is on.
LIVE_CHAT = {SyncSource.SLACK_LIVE: Platform.SLACK, SyncSource.DISCORD_LIVE: Platform.DISCORD}


def sync_run_create(*, source: str, arguments: dict) -> SyncRun:
    """A queued SyncRun. Live sources' keys are normalised so checkpoints are found again."""
    if source == SyncSource.REDDIT:
        arguments = {**arguments, "subreddit": arguments["subreddit"].strip().removeprefix("r/").lower()}
    if source == SyncSource.DISCOURSE and arguments["target"].startswith(("http://", "https://")):
        arguments = {**arguments, "target": arguments["target"].strip().rstrip("/")}
    if source == SyncSource.SLACK_LIVE:
        arguments = {**arguments, "team": arguments["team"].strip().upper()}
    if source == SyncSource.DISCORD_LIVE:
        arguments = {**arguments, "guild": arguments["guild"].strip()}
    return SyncRun.objects.create(source=source, arguments=arguments)


def sync_run_for_community(*, community: Community) -> SyncRun:
    """A periodic sync of a tracked community whose source can be read again: Reddit, a Discourse
    forum's site, a Slack workspace or Discord server with a bot token (its own, or the operator's)."""
    has_a_bot_token = LiveConnection.objects.filter(community=community).exists() or operators_bot_token(
        community.platform
    )
    if community.platform in LIVE_CHAT_PLATFORMS and has_a_bot_token:
        source = next(source for source, platform in LIVE_CHAT.items() if platform == community.platform)
        return sync_run_create(source=source, arguments={LIVE_KEYS[source]: community.external_id})
    if community.platform == "reddit":
        return sync_run_create(source=SyncSource.REDDIT, arguments={"subreddit": community.external_id})
    if community.platform == "discourse" and community.external_id.startswith(("http://", "https://")):
        return sync_run_create(source=SyncSource.DISCOURSE, arguments={"target": community.external_id})
    raise ValueError(f"{community.key} comes from export files; it cannot be synced periodically")


def live_chat_token(sync_run: SyncRun) -> str:
    """The bot token a live Slack or Discord run reads with; SourceError, for the run's record,
    when there is none or it cannot be opened."""
    platform = LIVE_CHAT[sync_run.source]
    external_id = sync_run.arguments[LIVE_KEYS[sync_run.source]]
    community = Community.objects.filter(platform=platform, external_id=external_id).first()
    try:
        token = services.live_connection_token(community=community) if community else operators_bot_token(platform)
    except SealBroken as error:
        raise SourceError(f"the stored bot token cannot be opened: {error}") from None
    if not token:
        raise SourceError(
            f"no bot token for {platform}:{external_id}: add it in the admin (Live Slack or Discord connections) "
            f"or set {OPERATORS_TOKEN_SETTING[platform]}"
        )
    return token


def _live_chat_items(sync_run: SyncRun, checkpoint: dict):
    """The token is looked up when reading starts, so a missing one fails the run with the reason."""
    yield from open_source(sync_run.source, sync_run.arguments, checkpoint=checkpoint, token=live_chat_token(sync_run))


def last_checkpoint(sync_run: SyncRun) -> dict:
    key = LIVE_KEYS.get(sync_run.source)
    if key is None:
        return {}
    if sync_run.checkpoint:
        # A run resumed (the task's retry, a killed worker's run): from where it got to. A live chat
        # checkpoint holds every channel's place, the previous run's included, so nothing is skipped.
        return sync_run.checkpoint
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
    checkpoint = last_checkpoint(sync_run)
    if sync_run.source in LIVE_CHAT:
        items = _live_chat_items(sync_run, checkpoint)
    else:
        items = open_source(sync_run.source, sync_run.arguments, checkpoint=checkpoint)
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


def sync_run_is_held(sync_run_id: int) -> bool:
    """Whether a live process is running the SyncRun now (it holds its claim). PostgreSQL only:
    elsewhere there is one process, and nothing else can be running it."""
    if connection.vendor != "postgresql":
        return False
    with sync_run_claimed(sync_run_id) as free:
        return not free


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
