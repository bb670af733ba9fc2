"""What a walk through the pages in a real browser found (issue 21), each shown to hold:

- a piece published outside Reddit can be confirmed as disclosed after it was handed in;
- a new version waiting for the creator shows what it changes, and the page's form changes that
  version (so a slip is put right before the creator accepts) instead of refusing;
- the payments section is full width (its forms fit beside the rows)."""

import pytest

from partnerships.models import AgreementStatus, Deliverable, DisclosureState, Payment
from partnerships.services import agreement_new_version, agreement_update_terms
from partnerships.services.handins import deliverable_hand_in
from tests.creator_portal.conftest import csrf_post

pytestmark = pytest.mark.django_db


def test_a_piece_published_elsewhere_is_confirmed_afterwards_by_the_creators_tick(creator_client, offer, partnership_a):
    offer.brand_review_rights = "none"  # published as it is handed in
    offer.save(update_fields=["brand_review_rights"])
    agreement_update_terms(agreement=offer, status=AgreementStatus.SIGNED, signed_on=offer.starts_on)
    piece = deliverable_hand_in(partnership=partnership_a, url="https://instagram.example/p/1", title="Reel")
    assert piece.status == "published" and piece.disclosure_state == DisclosureState.NOT_CHECKED
    page = creator_client.get("/creator/").content.decode()
    assert f'action="/creator/disclosure/{piece.pk}/"' in page

    unticked = csrf_post(creator_client, f"/creator/disclosure/{piece.pk}/", {})
    assert unticked.status_code == 400 and "Tick the box" in unticked.content.decode()
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.NOT_CHECKED

    ticked = csrf_post(creator_client, f"/creator/disclosure/{piece.pk}/", {"disclosed": "on"})
    assert ticked.status_code == 302
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.CONFIRMED and piece.disclosure_checked_at is not None
    assert f'action="/creator/disclosure/{piece.pk}/"' not in creator_client.get("/creator/").content.decode()
    assert piece.partnership.activities.filter(summary__startswith="Disclosure confirmed by the creator").exists()


def test_the_tick_names_only_this_links_pieces(creator_client, offer, partnership_b):
    elsewhere = Deliverable.objects.create(partnership=partnership_b, title="Not yours", url="https://x.example/1")
    answer = csrf_post(creator_client, f"/creator/disclosure/{elsewhere.pk}/", {"disclosed": "on"})
    assert answer.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.disclosure_state == DisclosureState.NOT_CHECKED


def test_a_waiting_version_shows_its_changes_and_the_form_changes_it(client, manager_a, offer, partnership_a):
    agreement_update_terms(agreement=offer, status=AgreementStatus.SIGNED, signed_on=offer.starts_on)
    waiting = agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=30)
    client.force_login(manager_a)
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    assert "waits for the creator's acceptance" in page and "90 → 30" in page
    assert "Change the waiting version" in page
    form = dict(
        creator_keeps_editorial_control="on", brand_review_rights=waiting.brand_review_rights,
        disclosure_required="on", disclosure_method=waiting.disclosure_method,
        disclosure_phrase=waiting.disclosure_phrase, usage_rights=waiting.usage_rights, usage_rights_days="60",
    )  # fmt: skip
    answer = client.post(f"/partnerships/{partnership_a.pk}/terms/", form, follow=True)
    assert "The waiting version changed" in answer.content.decode()
    waiting.refresh_from_db()
    offer.refresh_from_db()
    assert waiting.usage_rights_days == 60 and waiting.status == AgreementStatus.DRAFT
    assert offer.usage_rights_days == 90 and offer.status == AgreementStatus.SIGNED  # signed terms unchanged
    assert offer.replaced_by.count() == 1  # changed, not a second version


def test_the_payments_section_is_not_squeezed_into_a_column(
    client, manager_a, offer, partnership_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the ledger hears of the signature after commit
        agreement_update_terms(agreement=offer, status=AgreementStatus.SIGNED, signed_on=offer.starts_on)
    assert Payment.objects.filter(agreement=offer).exists()  # the fee on signature
    client.force_login(manager_a)
    page = client.get(f"/partnerships/{partnership_a.pk}/").content.decode()
    # After the three-column block (which ends with the referral links), not inside it.
    assert page.index('aria-labelledby="payments-title"') > page.index('aria-labelledby="links-title"')


def test_a_refused_hand_in_says_so_at_the_top_and_keeps_what_was_typed(creator_client, offer):
    answer = csrf_post(
        creator_client, "/creator/hand-in/",
        {"title": "My reel", "url": "javascript:alert(1)", "note": "Took me a week"},
    )  # fmt: skip
    page = answer.content.decode()
    assert answer.status_code == 400
    assert page.index('class="error-summary"') < page.index('id="work"') and 'href="#work"' in page
    assert "Took me a week" in page and 'value="My reel"' in page
    assert 'value="javascript:alert(1)"' in page  # shown back escaped in the field, to be corrected
