"""Discover in a real browser: filter by a word, tick two members, add both to a pipeline at once,
and the page at 390 px (cards, nothing wider than the screen)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from influencers.models import MemberTerm
from partnerships.models import CommunityStance, Partnership, Stance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ranked_coffee(community, make_identity, make_interaction, brand_a):
    """Three members answering each other for six weeks; two talk about grinders. Ranked with the
    real command, which builds the vocabulary once the ranking commits. Inkwell watches here."""
    alice, bob, carol = make_identity("alice"), make_identity("bob"), make_identity("carol")
    start = datetime(2026, 9, 7, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week)
        post = make_interaction(f"t3_{week}", alice, title="Which burr grinder for pour over?", at=at)
        make_interaction(f"t1_{week}a", bob, kind="comment", parent=post, target=alice, text="My burr grinder", at=at)
        make_interaction(f"t1_{week}b", carol, kind="comment", parent=post, target=bob, text="Kettle first", at=at)
        make_interaction(f"t1_{week}c", alice, kind="comment", target=carol, text="Thanks both", at=at)
    call_command("rank", community.key, stdout=io.StringIO())
    CommunityStance.objects.create(brand=brand_a, community=community, stance=Stance.OBSERVING)
    assert MemberTerm.objects.filter(term="burr grinder").count() == 2
    return community


def test_filter_by_a_word_then_add_two_members_at_once_and_read_it_on_a_phone(
    page, log_in, live_server, manager_a, ranked_coffee, brand_a
):
    log_in(page, "manager-a")
    page.goto(live_server.url + "/discover/")
    expect(page.locator("table.discover tbody tr")).to_have_count(3)

    page.fill("#id_talks_about", "grinder")
    page.click("text=Show members")
    page.wait_for_url("**/discover/?*talks_about=grinder*")
    rows = page.locator("table.discover tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator(".handle").all_inner_texts()) == ["alice", "bob"]
    expect(rows.first.locator("mark")).to_have_text("grinder")

    for row in rows.all():
        row.locator("input[name=membership]").check()
    assert page.locator("#add-brand").input_value() == ""  # the brands watching: Inkwell here
    page.click("text=Add to pipeline")
    expect(page.locator(".messages")).to_contain_text("added to Inkwell's pipeline")
    assert "talks_about=grinder" in page.url  # back to the same list
    expect(page.locator("table.discover tbody tr .in-pipeline")).to_have_count(2)
    assert sorted(Partnership.objects.filter(brand=brand_a).values_list("creator__display_name", flat=True)) == [
        "alice",
        "bob",
    ]
    assert page.console_problems == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 390, widths
    assert page.locator("table.discover thead").is_hidden()  # cards, not columns
    card = page.locator("table.discover tbody tr").first
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(card.locator(".reach .label")).to_be_visible()  # each value says what it is
    filters_box = page.locator(".discover-filters").bounding_box()
    assert filters_box["x"] + filters_box["width"] <= 390


def test_a_viewer_sees_the_list_without_checkboxes(page, log_in, live_server, viewer_a, ranked_coffee):
    log_in(page, "viewer-a")
    page.goto(live_server.url + "/discover/?talks_about=kettle")
    expect(page.locator("table.discover tbody tr")).to_have_count(1)
    assert page.locator("input[name=membership]").count() == 0
    assert page.locator("#add-form").count() == 0
