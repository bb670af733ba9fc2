"""The communities list (/communities/): what a manager sees of each community, searching,
filtering and sorting, who may open it, and a constant number of queries whatever its length."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from influencers.models import Community, Platform, RankingRun, RankingStatus, SyncRun, SyncSource, SyncStatus
from partnerships.models import CommunityStance, Stance

pytestmark = pytest.mark.django_db
URL = "/communities/"
DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def ranked(community, members, *, on=DAY, status=RankingStatus.COMPLETED):
    return RankingRun.objects.create(
        community=community, status=status, algorithm_version="t", ranked_members=members,
        window_start=on - timedelta(days=365), window_end=on,
    )  # fmt: skip


def synced(community, status, *, finished=DAY):
    run = SyncRun.objects.create(source=SyncSource.DISCORD, status=status, finished_at=finished)
    run.communities.add(community)
    return run


@pytest.fixture
def places(community, brand_a, brand_b):
    """r/fountainpens (ranked twice, synced, Inkwell observing, Ridgeline of organization B partnered),
    a tracked Discord server with a failed sync, an unranked forum."""
    Community.objects.filter(pk=community.pk).update(last_activity_at=DAY, is_tracked=False)
    ranked(community, 12, on=DAY - timedelta(days=30))
    ranked(community, 40)
    ranked(community, 99, status=RankingStatus.FAILED)  # a failed run is not the community's ranking
    synced(community, SyncStatus.COMPLETED)
    server = Community.objects.create(
        platform=Platform.DISCORD, external_id="748545324524575035", name="Ink Lovers", is_tracked=True,
        last_activity_at=DAY - timedelta(days=3),
    )  # fmt: skip
    ranked(server, 7)
    synced(server, SyncStatus.COMPLETED, finished=DAY - timedelta(days=9))
    synced(server, SyncStatus.FAILED, finished=DAY - timedelta(days=1))
    forum = Community.objects.create(
        platform=Platform.DISCOURSE, external_id="https://forum.penhaven.example", name="Pen Haven"
    )
    CommunityStance.objects.create(brand=brand_a, community=community, stance=Stance.OBSERVING)
    CommunityStance.objects.create(brand=brand_b, community=community, stance=Stance.PARTNERED)
    CommunityStance.objects.create(brand=brand_a, community=server, stance=Stance.CONTRIBUTING)
    return {"pens": community, "server": server, "forum": forum}


def names(response) -> list[str]:
    return [row.community.label for row in response.context["rows"]]


def test_every_community_with_its_ranking_sync_activity_and_only_your_brands_stance(client, manager_a, places):
    client.force_login(manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert reverse("communities") == URL
    assert names(response) == ["Ink Lovers", "Pen Haven", "r/fountainpens"]
    rows = {row.community.label: row for row in response.context["rows"]}
    pens, server, forum = rows["r/fountainpens"], rows["Ink Lovers"], rows["Pen Haven"]
    assert (pens.community.ranked_members, pens.community.ranked_at) == (40, DAY)  # the newest completed run
    assert (server.community.last_sync_status, server.sync_status_label) == ("failed", "Failed")
    assert forum.community.ranked_members is None and forum.community.last_sync_status is None
    assert [(s.brand.name, s.stance) for s in pens.stances] == [("Inkwell", "observing")]  # not B's Ridgeline
    page = response.content.decode()
    assert "Ridgeline" not in page and "stance-partnered" not in page
    assert "Inkwell: observing" in page and "Inkwell: contributing" in page
    assert '40 <span class="muted date">on 2026-03-02</span>' in page
    assert '<span class="sync sync-failed">Failed</span> <span class="muted date">2026-03-01</span>' in page
    assert "not ranked yet" in page and "never synced" in page and "none imported" in page
    for community in places.values():
        assert f'href="/communities/{community.pk}/"' in page
        assert f'href="/communities/{community.pk}/insight/"' in page
    assert '<span class="badge tracked">tracked</span>' in page and "3 communities." in page


def test_search_by_name_or_as_the_pages_write_a_subreddit(client, viewer_a, places):
    client.force_login(viewer_a)
    assert names(client.get(URL, {"q": "ink"})) == ["Ink Lovers"]
    assert names(client.get(URL, {"q": "R/Fountain"})) == ["r/fountainpens"]
    assert names(client.get(URL, {"q": "fountainpens"})) == ["r/fountainpens"]
    response = client.get(URL, {"q": "knitting"})
    assert names(response) == [] and "No community matches these filters" in response.content.decode()
    assert "Nothing is named like “knitting”" in response.content.decode()


def test_filters_by_platform_tracked_ranking_and_your_brands_stance(client, manager_a, manager_b, places):
    client.force_login(manager_a)
    assert names(client.get(URL, {"platform": "discord"})) == ["Ink Lovers"]
    assert names(client.get(URL, {"tracked": "yes"})) == ["Ink Lovers"]
    assert names(client.get(URL, {"tracked": "no"})) == ["Pen Haven", "r/fountainpens"]
    assert names(client.get(URL, {"ranked": "yes"})) == ["Ink Lovers", "r/fountainpens"]
    assert names(client.get(URL, {"ranked": "no"})) == ["Pen Haven"]
    assert names(client.get(URL, {"stance": "observing"})) == ["r/fountainpens"]
    assert names(client.get(URL, {"stance": "contributing", "platform": "discord"})) == ["Ink Lovers"]
    assert names(client.get(URL, {"stance": "partnered"})) == []  # B's partnership is B's
    assert names(client.get(URL, {"stance": "none"})) == ["Pen Haven"]
    client.force_login(manager_b)  # organization B sees its own stance, never A's
    assert names(client.get(URL, {"stance": "partnered"})) == ["r/fountainpens"]
    assert names(client.get(URL, {"stance": "none"})) == ["Ink Lovers", "Pen Haven"]


def test_sorting(client, manager_a, places):
    Community.objects.create(platform=Platform.SLACK, external_id="T1", name="Aardvarks")
    client.force_login(manager_a)
    assert names(client.get(URL)) == ["Aardvarks", "Ink Lovers", "Pen Haven", "r/fountainpens"]
    # Ranked or active first, then the rest by name.
    assert names(client.get(URL, {"sort": "members"})) == ["r/fountainpens", "Ink Lovers", "Aardvarks", "Pen Haven"]
    assert names(client.get(URL, {"sort": "activity"})) == ["r/fountainpens", "Ink Lovers", "Aardvarks", "Pen Haven"]
    assert names(client.get(URL, {"sort": "sync"})) == ["Ink Lovers", "r/fountainpens", "Aardvarks", "Pen Haven"]
    assert names(client.get(URL, {"sort": "platform"})) == ["Ink Lovers", "Pen Haven", "r/fountainpens", "Aardvarks"]


def test_values_the_page_does_not_know_are_named_and_ignored_never_an_error(client, manager_a, places):
    client.force_login(manager_a)
    response = client.get(
        URL, {"platform": "myspace", "tracked": "maybe", "ranked": "<b>", "stance": "x", "sort": "karma", "page": "z"}
    )
    assert response.status_code == 200 and len(names(response)) == 3
    page = response.content.decode()
    assert "There is no platform &#x27;myspace&#x27;: showing every platform." in page
    assert "Tracked is yes or no, not &#x27;maybe&#x27;: showing both." in page
    assert "Ranking" in page and "&lt;b&gt;" in page and "<b>" not in page.split("<main")[1].split("</form>")[1]
    assert "The list cannot be sorted by &#x27;karma&#x27;: sorted by name." in page


def test_empty_states(client, manager_a):
    client.force_login(manager_a)
    page = client.get(URL).content.decode()
    assert "No communities imported yet" in page and "python manage.py ingest" in page
    Community.objects.create(platform=Platform.SLACK, external_id="T1", name="Trail Runners")
    page = client.get(URL, {"platform": "reddit"}).content.decode()
    assert "No community matches these filters" in page and "No communities imported yet" not in page


def test_only_signed_in_members_of_an_organization_see_it(client, make_user, viewer_a, places):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    client.force_login(make_user("stranger"))
    assert client.get(URL).status_code == 403
    client.force_login(viewer_a)
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_pages_keep_the_filters(client, manager_a, monkeypatch):
    monkeypatch.setattr("discovery.communities.COMMUNITIES_PER_PAGE", 2)
    for n in range(5):
        Community.objects.create(platform=Platform.REDDIT, external_id=f"pens{n}", name=f"r/pens{n}")
    client.force_login(manager_a)
    response = client.get(URL, {"platform": "reddit", "q": "pens", "page": 2})
    assert names(response) == ["r/pens2", "r/pens3"]
    page = response.content.decode()
    assert '<a href="?platform=reddit&amp;q=pens&amp;page=3">Next →</a>' in page
    assert '<a href="?platform=reddit&amp;q=pens&amp;page=1">← Previous</a>' in page
    assert "5 communities match, 3–4 shown." in page


def test_one_community_or_many_cost_the_same_queries(client, manager_a, brand_a, community):
    client.force_login(manager_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    def add(n):
        place = Community.objects.create(platform=Platform.DISCORD, external_id=f"g{n}", name=f"Server {n}")
        ranked(place, n + 1)
        synced(place, SyncStatus.COMPLETED)
        CommunityStance.objects.create(brand=brand_a, community=place)

    add(0)
    one = queries()
    for n in range(1, 12):
        add(n)
    assert queries() == one


def test_the_query_count_is_pinned(client, manager_a, brand_a, community, django_assert_num_queries):
    """Session, user, memberships, the count, the page, the stances: six, however many communities."""
    ranked(community, 3)
    CommunityStance.objects.create(brand=brand_a, community=community)
    client.force_login(manager_a)
    with django_assert_num_queries(6):
        client.get(URL)
    for n in range(20):
        Community.objects.create(platform=Platform.DISCORD, external_id=f"g{n}", name=f"Server {n}")
    with django_assert_num_queries(6):
        client.get(URL)
