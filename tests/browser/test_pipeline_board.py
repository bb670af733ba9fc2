"""The pipeline board in a real browser: drag, keyboard, refusals, persistence, no console errors."""

import pytest
from playwright.sync_api import expect

from partnerships.models import Partnership, Stage

pytestmark = pytest.mark.django_db(transaction=True)


def column(page, stage):
    return page.locator(f'.column[data-stage="{stage}"]')


def test_dragging_a_card_moves_it_and_the_move_survives_a_reload(page, log_in, live_server, manager_a, partnership_a):
    log_in(page, "manager-a")
    card = f"#card-{partnership_a.pk}"
    assert column(page, "discovered").locator(card).count() == 1
    page.drag_and_drop(card, '.column[data-stage="observing"]')
    expect(page.locator("#board-status")).to_contain_text("moved to Observing")
    assert column(page, "observing").locator(card).count() == 1
    assert column(page, "observing").locator("[data-count]").inner_text() == "1"
    page.reload()
    assert column(page, "observing").locator(card).count() == 1
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OBSERVING
    assert page.console_problems == []


def test_a_refused_move_snaps_back_and_says_why(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    card = f"#card-{partnership_a.pk}"
    page.drag_and_drop(card, '.column[data-stage="outreach"]')
    expect(page.locator("#board-status")).to_contain_text("Observe first")
    assert column(page, "discovered").locator(card).count() == 1
    assert column(page, "outreach").locator(card).count() == 0
    assert "was not moved: Observe first" in page.locator("#board-status").inner_text()
    assert Partnership.objects.get(pk=partnership_a.pk).stage == Stage.DISCOVERED


def test_the_keyboard_moves_a_card_through_its_move_dialog(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    page.locator(f"#card-{partnership_a.pk} a.move").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog")
    dialog.locator("select[name=stage]").select_option("observing")
    dialog.locator("textarea[name=note]").fill("Watching how they answer beginners")
    dialog.locator("button[value=move]").press("Enter")
    expect(page.locator("#board-status")).to_contain_text("moved to Observing")
    assert column(page, "observing").locator(f"#card-{partnership_a.pk}").count() == 1
    assert partnership_a.activities.latest("occurred_at").body == "Watching how they answer beginners"


def test_declining_by_drag_asks_for_a_reason(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    card = f"#card-{partnership_a.pk}"
    page.drag_and_drop(card, '.column[data-stage="declined"]')
    dialog = page.locator("#move-dialog")
    dialog.locator("input[name=reason]").fill("Their community is not ours")
    dialog.locator("button[value=move]").click()
    expect(page.locator("#board-status")).to_contain_text("moved to Declined")
    partnership_a.refresh_from_db()
    assert (partnership_a.stage, partnership_a.close_reason) == (Stage.DECLINED, "Their community is not ours")


def test_a_viewer_sees_the_board_without_drag_handles(page, log_in, viewer_a, partnership_a):
    log_in(page, "viewer-a")
    card = page.locator(f"#card-{partnership_a.pk}")
    assert card.get_attribute("draggable") is None
    assert card.locator("a.move").count() == 0
    assert page.console_problems == []


def test_filters_update_the_board_in_place(page, log_in, live_server, manager_a, partnership_a):
    log_in(page, "manager-a")
    page.fill("#search", "nobody-has-this-name")
    expect(page.locator(f"#card-{partnership_a.pk}")).to_have_count(0)
    assert "q=nobody-has-this-name" in page.url
    page.fill("#search", "")
    page.wait_for_selector(f"#card-{partnership_a.pk}")
    page.goto(live_server.url + f"/pipeline/{partnership_a.pk}/move/")
    assert page.locator("h1").inner_text().startswith("Move ")
    assert page.console_problems == []


def test_a_card_opens_the_partnership_page_without_console_errors(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    page.click(f"#card-{partnership_a.pk} a.creator")
    page.wait_for_url(f"**/partnerships/{partnership_a.pk}/")
    assert page.locator("h1").inner_text().startswith(partnership_a.creator.display_name)
    assert page.locator("#control-title").is_visible()
    assert page.console_problems == []


def test_my_tasks_marks_a_task_done_in_the_browser(page, log_in, live_server, manager_a, org_a, partnership_a):
    from partnerships.models import Task

    task = Task.objects.create(
        organization=org_a, title="Ask about the meetup", assignee=manager_a, partnership=partnership_a
    )
    log_in(page, "manager-a")
    page.click("nav >> text=My tasks")
    page.wait_for_url(live_server.url + "/tasks/")
    page.click("button[aria-label='Mark “Ask about the meetup” done']")
    page.wait_for_selector("text=Done: Ask about the meetup")
    task.refresh_from_db()
    assert task.completed_at is not None
    assert page.console_problems == []


def test_community_and_creator_pages_open_without_console_errors(
    page, log_in, live_server, manager_a, brand_a, community, ranked_creator
):
    creator = ranked_creator
    log_in(page, "manager-a")
    page.goto(live_server.url + f"/communities/{community.pk}/")
    assert page.locator("table.members tbody tr").count() == 2
    page.click("table.members >> text=alice")
    page.wait_for_url(live_server.url + f"/creators/{creator.pk}/")
    page.click("button:has-text('Add to Inkwell')")
    page.wait_for_selector("text=added to Inkwell's pipeline")
    assert page.console_problems == []


# --- the board's comforts (issue 19) ----------------------------------------------------------------


def test_new_partnership_from_the_board_finds_by_handle_and_adds(
    page, log_in, live_server, manager_a, brand_a, community, make_identity
):
    from influencers.models import Membership

    Membership.objects.create(identity=make_identity("sheen_queen"), community=community)
    log_in(page, "manager-a")
    page.click("text=+ New partnership")
    page.wait_for_url(live_server.url + "/pipeline/new/")
    page.fill("#who-search", "sheen")
    page.click("button:has-text('Find')")
    page.wait_for_selector("text=1 found for “sheen”")
    person = page.locator("label.person")
    expect(person).to_contain_text("sheen_queen")
    expect(person).to_contain_text("r/fountainpens")
    assert page.locator("input[name=who]").is_checked()  # the only one found is chosen
    assert page.locator("select[name=community]").input_value() == str(community.pk)
    page.click("button:has-text('Add to the pipeline')")
    page.wait_for_selector("text=added to Inkwell's pipeline, in Discovered")
    partnership = Partnership.objects.get(brand=brand_a)
    assert page.url == live_server.url + f"/partnerships/{partnership.pk}/"
    assert list(partnership.communities.all()) == [community] and partnership.stage == Stage.DISCOVERED
    page.goto(live_server.url + "/pipeline/")
    card = page.locator(f"#card-{partnership.pk}")
    expect(card.locator("a.community")).to_have_text("r/fountainpens")
    card.locator("a.community").click()
    page.wait_for_url(live_server.url + f"/communities/{community.pk}/")
    assert page.console_problems == []


def test_the_move_dialog_offers_the_next_stage_so_one_click_moves_forward(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    page.locator(f"#card-{partnership_a.pk} a.move").click()
    dialog = page.locator("#move-dialog")
    assert dialog.locator("select[name=stage]").input_value() == "observing"
    dialog.locator("button[value=move]").click()
    expect(page.locator("#board-status")).to_contain_text("moved to Observing")
    page.locator(f"#card-{partnership_a.pk} a.move").click()
    assert dialog.locator("select[name=stage]").input_value() == "engaging"
    dialog.locator("button[value=move]").click()
    expect(page.locator("#board-status")).to_contain_text("moved to Engaging")
    assert Partnership.objects.get(pk=partnership_a.pk).stage == Stage.ENGAGING
    assert page.console_problems == []


def test_a_refused_decline_keeps_the_note_typed_in_the_dialog(page, log_in, manager_a, partnership_a):
    log_in(page, "manager-a")
    page.locator(f"#card-{partnership_a.pk} a.move").click()
    dialog = page.locator("#move-dialog")
    dialog.locator("select[name=stage]").select_option("declined")
    dialog.locator("textarea[name=note]").fill("They said no brand deals this year")
    dialog.locator("button[value=move]").click()
    expect(dialog.locator("[data-error]")).to_have_text("Say why the partnership was declined.")
    assert dialog.is_visible()
    assert dialog.locator("textarea[name=note]").input_value() == "They said no brand deals this year"
    assert dialog.locator("select[name=stage]").input_value() == "declined"
    dialog.locator("input[name=reason]").fill("No brand deals this year")
    dialog.locator("button[value=move]").click()
    expect(page.locator("#board-status")).to_contain_text("moved to Declined")
    partnership_a.refresh_from_db()
    assert (partnership_a.stage, partnership_a.close_reason) == (Stage.DECLINED, "No brand deals this year")
    assert partnership_a.activities.latest("occurred_at").body == "They said no brand deals this year"


def test_the_board_and_the_new_partnership_page_fit_a_phone(chromium, live_server, manager_a, brand_a, creator, log_in):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    log_in(phone, "manager-a")
    widths = {}
    for path in ("/pipeline/", "/pipeline/new/", "/pipeline/new/?q=ivy"):
        phone.goto(live_server.url + path)
        widths[path] = phone.evaluate("document.documentElement.scrollWidth")
    button = phone.locator("button:has-text('Add to the pipeline')").bounding_box()
    brand = phone.locator("select[name=brand]").bounding_box()
    context.close()
    assert widths == {"/pipeline/": 390, "/pipeline/new/": 390, "/pipeline/new/?q=ivy": 390}
    assert button["x"] >= 0 and button["x"] + button["width"] <= 390
    assert brand["x"] + brand["width"] <= 390
