"""The brand and referral pages of the admin write through the services the API and the imports use:
a brand's names edited as lines and checked as the mention scan needs them, a change to them
measuring the brand again after commit; sign-ups and sales entered by hand under the API's rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Brand, ReferralEvent, ReferralLink
from partnerships.services import brand_names_clean, brand_update
from tests.partnerships.test_entry_points import admin_form

pytestmark = pytest.mark.django_db
BRAND_ADD = reverse("admin:partnerships_brand_add")
EVENT_ADD = reverse("admin:partnerships_referralevent_add")


def brand_page(brand: Brand) -> str:
    return reverse("admin:partnerships_brand_change", args=[brand.pk])


def queued(callbacks) -> list[tuple[str, tuple]]:
    """The tasks sent once the transaction commits (crm.background.enqueue_after_commit)."""
    return [(callback.args[0].name, callback.args[1]) for callback in callbacks]


@pytest.fixture
def manager(client, manager_a):
    client.force_login(manager_a)
    return client


def test_a_brand_added_in_the_admin_keeps_its_names_one_per_line_and_is_measured_after_commit(
    manager, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        page = manager.post(
            BRAND_ADD,
            {**admin_form(manager, BRAND_ADD), "organization": org_a.pk, "name": "Noodler's  Ink", "slug": "noodlers",
             "aliases": "Noodlers\r\n  Nathan   Tardif \r\n\r\nnoodlers", "product_terms": "Baystate Blue\nBulletproof",
             "website": "https://noodlersink.example"},
        )  # fmt: skip
    assert page.status_code == 302, page.context["adminform"].form.errors if page.context else page
    brand = Brand.objects.get(slug="noodlers")
    assert brand.name == "Noodler's Ink" and brand.organization == org_a
    assert brand.aliases == ["Noodlers", "Nathan Tardif"]  # trimmed, spaces made one, once whatever the case
    assert brand.product_terms == ["Baystate Blue", "Bulletproof"]
    assert queued(callbacks) == [("partnerships.tasks.measure_brand", (brand.pk,))]
    shown = manager.get(brand_page(brand)).context["adminform"].form["aliases"].value()
    assert shown == "Noodlers\nNathan Tardif"  # edited as lines, not as JSON


@pytest.mark.parametrize(
    "aliases, said",
    [
        ("Inkwell\nI", "“I” is too short to look for: at least 2 characters."),
        ("x" * 101, f"“{'x' * 30}…” is longer than 100 characters: one alias per line."),
        ("\n".join(f"name {n}" for n in range(51)), "At most 50 of them (51 given)."),
    ],
)
def test_a_name_list_the_scan_cannot_use_is_refused_beside_the_field(
    manager, brand_a, aliases, said, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        page = manager.post(brand_page(brand_a), admin_form(manager, brand_page(brand_a), aliases=aliases))
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["aliases"] == [said]
    brand_a.refresh_from_db()
    assert brand_a.aliases == ["Inkwell"] and callbacks == []


def test_only_a_change_to_what_counts_as_a_mention_measures_the_brand_again(
    manager, brand_a, org_b, django_capture_on_commit_callbacks
):
    url = brand_page(brand_a)
    with django_capture_on_commit_callbacks() as callbacks:
        page = manager.post(url, admin_form(manager, url, slug="inkwell-pens", organization=org_b.pk))
    assert page.status_code == 302
    brand_a.refresh_from_db()
    assert brand_a.slug == "inkwell-pens" and brand_a.organization_id != org_b.pk  # its organization stays
    assert callbacks == []  # the slug is not looked for in members' words
    with django_capture_on_commit_callbacks() as callbacks:
        assert manager.post(url, admin_form(manager, url, product_terms="Inkwell Fine\n")).status_code == 302
    brand_a.refresh_from_db()
    assert brand_a.product_terms == ["Inkwell Fine"]
    assert queued(callbacks) == [("partnerships.tasks.measure_brand", (brand_a.pk,))]


def test_brand_update_refuses_a_viewer_and_fields_it_does_not_change(brand_a, viewer_a, manager_a, org_b):
    with pytest.raises(PermissionDenied):
        brand_update(brand=brand_a, actor=viewer_a, aliases=["Ink"])
    with pytest.raises(ValidationError) as refused:
        brand_update(brand=brand_a, actor=manager_a, organization=org_b)
    assert refused.value.message_dict == {"organization": ["This cannot be changed here."]}
    brand_a.refresh_from_db()
    assert (brand_a.aliases, brand_a.organization_id) == (["Inkwell"], brand_a.organization.pk)


def test_brand_update_refuses_a_slug_taken_in_the_organization(brand_a, org_a, manager_a):
    Brand.objects.create(organization=org_a, name="Quill", slug="quill")
    with pytest.raises(ValidationError) as refused:
        brand_update(brand=brand_a, actor=manager_a, slug="quill")
    assert "quill" not in Brand.objects.filter(pk=brand_a.pk).values_list("slug", flat=True)
    assert refused.value.messages  # Django's own wording for the organization's unique slug


def test_name_lists_from_any_caller_follow_the_same_rules():
    assert brand_names_clean([" Ink ", "INK", "", "Pen  Co"], field="aliases") == ["Ink", "Pen Co"]
    with pytest.raises(ValidationError) as refused:
        brand_names_clean(["ok", 5], field="product_terms")
    assert refused.value.message_dict == {"product_terms": ["Each product term must be text."]}


# --- Referral events and links ---------------------------------------------------------------


@pytest.fixture
def link(partnership_a):
    return ReferralLink.objects.create(partnership=partnership_a, code="IVY10", destination_url="https://ink.example")


def event_form(manager, link, **changes) -> dict:
    moment = timezone.localtime(timezone.now() - timedelta(days=1))
    return {
        **admin_form(manager, EVENT_ADD), "link": link.pk, "kind": "sale", "occurred_at_0": f"{moment:%Y-%m-%d}",
        "occurred_at_1": "10:00:00", "external_id": "order-77", "amount": "12.5", "currency": "eur", **changes,
    }  # fmt: skip


def test_a_sale_entered_in_the_admin_is_recorded_once_as_the_api_records_it(manager, link):
    assert manager.post(EVENT_ADD, event_form(manager, link)).status_code == 302
    event = ReferralEvent.objects.get()
    assert (event.link, event.kind, event.external_id, event.amount, event.currency) == (
        link,
        "sale",
        "order-77",
        Decimal("12.50"),
        "EUR",
    )
    again = manager.post(EVENT_ADD, event_form(manager, link, amount="99"), follow=True)
    assert ReferralEvent.objects.count() == 1 and ReferralEvent.objects.get().amount == Decimal("12.50")
    assert "Sale order-77 was recorded already: nothing added." in [str(m) for m in again.context["messages"]]


@pytest.mark.parametrize(
    "changes, field, said",
    [
        ({"occurred_at_0": str(timezone.localdate() + timedelta(days=2))}, "occurred_at",
         "occurred_at is in the future"),
        ({"currency": "E1R"}, "currency", "currency must be a three-letter code such as EUR"),
        ({"external_id": ""}, "external_id",
         "external_id (the brand's order or account id) is missing or longer than 128 characters"),
        ({"kind": "click"}, "kind", "Select a valid choice. click is not one of the available choices."),
    ],
)  # fmt: skip
def test_an_event_the_api_would_refuse_is_refused_beside_its_field(manager, link, changes, field, said):
    page = manager.post(EVENT_ADD, event_form(manager, link, **changes))
    assert page.status_code == 200
    assert said in page.context["adminform"].form.errors[field]
    assert not ReferralEvent.objects.exists()


def test_another_organizations_link_is_unknown_to_the_admin(manager, partnership_b):
    theirs = ReferralLink.objects.create(partnership=partnership_b, code="RIDGE", destination_url="https://r.example")
    page = manager.post(EVENT_ADD, event_form(manager, theirs))
    assert page.status_code == 200 and "link" in page.context["adminform"].form.errors
    assert not ReferralEvent.objects.exists()


def test_a_reported_sale_is_corrected_through_the_service_under_the_same_rules_and_keeps_its_link(
    manager, link, partnership_a
):
    other = ReferralLink.objects.create(partnership=partnership_a, code="IVY20", destination_url="https://ink.example")
    sale = ReferralEvent.objects.create(
        link=link, kind="sale", occurred_at=timezone.now(), external_id="order-1", amount=Decimal("5.00")
    )
    ReferralEvent.objects.create(link=link, kind="sale", occurred_at=timezone.now(), external_id="order-2")
    url = reverse("admin:partnerships_referralevent_change", args=[sale.pk])
    refused = manager.post(url, admin_form(manager, url, amount="-3"))
    assert refused.context["adminform"].form.errors["amount"] == ["amount must be between 0 and 9,999,999,999.99"]
    taken = manager.post(url, admin_form(manager, url, external_id="order-2"))
    said = "order-2 is recorded already for this link and kind."
    assert taken.context["adminform"].form.errors["external_id"] == [said]
    page = manager.post(url, admin_form(manager, url, amount="50", currency="usd", link=other.pk))
    assert page.status_code == 302
    sale.refresh_from_db()
    assert (sale.link, sale.external_id, sale.amount, sale.currency) == (link, "order-1", Decimal("50.00"), "USD")


def test_a_click_is_read_only_in_the_admin_and_to_the_service(manager, link, manager_a):
    from partnerships.referrals import referral_event_correct

    click = ReferralEvent.objects.create(link=link, kind="click", occurred_at=timezone.now(), external_id="a" * 64)
    url = reverse("admin:partnerships_referralevent_change", args=[click.pk])
    page = manager.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert manager.post(url, {"kind": "sale", "amount": "500"}).status_code == 403
    with pytest.raises(ValidationError) as refused:
        referral_event_correct(event=click, actor=manager_a, amount=Decimal("1"))
    assert refused.value.message_dict == {"kind": ["A click is counted by the link itself and cannot be corrected."]}
    click.refresh_from_db()
    assert (click.kind, click.amount) == ("click", None)


def test_a_viewer_cannot_correct_an_event(link, viewer_a):
    from partnerships.referrals import referral_event_correct

    sale = ReferralEvent.objects.create(link=link, kind="sale", occurred_at=timezone.now(), external_id="o-9")
    with pytest.raises(PermissionDenied):
        referral_event_correct(event=sale, actor=viewer_a, currency="EUR")


def test_a_link_changed_in_the_admin_goes_through_the_service_and_keeps_its_code(manager, link):
    url = reverse("admin:partnerships_referrallink_change", args=[link.pk])
    refused = manager.post(url, admin_form(manager, url, destination_url="javascript:alert(1)"))
    assert refused.status_code == 200 and "destination_url" in refused.context["adminform"].form.errors
    page = manager.post(url, admin_form(manager, url, is_active=False, label="Autumn", code="STOLEN"))
    assert page.status_code == 302
    link.refresh_from_db()
    assert (link.code, link.is_active, link.label) == ("IVY10", False, "Autumn")
