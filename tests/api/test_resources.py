"""Every resource: tenant isolation, scope enforcement and validation naming the field."""

from datetime import UTC, date, datetime

import pytest
from rest_framework.test import APIClient

from api.keys import api_key_create
from influencers.models import Interaction
from partnerships.measurement.services import brand_measure
from partnerships.models import (
    Activity,
    Agreement,
    AgreementStatus,
    CommunityStance,
    Deliverable,
    ReferralLink,
    Task,
)
from partnerships.services import agreement_create, deliverable_plan, task_create

pytestmark = pytest.mark.django_db


def api(organization, scope="read") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, scope=scope)[1]}")
    return client


@pytest.fixture
def records(partnership_a, manager_a, brand_a, community, make_identity):
    """One of each CRM record in organization A."""
    agreement = agreement_create(partnership=partnership_a, actor=manager_a, starts_on=date(2026, 1, 1),
                                 status=AgreementStatus.SIGNED)  # fmt: skip
    deliverable = deliverable_plan(partnership=partnership_a, title="Ink guide")
    task = task_create(partnership=partnership_a, actor=manager_a, title="Send samples")
    link = ReferralLink.objects.create(partnership=partnership_a, code="ivy-ink", destination_url="https://ink.example")
    CommunityStance.objects.create(brand=brand_a, community=community)
    Interaction.objects.create(community=community, external_id="t3_x", kind="post", author=make_identity("m"),
                               posted_at=datetime(2026, 1, 2, tzinfo=UTC), text="Inkwell is great.")  # fmt: skip
    measurement = brand_measure(brand=brand_a)
    return {
        "agreements": agreement, "deliverables": deliverable, "tasks": task, "referral-links": link,
        "activities": Activity.objects.filter(partnership=partnership_a).first(),
        "brand-mentions": brand_a.mentions.get(), "measurements": measurement,
    }  # fmt: skip


