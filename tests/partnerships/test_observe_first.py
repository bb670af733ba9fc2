"""Observe first means what it says: a partnership goes through Observing before Engaging (taking
part in the creator's threads) and before any talk of a deal. The rule lives in
``partnership_move_refusal``; the service, the move page, the board's script, the API and the admin
all refuse the shortcut with the same sentence."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from api.keys import api_key_create
from partnerships import services
from partnerships.models import Activity, ActivityKind, Partnership, Stage
from partnerships.models.pipeline import next_stage

SENTENCE = (
    "Observe first: at Brand Team A a partnership spends time in Observing, watching how Ivy Lambert "
    "takes part in the community, before Engaging. Move it to Observing first."
)


def _stage(partnership) -> str:
    return Partnership.objects.get(pk=partnership.pk).stage


def test_discovered_to_engaging_is_refused_with_a_sentence_saying_why(partnership_a, manager_a):
    with pytest.raises(ValidationError) as refusal:
        services.partnership_move(partnership=partnership_a, to_stage=Stage.ENGAGING, actor=manager_a)
    assert refusal.value.message_dict == {"stage": [SENTENCE]}
    assert _stage(partnership_a) == Stage.DISCOVERED
    assert not Activity.objects.filter(partnership=partnership_a, kind=ActivityKind.STAGE_CHANGE).exists()


def test_through_observing_engaging_and_outreach_are_allowed(partnership_a, manager_a):
    for stage in (Stage.OBSERVING, Stage.ENGAGING, Stage.OUTREACH):
        services.partnership_move(partnership=partnership_a, to_stage=stage, actor=manager_a)
    assert _stage(partnership_a) == Stage.OUTREACH
    moves = partnership_a.activities.filter(kind=ActivityKind.STAGE_CHANGE).order_by("occurred_at", "pk")
    assert [(m.from_stage, m.to_stage) for m in moves] == [
        (Stage.DISCOVERED, Stage.OBSERVING), (Stage.OBSERVING, Stage.ENGAGING), (Stage.ENGAGING, Stage.OUTREACH),
    ]  # fmt: skip


def test_engaging_reached_by_the_old_shortcut_does_not_count_as_observed(partnership_a, manager_a):
    """A partnership moved Discovered → Engaging before the rule covered it still has to observe
    before outreach: having been in Engaging is not having watched."""
    Partnership.objects.filter(pk=partnership_a.pk).update(stage=Stage.ENGAGING)
    partnership_a.refresh_from_db()
    with pytest.raises(ValidationError) as refusal:
        services.partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a)
    assert "before Outreach. Move it to Observing first." in refusal.value.message_dict["stage"][0]
    services.partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    services.partnership_move(partnership=partnership_a, to_stage=Stage.ENGAGING, actor=manager_a)
    assert _stage(partnership_a) == Stage.ENGAGING


def test_an_organization_without_observe_first_may_skip_observing(partnership_a, manager_a):
    organization = partnership_a.brand.organization
    organization.require_observation_before_outreach = False
    organization.save()
    services.partnership_move(partnership=partnership_a, to_stage=Stage.ENGAGING, actor=manager_a)
    assert _stage(partnership_a) == Stage.ENGAGING


def test_stepping_back_and_ending_need_no_observation(partnership_a, manager_a):
    assert services.partnership_move_refusal(partnership=partnership_a, to_stage=Stage.ENDED) is None
    assert services.partnership_move_refusal(partnership=partnership_a, to_stage=Stage.DECLINED, reason="No") is None
    assert services.partnership_move_refusal(partnership=partnership_a, to_stage=Stage.OBSERVING) is None


def test_the_move_page_and_the_boards_script_say_the_same_sentence(client, manager_a, partnership_a):
    client.force_login(manager_a)
    url = reverse("pipeline-move", args=[partnership_a.pk])
    page = client.post(url, {"stage": "engaging", "note": "Loved their guide"})
    assert page.status_code == 400
    assert page.context["error"] == SENTENCE
    script = client.post(url, {"stage": "engaging"}, HTTP_ACCEPT="application/json")
    assert script.status_code == 400 and script.json() == {"error": SENTENCE, "stage": "discovered"}
    assert _stage(partnership_a) == Stage.DISCOVERED


def test_the_api_says_the_same_sentence(org_a, partnership_a):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, scope='write')[1]}")
    response = api.post(f"/api/v1/partnerships/{partnership_a.pk}/move/", {"stage": "engaging"}, format="json")
    assert response.status_code == 400 and response.json() == {"stage": [SENTENCE]}
    assert _stage(partnership_a) == Stage.DISCOVERED


def test_the_admin_says_the_same_sentence(client, manager_a, partnership_a):
    client.force_login(manager_a)
    inlines = {}
    for prefix in ("agreements", "deliverables", "tasks", "referral_links", "activities", "activities-2"):
        inlines |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    url = reverse("admin:partnerships_partnership_change", args=[partnership_a.pk])
    form = {"brand": partnership_a.brand_id, "creator": partnership_a.creator_id, **inlines}
    refused = client.post(url, {**form, "stage": Stage.ENGAGING})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["stage"] == [SENTENCE]
    assert _stage(partnership_a) == Stage.DISCOVERED


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.DISCOVERED, Stage.OBSERVING), (Stage.OBSERVING, Stage.ENGAGING), (Stage.ENGAGING, Stage.OUTREACH),
        (Stage.NEGOTIATING, Stage.ACTIVE), (Stage.ACTIVE, Stage.RENEWAL), (Stage.RENEWAL, Stage.ACTIVE),
        (Stage.ENDED, Stage.OBSERVING), (Stage.DECLINED, Stage.OBSERVING),
    ],
)  # fmt: skip
def test_the_next_stage_is_the_next_column_a_renewal_renews_an_end_looks_again(stage, expected):
    assert next_stage(stage) == expected
