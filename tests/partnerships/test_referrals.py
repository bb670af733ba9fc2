"""Referral links: the redirect counts each visitor once a day and goes only where the link says;
sign-ups and sales imported from a CSV once, with bad rows counted."""

import hashlib
import io
import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from partnerships.models import ReferralEvent, ReferralLink
from partnerships.referrals import ReferralFileError, referral_events_import, visitor_hash

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126 Safari/537.36"


@pytest.fixture
def link(partnership_a):
    return ReferralLink.objects.create(
        partnership=partnership_a, code="ivy-inkwell", destination_url="https://inkwell.example/shop?ref=ivy"
    )


def clicks(link):
    return ReferralEvent.objects.filter(link=link, kind="click").count()


def test_a_click_is_recorded_once_per_visitor_per_code_per_day(client, link):
    url = reverse("referral-redirect", args=[link.code])
    first = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.5")
    assert first.status_code == 302 and first["Location"] == "https://inkwell.example/shop?ref=ivy"
    assert first["Cache-Control"] == "no-store"
    client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.5")
    assert clicks(link) == 1
    client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")  # another visitor
    assert clicks(link) == 2
    first_visitor = ReferralEvent.objects.filter(link=link).order_by("pk").first()
    # The visitor is the documented keyed hash of (secret key, day, address, browser), nothing else.
    material = f"{settings.SECRET_KEY}\n{timezone.localdate().isoformat()}\n203.0.113.5\n{BROWSER}"
    assert first_visitor.visitor_hash == hashlib.sha256(material.encode()).hexdigest()
    assert first_visitor.visitor_hash == visitor_hash(
        address="203.0.113.5", user_agent=BROWSER, day=timezone.localdate()
    )
    # Another address is another visitor; the same address on another day cannot be linked to it.
    assert set(ReferralEvent.objects.values_list("visitor_hash", flat=True)) == {
        first_visitor.visitor_hash,
        visitor_hash(address="198.51.100.7", user_agent=BROWSER, day=timezone.localdate()),
    }
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert visitor_hash(address="203.0.113.5", user_agent=BROWSER, day=tomorrow) != first_visitor.visitor_hash


def test_the_visitor_hash_is_keyed_by_the_secret_key(settings):
    """Without the key, the hash of a guessed address (IPv4 has 2³² of them) cannot be matched."""
    day = date(2026, 3, 1)
    ours = visitor_hash(address="203.0.113.5", user_agent=BROWSER, day=day)
    unkeyed = hashlib.sha256(f"\n{day.isoformat()}\n203.0.113.5\n{BROWSER}".encode()).hexdigest()
    settings.SECRET_KEY = "another-secret-key-of-at-least-fifty-characters-for-the-check"
    assert visitor_hash(address="203.0.113.5", user_agent=BROWSER, day=day) not in (ours, unkeyed)


def test_the_next_day_the_same_visitor_counts_again(link):
    from datetime import UTC, datetime

    from partnerships.referrals import referral_click_record

    for day in (1, 1, 2):
        referral_click_record(
            link=link, address="203.0.113.5", user_agent=BROWSER, at=datetime(2026, 3, day, 9, tzinfo=UTC)
        )
    assert clicks(link) == 2


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Slackbot-LinkExpanding 1.0",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "Googlebot/2.1",
        "python-requests/2.32",
    ],
)
def test_robots_and_link_previews_are_not_counted_but_still_redirected(client, link, agent):
    response = client.get(reverse("referral-redirect", args=[link.code]), HTTP_USER_AGENT=agent)
    assert response.status_code == 302 and clicks(link) == 0


def test_head_requests_and_inactive_links_redirect_without_counting(client, link):
    url = reverse("referral-redirect", args=[link.code])
    assert client.head(url, HTTP_USER_AGENT=BROWSER).status_code == 302
    link.is_active = False
    link.save()
    assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 302
    assert clicks(link) == 0


def test_unknown_codes_are_404_and_no_request_can_choose_the_destination(client, link):
    assert client.get("/r/no-such-code", HTTP_USER_AGENT=BROWSER).status_code == 404
    url = reverse("referral-redirect", args=[link.code])
    for query in ("?next=https://evil.example", "?url=//evil.example", "?destination=https://evil.example"):
        assert client.get(url + query, HTTP_USER_AGENT=BROWSER)["Location"] == link.destination_url
    assert client.post(url).status_code == 405
    ReferralLink.objects.filter(pk=link.pk).update(destination_url="javascript:alert(1)")  # bypassing validation
    assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 404


CSV = """code,kind,occurred_at,external_id,amount,currency
ivy-inkwell,signup,2026-03-01,acct-1,,
ivy-inkwell,sale,2026-03-02T10:00:00Z,order-9,24.50,eur
ivy-inkwell,sale,2026-03-02,order-10,abc,EUR
other-code,sale,2026-03-02,order-11,5,EUR
ivy-inkwell,refund,2026-03-02,order-12,5,EUR
ivy-inkwell,sale,yesterday,order-13,5,EUR
ivy-inkwell,sale,2026-03-03,,5,EUR
"""


def test_signups_and_sales_from_a_csv_bad_rows_counted_and_nothing_recorded_twice(link, org_a):
    summary = referral_events_import(organization=org_a, text=CSV)
    assert (summary.read, summary.created, summary.skipped) == (7, 2, 5)
    assert [e["line"] for e in summary.skipped_examples] == [4, 5, 6, 7, 8]
    assert summary.skipped_reasons["unknown referral code 'other-code'"] == 1
    assert "amount is not a number" in summary.skipped_reasons
    sale = ReferralEvent.objects.get(kind="sale")
    assert (str(sale.amount), sale.currency, sale.external_id) == ("24.50", "EUR", "order-9")
    again = referral_events_import(organization=org_a, text=CSV)
    assert (again.created, again.already_recorded) == (0, 2) and ReferralEvent.objects.count() == 2


def test_another_organizations_codes_are_unknown_to_an_import(link, org_b):
    summary = referral_events_import(organization=org_b, text=CSV)
    assert summary.created == 0 and ReferralEvent.objects.count() == 0


def test_a_file_without_the_needed_columns_is_one_clear_error(org_a, tmp_path, capsys):
    with pytest.raises(ReferralFileError, match="missing: external_id, occurred_at"):
        referral_events_import(organization=org_a, text="code,kind\nx,sale\n")
    path = tmp_path / "events.csv"
    path.write_text("code,kind\nx,sale\n")
    with pytest.raises(SystemExit) as exit_:
        call_command("import_referral_events", str(path), "--org", org_a.slug)
    assert exit_.value.code == 2 and "missing: external_id, occurred_at" in capsys.readouterr().err


def test_the_import_command_prints_its_summary_as_json(link, org_a, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    out = io.StringIO()
    call_command("import_referral_events", str(path), "--org", org_a.slug, "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 2


def test_times_with_offsets_postgresql_refuses_are_stored_in_utc(link, org_a):
    summary = referral_events_import(
        organization=org_a, text="code,kind,occurred_at,external_id\nivy-inkwell,signup,2026-03-01T10:00:00+23:58,a-1\n"
    )
    assert summary.created == 1
    assert ReferralEvent.objects.get().occurred_at.isoformat() == "2026-02-28T10:02:00+00:00"