RESOURCES = ["agreements", "deliverables", "tasks", "referral-links", "activities", "brand-mentions", "measurements"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_resource_shows_its_organization_and_hides_it_from_others(records, org_a, org_b, resource):
    obj = records[resource]
    mine, theirs = api(org_a), api(org_b)
    listed = mine.get(f"/api/v1/{resource}/").json()["results"]
    assert obj.pk in [row["id"] for row in listed]
    assert mine.get(f"/api/v1/{resource}/{obj.pk}/").status_code == 200
    assert theirs.get(f"/api/v1/{resource}/").json()["results"] == []
    assert theirs.get(f"/api/v1/{resource}/{obj.pk}/").status_code == 404


@pytest.mark.parametrize(
    "path, body",
    [
        ("agreements/", {"starts_on": "2026-02-01"}),
        ("deliverables/", {"title": "x"}),
        ("tasks/", {"title": "x"}),
        ("activities/", {"kind": "note", "summary": "x"}),
        ("referral-links/", {"code": "x-y", "destination_url": "https://x.example"}),
    ],
)
def test_writes_need_a_write_key_and_refuse_another_organizations_partnership(
    records, org_a, org_b, partnership_a, path, body
):
    body = {**body, "partnership": partnership_a.pk}
    assert api(org_a, "read").post(f"/api/v1/{path}", body, format="json").status_code == 403
    refused = api(org_b, "write").post(f"/api/v1/{path}", body, format="json")
    assert refused.status_code == 400 and "does not exist" in refused.json()["partnership"][0]
    created = api(org_a, "write").post(f"/api/v1/{path}", body, format="json")
    assert created.status_code == 201, created.json()


def test_agreements_are_written_renewed_and_changed_through_the_services(records, org_a, partnership_a):
    client = api(org_a, "write")
    agreement = records["agreements"]
    bad = client.post("/api/v1/agreements/", {"partnership": partnership_a.pk, "starts_on": "2026-05-01",
                                               "ends_on": "2026-01-01"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "ends_on" in bad.json()
    approval = client.patch(f"/api/v1/agreements/{agreement.pk}/", {"brand_review_rights": "approval"}, format="json")
    assert approval.status_code == 400  # editorial control and brand approval cannot go together
    # The agreement is signed: its terms never change (a change is a new version, accepted again).
    signed = client.patch(f"/api/v1/agreements/{agreement.pk}/", {"usage_rights_days": 30}, format="json")
    assert signed.status_code == 400 and "new version" in signed.json()["usage_rights_days"][0]
    Agreement.objects.filter(pk=agreement.pk).update(status="sent")  # an offer not yet accepted may change
    changed = client.patch(f"/api/v1/agreements/{agreement.pk}/", {"usage_rights_days": 30}, format="json")
    assert changed.status_code == 200 and changed.json()["usage_rights_days"] == 30
    assert agreement.history.latest("history_date").history_user is None  # an API key, not a person
    renewal = client.post(f"/api/v1/agreements/{agreement.pk}/renew/", {"starts_on": "2027-01-01"}, format="json")
    assert renewal.status_code == 201 and renewal.json()["renewal_of"] == agreement.pk
    assert renewal.json()["status"] == "draft" and Agreement.objects.count() == 2


def test_deliverables_tasks_and_the_timeline(records, org_a, partnership_a):
    client = api(org_a, "write")
    deliverable, task = records["deliverables"], records["tasks"]
    published = client.post(f"/api/v1/deliverables/{deliverable.pk}/status/",
                            {"status": "published", "url": "https://reddit.com/r/x"}, format="json")  # fmt: skip
    assert published.status_code == 200 and published.json()["published_at"]
    assert client.post(f"/api/v1/deliverables/{deliverable.pk}/status/", {"status": "gone"},
                       format="json").json().keys() == {"status"}  # fmt: skip
    done = client.post(f"/api/v1/tasks/{task.pk}/complete/")
    assert done.status_code == 200 and done.json()["is_done"]
    assert client.get("/api/v1/tasks/?done=true").json()["results"][0]["id"] == task.pk
    refused = client.post("/api/v1/activities/", {"partnership": partnership_a.pk, "kind": "stage_change",
                                                  "summary": "Moved"}, format="json")  # fmt: skip
    assert refused.status_code == 400 and "kind" in refused.json()
    logged = client.post("/api/v1/activities/", {"partnership": partnership_a.pk, "kind": "call",
                                                 "summary": "Intro call"}, format="json")  # fmt: skip
    assert logged.status_code == 201 and logged.json()["actor"] is None
    assert Task.objects.get().completed_at and Deliverable.objects.get().status == "published"


def test_mentions_and_measurements_read_with_their_filters(records, org_a, brand_a):
    client = api(org_a)
    absent = client.get(f"/api/v1/brand-mentions/?brand={brand_a.pk}&in_brand_absence=true").json()["results"]
    assert len(absent) == 1 and absent[0]["is_recommendation"] and absent[0]["text"] == "Inkwell is great."
    assert client.get("/api/v1/brand-mentions/?in_brand_absence=false").json()["results"] == []
    [measurement] = client.get(f"/api/v1/measurements/?brand={brand_a.pk}").json()["results"]
    assert measurement["document"]["mentions"]["total"] == 1


def test_a_signed_agreement_changes_through_a_new_version_the_creator_accepts_again(records, org_a, org_b):
    client = api(org_a, "write")
    signed = records["agreements"]
    unknown = client.post(f"/api/v1/agreements/{signed.pk}/new-version/", {"usage_rights": "forever"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["usage_rights"]
    same = client.post(f"/api/v1/agreements/{signed.pk}/new-version/", {}, format="json")
    assert same.status_code == 400  # a version that changes nothing is not a version
    assert api(org_b, "write").post(f"/api/v1/agreements/{signed.pk}/new-version/", {"usage_rights_days": 30},
                                    format="json").status_code == 404  # fmt: skip
    version = client.post(f"/api/v1/agreements/{signed.pk}/new-version/", {"usage_rights_days": 30}, format="json")
    assert version.status_code == 201, version.json()
    body = version.json()
    assert body["replaces"] == signed.pk and body["status"] == "draft" and body["usage_rights_days"] == 30
    signed.refresh_from_db()
    assert signed.status == AgreementStatus.SIGNED and signed.usage_rights_days is None  # in force until accepted
    again = client.post(f"/api/v1/agreements/{signed.pk}/new-version/", {"usage_rights_days": 60}, format="json")
    assert again.status_code == 400  # one new version waits for the creator at a time
