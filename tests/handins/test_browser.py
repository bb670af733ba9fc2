"""The manager's side of handed-in work in a real browser at phone width (390 px): the section
reads, the forms work, the content security policy holds and nothing scrolls sideways.
Skipped without Playwright and chromium, failed under REQUIRE_BROWSER=1 (tests/browser/conftest.py)."""

import pytest

from partnerships.models import ReviewRights, ReviewState
from partnerships.services.handins import deliverable_hand_in
from tests.browser.conftest import chromium, log_in  # noqa: F401  the browser fixtures, shared

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(event.violatedDirective));
"""


@pytest.mark.django_db(transaction=True)
def test_a_manager_on_a_phone_asks_for_changes_then_approves(
    chromium,  # noqa: F811
    log_in,  # noqa: F811
    live_server,
    manager_a,
    partnership_a,
    make_terms,
    planned,
):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(
        partnership=partnership_a, deliverable=planned(), url="https://video.example/1", note="First cut"
    )
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.add_init_script(LISTEN)
    log_in(phone, "manager-a")
    phone.goto(f"{live_server.url}/partnerships/{partnership_a.pk}/#deliverable-{piece.pk}")
    item = phone.locator(f"#deliverable-{piece.pk}")
    assert "The creator’s note: First cut" in item.inner_text()
    assert "Waiting for the brand's approval" in item.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    item.get_by_role("button", name="Request changes").click()  # no note: refused, naming it
    phone.wait_for_load_state()
    assert "Note: Say what should change." in phone.locator("body").inner_text()
    item = phone.locator(f"#deliverable-{piece.pk}")
    item.get_by_label("Note to the creator").fill("Please name the ink in the title.")
    item.get_by_role("button", name="Request changes").click()
    phone.wait_for_load_state()
    assert (
        "Changes the brand asks for: Please name the ink in the title."
        in phone.locator(f"#deliverable-{piece.pk}").inner_text()
    )
    piece.refresh_from_db()
    assert piece.review_state == ReviewState.CHANGES_REQUESTED

    deliverable_hand_in(partnership=partnership_a, deliverable=piece, url="https://video.example/1", note="Named it")
    phone.reload()
    phone.locator(f"#deliverable-{piece.pk}").get_by_role("button", name="Approve").click()
    phone.wait_for_load_state()
    assert "Sheen ink comparison: approved." in phone.locator("body").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate("window.__violations") == []
    context.close()
    piece.refresh_from_db()
    assert (piece.review_state, piece.reviewed_by) == (ReviewState.APPROVED, manager_a)
