from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerships import services
from partnerships.models import Activity, Partnership, Stage


def test_a_move_is_recorded_in_the_timeline_with_who_from_and_to(partnership_a, manager_a):
    entry = services.partnership_move(
        partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a, note="Reading their guides"
    )
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OBSERVING
    assert partnership_a.stage_changed_at == entry.occurred_at
    assert (entry.from_stage, entry.to_stage, entry.actor, entry.body) == (
        Stage.DISCOVERED,
        Stage.OBSERVING,
        manager_a,
        "Reading their guides",
    )
    assert entry.organization == partnership_a.brand.organization


def test_observe_first_refuses_outreach_before_observing_and_says_why(partnership_a, manager_a):
    with pytest.raises(ValidationError) as refusal:
        services.partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a)
    assert "Observe first" in str(refusal.value)
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED
    assert not Activity.objects.exists()


def test_after_observing_outreach_is_allowed(partnership_a, manager_a):
    services.partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    services.partnership_move(partnership=partnership_a, to_stage=Stage.ENGAGING, actor=manager_a)
    services.partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a)
    assert Partnership.objects.get(pk=partnership_a.pk).stage == Stage.OUTREACH


def test_an_organization_can_turn_observe_first_off(partnership_a, manager_a):
    organization = partnership_a.brand.organization
    organization.require_observation_before_outreach = False
    organization.save()
    services.partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a)
    assert Partnership.objects.get(pk=partnership_a.pk).stage == Stage.OUTREACH


def test_declining_needs_a_reason(partnership_a, manager_a):
    with pytest.raises(ValidationError):
        services.partnership_move(partnership=partnership_a, to_stage=Stage.DECLINED, actor=manager_a)
    services.partnership_move(
        partnership=partnership_a, to_stage=Stage.DECLINED, actor=manager_a, reason="Wants no brand deals"
    )
    partnership_a.refresh_from_db()
    assert (partnership_a.stage, partnership_a.close_reason) == (Stage.DECLINED, "Wants no brand deals")
    assert partnership_a.ended_on is not None


def test_becoming_active_sets_the_start_date_once(partnership_a, manager_a):
    """The start date is when the collaboration first became active: a renewal, or an end and a
    new start, keeps it."""
    organization = partnership_a.brand.organization
    organization.require_observation_before_outreach = False
    organization.save()
    services.partnership_move(partnership=partnership_a, to_stage=Stage.ACTIVE, actor=manager_a)
    partnership_a.refresh_from_db()
    assert partnership_a.started_on == timezone.localdate()
    first_start = date(2025, 3, 1)  # it went active last year (say, before it was tracked here)
    Partnership.objects.filter(pk=partnership_a.pk).update(started_on=first_start)
    for stage in (Stage.RENEWAL, Stage.ACTIVE, Stage.ENDED, Stage.ACTIVE):
        services.partnership_move(partnership=partnership_a, to_stage=stage, actor=manager_a)
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.ACTIVE and partnership_a.started_on == first_start
    assert partnership_a.ended_on is None  # picked up again after ending


def test_adding_to_the_pipeline_twice_is_refused(brand_a, creator, manager_a):
    services.partnership_create(brand=brand_a, creator=creator, actor=manager_a)
    with pytest.raises(ValidationError):
        services.partnership_create(brand=brand_a, creator=creator, actor=manager_a)
    assert Partnership.objects.count() == 1
    assert Activity.objects.get().summary == "Added to the pipeline"
