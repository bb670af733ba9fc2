"""A person who manages one organization and only views another writes only in the first.

Issue 17, item 3: a user who manages B and views A could POST partnerships, agreements,
deliverables, activities, tasks and referral links naming A's brand or partnership (201 each).
A record belongs to the organization of what it names, so naming A's objects is writing in A.
"""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from crm.models import OrganizationMember, Role
from partnerships.models import Activity, Agreement, Deliverable, Partnership, ReferralLink, Task


@pytest.fixture
def manages_b_views_a(make_user, org_a, org_b):
    user = make_user("manages-b-views-a", org_b, Role.MANAGER)
    OrganizationMember.objects.create(organization=org_a, user=user, role=Role.VIEWER)
    return user


@pytest.fixture
def client_of(manages_b_views_a):
    client = APIClient()
    client.force_authenticate(manages_b_views_a)
    return client


def bodies(brand, partnership, creator):
    """One create of each kind, naming ``brand`` or ``partnership``."""
    return {
        "/api/v1/partnerships/": {"brand": brand.pk, "creator": creator.pk},
        "/api/v1/agreements/": {"partnership": partnership.pk, "starts_on": "2026-01-01"},
        "/api/v1/deliverables/": {"partnership": partnership.pk, "title": "A review", "kind": "post"},
        "/api/v1/activities/": {"partnership": partnership.pk, "kind": "note", "summary": "Talked"},
        "/api/v1/tasks/": {"partnership": partnership.pk, "title": "Follow up"},
        "/api/v1/referral-links/": {
            "partnership": partnership.pk,
            "destination_url": "https://example.com/",
            "code": f"c{partnership.pk}",
        },
    }


MODELS = [Partnership, Agreement, Deliverable, Activity, Task, ReferralLink]


@pytest.fixture
def other_creator(db):
    from influencers.models import Creator

    return Creator.objects.create(display_name="Noor Haddad")


def test_naming_a_viewed_organizations_records_is_refused_and_writes_nothing(
    client_of, brand_a, partnership_a, other_creator
):
    before = {model: model.objects.count() for model in MODELS}
    for url, body in bodies(brand_a, partnership_a, other_creator).items():
        response = client_of.post(url, body, format="json")
        assert response.status_code == 403, (url, response.status_code, response.content)
        field = "brand" if url == "/api/v1/partnerships/" else "partnership"
        assert response.json()["detail"].startswith(f"{field}: you may view but not change"), response.json()
    assert {model: model.objects.count() for model in MODELS} == before


def test_the_same_person_writes_in_the_organization_they_manage(client_of, brand_b, partnership_b, other_creator):
    for url, body in bodies(brand_b, partnership_b, other_creator).items():
        response = client_of.post(url, body, format="json")
        assert response.status_code == 201, (url, response.status_code, response.content)


def test_stance_observations_and_checklist_of_a_viewed_brand_are_refused(client_of, brand_a, community):
    for path, body in [
        ("stance", {"brand": brand_a.pk, "stance": "observing"}),
        ("observations", {"brand": brand_a.pk, "text": "They welcome questions on Sundays.", "on": "2026-01-04"}),
        ("readiness/checklist", {"brand": brand_a.pk, "items": []}),
    ]:
        response = client_of.post(f"/api/v1/communities/{community.pk}/{path}/", body, format="json")
        assert response.status_code == 403, (path, response.content)


def test_a_partnership_owner_or_task_assignee_must_be_a_colleague_and_unknown_ids_say_nothing_more(
    client_of, make_user, brand_b, partnership_b, other_creator
):
    stranger = make_user("stranger-elsewhere")
    operator = make_user("operator", is_superuser=True)
    missing = max(stranger.pk, operator.pk) + 1000
    answers = []
    for person in (stranger.pk, operator.pk, missing):
        response = client_of.post("/api/v1/tasks/", {"partnership": partnership_b.pk, "title": "x", "assignee": person})
        assert response.status_code == 400
        answers.append(response.json()["assignee"][0].replace(str(person), "N"))
        response = client_of.post(
            "/api/v1/partnerships/", {"brand": brand_b.pk, "creator": other_creator.pk, "owner": person}, format="json"
        )
        assert response.status_code == 400
        assert "owner" in response.json()
    # The same words whether the person exists in another organization, is an operator, or does not exist.
    assert len(set(answers)) == 1, answers
    assert "stranger" not in answers[0] and "operator" not in answers[0]


def test_the_service_refuses_an_assignee_from_outside_without_naming_them(partnership_b, make_user):
    from django.core.exceptions import ValidationError

    from partnerships import services

    outsider = make_user("someone-from-elsewhere")
    with pytest.raises(ValidationError) as refused:
        services.task_create(partnership=partnership_b, title="Call", assignee=outsider, due_on=date(2026, 3, 1))
    assert "someone-from-elsewhere" not in str(refused.value)
