"""The creator's link in a real browser on a phone (390 px): open the link, read the proposal,
propose a change to the usage rights, (the manager takes it into a new version), accept the new
version with a typed name, hand in a deliverable's link, and see a payment become "paid" when the
manager marks it so on the partnership page, where each step shows. No page
is wider than the screen, and none breaks the content security policy (the console stays clean)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from partnerships.creator_portal.acceptance import counter_proposal_accept
from partnerships.creator_portal.links import creator_link_issue
from partnerships.models import AgreementStatus, CounterProposal, Deliverable, Payment
from tests.creator_portal.conftest import make_offer

pytestmark = pytest.mark.django_db(transaction=True)
WIDTH = 390


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_a_creator_reads_proposes_accepts_hands_in_and_sees_the_payment_paid(
    page, live_server, log_in, partnership_a, manager_a
):
    offer = make_offer(partnership_a)
    piece = Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Ink review on cheap paper")
    _, token = creator_link_issue(partnership=partnership_a, actor=manager_a)
    page.set_viewport_size({"width": WIDTH, "height": 844})

    page.goto(f"{live_server.url}/c/{token}/")
    page.wait_for_url(f"{live_server.url}/creator/")  # the token is gone from the address
    expect(page.get_by_role("heading", name="Inkwell")).to_be_visible()
    expect(page.get_by_text("The brand may reshare the content on its own channels")).to_be_visible()
    expect(page.get_by_text("A fee of 500.00 EUR, due when these terms are accepted.")).to_be_visible()
    fits(page)

    page.select_option("#id_term", "usage_rights")
    page.fill("#id_value", "None: the content stays the creator's")
    page.fill("#id_note", "My photos stay on my own channels.")
    page.get_by_role("button", name="Send my proposal").click()
    expect(page.get_by_text("Your proposal was sent to the brand.")).to_be_visible()
    expect(page.get_by_text("Waiting for the brand")).to_be_visible()
    fits(page)

    version = counter_proposal_accept(proposal=CounterProposal.objects.get(), actor=manager_a)
    page.reload()
    expect(page.get_by_text("None. The content stays the creator's; the brand does not reuse it.")).to_be_visible()
    page.fill("#id_full_name", "Ivy Lambert")
    page.get_by_role("button", name="I accept these terms").click()
    expect(page.get_by_text("Thank you: you accepted the terms.")).to_be_visible()
    expect(page.get_by_role("heading", name="The terms in force")).to_be_visible()
    version.refresh_from_db()
    assert version.status == AgreementStatus.SIGNED and version.acceptance.full_name == "Ivy Lambert"
    fits(page)

    page.get_by_text("Hand it in").click()
    page.fill(f"#url-{piece.pk}", "https://blog.example/ink-review")
    page.check(f"#url-{piece.pk} ~ label.tick input")
    page.get_by_role("button", name="Hand in", exact=True).first.click()
    expect(page.get_by_text("Handed in.", exact=False).first).to_be_visible()
    expect(page.get_by_text("Waiting for the brand's factual check")).to_be_visible()
    piece.refresh_from_db()
    assert piece.url == "https://blog.example/ink-review" and piece.handed_in_at is not None
    fits(page)

    # Accepting signed the terms, and the ledger wrote what they owe: the fee on signature.
    payment = Payment.objects.get(agreement=version, key="signature")
    page.reload()
    expect(page.locator(f'[data-payment="{payment.pk}"] .state')).to_have_text("Due")

    # The manager, on the partnership page, sees every step and marks the fee paid.
    manager = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(manager, "manager-a")
    manager.goto(f"{live_server.url}/partnerships/{partnership_a.pk}/")
    audit = manager.locator("#audit-title ~ .change")
    expect(audit.get_by_text("Accepted by Ivy Lambert", exact=False).first).to_be_visible()
    timeline = manager.locator("ol.timeline")
    expect(timeline.get_by_text("The creator proposed a change to the terms")).to_be_visible()
    expect(timeline.get_by_text("The creator's proposal taken into a new version")).to_be_visible()
    expect(timeline.get_by_text("The creator accepted the terms: Ivy Lambert")).to_be_visible()
    expect(timeline.get_by_text("Handed in by the creator: Ink review on cheap paper")).to_be_visible()
    row = manager.locator(f"#payment-{payment.pk}")
    row.get_by_text("Mark paid").click()
    row.locator("input[name=paid_on]").fill("2026-02-03")
    row.locator("input[name=reference]").fill("WIRE-2026-02")
    row.get_by_role("button", name="Paid").click()
    expect(manager.locator(f"#payment-{payment.pk}")).to_contain_text("ref. WIRE-2026-02")
    manager.context.close()

    page.reload()
    expect(page.locator(f'[data-payment="{payment.pk}"] .state')).to_have_text("Paid")
    expect(page.get_by_text("on 2026-02-03 (reference WIRE-2026-02)")).to_be_visible()
    fits(page)
    assert page.console_problems == []


# Chromium fires "securitypolicyviolation" for every blocked script, style, image or frame.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"}`);
});
"""


def test_the_manager_makes_the_link_and_answers_a_proposal_within_the_policy(
    page, live_server, log_in, manager_a, partnership_a
):
    offer = make_offer(partnership_a)
    page.add_init_script(LISTEN)
    log_in(page, "manager-a")
    page.goto(f"{live_server.url}/partnerships/{partnership_a.pk}/")
    expect(page.get_by_role("heading", name="The creator's link")).to_be_visible()
    page.get_by_role("button", name="Make a link").click()
    field = page.locator("#creator-link-url")
    expect(field).to_be_visible()
    url = field.input_value()
    assert url.startswith(f"{live_server.url}/c/")
    assert page.evaluate("window.__violations") == []

    creator = page.context.browser.new_context(viewport={"width": WIDTH, "height": 844})
    phone = creator.new_page()
    phone.add_init_script(LISTEN)
    phone.goto(url)
    phone.select_option("#id_term", "compensation_amount")
    phone.fill("#id_value", "750")
    phone.get_by_role("button", name="Send my proposal").click()
    expect(phone.get_by_text("Your proposal was sent to the brand.")).to_be_visible()
    assert phone.evaluate("window.__violations") == []
    fits(phone)

    page.goto(f"{live_server.url}/partnerships/{partnership_a.pk}/")
    expect(page.locator("li.proposal").get_by_text("Compensation amount: 500.00 → 750.00")).to_be_visible()
    expect(page.get_by_text("last used")).to_be_visible()
    page.get_by_role("button", name="Accept into a new draft").click()
    expect(page.get_by_text("New draft version")).to_be_visible()
    assert page.evaluate("window.__violations") == []
    assert offer.replaced_by.get().compensation_amount == Decimal("750")

    phone.reload()
    expect(phone.get_by_text("A fee of 750.00 EUR, due when these terms are accepted.")).to_be_visible()
    page.goto(f"{live_server.url}/partnerships/{partnership_a.pk}/")
    page.get_by_role("button", name="Revoke").click()
    phone.reload()
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert phone.evaluate("window.__violations") == [] and page.evaluate("window.__violations") == []
    creator.close()
