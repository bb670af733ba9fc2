"""The community insight page in a real browser: a manager reads the week's heatmap, works through
the readiness checklist and the observation log, and is told what is missing before the brand may
speak."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.insight.test_flat_channel_page import flat_slack_workspace
from tests.insight.test_page import talk_about_nibs

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_prepares_a_brand_on_the_insight_page_and_is_told_what_is_missing(
    page, log_in, live_server, manager_a, brand_a, community, make_identity, make_interaction
):
    from partnerships.models import CommunityStance, ObservationNote, ReadinessCheck

    talk_about_nibs(community, make_identity, make_interaction)
    log_in(page, "manager-a")
    page.goto(live_server.url + f"/communities/{community.pk}/")
    page.click("text=What this community is like →")
    expect(page.locator("h1")).to_have_text("What r/fountainpens is like")
    expect(page.locator("table.heatmap tbody td")).to_have_count(168)
    expect(page.locator("table.heatmap td[title='Monday 12:00–13:00: 2 messages']")).to_have_class("heat-9")  # busiest
    expect(page.locator("table.heatmap td[title='Monday 03:00–04:00: 0 messages']")).to_have_class("heat-0")
    expect(page.locator(".caution")).to_contain_text("first impressions")
    expect(page.locator("table.vocabulary mark").first).to_be_visible()

    brand = page.locator("article.readiness", has_text="Inkwell")
    brand.get_by_label("Read the community's rules, pinned posts and FAQ").check()
    brand.get_by_label("Know its own words and how members use them").check()
    brand.get_by_role("button", name="Save the checklist").click()
    expect(page.locator(".messages")).to_contain_text("Inkwell's checklist saved: 2 of 7 done.")
    expect(page).to_have_url(live_server.url + f"/communities/{community.pk}/insight/#readiness")
    expect(brand.get_by_label("Know its own words and how members use them")).to_be_checked()
    expect(brand.get_by_label("Asked the moderators", exact=False)).not_to_be_checked()

    brand.get_by_label("What you observed").fill("Links to shops get removed within the hour.")
    brand.get_by_role("button", name="Log the note").click()
    expect(page.locator(".messages")).to_contain_text(f"Observation of {date.today():%Y-%m-%d} logged for Inkwell.")
    expect(brand.locator("ol.observations")).to_contain_text("Links to shops get removed within the hour.")

    brand.get_by_label("Stance").select_option("contributing")
    brand.get_by_role("button", name="Set the stance").click()
    refusal = page.locator(".messages li.error")
    expect(refusal).to_contain_text("Stance: Inkwell is not ready to speak in r/fountainpens yet. Still to do:")
    expect(refusal).to_contain_text("Agreed how the brand's accounts say who they are")
    expect(refusal).to_contain_text("at least 3 notes (1 so far)")
    expect(brand.locator(".missing")).to_contain_text("Observe for at least 28 days")

    assert set(ReadinessCheck.objects.values_list("item", flat=True)) == {"rules", "vocabulary"}
    assert ObservationNote.objects.get().written_by == manager_a
    assert not CommunityStance.objects.filter(stance="contributing").exists()
    assert page.console_problems == []


def test_the_insight_page_fits_a_phone_screen_without_sideways_scrolling(
    chromium, live_server, manager_a, brand_a, community, make_identity, make_interaction, log_in
):
    talk_about_nibs(community, make_identity, make_interaction)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    log_in(phone, "manager-a")
    phone.goto(live_server.url + f"/communities/{community.pk}/insight/")
    expect(phone.locator("table.heatmap tbody td")).to_have_count(168)
    # The heatmap scrolls inside its own strip; the page itself must not.
    width = phone.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390


@pytest.mark.parametrize("width", [1440, 390])
def test_a_flat_slack_channel_reads_in_plain_words_with_the_figures_one_click_away(
    chromium, live_server, manager_a, make_identity, make_interaction, width, log_in
):
    from insight.adapter import refresh_insight

    flat_slack = flat_slack_workspace(make_identity, make_interaction)
    refresh_insight(flat_slack)
    context = chromium.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 500)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    log_in(page, "manager-a")
    page.goto(live_server.url + f"/communities/{flat_slack.pk}/insight/")
    rule = page.locator(".plainly.inferred")
    expect(rule).to_contain_text("Replies in flat channels are inferred")
    expect(rule).to_contain_text("8 messages were read as replies this way.")
    figures = page.locator("details.behind", has_text="By which rule")
    expect(figures.locator("p")).to_be_hidden()
    figures.locator("summary").click()
    expect(figures.locator("p")).to_contain_text("4 by naming the author, 4 by following within minutes")
    expect(page.locator("#highlights")).to_contain_text("Questions get a first answer in")
    expect(page.locator("#highlights")).not_to_contain_text("None of the")
    chart = page.locator("svg.monthly-chart")
    expect(chart.locator("text.tick", has_text="2026-03")).to_have_count(1)
    box = chart.bounding_box()
    assert box["height"] >= 100, box  # a chart a person can read, not a strip
    width_used = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=f"/tmp/insight-flat-{width}.png", full_page=True)
    context.close()
    assert width_used <= width
    assert problems == []
