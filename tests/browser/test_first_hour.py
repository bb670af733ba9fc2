"""A partnership manager's first hour, in a real browser, from the navigation only (no address typed
after signing in): find a community, filter Discover by a word, add two members to a pipeline at
once, open one and read what they wrote, move one to Observing, write their agreement; then each
page of the walk at 390 px wide, none scrolling sideways."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from partnerships.models import Agreement, CommunityStance, Partnership, Stage, Stance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ranked_coffee(community, make_identity, make_interaction, brand_a):
    """Three members answering each other for six weeks; two of them talk about burr grinders."""
    alice, bob, carol = make_identity("alice"), make_identity("bob"), make_identity("carol")
    start = datetime(2026, 9, 7, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week)
        post = make_interaction(f"t3_{week}", alice, title=f"Which burr grinder for pour over, week {week}?", at=at)
        make_interaction(f"t1_{week}a", bob, kind="comment", parent=post, target=alice, text="My burr grinder", at=at)
        make_interaction(f"t1_{week}b", carol, kind="comment", parent=post, target=bob, text="Kettle first", at=at)
        make_interaction(f"t1_{week}c", alice, kind="comment", target=carol, text="Thanks both", at=at)
    call_command("rank", community.key, stdout=io.StringIO())
    CommunityStance.objects.create(brand=brand_a, community=community, stance=Stance.OBSERVING)
    return community


def test_the_first_hour_from_the_navigation(page, log_in, live_server, manager_a, ranked_coffee, brand_a):
    log_in(page, "manager-a")
    walked = []

    # Find the community from the navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    walked.append(page.url)
    page.get_by_role("link", name="r/fountainpens").first.click()
    expect(page.locator("h1")).to_contain_text("fountainpens")
    walked.append(page.url)

    # Discover, filtered by a word they use; two members added at once.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Discover").click()
    page.fill("#id_talks_about", "grinder")
    page.click("text=Show members")
    rows = page.locator("table.discover tbody tr")
    expect(rows).to_have_count(2)
    walked.append(page.url)
    for row in rows.all():
        row.locator("input[name=membership]").check()
    page.click("text=Add to pipeline")
    expect(page.locator(".messages")).to_contain_text("added to Inkwell's pipeline")
    assert Partnership.objects.filter(brand=brand_a, stage=Stage.DISCOVERED).count() == 2

    # Open one and read what they wrote.
    page.locator("table.discover tbody tr a.handle", has_text="alice").click()
    expect(page.locator("body")).to_contain_text("Which burr grinder for pour over, week 5?")
    walked.append(page.url)

    # The board: move alice on, to the next stage (Observing is offered first).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click()
    walked.append(page.url)
    page.get_by_label("Move alice to another stage").click()
    assert page.locator("select[name=stage]").input_value() == Stage.OBSERVING
    page.click("button:has-text('Move')")
    alice = Partnership.objects.get(brand=brand_a, creator__display_name="alice")
    for _ in range(50):  # the board saves the move in the background, without reloading
        alice.refresh_from_db()
        if alice.stage == Stage.OBSERVING:
            break
        page.wait_for_timeout(100)
    assert alice.stage == Stage.OBSERVING

    # Her partnership page: write the agreement (the creator keeps editorial control by default).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click()
    page.locator("a.creator", has_text="alice").click()
    page.wait_for_url(f"**/partnerships/{alice.pk}/")
    walked.append(page.url)
    page.fill("#id_starts_on", "2026-12-07")
    page.click("text=Write the agreement")
    expect(page.locator("body")).to_contain_text("creator keeps")
    agreement = Agreement.objects.get(partnership=alice)
    assert agreement.creator_keeps_editorial_control is True
    assert page.console_problems == []

    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = {}
    for url in walked:
        page.goto(url)
        width, screen = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width > screen:
            too_wide[url] = width
    assert too_wide == {}
