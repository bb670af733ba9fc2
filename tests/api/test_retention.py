"""The API's logs are kept only for a while (issue 18: tables that grow forever)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import DeliveryStatus, IdempotentRequest, WebhookDelivery, WebhookEvent
from api.retention import api_records_purge
from api.tasks import purge_expired_api_records
from api.webhooks import webhook_subscription_create

pytestmark = pytest.mark.django_db


def _aged(queryset, *, days: float) -> None:
    queryset.update(created_at=timezone.now() - timedelta(days=days))


def test_answers_older_than_a_day_and_finished_deliveries_past_the_retention_go_the_rest_stay(org_a, settings):
    settings.WEBHOOK_DELIVERIES_KEPT_DAYS = 30
    subscription, _ = webhook_subscription_create(organization=org_a, url="https://hooks.example.com/in")

    def delivery(status, days):
        made = WebhookDelivery.objects.create(
            subscription=subscription,
            event=WebhookEvent.AGREEMENT_CREATED,
            event_id=uuid.uuid4(),
            payload={},
            status=status,
        )
        _aged(WebhookDelivery.objects.filter(pk=made.pk), days=days)
        return made.pk

    old_done = [delivery(DeliveryStatus.SUCCEEDED, 31), delivery(DeliveryStatus.FAILED, 45)]
    kept = [delivery(DeliveryStatus.SUCCEEDED, 29), delivery(DeliveryStatus.PENDING, 60)]  # recent; still retried

    def answer(key, days):
        made = IdempotentRequest.objects.create(
            caller="key:1", key=key, method="POST", path="/api/v1/tasks/", body_hash="x", status_code=201, response={}
        )
        _aged(IdempotentRequest.objects.filter(pk=made.pk), days=days)

    answer("yesterday-morning", 1.2)
    answer("an-hour-ago", 1 / 24)

    purged = api_records_purge()

    assert (purged.idempotent_requests, purged.webhook_deliveries) == (1, 2)
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["an-hour-ago"]
    assert sorted(WebhookDelivery.objects.values_list("pk", flat=True)) == sorted(kept)
    assert not WebhookDelivery.objects.filter(pk__in=old_done).exists()


def test_the_hourly_task_reports_what_it_deleted_and_is_scheduled(settings):
    assert purge_expired_api_records() == {"idempotent_requests": 0, "webhook_deliveries": 0}
    assert settings.CELERY_BEAT_SCHEDULE["purge-expired-api-records"]["task"] == "api.tasks.purge_expired_api_records"
