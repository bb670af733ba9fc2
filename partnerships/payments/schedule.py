"""What an agreement owes, worked out from plain values (no database): the ledger's rules in one place.

The rules, as a partnership manager reads them:

- Only a SIGNED agreement owes anything (the service checks the status; these functions are told
  the terms of a signed one).
- Money is ``Decimal``. Each payment is computed exactly and rounded half-up to cents once, at
  the end of that payment's computation (never a running total of rounded parts). Each payment is
  in the agreement's currency.
- Flat fee (compensation "flat fee" or "fee and affiliate", amount = the compensation amount):
  * on signature: key ``signature``, due ``signed_on + payment terms``;
  * on publication: key ``publication``, once the first deliverable under the agreement is
    published, due ``published date + payment terms``;
  * monthly: key ``month:YYYY-MM`` for each calendar month the agreement covers that has begun
    (up to its end), the fee prorated by the days covered in a partial first or last month
    (fee × days covered ÷ days in the month), due ``month end + payment terms``.
- Affiliate share ("affiliate share" or "fee and affiliate"): key ``affiliate:YYYY-MM`` for each
  calendar month of the period that has ENDED: share % × the sales recorded on the partnership's
  referral links whose local date (the project's TIME_ZONE) falls in both the month and the
  agreement's period, counting only sales in the agreement's currency (others are counted and
  shown apart, never converted); due ``month end + payment terms``. A month whose share comes
  to 0.00 owes nothing and is not written. The month still open is shown "so far"
  (``affiliate_so_far``) and never written.
- Product seeding: key ``product``, its value (the compensation amount), due on ``signed_on``;
  "paid" means shipped.

Costs: each function is linear in the months of the period plus the sales given.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class Kind:
    """The payment kinds (the values of ``partnerships.models.PaymentKind``)."""

    FLAT_FEE = "flat_fee"
    AFFILIATE_SHARE = "affiliate_share"
    PRODUCT = "product"


FLAT_FEE_TYPES = ("flat_fee", "fee_and_affiliate")
AFFILIATE_TYPES = ("affiliate_share", "fee_and_affiliate")


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: 0.125 → 0.13, 0.124999 → 0.12 (not banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_label(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"


def months_between(first: date, last: date) -> list[date]:
    """The first day of each calendar month from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


@dataclass(frozen=True)
class Owed:
    """One payment the terms call for, before it is written (``services.payments_schedule``)."""

    key: str
    kind: str
    description: str
    amount: Decimal
    currency: str
    due_on: date
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True)
class Sale:
    """A recorded sale as the ledger needs it: its local date, amount and currency."""

    on: date
    amount: Decimal
    currency: str


@dataclass
class MonthOfSales:
    """The sales of one month of an agreement: those counted, and those in another currency
    (counted and shown, never converted). ``uncounted`` maps a currency ("" if none was given) to
    (number of sales, their total)."""

    month: date
    start: date
    end: date
    counted: Decimal = Decimal(0)
    sales: int = 0
    uncounted: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    def share(self, percent: Decimal) -> Decimal:
        """share % × counted sales, rounded half-up to cents once."""
        return to_cents(self.counted * percent / HUNDRED)


@dataclass(frozen=True)
class Terms:
    """The terms of a signed agreement the ledger reads (plain values, from ``Agreement``)."""

    compensation_type: str
    amount: Decimal | None
    currency: str
    fee_schedule: str
    terms_days: int
    percent: Decimal | None
    starts_on: date
    ends_on: date | None
    signed_on: date

    @classmethod
    def of(cls, agreement) -> Terms:
        # An agreement marked signed without a date owes from its start (the earliest it can be).
        return cls(
            compensation_type=agreement.compensation_type, amount=agreement.compensation_amount,
            currency=(agreement.currency or "").upper(), fee_schedule=agreement.fee_schedule,
            terms_days=agreement.payment_terms_days, percent=agreement.affiliate_share_percent,
            starts_on=agreement.starts_on, ends_on=agreement.ends_on,
            signed_on=agreement.signed_on or agreement.starts_on,
        )  # fmt: skip

    def covered(self, month: date) -> tuple[date, date]:
        """The days of ``month`` within the agreement's period (first, last)."""
        start = max(month, self.starts_on)
        end = month_end(month) if self.ends_on is None else min(month_end(month), self.ends_on)
        return start, end


