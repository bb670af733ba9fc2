"""The pages a manager works in, in a real browser: forms that write, and a phone-sized screen."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_plans_a_deliverable_adds_a_task_and_logs_a_call_on_the_partnership_page(
    page, log_in, live_server, manager_a, partnership_a
):
    from partnerships.models import Activity, Deliverable, Task

    log_in(page, "manager-a")
    page.goto(live_server.url + f"/partnerships/{partnership_a.pk}/")
    page.click("summary:has-text('Plan a deliverable')")
    page.fill("#deliverables-title ~ details form [name=title]", "Ink drying-time guide")
    page.select_option("#deliverables-title ~ details form [name=kind]", "thread")
    page.click("button:has-text('Plan it')")
    page.wait_for_selector("text=Deliverable planned: Ink drying-time guide")

    page.click("summary:has-text('Add a task')")
    page.fill("#tasks-title ~ details form [name=title]", "Send the sample inks")
    page.fill("#tasks-title ~ details form [name=due_on]", "2026-12-01")
    page.click("button:has-text('Add the task')")
    page.wait_for_selector("li:has-text('Send the sample inks') >> text=due 2026-12-01")

    page.click("summary:has-text('Log a call')")
    page.select_option("#timeline-title ~ details form [name=kind]", "call")
    page.fill("#timeline-title ~ details form [name=summary]", "Talked through the guide's outline")
    page.click("button:has-text('Log it')")
    page.wait_for_selector("ol.timeline >> text=Talked through the guide's outline")

    page.click("button:has-text('Done'):has-text('Send the sample inks')")
    page.wait_for_selector("text=Done: Send the sample inks")
    assert Deliverable.objects.get(partnership=partnership_a).kind == "thread"
    assert Task.objects.get(partnership=partnership_a).completed_at is not None
    assert Activity.objects.filter(partnership=partnership_a, kind="call", actor=manager_a).count() == 1
    assert page.console_problems == []


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    chromium, live_server, manager_a, partnership_a, community, ranked_creator, org_a, log_in
):
    from partnerships.models import Task

    creator = ranked_creator
    Task.objects.create(organization=org_a, partnership=partnership_a, assignee=manager_a, title="Follow up")

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    log_in(phone, "manager-a")
    overflowing = {}
    for path in (
        "/pipeline/", f"/partnerships/{partnership_a.pk}/", f"/communities/{community.pk}/",
        f"/creators/{creator.pk}/", "/tasks/",
    ):  # fmt: skip
        phone.goto(live_server.url + path)
        # The board's columns scroll inside their own strip; the page itself must not.
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            overflowing[path] = width
    context.close()
    assert overflowing == {}


def test_the_brand_page_and_its_depth_open_without_console_errors(
    page, log_in, live_server, manager_a, brand_a, community, make_identity, make_interaction
):
    from datetime import UTC, datetime

    from partnerships.measurement.services import brand_measure
    from partnerships.models import CommunityStance

    CommunityStance.objects.create(brand=brand_a, community=community)
    member = make_identity("member")
    for day, text in enumerate(["Inkwell is great for beginners.", "Inkwell bottles leak, avoid.", "Pens!"]):
        make_interaction(f"t3_{day}", member, title="Ink", text=text, at=datetime(2026, 1, 5 + day, tzinfo=UTC))
    brand_measure(brand=brand_a)
    log_in(page, "manager-a")
    page.click("nav >> text=Brands")
    page.click(f"a:has-text('{brand_a.name}')")
    page.wait_for_selector("#mentions-title")
    assert page.locator("svg.mentions-chart rect.absent").count() == 1  # one month of mentions
    assert "2" in page.locator(".figure .value").first.inner_text()
    page.click("button:has-text('Measure now')")
    page.wait_for_selector("text=Measuring Inkwell now")
    assert page.console_problems == []
