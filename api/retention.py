"""Logs the API keeps only for a while: answers kept for idempotency keys (24 hours, as their
contract says) and the webhook delivery log (WEBHOOK_DELIVERIES_KEPT_DAYS, 30 by default).

Without this both tables grow with every request and every event, forever. Purged hourly by beat
(``api.tasks.purge_expired_api_records``); a run deletes in batches so that a backlog of millions
never holds one long transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from api.idempotency import KEPT_FOR, RUNNING_AT_MOST
from api.models import DeliveryStatus, IdempotentRequest, WebhookDelivery

BATCH = 5_000


@dataclass(frozen=True)
class Purged:
    idempotent_requests: int
    webhook_deliveries: int


def _delete_in_batches(queryset: QuerySet) -> int:
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:BATCH]):
        deleted += queryset.model._default_manager.filter(pk__in=ids).delete()[0]
    return deleted


def api_records_purge(*, now: datetime | None = None) -> Purged:
    """Delete what is kept past its time; returns how many of each went.

    An idempotency record goes once it can no longer be replayed (older than 24 hours and not
    running — a running one is released after 10 minutes anyway). A delivery goes once finished
    (succeeded or failed for good) and older than the retention; a pending one is still being
    retried and stays.
    """
    now = now or timezone.now()
    expired_answers = IdempotentRequest.objects.filter(created_at__lt=now - max(KEPT_FOR, RUNNING_AT_MOST))
    kept_days = timedelta(days=settings.WEBHOOK_DELIVERIES_KEPT_DAYS)
    old_deliveries = WebhookDelivery.objects.filter(
        created_at__lt=now - kept_days, status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED]
    )
    return Purged(
        idempotent_requests=_delete_in_batches(expired_answers),
        webhook_deliveries=_delete_in_batches(old_deliveries),
    )
