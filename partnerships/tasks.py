"""Background work on partnerships: thin wrappers that take ids and call a service."""

from celery import shared_task

from crm.background import enqueue_after_commit
from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from partnerships.measurement.mentions import brands_to_measure_after_sync
from partnerships.measurement.services import brand_measure
from partnerships.models import Brand
from partnerships.outreach import tasks as outreach_tasks  # noqa: F401  registers the outreach tasks


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
