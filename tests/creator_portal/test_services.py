"""The creator's link, the terms in words, the click-signature, versions and counter-proposals,
through their services (the pages: test_pages.py; the probe: tests/security/test_creator_link_probe.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partnerships import signals
from partnerships.creator_portal.acceptance import (
    agreement_accept,
    counter_proposal_accept,
    counter_proposal_create,
    counter_proposal_decline,
)
from partnerships.creator_portal.links import (
    creator_link_cookie,
    creator_link_find,
    creator_link_from_cookie,
    creator_link_issue,
    creator_link_revoke,
    creator_link_used,
    token_hash,
)
from partnerships.creator_portal.terms import agreement_terms, terms_sha256, terms_text
from partnerships.models import (
    Activity,
    Agreement,
    AgreementAcceptance,
    AgreementStatus,
    CounterProposal,
    CreatorLink,
    CreatorLinkUse,
    UsageRights,
)
from partnerships.services import agreement_create, agreement_update_terms
from partnerships.services.agreements import agreement_new_version
from tests.creator_portal.conftest import make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What agreement_signed told its listeners."""
    told = []

    def listen(sender, **kwargs):
        told.append(kwargs)

    signals.agreement_signed.connect(listen)
    yield told
    signals.agreement_signed.disconnect(listen)


def accept(link, agreement, name="Ivy Lambert", digest=None):
    return agreement_accept(
        link=link, agreement=agreement, full_name=name, terms_sha256=digest or terms_sha256(agreement),
        address="203.0.113.9", user_agent="Phone/1.0",
    )  # fmt: skip


# --- links ---------------------------------------------------------------------------------------
def test_a_link_keeps_only_the_hash_of_its_token_and_a_new_one_revokes_the_old(partnership_a, manager_a):
    first, token = creator_link_issue(partnership=partnership_a, actor=manager_a, days=10)
    assert len(token) >= 43 and first.token_hash == token_hash(token) and token not in first.token_hash
    assert first.expires_at - timezone.now() > timedelta(days=9, hours=23)
    second, token2 = creator_link_issue(partnership=partnership_a, actor=manager_a)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == manager_a and second.revoked_at is None
    assert creator_link_find(token) is None and creator_link_find(token2) == second
    notes = Activity.objects.filter(partnership=partnership_a, summary="Private link made for the creator")
    assert notes.count() == 2
    assert not any(token in (a.summary + a.body) or token2 in (a.summary + a.body) for a in Activity.objects.all())


def test_only_editors_make_or_revoke_links_and_a_link_lasts_1_to_365_days(
    partnership_a, manager_a, viewer_a, manager_b
):
    for outsider in (viewer_a, manager_b):
        with pytest.raises(PermissionDenied):
            creator_link_issue(partnership=partnership_a, actor=outsider)
    for days in (0, 366, "30"):
        with pytest.raises(ValidationError) as refused:
            creator_link_issue(partnership=partnership_a, actor=manager_a, days=days)
        assert "days" in refused.value.message_dict
    link, _ = creator_link_issue(partnership=partnership_a, actor=manager_a)
    with pytest.raises(PermissionDenied):
        creator_link_revoke(link=link, actor=viewer_a)
    creator_link_revoke(link=link, actor=manager_a)
    creator_link_revoke(link=link, actor=manager_a)  # twice: once is enough
    assert Activity.objects.filter(summary="Private link for the creator revoked").count() == 1


def test_unknown_altered_expired_and_revoked_tokens_find_nothing(partnership_a, manager_a):
    link, token = creator_link_issue(partnership=partnership_a, actor=manager_a)
    assert creator_link_find(token) == link
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in ("", "nope", altered, token + "x", "x" * 5000, None, 42):
        assert creator_link_find(bad) is None
    CreatorLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert creator_link_find(token) is None
    CreatorLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert creator_link_find(token) == link
    creator_link_revoke(link=link, actor=manager_a)
    assert creator_link_find(token) is None


