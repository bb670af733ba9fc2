"""The demo's creator side (issue 21): what each signed agreement owes (the ledger, some of it
paid), a piece handed in and waiting for the brand's factual check, and the creator's private link
to the offer waiting for Efe Osei. Loading again adds nothing (payments have keys; the hand-in and
the first payments are made only once)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from partnerships.creator_portal.links import creator_link_issue
from partnerships.models import (
    Agreement,
    AgreementStatus,
    Deliverable,
    DeliverableStatus,
    Partnership,
    Payment,
    PaymentStatus,
    Stage,
)
from partnerships.payments.services import payments_schedule
from partnerships.services.handins import deliverable_hand_in

# The partnership whose creator's link `load_demo` prints: an offer sent, waiting for acceptance.
OFFER = {"brand__slug": "inkwell-nib", "creator__display_name": "Efe Osei"}


def load(*, today: date) -> None:
    for agreement in Agreement.objects.filter(status=AgreementStatus.SIGNED).order_by("pk"):
        payments_schedule(agreement=agreement, today=today)
    _some_paid(today)
    _handed_in()


def _some_paid(today: date) -> None:
    """The brand paid half of what has fallen due, two days early; the other half is overdue (the
    board's badge, My tasks and the brand's months show it)."""
    if Payment.objects.filter(status=PaymentStatus.PAID).exists():
        return
    fallen_due = Payment.objects.filter(status=PaymentStatus.DUE, due_on__lt=today).order_by("due_on", "pk")
    for number, payment in enumerate(fallen_due, 1):
        if number % 2:
            payment.status, payment.paid_on = PaymentStatus.PAID, payment.due_on - timedelta(days=2)
            payment.reference = f"DEMO-TRANSFER-{number:03d}"
            payment.save(update_fields=["status", "paid_on", "reference", "updated_at"])


def _handed_in() -> None:
    """A planned piece of an active partnership, handed in through the creator's link: under a
    factual check, it waits for the brand (the partnership page's Deliverables)."""
    if Deliverable.objects.filter(handed_in_at__isnull=False).exists():
        return
    planned = (
        Deliverable.objects.filter(
            status=DeliverableStatus.PLANNED, partnership__stage=Stage.ACTIVE,
            agreement__status=AgreementStatus.SIGNED, agreement__brand_review_rights="factual_check",
        )
        .exclude(Q(partnership__brand__slug=OFFER["brand__slug"]))
        .select_related("partnership", "agreement")
        .order_by("due_on", "pk")
        .first()
    )  # fmt: skip
    if planned is None:
        return
    deliverable_hand_in(
        partnership=planned.partnership, deliverable=planned,
        url="https://docs.example/drafts/long-term-review",
        note="Draft for the factual check: the nib sizes and prices are the ones I am least sure of.",
    )  # fmt: skip


def offer_link() -> tuple[Partnership, str] | None:
    """A fresh private link to the demo's waiting offer (the token is shown once, so each load
    makes a new one and the earlier stops working)."""
    partnership = Partnership.objects.filter(**OFFER).first()
    if partnership is None:
        return None
    _, token = creator_link_issue(partnership=partnership, actor=None, days=30)
    return partnership, token


def counts() -> dict[str, int]:
    return {"payments": Payment.objects.count()}  # the creator's link is made (and printed) after
