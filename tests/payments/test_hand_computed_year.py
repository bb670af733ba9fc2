"""The amounts add up: a year of a renewed affiliate agreement, computed by hand (issue 21).

The agreement: 1 January – 30 June 2026 at 10 % of sales, signed; renewed (``agreement_renew``,
then signed) for 1 July – 31 December at 12 %. Payment terms 30 days, USD. The project's time zone
is New York here, so "23:59 on 30 June" local is already 1 July in UTC: a ledger that read UTC
dates would put that sale in the wrong agreement, at the wrong share.
"""

from datetime import date
from decimal import Decimal

import pytest

from partnerships import services
from partnerships.models import Agreement, PaymentStatus
from partnerships.payments import selectors
from partnerships.payments.services import payment_approve, payments_schedule
from partnerships.referrals import referral_event_correct

D = Decimal


def amounts(agreement) -> dict[str, Decimal]:
    return {p.key: p.amount for p in agreement.payments.exclude(status=PaymentStatus.CANCELLED)}


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def test_a_year_of_a_renewed_affiliate_agreement_by_hand(new_york, partnership_a, manager_a, sell):
    first = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30), status="signed",
        signed_on=date(2025, 12, 20), compensation_type="affiliate_share", affiliate_share_percent=D("10"),
        currency="USD", payment_terms_days=30,
    )  # fmt: skip
    renewal = services.agreement_renew(
        agreement=first, actor=manager_a, starts_on=date(2026, 7, 1), ends_on=date(2026, 12, 31),
        affiliate_share_percent=D("12"),
    )  # fmt: skip
    services.agreement_update_terms(agreement=renewal, actor=manager_a, status="signed", signed_on=date(2026, 6, 25))

    sell("2025-12-31 23:59", "500.00")  # before the first period: nobody's share
    sell("2026-01-15 10:00", "100.00")
    sell("2026-01-20 18:30", "250.50")
    february = sell("2026-02-03 09:00", "99.99")
    sell("2026-03-10 12:00", "40.05")
    april = sell("2026-04-08 12:00", "1000.00")
    sell("2026-05-05 12:00", "333.33")
    sell("2026-05-06 12:00", "500.00", currency="EUR")  # another currency: shown, never converted
    sell("2026-06-12 12:00", "80.00")
    sell("2026-06-30 23:59", "120.00")  # the last minute of the first agreement (04:59 UTC on 1 July)
    sell("2026-07-01 00:00", "50.00")  # the first minute of the renewal
    sell("2026-07-19 12:00", "125.00")
    sell("2026-09-09 12:00", "77.77")
    sell("2026-10-10 12:00", "1234.56")
    for day in (2, 12, 22):
        sell(f"2026-11-{day:02d} 12:00", "0.04")  # rounded once per month, not once per sale
    sell("2026-12-31 23:59", "200.00")

    # 10 May: January to April have ended. April's sale is then corrected (a partial refund: 1,000 → 800)
    # while its payment is still due: the payment is recomputed.
    payments_schedule(agreement=first, today=date(2026, 5, 10))
    assert amounts(first)["affiliate:2026-04"] == D("100.00")  # 10 % × 1,000.00
    referral_event_correct(event=april, actor=manager_a, amount=D("800.00"))
    payments_schedule(agreement=first, today=date(2026, 5, 11))
    assert amounts(first)["affiliate:2026-04"] == D("80.00")  # 10 % × 800.00

    # February is approved, then its sale is corrected down (99.99 → 89.99): an approved payment is never
    # changed, and the creator is not asked to pay the 1.00 back (the page shows the difference).
    payment_approve(payment=first.payments.get(key="affiliate:2026-02"), actor=manager_a)
    referral_event_correct(event=february, actor=manager_a, amount=D("89.99"))

    payments_schedule(agreement=first, today=date(2026, 7, 15))
    assert amounts(first) == {
        "affiliate:2026-01": D("35.05"),  # 10 % × (100.00 + 250.50 = 350.50) = 35.05
        "affiliate:2026-02": D("10.00"),  # 10 % × 99.99 = 9.999 → 10.00, approved before the correction
        "affiliate:2026-03": D("4.01"),  # 10 % × 40.05 = 4.005 → 4.01 (half-up)
        "affiliate:2026-04": D("80.00"),  # 10 % × 800.00 (corrected from 1,000.00)
        "affiliate:2026-05": D("33.33"),  # 10 % × 333.33 = 33.333 → 33.33; the 500.00 EUR not counted
        "affiliate:2026-06": D("20.00"),  # 10 % × (80.00 + 120.00 at 23:59 on 30 June = 200.00)
    }
    assert sum(amounts(first).values()) == D("182.39")  # 35.05 + 10.00 + 4.01 + 80.00 + 33.33 + 20.00
    january = first.payments.get(key="affiliate:2026-01")
    assert january.due_on == date(2026, 3, 2)  # 31 January + 30 days
    assert first.payments.get(key="affiliate:2026-06").due_on == date(2026, 7, 30)  # 30 June + 30 days

    # The renewal on 20 July: July is still open, shown "so far": 50.00 at 00:00 on 1 July + 125.00 on the 19th.
    payments_schedule(agreement=renewal, today=date(2026, 7, 20))
    assert amounts(renewal) == {}
    so_far = selectors.affiliate_so_far(renewal, today=date(2026, 7, 20))
    assert (so_far.counted, so_far.share(D("12"))) == (D("175.00"), D("21.00"))  # 12 % × 175.00

    # 5 November: July to October have ended. October is approved; then a late-reported October sale
    # of 100.00 arrives: the approved payment stays, the difference is a separate adjustment.
    payments_schedule(agreement=renewal, today=date(2026, 11, 5))
    payment_approve(payment=renewal.payments.get(key="affiliate:2026-10"), actor=manager_a)
    sell("2026-10-31 20:00", "100.00")

    payments_schedule(agreement=renewal, today=date(2027, 1, 15))
    assert amounts(renewal) == {
        "affiliate:2026-07": D("21.00"),  # 12 % × (50.00 + 125.00 = 175.00) = 21.00
        # August: no sales, nothing owed, no payment of 0.00
        "affiliate:2026-09": D("9.33"),  # 12 % × 77.77 = 9.3324 → 9.33
        "affiliate:2026-10": D("148.15"),  # 12 % × 1,234.56 = 148.1472 → 148.15 (approved)
        "affiliate:2026-10:adjustment": D("12.00"),  # 12 % × (1,334.56) = 160.1472 → 160.15; − 148.15 = 12.00
        "affiliate:2026-11": D("0.01"),  # 12 % × (3 × 0.04 = 0.12) = 0.0144 → 0.01 (per sale: 0.00 each)
        "affiliate:2026-12": D("24.00"),  # 12 % × 200.00 at 23:59 on 31 December
    }
    assert sum(amounts(renewal).values()) == D("214.49")  # 21.00 + 9.33 + 148.15 + 12.00 + 0.01 + 24.00
    # The year: 182.39 + 214.49 = 396.88.
    assert sum(amounts(first).values()) + sum(amounts(renewal).values()) == D("396.88")

    # What the brand page adds up by month agrees, and the EUR sale is counted apart, not converted.
    may = selectors.agreement_months(first, today=date(2027, 1, 15))
    assert [m.uncounted for m in may if m.month == date(2026, 5, 1)] == [{"EUR": (1, D("500.00"))}]
    february_now = [m for m in may if m.month == date(2026, 2, 1)][0]
    assert february_now.share(D("10")) == D("9.00")  # 10 % × 89.99 = 8.999 → 9.00: 1.00 less than paid, not claimed

    # The partnership page's section says both: the EUR sale not counted, and February paid 1.00 above
    # what its corrected sales come to (shown, not claimed back).
    section = selectors.payments_section(partnership_a, manager_a, today=date(2027, 1, 15))
    [later, earlier] = section["payment_ledgers"]  # newest agreement first
    assert (later.agreement, earlier.agreement) == (renewal, first)
    assert earlier.uncounted == [(date(2026, 5, 1), "EUR", 1, D("500.00"))]
    assert earlier.overpaid == [(date(2026, 2, 1), D("10.00"), D("9.00"))]
    assert later.overpaid == [] and later.so_far is None  # the renewal has ended: nothing "so far"

    # Run again, any number of times: the same rows.
    before = sorted(renewal.payments.values_list("key", "amount", "status"))
    for _ in range(3):
        payments_schedule(agreement=renewal, today=date(2027, 1, 15))
        payments_schedule(agreement=first, today=date(2027, 1, 15))
    assert sorted(renewal.payments.values_list("key", "amount", "status")) == before
    assert sum(amounts(first).values()) == D("182.39")