def test_the_cookie_stands_for_the_link_until_it_is_revoked_remade_or_altered(partnership_a, manager_a):
    link, _ = creator_link_issue(partnership=partnership_a, actor=manager_a)
    cookie = creator_link_cookie(link)
    assert creator_link_from_cookie(cookie) == link
    for bad in ("", None, cookie[:-2] + "xx", cookie.replace(":", ";", 1)):
        assert creator_link_from_cookie(bad) is None
    CreatorLink.objects.filter(pk=link.pk).update(expires_at=link.expires_at + timedelta(days=1))
    assert creator_link_from_cookie(cookie) is None  # bound to the expiry it was made with
    link.refresh_from_db()
    cookie = creator_link_cookie(link)
    creator_link_issue(partnership=partnership_a, actor=manager_a)  # a new link revokes this one
    assert creator_link_from_cookie(cookie) is None


def test_every_use_is_logged_with_address_and_a_truncated_user_agent(partnership_a, manager_a):
    link, _ = creator_link_issue(partnership=partnership_a, actor=manager_a)
    creator_link_used(link=link, action=CreatorLinkUse.Action.VIEWED, address="198.51.100.7", user_agent="U" * 900)
    use = link.uses.get()
    assert (use.action, use.address, len(use.user_agent)) == ("viewed", "198.51.100.7", 300)
    link.refresh_from_db()
    assert link.last_used_at == use.at


# --- terms in words ------------------------------------------------------------------------------
def test_the_terms_say_every_term_in_words_and_never_the_internal_notes(partnership_a):
    partnership_a.notes = "PARTNERSHIP-SECRET"
    partnership_a.save()
    agreement = make_offer(partnership_a)
    terms = {term.key: term.words for term in agreement_terms(agreement)}
    assert list(terms) == [
        "brief_goals", "brief_will_not_ask", "period", "compensation", "payment_terms", "editorial_control",
        "review", "disclosure", "usage_rights",
    ]  # fmt: skip
    assert terms["period"] == "From 2026-01-01 to 2026-12-31."
    assert terms["compensation"] == "A fee of 500.00 EUR, due when these terms are accepted."
    assert terms["payment_terms"] == "Within 30 days of a payment falling due."
    assert "factual mistakes" in terms["review"] and "the creator decides" in terms["review"]
    assert "First line" in terms["disclosure"] and "“#ad”" in terms["disclosure"]
    assert terms["usage_rights"].endswith("for 90 days.")
    text = terms_text(agreement)
    assert "INTERNAL" not in text and "PARTNERSHIP-SECRET" not in text
    assert text.startswith("What the brand hopes for: Show how the inks behave on cheap paper.")


def test_the_hash_follows_the_words_not_the_internal_notes(partnership_a):
    agreement = make_offer(
        partnership_a, compensation_type="fee_and_affiliate", affiliate_share_percent=Decimal("12.5")
    )
    before = terms_sha256(agreement)
    assert "12.50 % of the sales" in terms_text(agreement)
    agreement.notes = "changed, internally"
    assert terms_sha256(agreement) == before
    agreement.usage_rights = UsageRights.PAID_AMPLIFICATION
    assert terms_sha256(agreement) != before


# --- acceptance ------------------------------------------------------------------------------------
def test_accepting_records_the_signature_signs_and_tells_after_commit(
    issued, offer, heard, django_capture_on_commit_callbacks
):
    link, _ = issued
    with django_capture_on_commit_callbacks(execute=True):
        acceptance = accept(link, offer, name="  Ivy   Lambert ")
        assert heard == []  # not before the commit
    offer.refresh_from_db()
    assert (offer.status, offer.signed_on) == (AgreementStatus.SIGNED, timezone.localdate())
    assert (acceptance.full_name, acceptance.address, acceptance.user_agent) == (
        "Ivy Lambert",
        "203.0.113.9",
        "Phone/1.0",
    )
    assert acceptance.terms_text == terms_text(offer) and acceptance.terms_sha256 == terms_sha256(offer)
    assert heard == [{"signal": signals.agreement_signed, "agreement": offer, "acceptance": acceptance}]
    record = offer.history.latest("history_date")
    assert record.status == "signed" and record.history_change_reason.startswith("Accepted by Ivy Lambert")
    assert Activity.objects.filter(summary="The creator accepted the terms: Ivy Lambert").exists()
    assert link.uses.filter(action="accepted").count() == 1
    assert accept(link, offer, name="Ivy Lambert") == acceptance  # the same click again: the same signature
    assert AgreementAcceptance.objects.count() == 1


