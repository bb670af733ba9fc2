"""Background work of the API: delivering webhooks (thin: the work is in api.webhooks)."""

import os
import random

from celery import shared_task

from api.models import DeliveryStatus, WebhookDelivery
from api.webhooks import DeliveryFailed, deliver, delivery_failed_for_good

MAX_RETRIES = 6
# Then twice as long each time: 30, 60, 120, 240, 480, 960 s, about half an hour in all. The
# environment may shorten it (the worker test waits seconds, not minutes).
FIRST_RETRY_SECONDS = float(os.environ.get("WEBHOOK_FIRST_RETRY_SECONDS", "30"))


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
        # No broker (tests, the embedded demo): every attempt now, one after the other.
        for _attempt in range(self.max_retries + 1):
            try:
                deliver(delivery)
                return "delivered"
            except DeliveryFailed:
                continue
        delivery_failed_for_good(delivery)
        return "failed for good"
    try:
        deliver(delivery)
    except DeliveryFailed:
        if self.request.retries >= self.max_retries:
            delivery_failed_for_good(delivery)
            return "failed for good"
        countdown = FIRST_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(countdown=countdown + random.uniform(0, countdown / 4)) from None
    return "delivered"
