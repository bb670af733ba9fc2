"""The ledger's services: what is written, recomputed, moved, refused; transitions and telling due."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partnerships import signals
from partnerships.models import Activity, Deliverable, DeliverableStatus, Payment, PaymentStatus
from partnerships.payments import services
from partnerships.payments.services import (
    PaymentSettled,
    payment_approve,
    payment_cancel,
    payment_mark_paid,
    payments_schedule,
    payments_tell_due,
)

D = Decimal
pytestmark = pytest.mark.django_db


def keys(agreement, *statuses):
    rows = agreement.payments.all()
    if statuses:
        rows = rows.filter(status__in=statuses)
    return sorted(rows.values_list("key", flat=True))


def test_only_a_signed_agreement_owes_anything(make_agreement):
    for status in ("draft", "sent", "cancelled"):
        agreement = make_agreement(status=status)
        assert payments_schedule(agreement=agreement, today=date(2026, 3, 1)) == []


def test_a_fee_on_signature_is_written_once_however_often_it_is_worked_out(make_agreement):
    agreement = make_agreement()
    for _ in range(3):
        [payment] = payments_schedule(agreement=agreement, today=date(2026, 3, 1))
    assert (payment.key, payment.amount, payment.currency, payment.due_on, payment.status) == (
        "signature", D("900.00"), "USD", date(2026, 1, 19), PaymentStatus.DUE
    )  # fmt: skip
    assert Payment.objects.count() == 1
    assert payment.history.count() == 1  # recomputing an unchanged payment writes no history


def test_a_fee_on_publication_follows_the_first_published_piece(make_agreement, partnership_a):
    agreement = make_agreement(fee_schedule="on_publication", payment_terms_days=14)
    assert payments_schedule(agreement=agreement, today=date(2026, 3, 1)) == []
    published = timezone.make_aware(datetime(2026, 2, 10, 12))
    Deliverable.objects.create(partnership=partnership_a, agreement=agreement, title="Review",
                               status=DeliverableStatus.PUBLISHED, published_at=published)  # fmt: skip
    [payment] = payments_schedule(agreement=agreement, today=date(2026, 3, 1))
    assert (payment.key, payment.due_on) == ("publication", date(2026, 2, 24))


def test_monthly_fees_appear_as_months_begin(make_agreement):
    agreement = make_agreement(fee_schedule="monthly", compensation_amount=D("310.00"), starts_on="2026-01-17",
                               ends_on="2026-03-10")  # fmt: skip
    payments_schedule(agreement=agreement, today=date(2026, 1, 31))
    assert keys(agreement) == ["month:2026-01"]
    payments_schedule(agreement=agreement, today=date(2026, 12, 31))
    assert dict(agreement.payments.values_list("key", "amount")) == {
        "month:2026-01": D("150.00"), "month:2026-02": D("310.00"), "month:2026-03": D("100.00"),
    }  # fmt: skip


def test_product_seeding_is_its_value_and_paid_means_shipped(make_agreement, manager_a):
    agreement = make_agreement(compensation_type="product_seeding", compensation_amount=D("49.50"))
    [payment] = payments_schedule(agreement=agreement, today=date(2026, 3, 1))
    assert (payment.kind, payment.amount, payment.due_on) == ("product", D("49.50"), date(2025, 12, 20))
    with pytest.raises(ValidationError) as refused:
        payment_mark_paid(payment=payment, actor=manager_a, paid_on=date(2026, 1, 5), reference="")
    assert "tracking or order number" in refused.value.message_dict["reference"][0]
    payment_mark_paid(payment=payment, actor=manager_a, paid_on=date(2026, 1, 5), reference="1Z999AA10123456784")
    assert Activity.objects.filter(summary__startswith="Product shipped").count() == 1


def test_affiliate_months_are_recomputed_while_due_and_adjusted_after_approval(make_agreement, sell, manager_a):
    agreement = make_agreement(compensation_type="affiliate_share", affiliate_share_percent=D("10"),
                               compensation_amount=None)  # fmt: skip
    sale = sell("2026-01-10 12:00", "100.00")
    payments_schedule(agreement=agreement, today=date(2026, 2, 2))
    sell("2026-01-31 23:00", "50.00")  # reported late, the payment still due: recomputed
    payments_schedule(agreement=agreement, today=date(2026, 2, 3))
    january = agreement.payments.get(key="affiliate:2026-01")
    assert january.amount == D("15.00")  # 10 % × 150.00
    payment_mark_paid(payment=january, actor=manager_a, paid_on=date(2026, 2, 20), reference="TR-1")
    sell("2026-01-20 12:00", "30.00")  # after it was paid
    payments_schedule(agreement=agreement, today=date(2026, 2, 21))
    january.refresh_from_db()
    assert january.amount == D("15.00")  # paid: never changed
    adjustment = agreement.payments.get(key="affiliate:2026-01:adjustment")
    assert (adjustment.amount, adjustment.status) == (D("3.00"), PaymentStatus.DUE)  # 10 % × 180 − 15.00
    # The sale that made the difference is corrected away while the adjustment is due: it is cancelled.
    sale.amount = D("70.00")
    sale.save()
    payments_schedule(agreement=agreement, today=date(2026, 2, 22))
    adjustment.refresh_from_db()
    assert adjustment.status == PaymentStatus.CANCELLED  # 10 % × 150.00 = 15.00, paid already
    assert "corrected" in adjustment.cancelled_reason


def test_an_approved_adjustment_is_followed_by_a_second(make_agreement, sell, manager_a):
    agreement = make_agreement(compensation_type="affiliate_share", affiliate_share_percent=D("10"))
    sell("2026-01-10 12:00", "100.00")
    [january] = payments_schedule(agreement=agreement, today=date(2026, 2, 2))
    payment_approve(payment=january, actor=manager_a)
    sell("2026-01-11 12:00", "10.00")
    payments_schedule(agreement=agreement, today=date(2026, 2, 3))
    payment_approve(payment=agreement.payments.get(key="affiliate:2026-01:adjustment"), actor=manager_a)
    sell("2026-01-12 12:00", "20.00")
    payments_schedule(agreement=agreement, today=date(2026, 2, 4))
    assert dict(agreement.payments.values_list("key", "amount")) == {
        "affiliate:2026-01": D("10.00"), "affiliate:2026-01:adjustment": D("1.00"),
        "affiliate:2026-01:adjustment-2": D("2.00"),  # 10 % × 130.00 = 13.00 − 10.00 − 1.00
    }  # fmt: skip


def test_a_cancelled_agreement_cancels_its_due_payments_and_keeps_the_rest(make_agreement, manager_a):
    agreement = make_agreement(fee_schedule="monthly", compensation_amount=D("100.00"))
    payments_schedule(agreement=agreement, today=date(2026, 2, 10))
    payment_mark_paid(payment=agreement.payments.get(key="month:2026-01"), actor=manager_a,
                      paid_on=date(2026, 2, 5), reference="TR-7")  # fmt: skip
    agreement.status = "cancelled"
    agreement.save()
    payments_schedule(agreement=agreement, today=date(2026, 2, 11))
    assert dict(agreement.payments.values_list("key", "status")) == {
        "month:2026-01": "paid",
        "month:2026-02": "cancelled",
    }
    assert "cancelled" in agreement.payments.get(key="month:2026-02").cancelled_reason


def test_a_new_version_owes_nothing_settled_and_takes_over_what_is_due(make_agreement, partnership_a, manager_a):
    old = make_agreement(fee_schedule="monthly", compensation_amount=D("100.00"))
    payments_schedule(agreement=old, today=date(2026, 3, 10))  # January, February, March
    payment_mark_paid(payment=old.payments.get(key="month:2026-01"), actor=manager_a, paid_on=date(2026, 2, 1),
                      reference="TR-1")  # fmt: skip
    payment_approve(payment=old.payments.get(key="month:2026-02"), actor=manager_a)
    new = make_agreement(fee_schedule="monthly", compensation_amount=D("120.00"), replaces=old, status="signed",
                         signed_on="2026-03-08")  # fmt: skip
    old.status = "superseded"
    old.save()
    payments_schedule(agreement=new, today=date(2026, 3, 10))
    # January (paid) and February (approved) stay with the old version and are not owed again; March,
    # due, moved to the new version and recomputed at its fee.
    assert dict(old.payments.values_list("key", "status")) == {"month:2026-01": "paid", "month:2026-02": "approved"}
    assert dict(new.payments.values_list("key", "amount")) == {"month:2026-03": D("120.00")}
    march = new.payments.get()
    assert march.history.filter(history_change_reason__startswith="Moved").exists()
    # Working out the replaced version leads to the new one: nothing changes.
    payments_schedule(agreement=old, today=date(2026, 3, 10))
    assert Payment.objects.count() == 3


def test_a_new_version_that_owes_another_way_cancels_what_it_took_over(make_agreement):
    old = make_agreement()  # a fee on signature, still due
    payments_schedule(agreement=old, today=date(2026, 1, 5))
    new = make_agreement(compensation_type="product_seeding", compensation_amount=D("40.00"), replaces=old)
    old.status = "superseded"
    old.save()
    payments_schedule(agreement=new, today=date(2026, 1, 6))
    assert dict(new.payments.values_list("key", "status")) == {"signature": "cancelled", "product": "due"}


def test_transitions_happen_once_and_paid_is_final(make_agreement, manager_a):
    agreement = make_agreement()
    [payment] = payments_schedule(agreement=agreement, today=date(2026, 3, 1))
    payment_approve(payment=payment, actor=manager_a)
    payment_approve(payment=payment, actor=manager_a)  # again: nothing more
    assert (payment.status, payment.approved_by) == (PaymentStatus.APPROVED, manager_a)
    payment_mark_paid(payment=payment, actor=manager_a, paid_on=date(2026, 1, 15), reference="TR-42")
    payment_mark_paid(payment=payment, actor=manager_a, paid_on=date(2026, 1, 15), reference=" TR-42 ")
    assert Activity.objects.filter(summary__startswith="Payment approved").count() == 1
    assert Activity.objects.filter(summary__startswith="Payment made").count() == 1
    with pytest.raises(PaymentSettled) as final:
        payment_mark_paid(payment=payment, actor=manager_a, paid_on=date(2026, 1, 16), reference="TR-43")
    assert "final" in final.value.message_dict["status"][0]
    with pytest.raises(PaymentSettled):
        payment_cancel(payment=payment, actor=manager_a, reason="duplicate")
    with pytest.raises(PaymentSettled):
        payment_approve(payment=payment, actor=manager_a)
    payment.refresh_from_db()
    assert (payment.status, payment.paid_on, payment.reference) == ("paid", date(2026, 1, 15), "TR-42")
    assert [h.history_change_reason for h in payment.history.order_by("history_id")] == [
        "Owed under the agreement", "Approved", "Paid",
    ]  # fmt: skip


def test_refusals_name_the_field(make_agreement, manager_a):
    [payment] = payments_schedule(agreement=make_agreement(), today=date(2026, 3, 1))
    tomorrow = timezone.localdate() + timedelta(days=1)
    refusals = (
        (tomorrow, "TR", "paid_on"), (None, "TR", "paid_on"), (date(2026, 1, 1), "  ", "reference"),
        (date(2026, 1, 1), "x" * 201, "reference"),
    )  # fmt: skip
    for paid_on, reference, field in refusals:
        with pytest.raises(ValidationError) as refused:
            payment_mark_paid(payment=payment, actor=manager_a, paid_on=paid_on, reference=reference)
        assert list(refused.value.message_dict) == [field]
    with pytest.raises(ValidationError) as refused:
        payment_cancel(payment=payment, actor=manager_a, reason=" ")
    assert list(refused.value.message_dict) == ["reason"]
    payment_cancel(payment=payment, actor=manager_a, reason="Paid by the agency instead")
    payment_cancel(payment=payment, actor=manager_a, reason="again")  # once
    payment.refresh_from_db()
    assert (payment.status, payment.cancelled_reason) == ("cancelled", "Paid by the agency instead")
    with pytest.raises(PaymentSettled):
        payment_approve(payment=payment, actor=manager_a)


def test_only_an_editor_of_the_organization_changes_a_payment(make_agreement, viewer_a, manager_b):
    [payment] = payments_schedule(agreement=make_agreement(), today=date(2026, 3, 1))
    for actor in (viewer_a, manager_b):
        with pytest.raises(PermissionDenied):
            payment_approve(payment=payment, actor=actor)
        with pytest.raises(PermissionDenied):
            payment_mark_paid(payment=payment, actor=actor, paid_on=date(2026, 1, 2), reference="x")
        with pytest.raises(PermissionDenied):
            payment_cancel(payment=payment, actor=actor, reason="x")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DUE


def test_due_is_told_once_per_payment(make_agreement, django_capture_on_commit_callbacks):
    told = []

    def listen(sender, payment, **kwargs):
        told.append(payment.key)

    signals.payment_due.connect(listen, dispatch_uid="test-listen")
    try:
        agreement = make_agreement(fee_schedule="monthly", compensation_amount=D("100.00"), payment_terms_days=0)
        payments_schedule(agreement=agreement, today=date(2026, 3, 10))
        with django_capture_on_commit_callbacks(execute=True):
            assert payments_tell_due(today=date(2026, 2, 28)) == 2  # January (31 Jan) and February (28 Feb)
        with django_capture_on_commit_callbacks(execute=True):
            assert payments_tell_due(today=date(2026, 2, 28)) == 0
        payment_cancel(payment=agreement.payments.get(key="month:2026-03"), actor=None, reason="Paused")
        with django_capture_on_commit_callbacks(execute=True):
            assert payments_tell_due(today=date(2026, 4, 30)) == 0  # March cancelled: never told
    finally:
        signals.payment_due.disconnect(dispatch_uid="test-listen")
    assert told == ["month:2026-01", "month:2026-02"]


def test_signing_and_publishing_work_the_payments_out(
    make_agreement, partnership_a, django_capture_on_commit_callbacks
):
    agreement = make_agreement(fee_schedule="on_publication")
    with django_capture_on_commit_callbacks(execute=True):
        signals.agreement_signed.send(sender=None, agreement=agreement, acceptance=None)
    assert keys(agreement) == []  # nothing published yet
    piece = Deliverable.objects.create(partnership=partnership_a, agreement=agreement, title="Guide",
                                       status=DeliverableStatus.PUBLISHED, published_at=timezone.now())  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        signals.deliverable_published.send(sender=None, deliverable=piece)
    assert keys(agreement) == ["publication"]


def test_the_daily_task_works_out_signed_agreements_and_tells_what_fell_due(make_agreement, manager_a):
    from partnerships.payments.tasks import payments_daily

    signed = make_agreement()
    cancelled_later = make_agreement()
    payments_schedule(agreement=cancelled_later, today=date(2026, 1, 2))
    cancelled_later.status = "cancelled"
    cancelled_later.save()
    make_agreement(status="draft")
    result = payments_daily()
    assert result["agreements"] == 2 and result["failed"] == 0
    assert keys(signed) == ["signature"]
    assert keys(cancelled_later, PaymentStatus.CANCELLED) == ["signature"]
    assert result["told_due"] == 1  # the signed one's fee, due 19 January 2026
    assert services.payments_tell_due() == 0


def test_the_daily_run_is_in_the_beat_schedule_and_registered(settings):
    from crm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["payments-daily"]
    assert entry["task"] == "partnerships.payments.tasks.payments_daily" and entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {10})  # ten past midnight, every day
