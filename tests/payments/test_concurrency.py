"""Twenty at once change things once (PostgreSQL: row locks and the unique key decide who goes first)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from partnerships.models import Activity, Agreement, Payment, PaymentStatus
from partnerships.payments.services import PaymentSettled, payment_mark_paid, payments_schedule
from tests.concurrency import TIMES, at_once, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    require_postgresql()


def test_twenty_schedules_at_once_write_each_payment_once(partnership_a, sell):
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30), status="signed",
        signed_on=date(2025, 12, 20), compensation_type="fee_and_affiliate", compensation_amount=Decimal("100.00"),
        fee_schedule="monthly", affiliate_share_percent=Decimal("10"),
    )  # fmt: skip
    sell("2026-02-10 12:00", "55.55")

    outcomes = at_once(lambda: len(payments_schedule(agreement=Agreement.objects.get(pk=agreement.pk),
                                                     today=date(2026, 4, 2))))  # fmt: skip
    # The fee of each month begun (January to April) and February's affiliate share (10 % × 55.55 = 5.56).
    assert outcomes == [5] * TIMES
    assert sorted(Payment.objects.values_list("key", "amount")) == [
        ("affiliate:2026-02", Decimal("5.56")), ("month:2026-01", Decimal("100.00")),
        ("month:2026-02", Decimal("100.00")), ("month:2026-03", Decimal("100.00")),
        ("month:2026-04", Decimal("100.00")),
    ]  # fmt: skip
    assert Payment.history.count() == 5  # each written once, never rewritten


def test_twenty_mark_paid_at_once_pay_once(partnership_a, manager_a):
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), status="signed", signed_on=date(2026, 1, 1),
        compensation_type="flat_fee", compensation_amount=Decimal("500.00"),
    )  # fmt: skip
    [payment] = payments_schedule(agreement=agreement, today=date(2026, 1, 2))

    def pay():
        return payment_mark_paid(payment=Payment.objects.get(pk=payment.pk), actor=manager_a,
                                 paid_on=date(2026, 1, 20), reference="TR-20")  # fmt: skip

    outcomes = at_once(pay)
    assert all(isinstance(o, Payment) and o.status == PaymentStatus.PAID for o in outcomes), outcomes
    assert Activity.objects.filter(summary__startswith="Payment made").count() == 1
    assert Payment.history.filter(id=payment.pk, history_change_reason="Paid").count() == 1

    def pay_otherwise():
        return payment_mark_paid(payment=Payment.objects.get(pk=payment.pk), actor=manager_a,
                                 paid_on=date(2026, 1, 21), reference="TR-21")  # fmt: skip

    assert all(isinstance(o, PaymentSettled) for o in at_once(pay_otherwise))


def test_twenty_pay_requests_at_once_through_the_api_pay_once(partnership_a, org_a):
    from rest_framework.test import APIClient

    from api.keys import api_key_create

    key = api_key_create(organization=org_a, scope="write")[1]
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), status="signed", signed_on=date(2026, 1, 1),
        compensation_type="flat_fee", compensation_amount=Decimal("500.00"),
    )  # fmt: skip
    [payment] = payments_schedule(agreement=agreement, today=date(2026, 1, 2))

    def pay():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        body = {"paid_on": "2026-01-20", "reference": "TR-20"}
        return client.post(f"/api/v1/payments/{payment.pk}/pay/", body, format="json").status_code

    assert at_once(pay) == [200] * TIMES  # the first pays; the others find it paid so, and answer it
    assert Activity.objects.filter(summary__startswith="Payment made").count() == 1
    assert Payment.history.filter(id=payment.pk, history_change_reason="Paid").count() == 1
