"""Writes to the ledger: working out what an agreement owes (``payments_schedule``), the
manager's approve / mark paid / cancel, and telling ``payment.due`` once per payment.

The amounts come from ``partnerships.payments.schedule`` (its docstring says the rules). What
this module adds is how the rows live:

- ``payments_schedule`` is idempotent: a payment's key is unique per agreement and the agreement's
  row is locked while its schedule is worked out, so running it twice, or twenty times at once,
  leaves the same rows. It is run when an agreement is signed, when a deliverable under it is
  published, and every day by ``partnerships.payments.tasks.payments_daily``.
- A DUE payment is recomputed each time (a sale corrected, or reported late). An APPROVED or
  PAID one is never changed: for an affiliate month a later difference becomes a separate
  payment, ``affiliate:YYYY-MM:adjustment`` (then ``…:adjustment-2``), when it is in the
  creator's favour; a difference the other way is shown on the page, never paid back. A
  CANCELLED payment is left as the manager left it.
- A version that ``replaces`` a signed one (a counter-proposal accepted): the keys approved or
  paid under the replaced version(s) are not owed again; their DUE payments move to the new
  version and are recomputed under its terms (and cancelled, saying why, if it does not owe them).
- An agreement no longer signed (cancelled) owes nothing more: its DUE payments are cancelled,
  saying why; approved and paid ones stay.
- Transitions, by an editor only, each in the history (django-simple-history) and on the
  timeline: due → approved; due or approved → paid (a date not in the future and a reference);
  due or approved → cancelled (a reason). Paid is final. Asking for the state a payment is
  already in changes nothing (a double click, a re-sent form, an API retry); asking to pay a
  paid payment with another date or reference is refused (``PaymentSettled``: the API's 409).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import (
    ActivityKind,
    Agreement,
    AgreementStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
)
from partnerships.payments import schedule
from partnerships.payments.selectors import agreement_sales, first_published_on
from partnerships.services._shared import locked, tell_after_commit, timeline_note

logger = logging.getLogger(__name__)

OPEN = (PaymentStatus.DUE, PaymentStatus.APPROVED)
SETTLED = (PaymentStatus.APPROVED, PaymentStatus.PAID)
WRITTEN_FIELDS = ("kind", "description", "amount", "currency", "due_on", "period_start", "period_end")


class PaymentSettled(ValidationError):
    """The payment is past the state asked for (paid is final; a cancelled one stays cancelled):
    the API answers 409 Conflict, the pages say it as a refusal."""


def _earlier_versions(agreement: Agreement) -> list[int]:
    """The ids of the versions this one replaces, the one it replaces directly first."""
    ids, current = [], agreement.replaces_id
    while current is not None and current not in ids and current != agreement.pk:
        ids.append(current)
        current = Agreement.objects.filter(pk=current).values_list("replaces_id", flat=True).first()
    return ids


def _save(payment: Payment, reason: str = "", actor=None) -> None:
    payment._history_user = actor
    if reason:
        payment._change_reason = reason[:100]
    # Fields checked here; the constraints (one payment per key, paid has a date, not negative)
    # are the database's: the services never ask it to break them, and asking it first would cost
    # three queries for every payment the daily run writes.
    payment.full_clean(exclude=["agreement", "approved_by"], validate_constraints=False)
    payment.save()


def _cancel_quietly(payment: Payment, reason: str) -> None:
    """Cancel a DUE payment the ledger no longer owes, saying why (the product does it: no actor)."""
    payment.status, payment.cancelled_reason = PaymentStatus.CANCELLED, reason[:300]
    _save(payment, reason)


def _write(payment: Payment, owed: schedule.Owed) -> bool:
    """Set a DUE payment to what is owed now; True if anything changed."""
    changed = False
    for name in WRITTEN_FIELDS:
        if getattr(payment, name) != getattr(owed, name):
            setattr(payment, name, getattr(owed, name))
            changed = True
    if changed:
        _save(payment, "Recomputed")
    return changed


def _settle_difference(agreement: Agreement, owed: schedule.Owed, rows: dict[str, Payment]) -> None:
    """An affiliate month already approved or paid: a difference in the creator's favour is owed
    as an adjustment (the open one is recomputed); a difference the other way is not claimed back."""
    month = [row for key, row in rows.items() if key == owed.key or key.startswith(owed.key + ":adjustment")]
    settled = sum((row.amount for row in month if row.status in SETTLED), start=Decimal(0))
    difference = owed.amount - settled
    adjustments = [row for row in month if schedule.is_adjustment(row.key)]
    open_one = next((row for row in adjustments if row.status == PaymentStatus.DUE), None)
    if open_one is not None:
        if difference > 0:
            _write(open_one, _adjustment(owed, open_one.key, difference))
        else:
            _cancel_quietly(open_one, "The sales were corrected: nothing more is owed for this month.")
        return
    if difference > 0:
        key = schedule.adjustment_key(owed.key, len(adjustments) + 1)
        rows[key] = _create(agreement, _adjustment(owed, key, difference))


def _adjustment(owed: schedule.Owed, key: str, amount) -> schedule.Owed:
    description = f"{owed.description.split(':')[0]}, adjustment (sales recorded after it was approved)"
    return schedule.Owed(key, owed.kind, description, amount, owed.currency, owed.due_on, owed.period_start,
                         owed.period_end)  # fmt: skip


def _create(agreement: Agreement, owed: schedule.Owed) -> Payment:
    payment = Payment(agreement=agreement, key=owed.key, **{name: getattr(owed, name) for name in WRITTEN_FIELDS})
    _save(payment, "Owed under the agreement")
    return payment


@transaction.atomic
def payments_schedule(*, agreement: Agreement, today: date | None = None) -> list[Payment]:
    """Write what a signed agreement owes by ``today`` (default: the local date) and return its
    payments. Idempotent; see the module docstring for what is recomputed and what never changes.
    Costs a handful of queries plus one write per payment that changed."""
    today = today or timezone.localdate()
    status = Agreement.objects.filter(pk=agreement.pk).values_list("status", flat=True).first()
    if status == AgreementStatus.SUPERSEDED:
        # Its DUE payments belong to the signed version that replaced it (moved there), if any.
        successor = Agreement.objects.filter(replaces=agreement, status=AgreementStatus.SIGNED).order_by("-pk").first()
        if successor is not None:
            payments_schedule(agreement=successor, today=today)
        return list(agreement.payments.all())
    locked(agreement)
    rows = {payment.key: payment for payment in Payment.objects.select_for_update().filter(agreement=agreement)}
    if agreement.status != AgreementStatus.SIGNED:
        for payment in rows.values():
            if payment.status == PaymentStatus.DUE:
                _cancel_quietly(payment, f"The agreement is {agreement.get_status_display().lower()}: nothing is owed.")
        return list(Payment.objects.filter(agreement=agreement))
    earlier = _earlier_versions(agreement)
    settled_before = set(
        Payment.objects.filter(agreement_id__in=earlier, status__in=SETTLED).values_list("key", flat=True)
    )
    for payment in Payment.objects.select_for_update().filter(agreement_id__in=earlier, status=PaymentStatus.DUE):
        if payment.key in rows or payment.key in settled_before:
            _cancel_quietly(payment, "Replaced by the new version of the agreement.")
            continue
        payment.agreement = agreement
        _save(payment, "Moved to the new version of the agreement")
        rows[payment.key] = payment
    terms = schedule.Terms.of(agreement)
    sales, published = agreement_sales(agreement, until=today), first_published_on(agreement)
    owed = schedule.owed_by(terms, today=today, sales=sales, first_published_on=published)
    wanted = set()
    for item in owed:
        if item.key in settled_before:
            continue  # approved or paid under the version this one replaces: not owed again
        wanted.add(item.key)
        payment = rows.get(item.key)
        if payment is None:
            rows[item.key] = _create(agreement, item)
        elif payment.status == PaymentStatus.DUE:
            _write(payment, item)
        elif payment.status in SETTLED and payment.kind == PaymentKind.AFFILIATE_SHARE:
            _settle_difference(agreement, item, rows)
    for key, payment in rows.items():
        if payment.status == PaymentStatus.DUE and key not in wanted and not schedule.is_adjustment(key):
            _cancel_quietly(payment, "Nothing is owed for it under the agreement now.")
    return list(Payment.objects.filter(agreement=agreement))


def _timeline(payment: Payment, actor, summary: str, body: str = "") -> None:
    timeline_note(payment.agreement.partnership, ActivityKind.AGREEMENT, actor, summary, body)


def _words(payment: Payment) -> str:
    return f"{payment.description} ({payment.amount:,.2f} {payment.currency})"


def _refuse_if_final(payment: Payment, wanted: str) -> None:
    if payment.status == PaymentStatus.PAID:
        raise PaymentSettled({"status": f"Paid on {payment.paid_on:%Y-%m-%d}: a paid payment is final."})
    if payment.status == PaymentStatus.CANCELLED:
        raise PaymentSettled({"status": f"Cancelled ({payment.cancelled_reason}): it cannot be {wanted}."})


@transaction.atomic
def payment_approve(*, payment: Payment, actor) -> Payment:
    """The brand agrees the amount is owed: DUE → APPROVED (once; again changes nothing)."""
    require_editor(actor, payment)
    locked(payment)
    if payment.status == PaymentStatus.APPROVED:
        return payment
    _refuse_if_final(payment, "approved")
    payment.status, payment.approved_at, payment.approved_by = PaymentStatus.APPROVED, timezone.now(), actor
    _save(payment, "Approved", actor)
    _timeline(payment, actor, f"Payment approved: {_words(payment)}")
    return payment


def _checked_paid(paid_on, reference: str, kind: str) -> tuple[date, str]:
    errors = {}
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        errors["paid_on"] = "Give the date it was paid (YYYY-MM-DD)."
    elif paid_on > timezone.localdate():
        errors["paid_on"] = "The date it was paid cannot be in the future."
    reference = (reference or "").strip()
    if not reference:
        shipped = kind == PaymentKind.PRODUCT
        what = "the tracking or order number" if shipped else "the transfer's or invoice's reference"
        errors["reference"] = f"Give {what}."
    elif len(reference) > 200:
        errors["reference"] = "At most 200 characters."
    if errors:
        raise ValidationError(errors)
    return paid_on, reference


@transaction.atomic
def payment_mark_paid(*, payment: Payment, actor, paid_on: date, reference: str) -> Payment:
    """The brand paid (for product seeding: shipped): DUE or APPROVED → PAID, with the date (not in
    the future) and the reference (or tracking / order number). The same again changes nothing;
    another date or reference for a paid payment is refused (``PaymentSettled``)."""
    require_editor(actor, payment)
    paid_on, reference = _checked_paid(paid_on, reference, payment.kind)
    locked(payment)
    if payment.status == PaymentStatus.PAID and (payment.paid_on, payment.reference) == (paid_on, reference):
        return payment
    _refuse_if_final(payment, "paid")
    payment.status, payment.paid_on, payment.reference = PaymentStatus.PAID, paid_on, reference
    shipped = payment.kind == PaymentKind.PRODUCT
    _save(payment, "Shipped" if shipped else "Paid", actor)
    verb = "Product shipped" if shipped else "Payment made"
    _timeline(payment, actor, f"{verb}: {_words(payment)}", f"On {paid_on:%Y-%m-%d}, reference {reference}")
    return payment


@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str) -> Payment:
    """Not owed after all: DUE or APPROVED → CANCELLED, with the reason (required). Once."""
    require_editor(actor, payment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why it is not owed."})
    if len(reason) > 300:
        raise ValidationError({"reason": "At most 300 characters."})
    locked(payment)
    if payment.status == PaymentStatus.CANCELLED:
        return payment
    _refuse_if_final(payment, "cancelled")
    payment.status, payment.cancelled_reason = PaymentStatus.CANCELLED, reason
    _save(payment, "Cancelled", actor)
    _timeline(payment, actor, f"Payment cancelled: {_words(payment)}", reason)
    return payment


def payments_tell_due(*, today: date | None = None) -> int:
    """Tell ``payment.due`` once per payment that has fallen due (due or approved, due on or before
    ``today``): ``due_told_at`` is set by a conditional update, so two runs at once tell it once.
    Returns how many were told."""
    today = today or timezone.localdate()
    told = 0
    waiting = Payment.objects.filter(due_told_at__isnull=True, due_on__lte=today, status__in=OPEN)
    for pk in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            if not Payment.objects.filter(pk=pk, due_told_at__isnull=True, status__in=OPEN).update(
                due_told_at=timezone.now()
            ):
                continue  # told by another run meanwhile
            payment = Payment.objects.select_related("agreement__partnership__brand", "agreement__partnership__creator")
            tell_after_commit(signals.payment_due, payment=payment.get(pk=pk))
            told += 1
    return told