def flat_fees(terms: Terms, *, today: date, first_published_on: date | None) -> list[Owed]:
    """The flat fee's payments owed by ``today`` under ``terms`` (none without an amount)."""
    if terms.compensation_type not in FLAT_FEE_TYPES or terms.amount is None:
        return []
    days = timedelta(days=terms.terms_days)
    fee, currency = Decimal(terms.amount), terms.currency
    if terms.fee_schedule == "on_signature":
        return [Owed("signature", Kind.FLAT_FEE, "Flat fee, on signature", to_cents(fee), currency,
                     terms.signed_on + days)]  # fmt: skip
    if terms.fee_schedule == "on_publication":
        if first_published_on is None:
            return []
        return [Owed("publication", Kind.FLAT_FEE, "Flat fee, on publication", to_cents(fee), currency,
                     first_published_on + days)]  # fmt: skip
    # Monthly: every month that has begun, up to the end of the agreement.
    last = today if terms.ends_on is None else min(today, terms.ends_on)
    owed = []
    for month in months_between(terms.starts_on, last) if terms.starts_on <= last else []:
        start, end = terms.covered(month)
        covered, in_month = (end - start).days + 1, month_end(month).day
        amount = to_cents(fee * covered / in_month)
        part = "" if covered == in_month else f" ({covered} of {in_month} days)"
        owed.append(Owed(
            f"month:{month:%Y-%m}", Kind.FLAT_FEE, f"Flat fee for {month_label(month)}{part}", amount, currency,
            month_end(month) + days, start, end,
        ))  # fmt: skip
    return owed


def sales_by_month(terms: Terms, sales: Iterable[Sale], *, until: date) -> list[MonthOfSales]:
    """The sales of each month of the agreement's period that has begun by ``until``, split into
    counted (the agreement's currency) and not counted (any other, or none given)."""
    last = until if terms.ends_on is None else min(until, terms.ends_on)
    if terms.starts_on > last:
        return []
    months = {m: MonthOfSales(m, *terms.covered(m)) for m in months_between(terms.starts_on, last)}
    for sale in sales:
        month = months.get(sale.on.replace(day=1))
        if month is None or not (month.start <= sale.on <= month.end):
            continue
        currency = (sale.currency or "").upper()
        if currency == terms.currency:
            month.counted += sale.amount
            month.sales += 1
        else:
            count, total = month.uncounted.get(currency, (0, Decimal(0)))
            month.uncounted[currency] = (count + 1, total + sale.amount)
    return list(months.values())


def affiliate_shares(terms: Terms, months: list[MonthOfSales], *, today: date) -> list[Owed]:
    """The affiliate share of each month that has ended before ``today`` (the month's last
    calendar day is past)."""
    if terms.compensation_type not in AFFILIATE_TYPES or terms.percent is None:
        return []
    days, percent = timedelta(days=terms.terms_days), Decimal(terms.percent)
    owed = []
    for month in months:
        if month_end(month.month) >= today:
            continue  # still open: shown "so far", never written
        amount = month.share(percent)
        if not amount:
            continue  # nothing sold (or nothing worth a cent): no payment of 0.00 to approve and pay
        description = (
            f"Affiliate share for {month_label(month.month)}: {percent.normalize():f}% of "
            f"{month.counted:,.2f} {terms.currency} in sales"
        )
        owed.append(Owed(
            f"affiliate:{month.month:%Y-%m}", Kind.AFFILIATE_SHARE, description, amount,
            terms.currency, month_end(month.month) + days, month.start, month.end,
        ))  # fmt: skip
    return owed


def affiliate_so_far(terms: Terms, months: list[MonthOfSales], *, today: date) -> MonthOfSales | None:
    """The month still open (today's), if it is within the period: its sales so far."""
    if terms.compensation_type not in AFFILIATE_TYPES or terms.percent is None:
        return None
    return next((m for m in months if m.month <= today <= month_end(m.month)), None)


def product_value(terms: Terms) -> list[Owed]:
    """Product seeding: its value (0 when none was given), due on signature; paid means shipped."""
    if terms.compensation_type != "product_seeding":
        return []
    description = "Product seeding (its value)" if terms.amount is not None else "Product seeding (value not given)"
    value = to_cents(Decimal(terms.amount or 0))
    return [Owed("product", Kind.PRODUCT, description, value, terms.currency, terms.signed_on)]


def owed_by(terms: Terms, *, today: date, sales: Iterable[Sale], first_published_on: date | None) -> list[Owed]:
    """Every payment a signed agreement's terms call for by ``today``, in key order of creation."""
    months = sales_by_month(terms, sales, until=today)
    return [
        *product_value(terms),
        *flat_fees(terms, today=today, first_published_on=first_published_on),
        *affiliate_shares(terms, months, today=today),
    ]


def adjustment_key(key: str, number: int) -> str:
    """The key of the ``number``-th adjustment of an affiliate month (1: "…:adjustment")."""
    return f"{key}:adjustment" if number == 1 else f"{key}:adjustment-{number}"


def is_adjustment(key: str) -> bool:
    return ":adjustment" in key
