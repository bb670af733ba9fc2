"""The ledger on the pages: the partnership's payments section and its forms, the brand's months
and CSV, the board's overdue badge, My tasks."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from influencers.models import Creator
from partnerships.models import Agreement, Partnership, Payment, PaymentStatus
from partnerships.payments.selectors import payments_section
from partnerships.payments.services import payment_mark_paid, payments_schedule

D = Decimal
pytestmark = pytest.mark.django_db


def assert_csp_clean(html: str) -> None:
    """Nothing the content security policy refuses: no inline script or style."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "an inline style"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


@pytest.fixture
def ledger(partnership_a, manager_a, sell):
    """A monthly fee of 100.00 USD from 1 January 2026 (the 15th: a partial first month) and a 10 %
    affiliate share, with sales; February's fee paid."""
    partnership_a.owner = manager_a
    partnership_a.save()
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 15), ends_on=date(2026, 4, 30), status="signed",
        signed_on=date(2026, 1, 10), compensation_type="fee_and_affiliate", compensation_amount=D("100.00"),
        fee_schedule="monthly", affiliate_share_percent=D("10"), payment_terms_days=10,
    )  # fmt: skip
    sell("2026-01-20 12:00", "200.00")
    sell("2026-01-21 12:00", "80.00", currency="EUR")
    sell("2026-04-02 12:00", "300.00")
    payments_schedule(agreement=agreement, today=date(2026, 4, 5))
    payment_mark_paid(payment=agreement.payments.get(key="month:2026-02"), actor=manager_a,
                      paid_on=date(2026, 3, 5), reference="TR-=2")  # fmt: skip
    return agreement


