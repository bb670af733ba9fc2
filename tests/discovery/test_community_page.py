"""The community page: participation by week drawn with crm.charts (a quiet week stays a gap), and
the ranking said in a sentence with its figures in <details>."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from discovery.pages import participation_by_week, participation_summary
from graph.scoring import ALGORITHM_VERSION

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 1, 5, 12, tzinfo=UTC)


@pytest.fixture
def active(community, make_identity, make_interaction):
    """Three weeks with people in them, the middle one of five silent."""
    alice, bob, cleo = make_identity("alice"), make_identity("bob"), make_identity("cleo")
    for week, people in {0: [alice, bob], 1: [alice], 3: [alice, bob, cleo], 4: [bob]}.items():
        for person in people:
            make_interaction(f"w{week}-{person.handle}", person, text="Which nib?", at=MONDAY + timedelta(weeks=week))
    make_interaction("t1_x", bob, kind="comment", target=alice, text="A fine one", at=MONDAY)
    call_command("rank", community.key, stdout=io.StringIO())
    return community


def test_participation_keeps_quiet_weeks_and_is_said_in_a_sentence(active):
    weeks = participation_by_week(active)
    assert [(w.week.isoformat(), w.members, w.interactions) for w in weeks] == [
        ("2026-01-05", 2, 3), ("2026-01-12", 1, 1), ("2026-01-19", 0, 0), ("2026-01-26", 3, 3), ("2026-02-02", 1, 1),
    ]  # fmt: skip
    assert participation_summary(weeks) == (
        "Over these 5 weeks, a usual week saw 1 active member; the busiest, the week of 2026-01-26, saw 3. "
        "1 week had no activity at all."
    )


def test_the_page_draws_the_chart_and_says_the_ranking_before_its_figures(client, manager_a, active):
    client.force_login(manager_a)
    response = client.get(reverse("community", args=[active.pk]))
    chart = response.context["participation_chart"]
    assert [b.height for b in chart.bars] == [67, 33, 0, 100, 33] and [b.x for b in chart.bars] == [0, 12, 24, 36, 48]
    assert chart.bars[3].title == "Week of 2026-01-26: 3 active members, 3 interactions"
    page = response.content.decode()
    assert 'class="chart participation-chart"' in page and "<title>Week of 2026-01-19: 0 active members" in page
    sentence = response.context["ranking"]["sentence"]
    assert sentence.startswith("Ranked on what members did from ") and "3 members, the most embedded first" in sentence
    assert sentence in page.replace("&#x27;", "'")
    # The version is a detail, one click away, not in the sentence.
    assert ALGORITHM_VERSION not in sentence
    details = page[page.index("<summary>How this ranking was made</summary>") :]
    assert ALGORITHM_VERSION in details[: details.index("</details>")]
    assert "<h1>r/fountainpens <span" in page


def test_a_stance_change_names_the_community_as_the_pages_do(client, manager_a, active, brand_a):
    active.name = "fountainpens"  # as a Reddit dump names it; pages say r/fountainpens
    active.save()
    client.force_login(manager_a)
    response = client.post(
        reverse("community-stance", args=[active.pk]), {"brand": brand_a.pk, "stance": "observing"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Inkwell is now observing in r/fountainpens."]
