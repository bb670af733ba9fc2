from datetime import UTC, datetime

from influencers import services
from influencers.models import Interaction, Membership


def at(day):
    return datetime(2026, 3, day, 12, tzinfo=UTC)


def test_a_reply_that_arrives_before_its_parent_is_linked_later(community, make_identity, make_interaction):
    asker, helper = make_identity("asker"), make_identity("helper")
    reply = make_interaction("c1", helper, kind="comment", parent_external_id="p1", at=at(2))
    services.interactions_link_parents(community=community)
    reply.refresh_from_db()
    assert reply.parent is None and reply.target is None
    post = make_interaction("p1", asker, at=at(1))
    services.interactions_link_parents(community=community)
    reply.refresh_from_db()
    assert reply.parent == post
    assert reply.target == asker


def test_membership_counts_follow_the_interactions_and_rerunning_changes_nothing(
    community, make_identity, make_interaction
):
    helper, asker = make_identity("helper"), make_identity("asker")
    make_interaction("p1", asker, at=at(1))
    make_interaction("c1", helper, kind="comment", at=at(3), parent_external_id="p1")
    make_interaction("c2", helper, kind="comment", at=at(9), parent_external_id="p1")
    make_interaction("r1", asker, kind="reaction", at=at(10), target=helper)
    assert services.community_memberships_refresh(community=community) == 2
    assert services.community_memberships_refresh(community=community) == 2
    membership = Membership.objects.get(identity=helper)
    assert (membership.first_seen_at, membership.last_seen_at) == (at(3), at(9))
    assert (membership.post_count, membership.reply_count, membership.reaction_count) == (0, 2, 0)
    assert Membership.objects.get(identity=asker).reaction_count == 1
    community.refresh_from_db()
    assert community.last_activity_at == at(10)
    assert Membership.objects.count() == 2


def test_interactions_without_a_known_author_make_no_membership(community, make_interaction):
    make_interaction("p1", None)
    assert services.community_memberships_refresh(community=community) == 0
    assert Interaction.objects.count() == 1
