"""The pipeline's writes as a manager meets them: a move sent twice is one move, a refusal names the
field it is about in words the page shows, and adding someone to the pipeline names who owns it.

Written against the survivors of a mutation run over ``partnerships/services/pipeline.py``
(docs/testing.md): each test fails when the rule it names is broken."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partnerships.models import Activity, ActivityKind, Partnership, Stage
from partnerships.services import partnership_move, partnership_move_refusal, pipeline_add

pytestmark = pytest.mark.django_db


def stage_changes(partnership: Partnership) -> list[tuple[str, str]]:
    return list(
        Activity.objects.filter(partnership=partnership, kind=ActivityKind.STAGE_CHANGE)
        .order_by("pk")
        .values_list("from_stage", "to_stage")
    )


def test_a_move_sent_again_is_one_move_and_answers_with_the_latest_entry_for_that_stage(partnership_a, manager_a):
    """Back to Outreach after Negotiating, then the same move once more (a double click, two
    people at once): the second changes nothing and returns the entry of the move just made,
    not the first time the partnership was in Outreach."""
    for stage in (Stage.OBSERVING, Stage.ENGAGING, Stage.OUTREACH, Stage.NEGOTIATING):
        partnership_move(partnership=partnership_a, to_stage=stage, actor=manager_a)
    first_outreach = Activity.objects.get(partnership=partnership_a, to_stage=Stage.OUTREACH)
    back = partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a, note="They wrote")
    assert back.pk != first_outreach.pk and (back.from_stage, back.body) == (Stage.NEGOTIATING, "They wrote")
    before = stage_changes(partnership_a)

    again = partnership_move(partnership=partnership_a, to_stage=Stage.OUTREACH, actor=manager_a, note="twice")
    assert again.pk == back.pk
    assert stage_changes(partnership_a) == before  # no second entry (nor webhook, which follows it)
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OUTREACH


def test_a_move_without_a_note_leaves_the_entry_s_text_empty(partnership_a, manager_a):
    moved = partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    assert (moved.summary, moved.body) == ("Moved from Discovered to Observing", "")


def test_a_refused_move_names_the_stage_field_with_the_reason(partnership_a, manager_a):
    with pytest.raises(ValidationError) as refused:
        partnership_move(partnership=partnership_a, to_stage=Stage.DECLINED, actor=manager_a)
    assert refused.value.message_dict == {"stage": ["Say why the partnership was declined."]}
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED and stage_changes(partnership_a) == []


def test_declining_asks_for_a_reason_unless_one_is_given_or_kept(partnership_a):
    said = "Say why the partnership was declined."
    assert partnership_move_refusal(partnership=partnership_a, to_stage=Stage.DECLINED) == said
    assert partnership_move_refusal(partnership=partnership_a, to_stage=Stage.DECLINED, reason="   ") == said
    assert partnership_move_refusal(partnership=partnership_a, to_stage=Stage.DECLINED, reason="Too pricey") is None
    partnership_a.close_reason = "Sells a competitor's ink"
    assert partnership_move_refusal(partnership=partnership_a, to_stage=Stage.DECLINED) is None


def test_adding_nobody_is_refused_naming_the_creator_field(brand_a, manager_a):
    with pytest.raises(ValidationError) as refused:
        pipeline_add(brand=brand_a, actor=manager_a)
    assert refused.value.message_dict == {"creator": ["Say whom to add."]}
    assert not Partnership.objects.exists()


@pytest.mark.parametrize("flag", ["is_bot", "is_deleted"])
def test_a_bot_or_deleted_account_is_refused_naming_it(brand_a, manager_a, make_identity, flag):
    account = make_identity("AutoModerator", **{flag: True})
    with pytest.raises(ValidationError) as refused:
        pipeline_add(brand=brand_a, actor=manager_a, identity=account)
    assert refused.value.message_dict == {"identity": ["AutoModerator is a bot or a deleted account."]}
    assert not Partnership.objects.exists()


def test_an_account_added_from_a_community_is_owned_by_who_added_it_and_concerns_that_community(
    brand_a, manager_a, make_identity, community
):
    account = make_identity("sheen_queen")
    partnership = pipeline_add(brand=brand_a, actor=manager_a, identity=account, community=community)
    assert (partnership.owner, partnership.stage) == (manager_a, Stage.DISCOVERED)
    assert list(partnership.communities.all()) == [community]
    account.refresh_from_db()
    assert partnership.creator == account.creator and account.creator.display_name == "sheen_queen"


def test_a_creator_added_without_a_community_concerns_none(brand_a, manager_a, creator):
    partnership = pipeline_add(brand=brand_a, actor=manager_a, creator=creator)
    assert partnership.creator == creator and partnership.owner == manager_a
    assert list(partnership.communities.all()) == []
