"""Renewals, audited changes to creative-control terms, and the partnership page for every role."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.models import Activity, Agreement, AgreementStatus, ReviewRights, Task
from partnerships.services import agreement_renew, agreement_update_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(partnership_a, manager_a):
    return Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31),
        status=AgreementStatus.SIGNED, compensation_type="flat_fee", compensation_amount=500,
        disclosure_method="#ad in the first line", created_by=manager_a,
    )  # fmt: skip


@pytest.fixture
def offer(partnership_a, manager_a):
    """The same terms, sent to the creator and not yet accepted: the terms may still change (a
    signed agreement's never do: tests/creator_portal/test_services.py)."""
    return Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31),
        status=AgreementStatus.SENT, compensation_type="flat_fee", compensation_amount=500,
        disclosure_method="#ad in the first line", created_by=manager_a,
    )  # fmt: skip


def test_a_renewal_is_a_new_agreement_with_the_same_terms_and_the_old_one_kept(agreement, manager_a):
    renewal = agreement_renew(
        agreement=agreement, actor=manager_a, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
        compensation_amount=650,
    )  # fmt: skip
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED and agreement.compensation_amount == 500  # untouched
    assert renewal.renewal_of == agreement and renewal.status == AgreementStatus.DRAFT
    assert (renewal.compensation_type, renewal.compensation_amount) == ("flat_fee", 650)
    assert renewal.disclosure_method == "#ad in the first line" and renewal.creator_keeps_editorial_control
    assert Activity.objects.filter(partnership=agreement.partnership, summary__startswith="Agreement renewed").exists()


def test_a_renewal_that_breaks_the_rules_is_refused_naming_the_field(agreement):
    with pytest.raises(ValidationError) as refused:
        agreement_renew(agreement=agreement, starts_on=date(2026, 1, 1), ends_on=date(2025, 6, 1))
    assert "ends_on" in str(refused.value) or "__all__" in refused.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        agreement_renew(agreement=agreement, starts_on=date(2026, 1, 1), price=3)
    assert "price" in unknown.value.message_dict
    assert Agreement.objects.count() == 1


def test_changing_creative_control_terms_is_audited_with_who_when_and_old_to_new(offer, manager_a):
    agreement = offer
    lines = agreement_update_terms(
        agreement=agreement, actor=manager_a, brand_review_rights=ReviewRights.FACTUAL_CHECK, usage_rights_days=90
    )
    assert lines == [
        "Brand review rights: None: the brand sees it when members do → Factual check only",
        "Usage rights days: — → 90",
    ]
    latest = agreement.history.latest("history_date")
    assert latest.history_user == manager_a and latest.brand_review_rights == "factual_check"
    note = Activity.objects.filter(partnership=agreement.partnership).latest("occurred_at")
    assert note.summary == "Creative-control terms changed" and note.actor == manager_a
    assert agreement_update_terms(agreement=agreement, actor=manager_a, usage_rights_days=90) == []  # no change


def test_editorial_control_and_brand_approval_cannot_go_together(agreement):
    with pytest.raises(ValidationError):
        agreement_update_terms(agreement=agreement, brand_review_rights=ReviewRights.APPROVAL)
    agreement.refresh_from_db()
    assert agreement.brand_review_rights == ReviewRights.NONE


