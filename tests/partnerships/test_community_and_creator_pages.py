"""The community and creator pages, and "add to pipeline" from them."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from influencers.models import Community, Identity, MemberScore
from partnerships.models import Partnership, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(community, make_identity, make_interaction):
    """A small community, ranked: two members who answer each other, and a bot."""
    from datetime import UTC, datetime, timedelta

    alice, bob, bot = make_identity("alice", reach=12000, reach_kind="karma"), make_identity("bob"), make_identity(
        "helperbot", is_bot=True
    )  # fmt: skip
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week)
        post = make_interaction(f"t3_{week}", alice, title="Which nib for sketching?", at=at)
        make_interaction(f"t1_{week}a", bob, kind="comment", parent=post, target=alice, text="A fine nib", at=at)
        make_interaction(f"t1_{week}b", alice, kind="comment", target=bob, text="Thanks, the sheen too", at=at)
        make_interaction(f"t1_{week}c", bot, kind="comment", target=alice, text="Reminder: flair", at=at)
    call_command("rank", community.key, stdout=io.StringIO())
    return community


def test_the_community_page_lists_members_by_rank_with_components_reasons_and_reach(client, manager_a, ranked, brand_a):
    client.force_login(manager_a)
    response = client.get(reverse("community", args=[ranked.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    ranked_handles = [s.membership.identity.handle for s in response.context["members"]]
    assert set(ranked_handles) == {"alice", "bob"}  # the bot never ranks
    assert "12000 karma" in page and "never part of the score" in page
    assert 'aria-label="Consistency' in page and "Active in " in page
    assert len(response.context["weeks"]) == 6 and "Participation over time" in page
    assert "Add to Inkwell's pipeline" in page  # one brand: the button names it


def test_adding_a_ranked_member_creates_their_creator_and_a_partnership_in_discovered(
    client, manager_a, ranked, brand_a
):
    client.force_login(manager_a)
    bob = Identity.objects.get(handle="bob")
    response = client.post(
        reverse("pipeline-add"), {"identity": bob.pk, "brand": brand_a.pk, "community": ranked.pk, "next": "/"}
    )
    partnership = Partnership.objects.get(brand=brand_a)
    assert response.status_code == 302 and response.url == reverse("partnership", args=[partnership.pk])
    bob.refresh_from_db()
    assert partnership.creator == bob.creator and bob.creator.display_name == "bob"
    assert partnership.stage == Stage.DISCOVERED and list(partnership.communities.all()) == [ranked]
    assert partnership.owner == manager_a
    again = client.post(reverse("pipeline-add"), {"identity": bob.pk, "brand": brand_a.pk, "next": "/pipeline/"})
    assert again.url == "/pipeline/" and Partnership.objects.count() == 1
    messages = [str(m) for m in again.wsgi_request._messages]
    assert "already in Inkwell's pipeline (Discovered)" in messages[-1]


def test_bots_cannot_be_added_and_viewers_or_other_organizations_cannot_add(
    client, manager_a, viewer_a, manager_b, ranked, brand_a
):
    bot = Identity.objects.get(handle="helperbot")
    client.force_login(manager_a)
    client.post(reverse("pipeline-add"), {"identity": bot.pk, "brand": brand_a.pk})
    assert not Partnership.objects.exists()
    alice = Identity.objects.get(handle="alice")
    client.force_login(viewer_a)
    assert client.post(reverse("pipeline-add"), {"identity": alice.pk, "brand": brand_a.pk}).status_code == 403
    client.force_login(manager_b)
    assert client.post(reverse("pipeline-add"), {"identity": alice.pk, "brand": brand_a.pk}).status_code == 404
    assert not Partnership.objects.exists()


def test_the_creator_page_shows_accounts_communities_with_score_trend_and_own_partnerships(
    client, manager_a, manager_b, ranked, brand_a, brand_b
):
    from influencers.services import creator_link_identities

    alice = Identity.objects.get(handle="alice")
    creator = creator_link_identities(identities=[alice])
    Partnership.objects.create(brand=brand_a, creator=creator)
    Partnership.objects.create(brand=brand_b, creator=creator)
    call_command("rank", ranked.key, stdout=io.StringIO())  # a second ranking: a trend to show
    client.force_login(manager_a)
    response = client.get(reverse("creator", args=[creator.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "alice" in page and "12000 karma" in page and "(shown, never scored)" in page
    membership, trajectory = response.context["memberships"][0]
    assert membership.community == ranked and len(trajectory) == 2
    assert [p.brand for p in response.context["partnerships"]] == [brand_a]  # not the other organization's
    assert MemberScore.objects.filter(membership=membership).count() == 2


def test_pages_need_a_login_and_unknown_ones_are_404(client, manager_a):
    assert client.get(reverse("community", args=[1])).status_code == 302
    client.force_login(manager_a)
    assert client.get(reverse("community", args=[999])).status_code == 404
    assert client.get(reverse("creator", args=[999])).status_code == 404
    assert Community.objects.count() == 0


def get_ready(brand, community):
    from django.utils import timezone

    from partnerships import readiness
    from partnerships.models import ObservationNote, ReadinessItem

    for days_ago in (40, 20, 3):
        note = readiness.observation_note_add(
            brand=brand, community=community, text="Seen", observed_on=date.today() - timedelta(days=days_ago)
        )
        ObservationNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    for item in ReadinessItem.values:
        readiness.readiness_item_set(brand=brand, community=community, item=item, checked=True)


def test_a_manager_sets_a_brands_stance_and_norms_and_a_viewer_cannot(
    client, manager_a, viewer_a, manager_b, community, brand_a
):
    from partnerships.models import CommunityStance

    url = reverse("community-stance", args=[community.pk])
    client.force_login(manager_a)
    client.post(url, {"brand": brand_a.pk, "stance": "observing", "notes": "Weekly threads matter; no links."})
    stance = CommunityStance.objects.get(brand=brand_a, community=community)
    assert (stance.stance, stance.notes) == ("observing", "Weekly threads matter; no links.") and stance.since
    get_ready(brand_a, community)  # observed four weeks, logged, checklist ticked
    client.post(url, {"brand": brand_a.pk, "stance": "contributing"})  # notes kept when not sent
    stance.refresh_from_db()
    assert (stance.stance, stance.notes) == ("contributing", "Weekly threads matter; no links.")
    bad = client.post(url, {"brand": brand_a.pk, "stance": "shouting"})
    assert "Stance: Unknown stance 'shouting'." in [str(m) for m in bad.wsgi_request._messages]
    page = client.get(reverse("community", args=[community.pk])).content.decode()
    assert "Contributing since" in page and "Weekly threads matter; no links." in page
    client.force_login(viewer_a)
    assert client.post(url, {"brand": brand_a.pk, "stance": "partnered"}).status_code == 403
    client.force_login(manager_b)
    assert client.post(url, {"brand": brand_a.pk, "stance": "partnered"}).status_code == 404
    stance.refresh_from_db()
    assert stance.stance == "contributing"


def test_members_already_in_a_pipeline_show_it_instead_of_being_offered_again(
    client, manager_a, ranked, brand_a, org_a
):
    from influencers.models import Identity
    from partnerships.models import Brand
    from partnerships.services import pipeline_add

    other = Brand.objects.create(organization=org_a, name="Nibworks", slug="nibworks")
    alice = Identity.objects.get(handle="alice")
    partnership = pipeline_add(brand=brand_a, identity=alice, community=ranked)
    client.force_login(manager_a)
    response = client.get(reverse("community", args=[ranked.pk]))
    [alice_row] = [s for s in response.context["members"] if s.membership.identity.handle == "alice"]
    assert alice_row.pipelines == [partnership] and alice_row.addable == [other]
    page = response.content.decode()
    assert f'href="{reverse("partnership", args=[partnership.pk])}"' in page and "Inkwell: Discovered" in page
