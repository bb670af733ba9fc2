"""The database refuses what must never happen in discovery data."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from influencers.models import Community, Identity, Interaction, MemberScore, Membership, RankingRun


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def run(community):
    return RankingRun.objects.create(
        community=community,
        algorithm_version="test",
        window_start=datetime(2026, 1, 1, tzinfo=UTC),
        window_end=datetime(2026, 6, 1, tzinfo=UTC),
    )


@pytest.fixture
def membership(community, make_identity):
    return Membership.objects.create(identity=make_identity("nibmeister"), community=community)


def score(run, membership, **overrides):
    values = {"rank": 1, "score": 0.5, "consistency": 0.5, "embeddedness": 0.5, "alignment": 0.5}
    return MemberScore.objects.create(run=run, membership=membership, **{**values, **overrides})


def test_reimporting_the_same_interaction_is_refused(community, make_identity, make_interaction):
    author = make_identity("nibmeister")
    make_interaction("t3_abc", author)
    refused(lambda: make_interaction("t3_abc", author, text="the same post again"))
    assert Interaction.objects.count() == 1


def test_same_external_id_in_another_community_is_a_different_interaction(community, make_identity, make_interaction):
    other = Community.objects.create(platform="reddit", external_id="pens", name="r/pens")
    author = make_identity("nibmeister")
    make_interaction("t3_abc", author)
    make_interaction("t3_abc", author, community=other)
    assert Interaction.objects.count() == 2


def test_unknown_interaction_kind_is_refused(make_identity, make_interaction):
    refused(lambda: make_interaction("t3_x", make_identity("a"), kind="retweet"))


def test_one_community_per_source(community):
    refused(lambda: Community.objects.create(platform="reddit", external_id="fountainpens", name="dupe"))


def test_one_identity_per_platform_account(make_identity):
    make_identity("nibmeister")
    refused(lambda: Identity.objects.create(platform="reddit", external_id="nibmeister", handle="again"))


def test_one_membership_per_identity_and_community(membership):
    refused(lambda: Membership.objects.create(identity=membership.identity, community=membership.community))


@pytest.mark.parametrize("field", ["score", "consistency", "embeddedness", "alignment"])
@pytest.mark.parametrize("value", [-0.01, 1.01])
def test_scores_outside_0_to_1_are_refused(run, membership, field, value):
    refused(lambda: score(run, membership, **{field: value}))


def test_scores_at_the_bounds_are_accepted(run, membership):
    score(run, membership, score=1.0, consistency=0.0, embeddedness=1.0, alignment=0.0)
    assert MemberScore.objects.count() == 1


def test_rank_starts_at_one(run, membership):
    refused(lambda: score(run, membership, rank=0))


def test_two_members_cannot_share_a_rank_in_one_run(run, membership, make_identity):
    score(run, membership, rank=1)
    other = Membership.objects.create(identity=make_identity("sheen_queen"), community=membership.community)
    refused(lambda: score(run, other, rank=1))


def test_ranking_window_must_not_end_before_it_starts(community):
    refused(
        lambda: RankingRun.objects.create(
            community=community,
            algorithm_version="test",
            window_start=datetime(2026, 6, 1, tzinfo=UTC),
            window_end=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
