"""In the admin, a manager works only on their own organization's records; a viewer only looks."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from partnerships.models import Activity, Agreement, Partnership, ReferralLink, Stage, Task


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_manager_sees_only_their_organizations_partnerships(client, manager_a, partnership_a, partnership_b):
    client.force_login(manager_a)
    response = client.get(changelist_url(Partnership))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [partnership_a]


def test_another_organizations_partnership_is_not_found(client, manager_a, partnership_b):
    client.force_login(manager_a)
    response = client.get(change_url(partnership_b))
    # The admin redirects to its index with "doesn't exist" for objects outside the queryset.
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    history = client.get(reverse("admin:partnerships_partnership_history", args=[partnership_b.pk]))
    assert history.status_code == 404
    partnership_b.refresh_from_db()
    response = client.post(change_url(partnership_b), {"brand": partnership_b.brand_id, "notes": "mine now"})
    partnership_b.refresh_from_db()
    assert partnership_b.notes == ""


def test_manager_edits_their_own_partnership(client, manager_a, partnership_a):
    client.force_login(manager_a)
    page = client.get(change_url(partnership_a))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is True


def test_viewer_gets_a_read_only_view(client, viewer_a, partnership_a):
    client.force_login(viewer_a)
    page = client.get(change_url(partnership_a))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:partnerships_partnership_add")).status_code == 403
    response = client.post(change_url(partnership_a), {"brand": partnership_a.brand_id, "notes": "changed"})
    assert response.status_code == 403
    partnership_a.refresh_from_db()
    assert partnership_a.notes == ""


def test_viewer_cannot_delete(client, viewer_a, partnership_a):
    client.force_login(viewer_a)
    url = reverse("admin:partnerships_partnership_delete", args=[partnership_a.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Partnership.objects.filter(pk=partnership_a.pk).exists()


def test_manager_cannot_attach_a_partnership_to_another_organizations_brand(client, manager_a, brand_b, creator):
    client.force_login(manager_a)
    response = client.post(
        reverse("admin:partnerships_partnership_add"),
        {
            "brand": brand_b.pk,
            "creator": creator.pk,
            **_empty_inlines(),
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "brand" in response.context["adminform"].form.errors
    assert not Partnership.objects.filter(brand=brand_b).exists()


def test_adding_a_partnership_in_the_admin_starts_it_in_discovered_with_a_timeline_entry(
    client, manager_a, brand_a, creator
):
    client.force_login(manager_a)
    response = client.post(
        reverse("admin:partnerships_partnership_add"),
        {"brand": brand_a.pk, "creator": creator.pk, "owner": manager_a.pk, **_empty_inlines()},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    partnership = Partnership.objects.get(brand=brand_a, creator=creator)
    assert partnership.stage == Stage.DISCOVERED
    entry = Activity.objects.get(partnership=partnership)
    assert (entry.to_stage, entry.actor) == (Stage.DISCOVERED, manager_a)


def test_a_stage_change_in_the_admin_follows_the_observe_first_rule(client, manager_a, partnership_a):
    client.force_login(manager_a)
    form = {"brand": partnership_a.brand_id, "creator": partnership_a.creator_id, **_empty_inlines()}
    refused = client.post(change_url(partnership_a), {**form, "stage": Stage.OUTREACH})
    assert refused.status_code == 200
    assert "Observe first" in str(refused.context["adminform"].form.errors["stage"])
    accepted = client.post(change_url(partnership_a), {**form, "stage": Stage.OBSERVING})
    assert accepted.status_code == 302
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OBSERVING
    move = partnership_a.activities.get(kind="stage_change")
    assert (move.from_stage, move.to_stage, move.actor) == (Stage.DISCOVERED, Stage.OBSERVING, manager_a)


def test_member_of_no_organization_sees_nothing(client, make_user):
    stranger = make_user("stranger")
    client.force_login(stranger)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []


@pytest.mark.parametrize(
    "model",
    [
        m
        for m in apps.get_models()
        if m in admin.site._registry
        and m._meta.app_label in ("crm", "influencers", "partnerships")
        # Operators only (tests/security's matrix): erased accounts, and bots' tokens.
        and m._meta.label not in ("influencers.ErasedAccount", "influencers.LiveConnection")
    ],
    ids=lambda m: m._meta.label,
)
def test_every_admin_list_and_form_opens_for_a_manager(client, manager_a, partnership_a, model):
    client.force_login(manager_a)
    assert client.get(changelist_url(model)).status_code == 200
    model_admin = admin.site._registry[model]
    request = client.get("/").wsgi_request
    request.user = manager_a
    if model_admin.has_add_permission(request):
        assert client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")).status_code == 200


def _empty_inlines():
    """Management forms for the partnership page's inlines (none filled in)."""
    data = {}
    for prefix in ("agreements", "deliverables", "tasks", "referral_links", "activities", "activities-2"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m in admin.site._registry and m._meta.app_label in ("crm", "partnerships")],
    ids=lambda m: m._meta.label,
)
def test_no_admin_page_names_another_organizations_brand_or_people(
    client, manager_a, partnership_a, partnership_b, manager_b, model
):
    """Filters, choices and lists must not leak another tenant's names."""
    org_b = partnership_b.brand.organization
    Task.objects.create(organization=org_b, partnership=partnership_b, title="Secret task B", assignee=manager_b)
    Activity.objects.create(organization=org_b, partnership=partnership_b, summary="Secret note B", actor=manager_b)
    Agreement.objects.create(partnership=partnership_b, starts_on=date(2026, 1, 1), notes="Secret terms B")
    ReferralLink.objects.create(partnership=partnership_b, code="secret-code-b", destination_url="https://b.example")
    client.force_login(manager_a)
    pages = [changelist_url(model)]
    if admin.site._registry[model].has_add_permission(client.get("/").wsgi_request):
        pages.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    for page in pages:
        content = client.get(page).content.decode()
        for secret in (partnership_b.brand.name, manager_b.username, org_b.name, "Secret", "secret-code-b"):
            assert secret not in content, f"{page} shows {secret!r}"


def test_a_manager_logs_a_call_on_the_partnership_page_and_cannot_rewrite_stage_changes(
    client, manager_a, partnership_a
):
    client.force_login(manager_a)
    form = {
        "brand": partnership_a.brand_id,
        "creator": partnership_a.creator_id,
        "stage": Stage.DISCOVERED,
        **_empty_inlines(),
    }
    form.update(
        {
            "activities-TOTAL_FORMS": 1,
            "activities-0-kind": "call",
            "activities-0-summary": "Intro call, no pitch",
            "activities-0-occurred_at_0": "2026-11-20",
            "activities-0-occurred_at_1": "15:00:00",
        }
    )
    response = client.post(change_url(partnership_a), form)
    assert response.status_code == 302, response.context["errors"]
    call = Activity.objects.get(partnership=partnership_a, kind="call")
    assert (call.organization, call.actor, call.creator) == (
        partnership_a.brand.organization,
        manager_a,
        partnership_a.creator,
    )
    move = Activity.objects.create(
        organization=partnership_a.brand.organization,
        partnership=partnership_a,
        kind="stage_change",
        summary="Moved from Discovered to Observing",
        from_stage="discovered",
        to_stage="observing",
    )
    assert client.post(change_url(move), {"summary": "rewritten"}).status_code == 403
    delete = reverse("admin:partnerships_activity_delete", args=[move.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    move.refresh_from_db()
    assert move.summary == "Moved from Discovered to Observing"