def test_the_section_shows_each_payment_the_month_so_far_and_what_is_not_counted(client, manager_a, ledger):
    client.force_login(manager_a)
    context = payments_section(ledger.partnership, manager_a, today=date(2026, 4, 5))
    [part] = context["payment_ledgers"]
    assert [p.key for p in part.payments] == [
        "month:2026-01", "affiliate:2026-01", "month:2026-02", "month:2026-03", "month:2026-04",
    ]  # fmt: skip
    assert (part.so_far.counted, part.so_far_share) == (D("300.00"), D("30.00"))  # April, still open
    assert part.uncounted == [(date(2026, 1, 1), "EUR", 1, D("80.00"))]
    page = client.get(reverse("partnership-payments", args=[ledger.partnership_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert_csp_clean(html)
    assert "Flat fee for January 2026 (17 of 31 days)" in html and "54.84 USD" in html  # 100 × 17 / 31 = 54.838…
    assert "ref. TR-=2" in html and "2026-03-05" in html
    assert "Not counted (another currency, never converted)" in html and "80.00 EUR" in html
    april = render_to_string("payments/_partnership_payments.html", context | {"p": ledger.partnership})
    assert "April 2026 so far: 1 sale, 300.00 USD → share 30.00 USD" in april
    assert html.count('action="/payments/') >= 3 * 4  # approve, paid, cancel on each open payment
    assert "overdue" in html


def test_a_viewer_sees_the_payments_without_the_forms_and_cannot_post(client, viewer_a, ledger):
    client.force_login(viewer_a)
    html = client.get(reverse("partnership-payments", args=[ledger.partnership_id])).content.decode()
    assert "Flat fee for March 2026" in html and 'action="/payments/' not in html
    march = ledger.payments.get(key="month:2026-03")
    assert client.post(reverse("payment-approve", args=[march.pk])).status_code == 403
    assert client.post(reverse("payment-cancel", args=[march.pk]), {"reason": "x"}).status_code == 403
    march.refresh_from_db()
    assert march.status == PaymentStatus.DUE


def test_another_organization_gets_a_404(client, manager_b, ledger):
    client.force_login(manager_b)
    march = ledger.payments.get(key="month:2026-03")
    assert client.get(reverse("partnership-payments", args=[ledger.partnership_id])).status_code == 404
    assert (
        client.post(reverse("payment-paid", args=[march.pk]), {"paid_on": "2026-04-01", "reference": "x"}).status_code
        == 404
    )
    assert client.get(reverse("brand-payments-csv", args=[ledger.partnership.brand_id])).status_code == 404


def test_the_forms_approve_pay_and_cancel_and_say_what_is_wrong(client, manager_a, ledger):
    client.force_login(manager_a)
    march, april = ledger.payments.get(key="month:2026-03"), ledger.payments.get(key="month:2026-04")
    back = reverse("partnership", args=[ledger.partnership_id]) + "#payments-title"
    answer = client.post(reverse("payment-approve", args=[march.pk]))
    assert answer.status_code == 302 and answer["Location"] == back
    client.post(reverse("payment-approve", args=[march.pk]))  # a double click: once
    march.refresh_from_db()
    assert march.status == PaymentStatus.APPROVED and march.history.count() == 2

    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    answer = client.post(
        reverse("payment-paid", args=[march.pk]), {"paid_on": future, "reference": "TR-3"}, follow=True
    )
    assert "Paid on: The date it was paid cannot be in the future." in answer.content.decode()
    answer = client.post(reverse("payment-paid", args=[march.pk]), {"paid_on": "2026-04-01"}, follow=True)
    assert "Reference: This field is required." in answer.content.decode()
    client.post(reverse("payment-paid", args=[march.pk]), {"paid_on": "2026-04-01", "reference": "TR-3"})
    march.refresh_from_db()
    assert (march.status, march.paid_on, march.reference) == ("paid", date(2026, 4, 1), "TR-3")
    answer = client.post(reverse("payment-cancel", args=[march.pk]), {"reason": "duplicate"}, follow=True)
    assert "a paid payment is final" in answer.content.decode()

    answer = client.post(reverse("payment-cancel", args=[april.pk]), {"reason": ""}, follow=True)
    assert "Reason: This field is required." in answer.content.decode()
    client.post(reverse("payment-cancel", args=[april.pk]), {"reason": "Ended early by agreement"})
    april.refresh_from_db()
    assert (april.status, april.cancelled_reason) == ("cancelled", "Ended early by agreement")
    assert client.get(reverse("payment-approve", args=[april.pk])).status_code == 405  # POST only


def test_the_brand_page_adds_up_owed_and_paid_by_month_and_currency(client, manager_a, ledger):
    client.force_login(manager_a)
    page = client.get(reverse("brand", args=[ledger.partnership.brand_id]))
    html = page.content.decode()
    assert_csp_clean(html)
    months = {(row.month, row.currency): (row.owed, row.paid, row.overdue) for row in page.context["payment_months"]}
    # Due dates: a month's end + 10 days. January's fee (54.84) and its share (10 % × 200 = 20.00) fall due
    # on 10 February; February's fee (paid) on 10 March; March's on 10 April; April's on 10 May.
    assert months[(date(2026, 2, 1), "USD")] == (D("74.84"), D("0"), D("74.84"))
    assert months[(date(2026, 3, 1), "USD")] == (D("100.00"), D("100.00"), D("0"))
    assert "Owed and paid, by month" in html and "February 2026" in html
    csv_link = re.search(r'href="([^"]+payments\.csv)"', html)[1]
    assert csv_link == reverse("brand-payments-csv", args=[ledger.partnership.brand_id])


def test_the_csv_lists_every_payment_formula_safe(client, viewer_a, ledger):
    client.force_login(viewer_a)  # a viewer may read it
    answer = client.get(reverse("brand-payments-csv", args=[ledger.partnership.brand_id]))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][:4] == ["due_on", "creator", "partnership", "agreement"]
    assert len(rows) == 1 + 5
    paid = [row for row in rows if row[4] == "month:2026-02"][0]
    assert (paid[7], paid[8], paid[9], paid[14], paid[15]) == ("100.00", "USD", "paid", "2026-03-05", "TR-=2")
    Payment.objects.filter(pk=ledger.payments.get(key="month:2026-03").pk).update(cancelled_reason="=HYPERLINK(1)")
    text = client.get(reverse("brand-payments-csv", args=[ledger.partnership.brand_id])).content.decode()
    assert '"\'=HYPERLINK(1)"' in text and '"=HYPERLINK' not in text


def test_the_board_shows_an_overdue_payment_badge(client, manager_a, ledger):
    client.force_login(manager_a)
    html = client.get(reverse("pipeline")).content.decode()
    card = re.search(rf'<li class="card" id="card-{ledger.partnership_id}".*?</li>', html, re.S)[0]
    # Overdue today: January's fee 54.84 + January's share 20.00 + March's fee 100.00 + April's fee 100.00
    # (due 10 May 2026, before today) = 274.84 USD; February's is paid.
    assert '<span class="badge caution overdue-payment">overdue payment: 274.84 USD</span>' in card
    other = Partnership.objects.create(
        brand=ledger.partnership.brand, creator=Creator.objects.create(display_name="Noor"), stage="outreach"
    )
    html = client.get(reverse("pipeline")).content.decode()
    assert "overdue-payment" not in re.search(rf'id="card-{other.pk}".*?</li>', html, re.S)[0]


def test_my_tasks_lists_the_overdue_payments_of_my_partnerships(client, manager_a, owner_a, ledger):
    client.force_login(manager_a)
    html = client.get(reverse("my-tasks")).content.decode()
    assert_csp_clean(html)
    assert "Overdue payments" in html and "Flat fee for March 2026" in html
    march = ledger.payments.get(key="month:2026-03")
    assert f'href="/partnerships/{ledger.partnership_id}/#payment-{march.pk}"' in html
    assert "Flat fee for February 2026" not in html  # paid
    client.force_login(owner_a)  # not the partnership's owner
    assert "Overdue payments" not in client.get(reverse("my-tasks")).content.decode()
