"""The ledger's rules on plain values (partnerships.payments.schedule): no database."""

from datetime import date
from decimal import Decimal

import pytest

from partnerships.payments import schedule
from partnerships.payments.schedule import Sale, Terms

D = Decimal


def terms(**overrides) -> Terms:
    values = dict(
        compensation_type="flat_fee", amount=D("900.00"), currency="USD", fee_schedule="on_signature",
        terms_days=30, percent=None, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30),
        signed_on=date(2025, 12, 20),
    )  # fmt: skip
    return Terms(**values | overrides)


@pytest.mark.parametrize(
    "amount, cents", [("0.125", "0.13"), ("0.135", "0.14"), ("0.1249999", "0.12"), ("2.5", "2.50"), ("-0.125", "-0.13")]
)
def test_rounding_is_half_up_not_bankers(amount, cents):
    assert schedule.to_cents(D(amount)) == D(cents)


def test_a_fee_on_signature_is_due_the_payment_terms_after_signing():
    [owed] = schedule.flat_fees(terms(), today=date(2026, 3, 1), first_published_on=None)
    assert (owed.key, owed.kind, owed.amount, owed.currency) == ("signature", "flat_fee", D("900.00"), "USD")
    assert owed.due_on == date(2026, 1, 19)  # 20 Dec 2025 + 30 days


def test_a_fee_on_publication_waits_for_the_first_published_piece():
    on_publication = terms(fee_schedule="on_publication", terms_days=14)
    assert schedule.flat_fees(on_publication, today=date(2026, 3, 1), first_published_on=None) == []
    [owed] = schedule.flat_fees(on_publication, today=date(2026, 3, 1), first_published_on=date(2026, 2, 10))
    assert (owed.key, owed.due_on) == ("publication", date(2026, 2, 24))  # 10 Feb + 14 days


def test_a_monthly_fee_is_prorated_for_partial_months_and_only_for_months_begun():
    monthly = terms(fee_schedule="monthly", amount=D("310.00"), starts_on=date(2026, 1, 17), ends_on=date(2026, 3, 10))
    owed = schedule.flat_fees(monthly, today=date(2026, 2, 1), first_published_on=None)
    # January: 17th–31st = 15 of 31 days → 310 × 15 / 31 = 150.00; February has begun (the 1st).
    # February: all 28 days → 310.00. March has not begun.
    assert [(o.key, o.amount, o.due_on) for o in owed] == [
        ("month:2026-01", D("150.00"), date(2026, 3, 2)),  # 31 Jan + 30 days
        ("month:2026-02", D("310.00"), date(2026, 3, 30)),  # 28 Feb + 30 days
    ]
    owed = schedule.flat_fees(monthly, today=date(2026, 12, 1), first_published_on=None)
    # March: 1st–10th = 10 of 31 days → 310 × 10 / 31 = 100.00; nothing after the end.
    assert [(o.key, o.amount, o.period_start, o.period_end) for o in owed][-1] == (
        "month:2026-03",
        D("100.00"),
        date(2026, 3, 1),
        date(2026, 3, 10),
    )
    assert len(owed) == 3


def test_a_prorated_month_is_rounded_once_at_the_end():
    monthly = terms(fee_schedule="monthly", amount=D("100.00"), starts_on=date(2026, 2, 27), ends_on=None)
    [owed, *_] = schedule.flat_fees(monthly, today=date(2026, 3, 5), first_published_on=None)
    assert owed.amount == D("7.14")  # 100 × 2 / 28 = 7.142857… → 7.14
    monthly = terms(fee_schedule="monthly", amount=D("1.00"), starts_on=date(2026, 4, 28), ends_on=None)
    [owed, *_] = schedule.flat_fees(monthly, today=date(2026, 5, 5), first_published_on=None)
    assert owed.amount == D("0.10")  # 1 × 3 / 30 = 0.1 exactly


def test_no_fee_without_an_amount_and_none_for_other_compensation():
    assert schedule.flat_fees(terms(amount=None), today=date(2026, 3, 1), first_published_on=None) == []
    assert schedule.flat_fees(terms(compensation_type="affiliate_share"), today=date(2026, 3, 1),
                              first_published_on=None) == []  # fmt: skip


AFFILIATE = dict(compensation_type="affiliate_share", amount=None, percent=D("10"))


