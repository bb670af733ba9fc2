"""Background work on partnerships: thin wrappers that take ids and call a service."""

import logging
import math

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import InterfaceError, OperationalError

from crm.background import enqueue_after_commit
from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from partnerships.disclosure_reddit import Reading, TryAgain, read_disclosure
from partnerships.measurement.mentions import brands_to_measure_after_sync
from partnerships.measurement.services import brand_measure
from partnerships.models import Brand, Deliverable, DisclosureState
from partnerships.outreach import tasks as outreach_tasks  # noqa: F401  registers the outreach tasks
from partnerships.services import handins

logger = logging.getLogger(__name__)
# Reading a post again after Reddit failed: after about 1, 2, 4, 8, 16 and 32 minutes (full
# jitter), then the piece is marked "could not be read" with the reason, for a manager to try again.
DISCLOSURE_FIRST_RETRY_SECONDS = 60
DISCLOSURE_RETRY_MAX_SECONDS = 60 * 60
DISCLOSURE_RETRIES = 6


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def measure_brand(brand_id: int) -> int | None:
    """Find the brand's new mentions and measure it; returns the BrandMeasurement id.

    Safe to run twice: mentions are read from where the last reading stopped, and each
    measurement is a dated snapshot.
    """
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None:
        return None  # deleted meanwhile
    return brand_measure(brand=brand).pk


def measure_brands_after_sync(sender, community_ids, **kwargs) -> None:
    """Receiver of influencers.signals.sync_completed: queue a measurement of each brand that
    cares about a synced community, once the sync's transaction commits. A measurement that cannot
    be queued (or fails when run in-process) is logged; the sync stands either way."""
    for brand_id in brands_to_measure_after_sync(community_ids).values_list("pk", flat=True):
        enqueue_after_commit(measure_brand, brand_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=DISCLOSURE_RETRIES,
)
def check_disclosure(self, deliverable_id: int, url: str) -> str | None:
    """Read the Reddit post at ``url`` and record whether it discloses the partnership; returns the
    disclosure state recorded. Safe to run twice (a reading records the same state; one open task).
    Reddit's passing failures are retried with backoff; the last one is recorded as unreadable."""
    deliverable = Deliverable.objects.select_related("agreement").filter(pk=deliverable_id).first()
    if deliverable is None or not handins.disclosure_reading_wanted(deliverable, url):
        return None  # deleted, cancelled or handed in again at another link meanwhile
    try:
        reading = read_disclosure(url, deliverable.agreement.disclosure_phrase)
    except TryAgain as error:
        if self.request.retries >= self.max_retries:
            logger.warning("disclosure of deliverable %s: %s; giving up", deliverable_id, error.reason)
            tries = self.request.retries + 1
            reading = Reading(DisclosureState.UNREADABLE, f"{error.reason} ({tries} tries); check again later.")
        else:
            countdown = max(
                get_exponential_backoff_interval(
                    DISCLOSURE_FIRST_RETRY_SECONDS, self.request.retries, DISCLOSURE_RETRY_MAX_SECONDS, full_jitter=True
                ),
                math.ceil(error.retry_after or 0),
            )
            raise self.retry(exc=error, countdown=countdown) from None
    return handins.deliverable_disclosure_record(deliverable=deliverable, url=url, reading=reading).disclosure_state
