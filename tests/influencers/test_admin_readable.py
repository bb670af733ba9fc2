"""The admin as a workhorse: member scores read one community at a time, to two decimals, with the
reasons as a list and the measures behind them as lists; communities named as the pages name them."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from influencers.models import Community, MemberScore, Membership, Platform, RankingRun, RankingStatus

pytestmark = pytest.mark.django_db
SCORES = reverse("admin:influencers_memberscore_changelist")


@pytest.fixture
def two_ranked(make_identity):
    """Two communities, each ranked once: fountain pens (ranked last) and a Discord server."""
    pens = Community.objects.create(platform=Platform.REDDIT, external_id="fountainpens", name="fountainpens dump")
    guild = Community.objects.create(platform=Platform.DISCORD, external_id="7041", name="Sourdough Society")
    runs = {}
    for community, finished, handles in (
        (guild, datetime(2026, 11, 1, tzinfo=UTC), ["crumbshot", "levain"]),
        (pens, datetime(2026, 12, 1, tzinfo=UTC), ["sheen_queen", "nibmeister"]),
    ):
        run = RankingRun.objects.create(
            community=community, status=RankingStatus.COMPLETED, started_at=finished, finished_at=finished,
            window_start=finished.replace(month=finished.month - 6), window_end=finished,
            ranked_members=len(handles),
        )  # fmt: skip
        for rank, handle in enumerate(handles, start=1):
            membership = Membership.objects.create(identity=make_identity(handle), community=community)
            score = MemberScore.objects.create(
                run=run, membership=membership, rank=rank, score=0.876543 / rank, consistency=0.333333,
                embeddedness=0.5, alignment=0.1 / 3,
                reasons=["Active in 23 of the 26 weeks observed.", "Replied in <61> different threads."],
                details={"participation": {"active_weeks": 23, "presence": 0.8846153846153846},
                         "promotion": {"linked": ["shop.example", "blog.example"]}},
            )  # fmt: skip
            membership.latest_score = score
            membership.save()
        runs[community.pk] = run
    return pens, guild, runs


def rows(response) -> list[str]:
    return [score.membership.identity.handle for score in response.context["cl"].result_list]


def test_scores_show_one_community_the_last_ranked_by_default(client, manager_a, two_ranked):
    pens, guild, _ = two_ranked
    client.force_login(manager_a)
    response = client.get(SCORES)
    assert response.status_code == 200 and rows(response) == ["sheen_queen", "nibmeister"]
    html = response.content.decode()
    # The menu names every community by its label and offers no "All".
    menu = re.search(r"By community\s*</summary>\s*<ul>(.*?)</ul>", html, re.S).group(1)
    assert re.findall(r'<a href="\?community=(\d+)"', menu) == [str(pens.pk), str(guild.pk)]
    assert "r/fountainpens" in menu and "Sourdough Society" in menu and "All" not in menu
    assert re.search(rf'<li class="selected">\s*<a href="\?community={pens.pk}"', menu)
    other = client.get(SCORES, {"community": guild.pk})
    assert rows(other) == ["crumbshot", "levain"]


def test_a_runs_own_list_is_not_narrowed_to_the_default_community(client, manager_a, two_ranked):
    _, guild, runs = two_ranked
    client.force_login(manager_a)
    assert rows(client.get(SCORES, {"run__id__exact": runs[guild.pk].pk})) == ["crumbshot", "levain"]


def test_a_community_that_is_not_an_id_is_refused_not_a_500(client, manager_a, two_ranked):
    client.force_login(manager_a)
    response = client.get(SCORES, {"community": "x'; drop"})
    assert response.status_code == 302 and "e=1" in response.url


def test_scores_are_rounded_and_reasons_a_list(client, manager_a, two_ranked):
    client.force_login(manager_a)
    html = client.get(SCORES).content.decode()
    row = re.search(r"<tr>.*?sheen_queen.*?</tr>", html, re.S).group(0)
    cells = re.findall(r'<td class="field-(\w+)">(.*?)</td>', row, re.S)
    shown = dict(cells)
    figures = ("total_score", "consistency_score", "embeddedness_score", "alignment_score")
    assert tuple(shown[name] for name in figures) == (
        "0.88", "0.33", "0.50", "0.03",
    )  # fmt: skip
    assert shown["community"] == "r/fountainpens"
    assert shown["why"] == (
        "<ul><li>Active in 23 of the 26 weeks observed.</li><li>Replied in &lt;61&gt; different threads.</li></ul>"
    )


def test_a_score_page_shows_reasons_and_measures_as_lists_never_raw_json(client, manager_a, make_user, two_ranked):
    score = MemberScore.objects.get(membership__identity__handle="sheen_queen")
    url = reverse("admin:influencers_memberscore_change", args=[score.pk])
    for user in (manager_a, make_user("operator", is_superuser=True)):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<li>Active in 23 of the 26 weeks observed.</li>" in html
        # (PostgreSQL's jsonb keeps keys in an order of its own: each item is checked, not their order.)
        participation = re.search(r"<li>participation: <ul>(.*?)</ul></li>", html).group(1)
        assert sorted(re.findall(r"<li>(.*?)</li>", participation)) == ["active weeks: 23", "presence: 0.88"]
        assert "<li>linked: shop.example, blog.example</li>" in html
        assert "0.8846153846153846" not in html and '"active_weeks"' not in html
        assert 'name="reasons"' not in html and 'name="details"' not in html  # a snapshot is not edited


def test_memberships_one_community_at_a_time_with_rank_of_how_many(client, manager_a, two_ranked):
    pens, guild, _ = two_ranked
    client.force_login(manager_a)
    url = reverse("admin:influencers_membership_changelist")
    response = client.get(url, {"community": guild.pk})
    assert [m.identity.handle for m in response.context["cl"].result_list] == ["crumbshot", "levain"]
    html = response.content.decode()
    assert '<td class="field-rank">#1 of 2</td>' in html and '<td class="field-score">0.88</td>' in html
    assert '<td class="field-community_label">Sourdough Society</td>' in html
    # The community page's "members by rank" link lands on this filter.
    community_page = client.get(reverse("admin:influencers_community_change", args=[guild.pk])).content.decode()
    assert f'href="{url}?community={guild.pk}">2 members</a>' in community_page


def test_communities_runs_and_interactions_are_named_by_label(client, manager_a, two_ranked):
    client.force_login(manager_a)
    communities = client.get(reverse("admin:influencers_community_changelist")).content.decode()
    assert "r/fountainpens" in communities and "fountainpens dump" not in communities
    runs = client.get(reverse("admin:influencers_rankingrun_changelist")).content.decode()
    assert '<th class="field-community_label"><a href="' in runs and "r/fountainpens</a>" in runs


def test_rank_now_names_the_communities_it_queued(rf, make_user, two_ranked, django_capture_on_commit_callbacks):
    pens, guild, _ = two_ranked
    model_admin = admin.site._registry[Community]
    request = rf.post("/")
    request.user = make_user("operator", is_superuser=True)
    said = []
    model_admin.message_user = lambda request, text, level=None: said.append(text)
    with django_capture_on_commit_callbacks() as queued:
        model_admin.rank_now(request, Community.objects.filter(pk__in=[pens.pk, guild.pk]))
    assert said == ["Ranking queued for r/fountainpens, Sourdough Society (in the background)."]
    assert len(queued) == 2


def test_the_counts_view_of_the_filter_works_too(client, manager_a, two_ranked):
    client.force_login(manager_a)
    response = client.get(SCORES, {"_facets": "True"})
    assert response.status_code == 200 and rows(response) == ["sheen_queen", "nibmeister"]


def test_the_latest_ranking_by_default_every_one_on_request(client, manager_a, two_ranked, make_identity):
    pens, _, runs = two_ranked
    earlier = RankingRun.objects.create(
        community=pens, status=RankingStatus.COMPLETED, started_at=datetime(2026, 10, 1, tzinfo=UTC),
        finished_at=datetime(2026, 10, 1, tzinfo=UTC), window_start=datetime(2026, 4, 1, tzinfo=UTC),
        window_end=datetime(2026, 10, 1, tzinfo=UTC), ranked_members=1,
    )  # fmt: skip
    membership = Membership.objects.get(identity__handle="nibmeister")
    MemberScore.objects.create(run=earlier, membership=membership, rank=1, score=0.9, consistency=0.9,
                               embeddedness=0.9, alignment=0.9)  # fmt: skip
    client.force_login(manager_a)
    assert rows(client.get(SCORES)) == ["sheen_queen", "nibmeister"]
    assert rows(client.get(SCORES, {"ranking": "all"})) == ["sheen_queen", "nibmeister", "nibmeister"]
    assert rows(client.get(SCORES, {"run__id__exact": earlier.pk})) == ["nibmeister"]
    assert client.get(SCORES, {"ranking": "oldest"}).status_code == 302


def test_the_admins_community_list_links_each_community_to_its_page(client, manager_a, two_ranked):
    pens, guild, _ = two_ranked
    client.force_login(manager_a)
    html = client.get(reverse("admin:influencers_community_changelist")).content.decode()
    for community in (pens, guild):
        assert f'<a href="{reverse("community", args=[community.pk])}">open the page</a>' in html