def test_terms_changed_since_the_page_was_opened_are_not_accepted(issued, offer, manager_a):
    link, _ = issued
    shown = terms_sha256(offer)
    agreement_update_terms(agreement=offer, actor=manager_a, usage_rights_days=365)
    with pytest.raises(ValidationError) as refused:
        accept(link, offer, digest=shown)
    assert refused.value.message_dict["terms_sha256"] == [
        "The terms changed since you opened the page: read them again below, then accept."
    ]
    with pytest.raises(ValidationError) as unnamed:
        accept(link, offer, name="   ")
    assert "full_name" in unnamed.value.message_dict
    offer.refresh_from_db()
    assert offer.status == AgreementStatus.SENT and not AgreementAcceptance.objects.exists()


def test_a_link_accepts_only_its_own_partnerships_offer(issued, partnership_b, manager_a):
    link, _ = issued
    other = make_offer(partnership_b)
    with pytest.raises(ValidationError) as refused:
        accept(link, other)
    assert refused.value.message_dict == {"agreement": ["There is no such proposal behind this link."]}
    creator_link_revoke(link=link, actor=manager_a)
    link.refresh_from_db()
    with pytest.raises(ValidationError):
        accept(link, Agreement.objects.get(partnership=link.partnership))


def test_signed_terms_never_change_but_the_agreement_may_be_cancelled_or_noted(issued, offer, manager_a):
    link, _ = issued
    accept(link, offer)
    offer.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        agreement_update_terms(agreement=offer, actor=manager_a, usage_rights_days=30, compensation_amount=600)
    assert set(refused.value.message_dict) == {"usage_rights_days", "compensation_amount"}
    assert "write a new version" in refused.value.message_dict["usage_rights_days"][0]
    # The same values sent again (a form sends all its fields) are no change, and so not refused.
    assert agreement_update_terms(agreement=offer, actor=manager_a, usage_rights_days=90, notes="Paid by wire") == [
        "Notes: INTERNAL: we would go to 800 if pushed. → Paid by wire"
    ]
    with pytest.raises(ValidationError):
        agreement_update_terms(agreement=offer, actor=manager_a, status=AgreementStatus.DRAFT)
    agreement_update_terms(agreement=offer, actor=manager_a, status=AgreementStatus.CANCELLED)
    offer.refresh_from_db()
    assert offer.status == AgreementStatus.CANCELLED


def test_a_manager_marking_it_signed_tells_listeners_without_an_acceptance(
    partnership_a, manager_a, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = agreement_create(partnership=partnership_a, actor=manager_a, starts_on=date(2026, 1, 1))
        agreement_update_terms(agreement=draft, actor=manager_a, status=AgreementStatus.SIGNED)
        written_signed = agreement_create(
            partnership=partnership_a, actor=manager_a, starts_on=date(2027, 1, 1), status=AgreementStatus.SIGNED
        )
    assert [(h["agreement"], h["acceptance"]) for h in heard] == [(draft, None), (written_signed, None)]
    assert draft.history.latest("history_date").history_change_reason.startswith("Marked signed by a manager")


# --- versions -------------------------------------------------------------------------------------
def test_a_new_version_of_signed_terms_waits_for_acceptance_then_supersedes_them(issued, offer, manager_a):
    link, _ = issued
    accept(link, offer)
    offer.refresh_from_db()
    version = agreement_new_version(
        agreement=offer, actor=manager_a, usage_rights=UsageRights.NONE, usage_rights_days=None
    )
    assert (version.status, version.replaces, version.starts_on, version.ends_on) == (
        "draft", offer, offer.starts_on, offer.ends_on,
    )  # fmt: skip
    assert version.notes == offer.notes and version.compensation_amount == offer.compensation_amount
    offer.refresh_from_db()
    assert offer.status == AgreementStatus.SIGNED  # in force until the new version is accepted
    with pytest.raises(ValidationError) as second:
        agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=10)
    assert "already waiting" in second.value.message_dict["__all__"][0]
    accept(link, version)
    offer.refresh_from_db()
    version.refresh_from_db()
    assert (offer.status, version.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.SIGNED)
    with pytest.raises(ValidationError):
        agreement_update_terms(agreement=offer, actor=manager_a, usage_rights_days=5)