def test_affiliate_share_is_owed_for_months_that_ended_counting_only_the_agreements_currency():
    affiliate = terms(**AFFILIATE)
    sales = [
        Sale(date(2025, 12, 31), D("500.00"), "USD"),  # before the period
        Sale(date(2026, 1, 5), D("100.00"), "USD"),
        Sale(date(2026, 1, 31), D("0.05"), "usd"),  # currency codes compared in capitals
        Sale(date(2026, 2, 1), D("40.05"), "USD"),
        Sale(date(2026, 2, 2), D("300.00"), "EUR"),  # not converted: counted apart
        Sale(date(2026, 2, 3), D("20.00"), ""),  # no currency given: not assumed to be USD
        Sale(date(2026, 3, 3), D("99.00"), "USD"),  # March is still open on 20 March
    ]
    months = schedule.sales_by_month(affiliate, sales, until=date(2026, 3, 20))
    owed = schedule.affiliate_shares(affiliate, months, today=date(2026, 3, 20))
    # January: 10 % of 100.05 = 10.005 → 10.01; February: 10 % of 40.05 = 4.005 → 4.01 (half-up).
    assert [(o.key, o.amount, o.due_on) for o in owed] == [
        ("affiliate:2026-01", D("10.01"), date(2026, 3, 2)),
        ("affiliate:2026-02", D("4.01"), date(2026, 3, 30)),
    ]
    assert months[1].uncounted == {"EUR": (1, D("300.00")), "": (1, D("20.00"))}
    so_far = schedule.affiliate_so_far(affiliate, months, today=date(2026, 3, 20))
    assert (so_far.month, so_far.counted, so_far.share(D("10"))) == (date(2026, 3, 1), D("99.00"), D("9.90"))


def test_a_month_ends_on_its_last_day_not_on_the_agreements_end():
    affiliate = terms(**AFFILIATE, ends_on=date(2026, 1, 15))
    sales = [Sale(date(2026, 1, 10), D("10.00"), "USD"), Sale(date(2026, 1, 20), D("10.00"), "USD")]
    months = schedule.sales_by_month(affiliate, sales, until=date(2026, 1, 31))
    assert schedule.affiliate_shares(affiliate, months, today=date(2026, 1, 31)) == []  # January still open
    [owed] = schedule.affiliate_shares(affiliate, months, today=date(2026, 2, 1))
    assert (owed.amount, owed.period_end) == (D("1.00"), date(2026, 1, 15))  # the 20th is after the end


def test_a_month_worth_less_than_a_cent_owes_nothing():
    affiliate = terms(**AFFILIATE)
    months = schedule.sales_by_month(affiliate, [Sale(date(2026, 1, 5), D("0.04"), "USD")], until=date(2026, 2, 2))
    assert schedule.affiliate_shares(affiliate, months, today=date(2026, 2, 2)) == []  # 0.004 → 0.00


def test_product_seeding_is_recorded_as_its_value_due_on_signature():
    [owed] = schedule.product_value(terms(compensation_type="product_seeding", amount=D("49.5")))
    assert (owed.key, owed.kind, owed.amount, owed.due_on) == ("product", "product", D("49.50"), date(2025, 12, 20))
    [unvalued] = schedule.product_value(terms(compensation_type="product_seeding", amount=None))
    assert (unvalued.amount, unvalued.description) == (D("0.00"), "Product seeding (value not given)")


def test_fee_and_affiliate_owes_both():
    both = terms(compensation_type="fee_and_affiliate", percent=D("5"))
    owed = schedule.owed_by(both, today=date(2026, 2, 10), sales=[Sale(date(2026, 1, 9), D("200"), "USD")],
                            first_published_on=None)  # fmt: skip
    assert [(o.key, o.amount) for o in owed] == [("signature", D("900.00")), ("affiliate:2026-01", D("10.00"))]


def test_adjustment_keys():
    assert schedule.adjustment_key("affiliate:2026-01", 1) == "affiliate:2026-01:adjustment"
    assert schedule.adjustment_key("affiliate:2026-01", 2) == "affiliate:2026-01:adjustment-2"
    assert schedule.is_adjustment("affiliate:2026-01:adjustment-2") and not schedule.is_adjustment("month:2026-01")
