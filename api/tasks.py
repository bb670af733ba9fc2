"""Background work of the API: delivering webhooks (thin: the work is in api.webhooks)."""

import random
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings
from simple_history.models import HistoricalRecords

from api.models import DeliveryStatus, WebhookDelivery
from api.webhooks import DeliveryFailed, DeliveryRefused, deliver, delivery_failed_for_good

MAX_RETRIES = 6
# The first retry after WEBHOOK_FIRST_RETRY_SECONDS (30 s), then twice as long each time: 30, 60, 120,
# 240, 480, 960 s, about half an hour in all (the worker test shortens it to seconds).


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def deliver_webhook(self, delivery_id: int) -> str:
    """Send one delivery; retried with exponential backoff (and jitter) while the receiver fails."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "nothing to do"  # delivered already (a redelivered task) or deleted
    if not delivery.subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, last_error="the subscription was disabled before delivery"
        )
        return "subscription disabled"
    if self.request.is_eager:
        # No broker (tests, the embedded demo): every attempt now, one after the other, outside
        # the request that emitted the event, as a worker would run them.
        with _outside_the_request():
            for _attempt in range(self.max_retries + 1):
                try:
                    deliver(delivery)
                    return "delivered"
                except DeliveryRefused:
                    break
                except DeliveryFailed:
                    continue
            delivery_failed_for_good(delivery)
        return "failed for good"
    try:
        deliver(delivery)
    except DeliveryRefused:
        delivery_failed_for_good(delivery)  # the address is refused: no retry can succeed
        return "failed for good"
    except DeliveryFailed:
        if self.request.retries >= self.max_retries:
            delivery_failed_for_good(delivery)
            return "failed for good"
        countdown = settings.WEBHOOK_FIRST_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(countdown=countdown + random.uniform(0, countdown / 4)) from None
    return "delivered"


@contextmanager
def _outside_the_request():
    """Hide the current request from django-simple-history while a task runs in-process.

    Its middleware keeps the request in a thread-local, and a history entry saved without an
    explicit ``_history_user`` names that request's user: a task run eagerly inside an API key's
    request would record (or fail to record: the key is no User) the caller as having done the
    task's work. In a worker there is no request; here neither.
    """
    context = HistoricalRecords.context
    request = getattr(context, "request", None)
    if request is not None:
        del context.request
    try:
        yield
    finally:
        if request is not None:
            context.request = request


@shared_task
def purge_expired_api_records() -> dict:
    """Hourly (beat): answers kept for idempotency keys past 24 hours, and finished webhook
    deliveries past WEBHOOK_DELIVERIES_KEPT_DAYS, deleted (api/retention.py)."""
    from api.retention import api_records_purge

    purged = api_records_purge()
    return {"idempotent_requests": purged.idempotent_requests, "webhook_deliveries": purged.webhook_deliveries}