def test_the_partnership_page_shows_terms_their_changes_renewals_and_timeline(client, manager_a, offer, org_a):
    agreement = offer
    agreement_update_terms(agreement=agreement, actor=manager_a, brand_review_rights=ReviewRights.FACTUAL_CHECK)
    agreement_renew(agreement=agreement, actor=manager_a, starts_on=date(2026, 1, 1))
    Task.objects.create(organization=org_a, partnership=agreement.partnership, title="Send the sample kit")
    client.force_login(manager_a)
    response = client.get(reverse("partnership", args=[agreement.partnership.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Creative control" in page and "The creator keeps it" in page
    assert "Brand review rights: None: the brand sees it when members do → Factual check only" in page
    assert "(renewal)" in page and "2 agreements, 1 renewal" in page
    assert "Send the sample kit" in page and "Creative-control terms changed" in page


def test_viewers_see_the_page_without_edit_links_and_other_organizations_get_404(
    client, viewer_a, manager_b, partnership_a
):
    url = reverse("partnership", args=[partnership_a.pk])
    client.force_login(viewer_a)
    page = client.get(url)
    assert page.status_code == 200 and "Move…" not in page.content.decode()
    client.force_login(manager_b)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_terms_in_force_are_todays_signed_agreement_not_next_years_draft(agreement):
    from partnerships.selectors import agreement_in_force

    draft = agreement_renew(agreement=agreement, starts_on=date(2026, 1, 1), creator_keeps_editorial_control=False)
    assert agreement_in_force([agreement, draft], date(2025, 6, 1)) == agreement  # signed, covers the day
    assert agreement_in_force([agreement, draft], date(2026, 6, 1)) == agreement  # latest signed
    draft.status = AgreementStatus.SIGNED
    assert agreement_in_force([agreement, draft], date(2026, 6, 1)) == draft
    agreement.status = draft.status = AgreementStatus.CANCELLED
    assert agreement_in_force([agreement, draft], date(2026, 6, 1)) is None
    assert agreement_in_force([], date(2026, 6, 1)) is None


def test_renewing_and_changing_terms_from_the_page(client, manager_a, viewer_a, agreement):
    url = reverse("partnership", args=[agreement.partnership.pk])
    client.force_login(manager_a)
    assert "Renew for a new period" in client.get(url).content.decode()
    response = client.post(reverse("agreement-renew", args=[agreement.partnership.pk]), {"starts_on": "2026-01-01"})
    assert response.status_code == 302 and Agreement.objects.filter(renewal_of=agreement).count() == 1
    bad = client.post(
        reverse("agreement-renew", args=[agreement.partnership.pk]),
        {"starts_on": "2026-01-01", "ends_on": "2025-01-01"},
    )
    assert "Ends on: The agreement cannot end before it starts." in [str(m) for m in bad.wsgi_request._messages]
    assert Agreement.objects.filter(renewal_of=agreement).count() == 1
    terms = {
        "creator_keeps_editorial_control": "on", "brand_review_rights": "factual_check", "disclosure_required": "on",
        "disclosure_method": "#ad first", "usage_rights": "none", "usage_rights_days": "",
    }  # fmt: skip
    # The agreement is signed: its terms never change, the form writes a new version (a draft).
    refused = client.post(
        reverse("agreement-terms", args=[agreement.partnership.pk]), {**terms, "brand_review_rights": "approval"}
    )
    assert any("approval" in str(m).lower() or "editorial" in str(m).lower() for m in refused.wsgi_request._messages)
    assert not Agreement.objects.filter(replaces=agreement).exists()
    client.post(reverse("agreement-terms", args=[agreement.partnership.pk]), terms)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.brand_review_rights, agreement.disclosure_method) == (
        "signed", "none", "#ad in the first line",
    )  # fmt: skip
    version = Agreement.objects.get(replaces=agreement)
    assert (version.status, version.brand_review_rights, version.disclosure_method) == (
        "draft",
        "factual_check",
        "#ad first",
    )
    assert version.history.latest("history_date").history_user == manager_a
    client.force_login(viewer_a)
    assert "Renew for a new period" not in client.get(url).content.decode()
    assert (
        client.post(
            reverse("agreement-renew", args=[agreement.partnership.pk]), {"starts_on": "2027-01-01"}
        ).status_code
        == 403
    )


def test_writing_the_first_agreement_from_the_page_with_creative_control_as_data(client, manager_a, partnership_a):
    url = reverse("agreement-new", args=[partnership_a.pk])
    client.force_login(manager_a)
    assert "Write a new agreement" in client.get(reverse("partnership", args=[partnership_a.pk])).content.decode()
    fields = {
        "status": "signed", "starts_on": "2026-02-01", "ends_on": "2027-01-31", "compensation_type": "product_seeding",
        "currency": "USD", "creator_keeps_editorial_control": "on", "brand_review_rights": "none",
        "disclosure_required": "on", "disclosure_method": "#gifted", "usage_rights": "none",
    }  # fmt: skip
    response = client.post(url, fields)
    assert response.status_code == 302
    agreement = Agreement.objects.get(partnership=partnership_a)
    assert agreement.creator_keeps_editorial_control and agreement.disclosure_method == "#gifted"
    assert agreement.history.get().history_user == manager_a
    assert Activity.objects.filter(partnership=partnership_a, summary__startswith="Agreement written").exists()
    refused = client.post(url, {**fields, "ends_on": "2025-01-01"})
    assert "The agreement cannot end before it starts." in [str(m) for m in refused.wsgi_request._messages]
    assert Agreement.objects.filter(partnership=partnership_a).count() == 1


def test_the_admin_history_of_an_agreement_shows_who_changed_which_term_from_what_to_what(offer, manager_a, client):
    agreement = offer
    agreement_update_terms(agreement=agreement, actor=manager_a, brand_review_rights=ReviewRights.FACTUAL_CHECK)
    client.force_login(manager_a)
    page = client.get(f"/admin/partnerships/agreement/{agreement.pk}/history/").content.decode()
    assert "manager-a" in page
    assert "brand_review_rights" in page or "Brand review rights" in page
    assert "factual_check" in page  # the new value, beside the old
