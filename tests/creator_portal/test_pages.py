"""The creator's pages (Django's test client, CSRF enforced) and the manager's panel and actions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from partnerships.creator_portal.links import creator_link_revoke
from partnerships.creator_portal.terms import terms_sha256
from partnerships.models import (
    AgreementAcceptance,
    AgreementStatus,
    CounterProposal,
    CreatorLink,
    Deliverable,
    DeliverableStatus,
    Payment,
    ReferralEvent,
    ReferralLink,
    ReviewState,
)
from tests.creator_portal.conftest import csrf_post

pytestmark = pytest.mark.django_db


def test_the_token_is_exchanged_for_a_private_cookie_and_a_url_without_it(issued):
    from django.test import Client

    link, token = issued
    client = Client()
    response = client.get(f"/c/{token}/")
    assert response.status_code == 302 and response["Location"] == "/creator/"
    cookie = response.cookies["creator_link"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/creator/"
    assert token not in cookie.value
    page = client.get("/creator/")
    assert response["Referrer-Policy"] == "no-referrer"  # the address with the token is never sent on
    # The pages without the token name themselves to this site only (a form's Origin for CSRF).
    assert page["Referrer-Policy"] == "same-origin"
    for answer in (response, page, Client().get("/c/nope/")):
        assert answer["Cache-Control"] == "no-store"
    assert Client().get("/c/nope/")["Referrer-Policy"] == "no-referrer"
    assert client.post(f"/c/{token}/").status_code == 405


def test_the_page_shows_the_offer_in_words_and_only_the_brand_and_creator_names(creator_client, offer):
    page = creator_client.get("/creator/").content.decode()
    assert "Inkwell" in page and "Ivy Lambert" in page
    assert "The terms proposed" in page and "A fee of 500.00 EUR, due when these terms are accepted." in page
    assert terms_sha256(offer) in page and "INTERNAL" not in page
    assert 'href="/pipeline/"' not in page  # no app navigation


def test_accepting_through_the_page(creator_client, offer):
    digest = terms_sha256(offer)
    missing = csrf_post(
        creator_client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": digest, "full_name": ""}
    )
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    stale = csrf_post(
        creator_client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": "0" * 64, "full_name": "Ivy"}
    )
    assert stale.status_code == 400 and "The terms changed since you opened the page" in stale.content.decode()
    done = csrf_post(
        creator_client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": digest, "full_name": "Ivy Lambert"}
    )
    assert done.status_code == 302
    acceptance = AgreementAcceptance.objects.get()
    assert acceptance.user_agent == "Phone/1.0" and acceptance.address == "127.0.0.1"
    page = creator_client.get("/creator/").content.decode()
    assert "The terms in force" in page and "I accept these terms" not in page


def test_a_post_without_the_csrf_token_is_refused(creator_client, offer):
    response = creator_client.post(
        "/creator/accept/", {"agreement": offer.pk, "terms_sha256": terms_sha256(offer), "full_name": "Ivy"}
    )
    assert response.status_code == 403 and not AgreementAcceptance.objects.exists()


def test_proposing_a_change_names_the_term_refused_and_shows_the_proposal(creator_client, offer):
    bad = csrf_post(
        creator_client, "/creator/propose/", {"agreement": offer.pk, "term": "usage_rights_days", "value": "lots"}
    )
    assert bad.status_code == 400 and "Days the brand may use your content:" in bad.content.decode()
    unknown = csrf_post(creator_client, "/creator/propose/", {"agreement": offer.pk, "term": "notes", "value": "x"})
    assert unknown.status_code == 400 and "Select a valid choice" in unknown.content.decode()
    done = csrf_post(
        creator_client, "/creator/propose/",
        {"agreement": offer.pk, "term": "usage_rights", "value": "none", "note": "My photos stay mine"},
    )  # fmt: skip
    assert done.status_code == 302
    assert CounterProposal.objects.get().changes == [{"term": "usage_rights", "value": "none", "note": ""}]
    page = creator_client.get("/creator/").content.decode()
    assert "Waiting for the brand" in page and "Usage rights: Brand may reshare organically → None" in page


def test_handing_in_work_says_which_review_applies(creator_client, offer, partnership_a, partnership_b):
    planned = Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Ink review")
    elsewhere = Deliverable.objects.create(partnership=partnership_b, title="Not theirs")
    page = creator_client.get("/creator/").content.decode()
    assert "The brand's review under your terms: <strong>Factual check only</strong>" in page
    bad = csrf_post(creator_client, "/creator/hand-in/", {"deliverable": planned.pk, "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and 'class="error"' in bad.content.decode()
    assert (
        csrf_post(
            creator_client, "/creator/hand-in/", {"deliverable": elsewhere.pk, "url": "https://x.example/p"}
        ).status_code
        == 404
    )
    done = csrf_post(
        creator_client, "/creator/hand-in/",
        {"deliverable": planned.pk, "url": "https://blog.example/ink", "note": "Draft", "disclosed": "on"},
    )  # fmt: skip
    assert done.status_code == 302
    planned.refresh_from_db()
    assert (planned.review_state, planned.status, planned.url) == (
        ReviewState.AWAITING_CHECK, DeliverableStatus.IN_PROGRESS, "https://blog.example/ink",
    )  # fmt: skip
    other = csrf_post(creator_client, "/creator/hand-in/", {"title": "", "url": "https://blog.example/2"})
    assert other.status_code == 400 and "Say what the piece is" in other.content.decode()
    published = csrf_post(creator_client, f"/creator/published/{planned.pk}/", {"url": "", "disclosed": "on"})
    assert published.status_code == 302
    planned.refresh_from_db()
    assert (planned.status, planned.disclosure_state) == ("published", "confirmed")
    link = CreatorLink.objects.get(revoked_at__isnull=True)
    assert set(link.uses.values_list("action", flat=True)) >= {
        "viewed",
        "handed_in",
        "published",
        "confirmed_disclosure",
    }


def test_their_links_and_money(creator_client, offer, partnership_a, partnership_b):
    referral = ReferralLink.objects.create(
        partnership=partnership_a, code="ivy-ink", destination_url="https://ink.example/"
    )
    ReferralEvent.objects.create(link=referral, kind="click", occurred_at=timezone.now())
    ReferralEvent.objects.create(link=referral, kind="sale", occurred_at=timezone.now(), external_id="o1")
    ReferralLink.objects.create(partnership=partnership_b, code="ivy-other", destination_url="https://o.example/")
    day = date(2026, 2, 1)
    for key, status, extra in (
        ("signature", "paid", {"paid_on": day, "reference": "WIRE-77"}),
        ("month:2026-02", "due", {}),
        ("product", "cancelled", {"cancelled_reason": "Never shipped"}),
    ):
        Payment.objects.create(agreement=offer, kind="flat_fee", key=key, description=f"Fee {key}",
                               amount=Decimal("500"), currency="EUR", due_on=day, status=status, **extra)  # fmt: skip
    page = creator_client.get("/creator/").content.decode()
    assert "/r/ivy-ink" in page and "1 click, 0 sign-ups, 1 sale" in page and "ivy-other" not in page
    assert "Paid</span> on 2026-02-01 (reference WIRE-77)" in page
    assert "Cancelled</span>: Never shipped" in page and "Due</span>, due 2026-02-01" in page
    assert "Still to be paid: <strong>500.00 EUR</strong>" in page


def test_a_link_revoked_or_expired_mid_visit_stops_at_once(creator_client, issued, manager_a, offer):
    link, _ = issued
    assert creator_client.get("/creator/").status_code == 200
    CreatorLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert creator_client.get("/creator/").status_code == 404
    CreatorLink.objects.filter(pk=link.pk).update(expires_at=link.expires_at)
    assert creator_client.get("/creator/").status_code == 200
    creator_link_revoke(link=link, actor=manager_a)
    gone = creator_client.get("/creator/")
    assert gone.status_code == 404 and "This link does not work" in gone.content.decode()
    refused = csrf_post(
        creator_client,
        "/creator/accept/",
        {"agreement": offer.pk, "terms_sha256": terms_sha256(offer), "full_name": "Ivy"},
    )
    assert refused.status_code == 404 and not AgreementAcceptance.objects.exists()


# --- the manager's side -----------------------------------------------------------------------------
def test_making_a_link_shows_it_once_and_the_panel_shows_its_state(client, manager_a, partnership_a):
    client.force_login(manager_a)
    assert client.get(f"/partnerships/{partnership_a.pk}/creator-link/").status_code == 405
    made = client.post(f"/partnerships/{partnership_a.pk}/creator-link/", {"days": "14"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    link = CreatorLink.objects.get()
    body = made.content.decode()
    assert "http://testserver/c/" in body and "shown only this once" in body
    token = body.split("http://testserver/c/")[1].split("/")[0]
    assert (
        CreatorLink.objects.get().token_hash != token
        and token not in client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    )
    bad = client.post(f"/partnerships/{partnership_a.pk}/creator-link/", {"days": "900"})
    assert bad.status_code == 302 and CreatorLink.objects.count() == 1
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    assert "The creator's link" in page and "Works until" in page and "not used yet" in page
    assert client.post(f"/creator-links/{link.pk}/revoke/").status_code == 302
    assert "The last link was revoked" in client.get(f"/partnerships/{partnership_a.pk}/").content.decode()


def test_viewers_and_other_organizations_cannot_make_or_revoke_links(
    client, viewer_a, manager_b, issued, partnership_a
):
    link, _ = issued
    client.force_login(viewer_a)
    assert client.post(f"/partnerships/{partnership_a.pk}/creator-link/").status_code == 403
    assert client.post(f"/creator-links/{link.pk}/revoke/").status_code == 403
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    assert "The creator's link" in page and "Make a" not in page
    client.force_login(manager_b)
    assert client.post(f"/partnerships/{partnership_a.pk}/creator-link/").status_code == 404
    assert client.post(f"/creator-links/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None and CreatorLink.objects.count() == 1


def test_the_manager_takes_a_proposal_into_a_new_draft_or_declines_it(
    client, manager_a, viewer_a, creator_client, offer, partnership_a
):
    csrf_post(
        creator_client,
        "/creator/propose/",
        {"agreement": offer.pk, "term": "usage_rights", "value": "none", "note": "Mine"},
    )
    csrf_post(
        creator_client, "/creator/propose/", {"agreement": offer.pk, "term": "compensation_amount", "value": "900"}
    )
    first, second = CounterProposal.objects.order_by("pk")
    client.force_login(viewer_a)
    assert client.post(f"/counter-proposals/{first.pk}/accept/").status_code == 403
    client.force_login(manager_a)
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    assert (
        "Usage rights: Brand may reshare organically → None" in page and "Compensation amount: 500.00 → 900.00" in page
    )
    assert client.get(f"/counter-proposals/{first.pk}/accept/").status_code == 405
    assert client.post(f"/counter-proposals/{first.pk}/accept/").status_code == 302
    version = first.agreement.replaced_by.get()
    assert version.usage_rights == "none" and version.status == AgreementStatus.DRAFT
    silent = client.post(f"/counter-proposals/{second.pk}/decline/", {"note": ""})
    assert "Note: Say why, for the creator." in [str(m) for m in silent.wsgi_request._messages]
    client.post(f"/counter-proposals/{second.pk}/decline/", {"note": "Budget is fixed"})
    second.refresh_from_db()
    assert second.status == "declined"
    creator_page = creator_client.get("/creator/").content.decode()
    assert "The brand: Budget is fixed" in creator_page and "New terms proposed" not in creator_page
    # The old offer was replaced at once: the page offers the new version, with the creator's change.
    assert "The terms proposed" in creator_page and "None. The content stays the creator" in creator_page


def test_the_partnership_page_shows_the_signature_in_the_changes_to_the_terms(
    client, manager_a, creator_client, offer, partnership_a
):
    csrf_post(
        creator_client,
        "/creator/accept/",
        {"agreement": offer.pk, "terms_sha256": terms_sha256(offer), "full_name": "Ivy Lambert"},
    )
    client.force_login(manager_a)
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    assert "Accepted by Ivy Lambert through their link (terms SHA-256" in page
    assert "Status: Sent to the creator → Signed" in page
    assert "accepted by Ivy Lambert on" in page
    assert "The creator keeps it: they decide what is said, how and when." in page  # the creator's words


def test_write_to_them_with_this_link_opens_the_message_with_it_posted_never_in_the_address(
    client, manager_a, partnership_a, org_a, monkeypatch
):
    from types import SimpleNamespace

    from partnerships.models.outreach import Channel
    from partnerships.outreach import senders as senders_module

    fake = SimpleNamespace(check=lambda account: None, send=lambda account, outgoing: None)
    monkeypatch.setattr(senders_module, "transport_for", lambda channel: fake)
    senders_module.sender_connect(
        organization=org_a, channel=Channel.EMAIL, secrets={"password": "pw"}, address="maya@inkwell.example",
        display_name="Maya at Inkwell", smtp_host="smtp.example.com", imap_host="imap.example.com",
    )  # fmt: skip
    client.force_login(manager_a)
    made = client.post(f"/partnerships/{partnership_a.pk}/creator-link/", {"days": "30"}).content.decode()
    url = made.split('id="creator-link-url" class="copy-field" value="')[1].split('"')[0]
    assert 'name="prefill"' in made and url in made.split('name="body" value="')[1]
    body = made.split('name="body" value="')[1].split('">')[0].replace("&#x27;", "'")
    form = client.post(
        f"/partnerships/{partnership_a.pk}/write/", {"prefill": "1", "subject": "Your private page", "body": body}
    )
    page = form.content.decode()
    assert form.status_code == 200 and url in page and "Your private page" in page
    assert "/c/" not in form.wsgi_request.get_full_path()
    from partnerships.models.outreach import Message

    assert not Message.objects.exists()  # opened, not sent: the manager reads it first


def test_a_piece_already_published_is_refused_with_a_message_the_creator_sees(creator_client, offer, partnership_a):
    piece = Deliverable.objects.create(
        partnership=partnership_a,
        agreement=offer,
        title="Done already",
        status="published",
        published_at=timezone.now(),
    )
    refused = csrf_post(creator_client, "/creator/hand-in/", {"deliverable": piece.pk, "url": "https://blog.example/x"})
    assert refused.status_code == 400 and "This piece is published." in refused.content.decode()
    not_yet = Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Not handed in")
    early = csrf_post(creator_client, f"/creator/published/{not_yet.pk}/", {"url": ""})
    assert early.status_code == 400 and "Hand the piece in first." in early.content.decode()