def test_a_new_version_is_checked_by_the_agreement_rules_and_must_change_something(offer, manager_a, viewer_a):
    with pytest.raises(ValidationError) as same:
        agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=90)
    assert "at least one term" in str(same.value)
    with pytest.raises(ValidationError) as rule:
        agreement_new_version(agreement=offer, actor=manager_a, brand_review_rights="approval")
    assert "brand_review_rights" in rule.value.message_dict
    with pytest.raises(ValidationError) as bookkeeping:
        agreement_new_version(agreement=offer, actor=manager_a, status="signed")
    assert "status" in bookkeeping.value.message_dict
    with pytest.raises(PermissionDenied):
        agreement_new_version(agreement=offer, actor=viewer_a, usage_rights_days=10)
    version = agreement_new_version(agreement=offer, actor=manager_a, usage_rights_days=10)
    offer.refresh_from_db()
    assert (
        offer.status == AgreementStatus.SUPERSEDED and version.status == AgreementStatus.DRAFT
    )  # an offer replaced at once


# --- counter-proposals -----------------------------------------------------------------------------
def test_a_proposal_reads_each_value_as_the_term_does_and_names_the_term_refused(issued, offer):
    link, _ = issued
    for changes, term in (
        ([{"term": "usage_rights_days", "value": "many"}], "usage_rights_days"),
        ([{"term": "usage_rights", "value": "forever"}], "usage_rights"),
        ([{"term": "compensation_amount", "value": "-5"}], "compensation_amount"),
        ([{"term": "notes", "value": "x"}], "term"),
        ([{"term": "status", "value": "signed"}], "term"),
        ([{"term": "brand_review_rights", "value": "approval"}], "brand_review_rights"),  # with editorial control
        ([{"term": "usage_rights_days", "value": "90"}], "value"),  # what the terms say already
        ([], "value"),
        ("usage_rights", "changes"),
    ):
        with pytest.raises(ValidationError) as refused:
            counter_proposal_create(link=link, agreement=offer, changes=changes, note="")
        assert term in refused.value.message_dict, (changes, refused.value.message_dict)
    assert not CounterProposal.objects.exists()


def test_a_proposal_is_made_once_seen_by_the_brand_and_taken_into_a_new_version(issued, offer, manager_a, viewer_a):
    link, _ = issued
    changes = [{"term": "usage_rights", "value": "None: the content stays the creator's", "note": "Mine to keep"}]
    proposal = counter_proposal_create(link=link, agreement=offer, changes=changes, note="Happy otherwise")
    assert proposal.changes == [{"term": "usage_rights", "value": "none", "note": "Mine to keep"}]
    assert counter_proposal_create(link=link, agreement=offer, changes=changes, note="Happy otherwise") == proposal
    assert Activity.objects.filter(summary="The creator proposed a change to the terms").count() == 1
    with pytest.raises(PermissionDenied):
        counter_proposal_accept(proposal=proposal, actor=viewer_a)
    version = counter_proposal_accept(proposal=proposal, actor=manager_a, note="Fair")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.new_agreement, proposal.decided_by) == ("accepted", version, manager_a)
    assert (version.usage_rights, version.replaces, version.status) == ("none", offer, "draft")
    with pytest.raises(ValidationError) as again:
        counter_proposal_accept(proposal=proposal, actor=manager_a)
    assert "already answered" in str(again.value)
    assert Agreement.objects.filter(replaces=offer).count() == 1


def test_declining_a_proposal_says_why(issued, offer, manager_a):
    link, _ = issued
    proposal = counter_proposal_create(link=link, agreement=offer, changes={"compensation_amount": "900"}, note="")
    with pytest.raises(ValidationError) as silent:
        counter_proposal_decline(proposal=proposal, actor=manager_a, note=" ")
    assert "note" in silent.value.message_dict
    counter_proposal_decline(proposal=proposal, actor=manager_a, note="Our budget is 500 this year.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == ("declined", "Our budget is 500 this year.")
    assert Activity.objects.filter(summary="The creator's proposal declined").exists()
