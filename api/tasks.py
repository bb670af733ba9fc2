"""Background work of the API: delivering webhooks (thin: the work is in api.webhooks)."""

from celery import Task, shared_task
from django.conf import settings

from api.models import DeliveryStatus, WebhookDelivery
from api.webhooks import DeliveryFailed, DeliveryRefused, deliver, delivery_failed_for_good

MAX_RETRIES = 6
# Celery's exponential backoff with full jitter: retry n waits a random time between 0 and
# WEBHOOK_FIRST_RETRY_SECONDS × 2**n: at most 30, 60, 120, 240, 480 and 960 s (about half an hour in
# all, the worker test shortens it to seconds). Celery counts the first wait in whole seconds, at
# least one. The cap is never reached with the default first wait; it keeps a large first wait set
# in the environment from spacing the last attempts by many hours.
RETRY_BACKOFF_MAX_SECONDS = 3600


class WebhookDeliveryTask(Task):
    """A delivery's outcome is written in the delivery log, never raised into whoever ran the task.

    In a worker, Celery records a task's failure and calls ``on_failure``. Run in-process (no
    broker: the embedded demo and the tests run tasks eagerly), Celery raises its ``Retry`` into
    the code that queued the delivery when eager errors propagate (CELERY_TASK_EAGER_PROPAGATES,
    which the project sets so that other tasks' errors are seen): the delivery would stay pending
    after its first failure. Run this way without propagating, Celery makes every retry at once, one
    after the other, and ends in ``on_failure`` as a worker does.
    """

    def apply(self, args=None, kwargs=None, **options):
        return super().apply(args, kwargs, **{**options, "throw": False})

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The last attempt failed (or the address is refused, or the task broke): failed for good."""
        delivery = WebhookDelivery.objects.filter(pk=args[0], status=DeliveryStatus.PENDING).first()
        if delivery is not None:
            delivery_failed_for_good(delivery)


@shared_task(
    bind=True,
    base=WebhookDeliveryTask,
    acks_late=True,
    autoretry_for=(DeliveryFailed,),
    dont_autoretry_for=(DeliveryRefused,),  # the outbound policy refuses the address: no retry can succeed
    throws=(DeliveryFailed,),  # a receiver that fails is expected: logged as such, not as the task's error
    max_retries=MAX_RETRIES,
    retry_backoff=settings.WEBHOOK_FIRST_RETRY_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """Send one delivery; Celery retries it with exponential backoff while the receiver fails, and
    ``WebhookDeliveryTask.on_failure`` marks it failed for good after the last retry."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "nothing to do"  # delivered already (a redelivered task) or deleted
    if not delivery.subscription.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, last_error="the subscription was disabled before delivery"
        )
        return "subscription disabled"
    deliver(delivery)  # raises DeliveryFailed (retried) or DeliveryRefused (not)
    return "delivered"


@shared_task
def purge_expired_api_records() -> dict:
    """Hourly (beat): answers kept for idempotency keys past 24 hours, and finished webhook
    deliveries past WEBHOOK_DELIVERIES_KEPT_DAYS, deleted (api/retention.py)."""
    from api.retention import api_records_purge

    purged = api_records_purge()
    return {"idempotent_requests": purged.idempotent_requests, "webhook_deliveries": purged.webhook_deliveries}
