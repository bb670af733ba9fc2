"""The daily run on a real Celery worker (a process reading the test database through the broker)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from partnerships.models import Agreement, Payment
from partnerships.payments.tasks import payments_daily
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until


@needs_a_worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_run_on_a_worker_writes_the_payments_and_tells_them_due(partnership_a):
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 28), status="signed",
        signed_on=date(2025, 12, 1), compensation_type="flat_fee", compensation_amount=Decimal("120.00"),
        fee_schedule="monthly", payment_terms_days=5,
    )  # fmt: skip
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue)
    try:
        send_through_broker(payments_daily, [], queue)
        wait_until(lambda: Payment.objects.filter(due_told_at__isnull=False).count() == 2)
    finally:
        stop_worker(process)
    assert Payment.objects.filter(due_told_at__isnull=False).count() == 2  # both months fell due, told once
    assert dict(agreement.payments.values_list("key", "amount")) == {
        "month:2026-01": Decimal("120.00"), "month:2026-02": Decimal("120.00"),
    }  # fmt: skip
