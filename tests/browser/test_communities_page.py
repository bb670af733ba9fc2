"""The communities list in a real browser: a manager finds a community by name and filter, opens
it, and the page fits a desk (1440 px) and a phone (390 px) without sideways scrolling."""

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

LONG_NAME = "Houston Data Visualization Meetup and Friends of Open Civic Data Slack export workspace"


@pytest.fixture
def communities(community, brand_a):
    from influencers.models import Community, Platform, RankingRun, RankingStatus, SyncRun, SyncSource, SyncStatus
    from partnerships.models import CommunityStance, Stance

    day = datetime(2026, 3, 2, 9, tzinfo=UTC)
    Community.objects.filter(pk=community.pk).update(last_activity_at=day)
    RankingRun.objects.create(
        community=community, status=RankingStatus.COMPLETED, algorithm_version="t", ranked_members=40,
        window_start=day - timedelta(days=365), window_end=day,
    )  # fmt: skip
    server = Community.objects.create(
        platform=Platform.DISCORD, external_id="748545324524575035", name="Ink Lovers", is_tracked=True
    )
    run = SyncRun.objects.create(source=SyncSource.DISCORD, status=SyncStatus.FAILED, finished_at=day)
    run.communities.add(server)
    Community.objects.create(platform=Platform.SLACK, external_id="T061A2UFL", name=LONG_NAME)
    CommunityStance.objects.create(brand=brand_a, community=community, stance=Stance.OBSERVING)
    return community


def test_a_manager_finds_a_community_by_name_and_filter_and_opens_it(page, log_in, live_server, manager_a, communities):
    log_in(page, "manager-a")
    page.goto(live_server.url + "/communities/")
    rows = page.locator("table.communities tbody tr")
    assert rows.count() == 3
    page.fill("input[name=q]", "r/fountain")
    page.click("button:has-text('Show')")
    page.wait_for_url("**/communities/?q=r%2Ffountain*")
    assert rows.count() == 1
    assert "Inkwell: observing" in rows.first.inner_text()
    page.select_option("select[name=platform]", "discord")
    page.fill("input[name=q]", "")
    page.click("button:has-text('Show')")
    page.wait_for_url("**platform=discord*")
    assert rows.count() == 1 and "Failed" in rows.first.inner_text()
    page.click("text=Clear filters")
    page.wait_for_url(live_server.url + "/communities/")
    assert rows.count() == 3
    page.click("table.communities a:has-text('r/fountainpens')")
    page.wait_for_url(live_server.url + f"/communities/{communities.pk}/")
    assert page.locator("h1").inner_text().startswith("r/fountainpens")
    assert page.console_problems == []


@pytest.mark.parametrize("width", [1440, 390])
def test_the_list_fits_the_screen_without_sideways_scrolling(chromium, live_server, manager_a, communities, width):
    context = chromium.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600)
    screen = context.new_page()
    problems = []
    screen.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    screen.goto(live_server.url + "/communities/")
    screen.fill("#id_username", "manager-a")
    screen.fill("#id_password", "pw")
    screen.click("input[type=submit]")
    screen.wait_for_url(live_server.url + "/communities/")  # back where the sign-in began
    for path in ("/communities/", "/communities/?q=knitting", "/communities/?sort=karma&platform=x"):
        screen.goto(live_server.url + path)
        assert screen.evaluate("document.documentElement.scrollWidth") <= width, path
    screen.goto(live_server.url + "/communities/")
    long_name = screen.locator(f"table.communities a:has-text('{LONG_NAME[:30]}')")
    box = long_name.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width  # the long name wraps inside the screen
    if width < 600:  # a card per community, each figure named
        labels = screen.locator("table.communities tbody tr").first.locator("td[data-label]")
        assert labels.count() == 4
        before = screen.evaluate(
            "getComputedStyle(document.querySelector('table.communities td[data-label]'), '::before').content"
        )
        assert before == '"Members ranked: "'
        assert screen.locator("table.communities thead").is_hidden()
    else:
        assert screen.locator("table.communities thead").is_visible()
    context.close()
    assert problems == []  # nothing refused by the content security policy
