"""Background work on discovery data: thin wrappers that take ids and call a service.

Imports are acknowledged late (a worker killed mid-import leaves the task to be redelivered; the
re-run creates nothing twice) and retried with exponential backoff when the source or the
database is unavailable for a while.
"""

import logging
import math
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from crm.background import enqueue_after_commit
from influencers import services
from influencers.connectors.records import SourceError, TemporarySourceError
from influencers.ingest.runs import (
    sync_run_claimed,
    sync_run_execute,
    sync_run_for_community,
    sync_run_is_held,
    sync_runs_interrupted,
)
from influencers.models import Community, SyncRun, SyncStatus
from influencers.models.live import LIVE_CHAT_PLATFORMS, operators_bot_token
from influencers.signals import sync_completed

logger = logging.getLogger(__name__)
RETRYABLE = (OperationalError, InterfaceError)  # a source's own troubles: TemporarySourceError, below
# A sync still queued or running after this long no longer blocks the next, unless a worker still
# holds it (PostgreSQL: its claim): then it is alive, however long it takes.
STALE_AFTER = timedelta(hours=6)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=6,
)
def run_sync(self, sync_run_id: int) -> dict | None:
    """Run a queued SyncRun; a completed one is not run again, and one another worker is running
    is left to it (redelivery is harmless)."""
    with sync_run_claimed(sync_run_id) as claimed:
        if not claimed:
            logger.info("sync run %s is being run by another worker; this delivery leaves it", sync_run_id)
            return None
        sync_run = SyncRun.objects.get(pk=sync_run_id)
        if sync_run.status == SyncStatus.COMPLETED:
            return None
        try:
            summary = sync_run_execute(sync_run=sync_run)
        except TemporarySourceError as error:
            # Retried with backoff, never sooner than the source asked (a 429's Retry-After).
            countdown = max(
                # The first retry after up to SYNC_FIRST_RETRY_SECONDS (full jitter), doubling up to
                # half an hour; tests shorten it.
                get_exponential_backoff_interval(
                    settings.SYNC_FIRST_RETRY_SECONDS, self.request.retries, 30 * 60, full_jitter=True
                ),
                math.ceil(error.retry_after or 0),
            )
            if self.request.retries < self.max_retries:
                log = sync_run.attempt_log
                log[-1]["next_attempt_in_seconds"] = countdown
                SyncRun.objects.filter(pk=sync_run.pk).update(attempt_log=log)
            raise self.retry(exc=error, countdown=countdown) from None
        except SourceError as error:
            logger.warning("sync run %s failed for good: %s", sync_run_id, error)
            return None  # nothing a retry can fix: the SyncRun holds the error for the operator
    community_ids = list(sync_run.communities.values_list("pk", flat=True))
    # Listeners queue what follows the data: ranking (graph), insight, brand measures (partnerships).
    changed = bool(summary.created or summary.updated)
    for _receiver, outcome in sync_completed.send_robust(sender=SyncRun, community_ids=community_ids, changed=changed):
        if isinstance(outcome, Exception):  # a listener's failure is logged; the sync succeeded
            logger.error("after sync run %s: %r", sync_run_id, outcome, exc_info=outcome)
    return {key: value for key, value in summary.as_dict().items() if key != "skipped_examples"}


@shared_task(acks_late=True)
def sync_community(community_id: int) -> int | None:
    """Queue a sync of one tracked community, unless one is already queued or running."""
    community = Community.objects.get(pk=community_id)
    under_way = community.sync_runs.filter(status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING])
    if under_way.filter(created_at__gte=timezone.now() - STALE_AFTER).exists():
        return None
    # Older than that, a run a worker still holds is alive, not dead: a first sync of a large Slack
    # workspace under Slack's rate limits takes hours. Its next sync waits until it has finished.
    if any(sync_run_is_held(pk) for pk in under_way.filter(status=SyncStatus.RUNNING).values_list("pk", flat=True)):
        return None
    try:
        sync_run = sync_run_for_community(community=community)
    except ValueError:
        return None
    sync_run.communities.add(community)
    enqueue_after_commit(run_sync, sync_run.pk)
    return sync_run.pk


@shared_task
def sync_tracked_communities() -> int:
    """Beat: queue a sync for every community marked for tracking that can be read again (a
    Slack or Discord community only with a bot token, its own or the operator's).

    Each is queued on its own, so one community whose sync cannot be queued (logged by
    ``enqueue_after_commit``) does not keep the others from theirs."""
    readable_again = Q(platform__in=["reddit", "discourse"]) | Q(live_connection__isnull=False)
    for platform in LIVE_CHAT_PLATFORMS:
        if operators_bot_token(platform):
            readable_again |= Q(platform=platform)
    tracked = Community.objects.filter(readable_again, is_tracked=True)
    community_ids = list(tracked.values_list("pk", flat=True))
    for community_id in community_ids:
        enqueue_after_commit(sync_community, community_id)
    return len(community_ids)


@shared_task(acks_late=True)
def refresh_community_memberships(community_id: int) -> int:
    """Link replies to their parents and recompute members' activity; idempotent."""
    community = Community.objects.get(pk=community_id)
    services.interactions_link_parents(community=community)
    return services.community_memberships_refresh(community=community)


@shared_task
def resume_interrupted_syncs(queue: str | None = None) -> list[int]:
    """Send again the syncs a worker left running when it died (killed, out of memory, its
    machine gone): Celery would deliver them again only after the broker's visibility timeout
    (hours, so that long imports are not delivered twice). They resume where their last committed
    batch left them. Run at every worker start and by beat."""
    resumed = []
    for run in sync_runs_interrupted():
        logger.warning("sync run %s was cut off (attempt %s); sending it again", run.pk, run.attempts)
        enqueue_after_commit(run_sync, run.pk, queue=queue)
        resumed.append(run.pk)
    return resumed


@worker_ready.connect
def _resume_when_a_worker_starts(sender=None, **kwargs):
    """A worker that starts (often the one restarted after being killed) takes back the syncs no
    one is running, on a queue it reads."""
    queues = list(sender.app.amqp.queues.consume_from) if sender is not None else []
    try:
        resume_interrupted_syncs(queue=queues[0] if queues else None)
    except Exception:  # the worker must start whatever happens here; beat tries again later
        logger.exception("could not look for interrupted syncs at worker start")
