"""Reads of the ledger for the pages, the CSV and the API, each in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from crm import tenancy
from partnerships.models import (
    Agreement,
    AgreementStatus,
    Brand,
    Deliverable,
    DeliverableStatus,
    Partnership,
    Payment,
    PaymentStatus,
    ReferralEvent,
    ReferralEventKind,
)
from partnerships.payments import schedule

OPEN = (PaymentStatus.DUE, PaymentStatus.APPROVED)


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def agreement_sales(agreement: Agreement, *, until: date) -> list[schedule.Sale]:
    """The sales recorded on the partnership's referral links within the agreement's period (local
    dates of the project's TIME_ZONE) up to ``until``: one query."""
    last = until if agreement.ends_on is None else min(until, agreement.ends_on)
    if last < agreement.starts_on:
        return []
    events = ReferralEvent.objects.filter(
        link__partnership_id=agreement.partnership_id, kind=ReferralEventKind.SALE, amount__isnull=False,
        occurred_at__gte=_local_start(agreement.starts_on), occurred_at__lt=_local_start(last + timedelta(days=1)),
    ).only("occurred_at", "amount", "currency")  # fmt: skip
    return [schedule.Sale(timezone.localtime(e.occurred_at).date(), e.amount, e.currency) for e in events]


def first_published_on(agreement: Agreement) -> date | None:
    """The local date the first deliverable under the agreement was published, if one was."""
    first = Deliverable.objects.filter(agreement=agreement, status=DeliverableStatus.PUBLISHED).aggregate(
        first=Min("published_at")
    )["first"]
    return timezone.localtime(first).date() if first else None


def agreement_months(agreement: Agreement, *, today: date | None = None) -> list[schedule.MonthOfSales]:
    """Each month of the agreement begun by ``today``: its sales counted and not counted."""
    today = today or timezone.localdate()
    return schedule.sales_by_month(schedule.Terms.of(agreement), agreement_sales(agreement, until=today), until=today)


def affiliate_so_far(agreement: Agreement, *, today: date | None = None) -> schedule.MonthOfSales | None:
    """The month still open of an affiliate agreement, with its sales so far (never a payment yet)."""
    today = today or timezone.localdate()
    terms = schedule.Terms.of(agreement)
    return schedule.affiliate_so_far(terms, agreement_months(agreement, today=today), today=today)


def is_overdue(payment: Payment, today: date | None = None) -> bool:
    """Due or approved, and its due date has passed."""
    return payment.status in OPEN and payment.due_on < (today or timezone.localdate())


def overdue_filter(today: date | None = None) -> Q:
    return Q(status__in=OPEN, due_on__lt=today or timezone.localdate())


def payments_visible_to(user) -> QuerySet[Payment]:
    """The payments of the user's organizations, with what their lists show read along."""
    return tenancy.scope_to_user(Payment.objects.all(), user).select_related(
        "agreement__partnership__brand", "agreement__partnership__creator"
    )


@dataclass
class AgreementLedger:
    """One agreement's part of a partnership page's payments section."""

    agreement: Agreement
    payments: list[Payment]
    so_far: schedule.MonthOfSales | None = None
    so_far_share: Decimal | None = None
    # Months whose sales were corrected down after the payment was approved or paid: (month, paid, now).
    overpaid: list[tuple[date, Decimal, Decimal]] = field(default_factory=list)
    uncounted: list[tuple[date, str, int, Decimal]] = field(default_factory=list)


def _agreement_ledger(agreement: Agreement, payments: list[Payment], today: date) -> AgreementLedger:
    ledger = AgreementLedger(agreement, payments)
    if agreement.status != AgreementStatus.SIGNED:
        return ledger
    months = agreement_months(agreement, today=today)
    terms = schedule.Terms.of(agreement)
    for month in months:
        for currency, (count, total) in sorted(month.uncounted.items()):
            ledger.uncounted.append((month.month, currency, count, total))
    if terms.compensation_type not in schedule.AFFILIATE_TYPES or terms.percent is None:
        return ledger
    ledger.so_far = schedule.affiliate_so_far(terms, months, today=today)
    if ledger.so_far is not None:
        ledger.so_far_share = ledger.so_far.share(terms.percent)
    settled = defaultdict(Decimal)
    for payment in payments:
        if payment.key.startswith("affiliate:") and payment.status in (PaymentStatus.APPROVED, PaymentStatus.PAID):
            settled[payment.key[len("affiliate:") : len("affiliate:") + 7]] += payment.amount
    for month in months:
        now, paid = month.share(terms.percent), settled.get(f"{month.month:%Y-%m}")
        if paid is not None and now < paid:
            ledger.overpaid.append((month.month, paid, now))
    return ledger


def payments_section(partnership: Partnership, user, *, today: date | None = None) -> dict:
    """The context of ``templates/payments/_partnership_payments.html``: each agreement's payments
    (newest agreement first), the affiliate month so far, the sales not counted (another currency)
    and the months paid above what the corrected sales come to. A few queries per agreement."""
    today = today or timezone.localdate()
    agreements = list(partnership.agreements.order_by("-starts_on", "-pk"))
    by_agreement = defaultdict(list)
    for payment in Payment.objects.filter(agreement__partnership=partnership).order_by("due_on", "pk"):
        payment.overdue = is_overdue(payment, today)
        by_agreement[payment.agreement_id].append(payment)
    ledgers = [
        _agreement_ledger(agreement, by_agreement.get(agreement.pk, []), today)
        for agreement in agreements
        if agreement.status == AgreementStatus.SIGNED or by_agreement.get(agreement.pk)
    ]
    return {
        "payment_ledgers": ledgers,
        "payments_can_edit": tenancy.can_edit(user, partnership),
        "payments_today": today,
    }


def overdue_by_partnership(
    partnership_ids, *, today: date | None = None, even_for_none: bool = False
) -> dict[int, list[tuple[Decimal, str]]]:
    """For each partnership with an overdue payment: its overdue totals per currency. One query
    (none for no ids, unless ``even_for_none``: then a query that finds nothing, for callers whose
    query count must not depend on how many ids they pass)."""
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    ids = list(partnership_ids)
    # Django answers "in no ids" without asking the database; "a payment without an id" asks and finds none.
    of_them = Q(agreement__partnership_id__in=ids) if ids or not even_for_none else Q(pk__isnull=True)
    rows = Payment.objects.filter(overdue_filter(today), of_them)
    for pid, currency, amount in rows.values_list("agreement__partnership_id", "currency", "amount"):
        totals[pid][currency] += amount
    return {pid: sorted((amount, currency) for currency, amount in by.items()) for pid, by in totals.items()}


def my_overdue_payments(*, user, today: date | None = None) -> list[Payment]:
    """The overdue payments of the partnerships ``user`` owns, oldest due first. One query."""
    return list(
        payments_visible_to(user)
        .filter(overdue_filter(today), agreement__partnership__owner=user)
        .order_by("due_on", "pk")
    )


@dataclass
class MonthRow:
    """One row of a brand's "Owed and paid, by month": the payments due that month, in one currency."""

    month: date
    currency: str
    owed: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    payments: int = 0


def brand_months(brand: Brand, *, today: date | None = None) -> list[MonthRow]:
    """A brand's payments (cancelled ones left out) by the month they fall due and currency, newest
    month first: owed (all), paid, and overdue (due or approved, past their due date). One query."""
    today = today or timezone.localdate()
    rows: dict[tuple[date, str], MonthRow] = {}
    payments = Payment.objects.filter(agreement__partnership__brand=brand).exclude(status=PaymentStatus.CANCELLED)
    for due_on, currency, amount, status in payments.values_list("due_on", "currency", "amount", "status"):
        month = due_on.replace(day=1)
        row = rows.setdefault((month, currency), MonthRow(month, currency))
        row.owed += amount
        row.payments += 1
        if status == PaymentStatus.PAID:
            row.paid += amount
        elif status in OPEN and due_on < today:
            row.overdue += amount
    return sorted(rows.values(), key=lambda row: (row.month, row.currency), reverse=True)


def brand_payments(brand: Brand) -> QuerySet[Payment]:
    """Every payment of a brand, for its CSV: by due date."""
    return (
        Payment.objects.filter(agreement__partnership__brand=brand)
        .select_related("agreement__partnership__creator")
        .order_by("due_on", "pk")
    )
