"""Personal data of creators: export everything held (JSON), erase on request keeping anonymous
figures, and never import an erased account again unless it is re-approved."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from api.keys import api_key_create
from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.models import ErasedAccount, Identity, Interaction, MemberScore, Membership, MemberTerm
from influencers.services import community_memberships_refresh, creator_link_identities
from partnerships.models import Activity, Agreement, Task
from partnerships.privacy import creator_erase, creator_personal_data, erased_account_reapprove
from tests.api.test_api import client_with

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
RS, RC = str(FIXTURES / "RS_fountainpens_2024-01.ndjson"), str(FIXTURES / "RC_fountainpens_2024-01.ndjson")


def ingest(*paths):
    run = sync_run_create(source="reddit-dump", arguments={"paths": list(paths)})
    return sync_run_execute(sync_run=run)


@pytest.fixture
def sheen_queen(partnership_a, partnership_b, org_a, org_b, manager_a):
    """A creator imported from a dump (posts, comments, memberships), in a partnership with each
    organization, each with its own notes."""
    ingest(RS, RC)
    identity = Identity.objects.get(platform="reddit", handle="sheen_queen")
    creator = creator_link_identities(identities=[identity])
    for partnership in (partnership_a, partnership_b):
        partnership.creator = creator
        partnership.notes = f"Notes of {partnership.brand.organization.name}"
        partnership.save()
    Agreement.objects.create(partnership=partnership_a, starts_on="2026-01-01", notes="She writes it her way.")
    Activity.objects.create(organization=org_a, partnership=partnership_a, summary="Call about the swatches")
    Task.objects.create(organization=org_b, creator=creator, title="Ask B's question")
    return creator


def test_the_export_holds_accounts_writings_rankings_and_only_the_callers_records(sheen_queen, org_a):
    data = json.loads(json.dumps(creator_personal_data(creator=sheen_queen, organization_ids={org_a.pk}), default=str))
    [account] = data["accounts"]
    assert (account["handle"], account["platform"]) == ("sheen_queen", "reddit")
    assert account["communities"][0]["community"] == "reddit:fountainpens"
    written = Interaction.objects.filter(author__handle="sheen_queen")
    assert {w["external_id"] for w in data["written"]} == set(written.values_list("external_id", flat=True))
    assert "Great guide. Micromesh saved my EF nib." in {w["text"] for w in data["written"]}
    [partnership] = data["partnerships"]  # organization A's, not B's
    assert partnership["notes"] == "Notes of Brand Team A" and partnership["activities"][0]["summary"]
    agreement = partnership["agreements"][0]
    assert agreement["notes"] == "She writes it her way." and agreement["creator_keeps_editorial_control"] is True
    assert data["tasks"] == []  # B's task about her is B's

    everything = creator_personal_data(creator=sheen_queen, organization_ids=None)  # an operator's
    assert len(everything["partnerships"]) == 2 and everything["tasks"][0]["title"] == "Ask B's question"


def test_erasure_removes_names_and_texts_keeps_the_figures_and_the_account_stays_out_of_imports(sheen_queen):
    identity = sheen_queen.identities.get()
    community = Membership.objects.get(identity=identity).community
    figures = (
        Interaction.objects.filter(community=community).count(),
        Membership.objects.get(identity=identity).reply_count,
        Interaction.objects.filter(author=identity).count(),
    )
    MemberScore.objects.filter(membership__identity=identity).update(reasons=["Answers sheen_queen's own questions"])

    MemberTerm.objects.create(membership=Membership.objects.get(identity=identity), term="shimmer", uses=3)

    erased = creator_erase(creator=sheen_queen, requested_through="test")
    assert erased["accounts_erased"] == 1
    assert not MemberTerm.objects.filter(membership__identity=identity).exists()  # not searchable by her words
    assert erased["texts_erased"] == Interaction.objects.filter(author=identity).count() > 0
    identity.refresh_from_db()
    sheen_queen.refresh_from_db()
    assert (identity.handle, identity.display_name, identity.is_deleted) == ("[erased]", "", True)
    assert "sheen" not in identity.external_id and sheen_queen.display_name == f"Erased creator #{sheen_queen.pk}"
    assert not Interaction.objects.filter(author=identity).exclude(text="", title="", url="").exists()
    assert not MemberScore.objects.filter(membership__identity=identity).exclude(reasons=[]).exists()
    after = (
        Interaction.objects.filter(community=community).count(),
        Membership.objects.get(identity=identity).reply_count,
        Interaction.objects.filter(author=identity).count(),
    )
    assert after == figures  # the anonymous figures stay
    exported = json.dumps(creator_personal_data(creator=sheen_queen, organization_ids=None), default=str)
    assert "sheen_queen" not in exported and "Micromesh" not in exported

    again = ingest(RS, RC)  # the source still has her posts
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    assert not Interaction.objects.filter(author=identity).exclude(text="").exists()
    assert again.skipped_reasons.get("its author asked to be erased (an operator can re-approve them)", 0) > 0
    assert Identity.objects.filter(handle="nibmeister").exists()  # everyone else imported as before

    erased_account_reapprove(account=ErasedAccount.objects.get())
    ingest(RS, RC)
    assert Identity.objects.filter(handle="sheen_queen").count() == 1  # back, as a new account


def test_a_reply_to_an_erased_account_is_kept_without_pointing_at_them(sheen_queen):
    identity = sheen_queen.identities.get()
    creator_erase(creator=sheen_queen)
    Interaction.objects.all().delete()
    ingest(RS, RC)
    community_memberships_refresh(community=Membership.objects.first().community)
    assert not Interaction.objects.filter(author=identity).exists()
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    reply = Interaction.objects.get(external_id="t1_k00002")  # nibmeister answering her comment
    assert reply.author.handle == "nibmeister" and reply.target is None


# --- through the API and the admin ------------------------------------------------------------
def test_the_api_exports_for_any_key_owners_and_write_keys_file_a_request_an_operator_erases(
    sheen_queen, org_a, make_user, owner_a, manager_a, client
):
    from influencers.models import ErasureRequest

    read = client_with(api_key_create(organization=org_a, scope="read")[1])
    write = client_with(api_key_create(organization=org_a, scope="write")[1])
    url = f"/api/v1/creators/{sheen_queen.pk}/"
    exported = read.get(url + "personal-data/")
    assert exported.status_code == 200 and [p["brand"] for p in exported.json()["partnerships"]] == ["Inkwell"]

    assert read.post(url + "erase/", {"confirm": True}, format="json").status_code == 403
    client.force_login(manager_a)
    assert client.post(url + "erase/", {"confirm": True}, content_type="application/json").status_code == 403
    missing = write.post(url + "erase/", {}, format="json")
    assert missing.status_code == 400 and "confirm" in missing.json()
    assert write.post(url + "erase/", {"confirm": False}, format="json").status_code == 400
    for not_true in ("true", 1, "yes", [True]):  # only the JSON value true confirms
        assert write.post(url + "erase/", {"confirm": not_true}, format="json").status_code == 400, not_true
    assert not ErasureRequest.objects.exists()

    # A write key files organization A's request; sent again (or by A's owner), it is the same one.
    filed = write.post(url + "erase/", {"confirm": True, "note": "She wrote to privacy@"}, format="json")
    assert filed.status_code == 202 and filed.json()["status"] == "requested", filed.json()
    assert write.post(url + "erase/", {"confirm": True}, format="json").json()["id"] == filed.json()["id"]
    client.force_login(owner_a)
    by_owner = client.post(url + "erase/", {"confirm": True}, content_type="application/json")
    assert by_owner.status_code == 202 and by_owner.json()["id"] == filed.json()["id"]
    assert Identity.objects.filter(handle="sheen_queen").exists()  # nothing erased yet

    # An operator erases: the request is closed with who decided.
    operator = make_user("operator", is_superuser=True)
    client.force_login(operator)
    erased = client.post(url + "erase/", {"confirm": True}, content_type="application/json")
    assert erased.status_code == 200 and erased.json()["accounts_erased"] == 1
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    request = ErasureRequest.objects.get()
    assert (request.status, request.decided_by) == ("erased", operator) and "privacy@" in request.note


def test_an_operator_confirms_or_declines_a_request_and_only_an_operator_may(sheen_queen, org_a, owner_a, make_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    from partnerships.privacy import erasure_request_confirm, erasure_request_decline, erasure_request_file

    request, filed = erasure_request_file(creator=sheen_queen, organization=org_a, actor=owner_a)
    assert filed and erasure_request_file(creator=sheen_queen, organization=org_a, actor=owner_a) == (request, False)
    with pytest.raises(PermissionDenied):
        erasure_request_confirm(request=request, actor=owner_a)
    operator = make_user("operator", is_superuser=True)
    with pytest.raises(ValidationError):
        erasure_request_decline(request=request, actor=operator, reason=" ")
    declined = erasure_request_decline(request=request, actor=operator, reason="Not the same account.")
    assert declined.status == "declined" and Identity.objects.filter(handle="sheen_queen").exists()

    again, filed = erasure_request_file(creator=sheen_queen, organization=org_a, actor=owner_a)
    assert filed and again.pk != request.pk  # a declined request does not block a new one
    assert erasure_request_confirm(request=again, actor=operator)["accounts_erased"] == 1
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    with pytest.raises(ValidationError):
        erasure_request_confirm(request=again, actor=operator)  # erased already


def test_in_the_admin_an_owner_files_the_request_and_an_operator_confirms_it(
    sheen_queen, owner_a, manager_a, org_a, client, make_user
):
    from influencers.models import ErasureRequest

    changelist = reverse("admin:influencers_creator_changelist")
    choose = {"_selected_action": [sheen_queen.pk]}
    client.force_login(manager_a)
    download = client.post(changelist, {**choose, "action": "download_personal_data"})
    assert download["Content-Disposition"].endswith('-personal-data.json"')
    assert json.loads(download.content)["accounts"][0]["handle"] == "sheen_queen"
    for action in ("request_erasure", "erase_personal_data"):  # a manager asks an owner
        refused = client.post(changelist, {**choose, "action": action, "confirmed": "yes"})
        assert refused.status_code in (200, 302) and not ErasureRequest.objects.exists()

    client.force_login(owner_a)
    asked = client.post(changelist, {**choose, "action": "request_erasure"})
    assert b"an operator erases" in asked.content and not ErasureRequest.objects.exists()
    refused = client.post(changelist, {**choose, "action": "erase_personal_data", "confirmed": "yes"})
    assert Identity.objects.filter(handle="sheen_queen").exists()  # an owner does not erase
    filed = client.post(
        changelist, {**choose, "action": "request_erasure", "confirmed": "yes", "note": "Asked by email on 3 Dec"}
    )
    assert filed.status_code == 302 and Identity.objects.filter(handle="sheen_queen").exists()
    request = ErasureRequest.objects.get()
    assert (request.organization, request.requested_by, request.note) == (org_a, owner_a, "Asked by email on 3 Dec")
    again = client.post(
        changelist, {**choose, "action": "request_erasure", "confirmed": "yes", "note": "She wrote again"}, follow=True
    )
    assert b"1 already open (the note was added to it)" in again.content
    request.refresh_from_db()  # one request, and the second note is not lost
    assert ErasureRequest.objects.count() == 1 and request.note == "Asked by email on 3 Dec\n\nShe wrote again"
    requests = reverse("admin:influencers_erasurerequest_changelist")
    assert client.get(requests).status_code == 200  # the owner follows it
    assert client.post(requests, {"_selected_action": [request.pk], "action": "confirm", "confirmed": "yes"})
    assert Identity.objects.filter(handle="sheen_queen").exists()  # and cannot confirm it

    operator = make_user("operator", is_superuser=True)
    client.force_login(operator)
    page = client.post(requests, {"_selected_action": [request.pk], "action": "confirm"})
    assert b"Erasing cannot be undone" in page.content and Identity.objects.filter(handle="sheen_queen").exists()
    done = client.post(requests, {"_selected_action": [request.pk], "action": "confirm", "confirmed": "yes"})
    assert done.status_code == 302 and not Identity.objects.filter(handle="sheen_queen").exists()
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("erased", operator)
    assert ErasedAccount.objects.get().erased_by == operator


# --- every copy of a name (issue 17, item 7) --------------------------------------------------
def _tables_holding(needle: str) -> dict[str, int]:
    """Every text and JSON column of every table, searched for ``needle`` (case-insensitive)."""
    from django.apps import apps
    from django.db import models
    from django.db.models.functions import Cast

    found = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                continue
            rows = model._default_manager.annotate(_as_text=Cast(field.name, models.TextField()))
            if count := rows.filter(_as_text__icontains=needle).count():
                found[f"{model._meta.label}.{field.name}"] = count
    return found


def test_erasing_leaves_no_copy_of_the_name_in_any_table_page_or_download(
    sheen_queen, partnership_a, brand_a, org_a, client, make_user, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from django.contrib import admin
    from django.test import RequestFactory

    from api.models import WebhookDelivery, WebhookEvent
    from api.webhooks import webhook_subscription_create
    from graph.adapter import rank_community
    from influencers.models import Creator
    from partnerships import services
    from partnerships.creator_notes import creator_note_save
    from partnerships.measurement.services import brand_measure
    from partnerships.models import Brand

    identity = sheen_queen.identities.get()
    community = Membership.objects.get(identity=identity).community
    partnership_a.communities.add(community)
    # Copies made the ways the product makes them: a ranking (its reasons and webhook), a mention of
    # the brand and the brand's measurement, a stage change's webhook, an API answer kept for its
    # Idempotency-Key, the admin's log of a change, the history of the records.
    Interaction.objects.create(
        community=community, author=identity, external_id="t1_inkwell", kind="comment",
        text="Inkwell's blue-black is my daily ink", posted_at=datetime(2024, 1, 20, tzinfo=UTC),
    )  # fmt: skip
    webhook_subscription_create(
        organization=org_a, url="https://hooks.example.com/in", events=list(WebhookEvent.values)
    )
    rank_community(community)
    with django_capture_on_commit_callbacks(execute=False) as webhooks:  # queued, not sent
        services.partnership_move(partnership=partnership_a, to_stage="observing", note="sheen_queen said yes")
    webhooks[0]()  # the stage change's delivery is written (and its sending queued again, not run)
    brand_measure(brand=brand_a)
    write = client_with(api_key_create(organization=org_a, scope="write")[1])
    second = Brand.objects.create(organization=org_a, name="Second Brand", slug="second")
    created = write.post(
        "/api/v1/partnerships/", {"brand": second.pk, "creator": sheen_queen.pk}, format="json",
        HTTP_IDEMPOTENCY_KEY="add-her-1",
    )  # fmt: skip
    assert created.status_code == 201
    operator = make_user("operator", is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user = operator
    admin.site._registry[Creator].log_change(request, sheen_queen, "Changed bio.")
    creator_note_save(organization=org_a, creator=sheen_queen, note="sheen_queen answers within a day", actor=operator)

    before = _tables_holding("sheen_queen")
    assert {
        "influencers.Identity.handle", "admin.LogEntry.object_repr", "api.WebhookDelivery.payload",
        "api.IdempotentRequest.response", "partnerships.BrandMeasurement.document", "partnerships.Activity.body",
        "partnerships.CreatorNote.note", "partnerships.HistoricalCreatorNote.note",
    } <= set(before), before  # fmt: skip

    creator_erase(creator=sheen_queen, requested_through="test")

    assert _tables_holding("sheen_queen") == {}
    client.force_login(operator)
    for url in [
        f"/creators/{sheen_queen.pk}/", f"/brands/{brand_a.pk}/", f"/brands/{brand_a.pk}/metrics.csv",
        f"/partnerships/{partnership_a.pk}/", "/admin/", f"/api/v1/measurements/?brand={brand_a.pk}",
        f"/api/v1/webhooks/{WebhookDelivery.objects.get().subscription_id}/deliveries/",
        f"/admin/influencers/creator/{sheen_queen.pk}/history/",
    ]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b"sheen_queen" not in response.content, url


def test_in_the_admin_an_operator_declines_with_a_reason_the_owner_reads(
    sheen_queen, owner_a, org_a, client, make_user
):
    from partnerships.privacy import erasure_request_file

    request, _ = erasure_request_file(creator=sheen_queen, organization=org_a, actor=owner_a, note="By phone")
    requests = reverse("admin:influencers_erasurerequest_changelist")
    client.force_login(make_user("operator", is_superuser=True))
    chosen = {"_selected_action": [request.pk], "action": "decline"}
    page = client.post(requests, chosen)
    assert b"sheen_queen, asked by Brand Team A: By phone" in page.content
    again = client.post(requests, {**chosen, "confirmed": "yes", "decision_note": " "})
    assert b"Say why the requests are declined" in again.content  # no reason, nothing declined
    client.post(requests, {**chosen, "confirmed": "yes", "decision_note": "Two people share the account."})
    request.refresh_from_db()
    assert request.status == "declined" and Identity.objects.filter(handle="sheen_queen").exists()
    page = reverse("admin:influencers_erasurerequest_change", args=[request.pk])
    assert b"Decided by" in client.get(page).content  # an operator sees who decided
    client.force_login(owner_a)
    shown = client.get(page)
    assert b"Two people share the account." in shown.content
    assert b"Decided by" not in shown.content  # which operator decided is the operators' business
