"""Outreach in a real browser, against real mail servers on loopback (aiosmtpd and dovecot): a manager
writes to a creator in Observing from a template, sees the merged preview, sends, and sees the
message on the partnership; the creator answers (into the mailbox over IMAP, as the demo's
``demo_reply`` does); "Check for replies now" brings the answer onto the partnership, shown as text,
with the follow-ups "replied". Then the same pages at 390 px, none wider than the screen."""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from partnerships.models import Stage
from partnerships.models.outreach import Message, Sequence, SequenceStatus
from partnerships.outreach import senders
from partnerships.services import partnership_move
from tests.outreach.conftest import imap_server, mailbox, smtp_server  # noqa: F401 (the outreach tests' servers)

pytestmark = pytest.mark.django_db(transaction=True)

THREAD = "Which nib for a left-handed writer who presses hard?"
# What a creator might type: it must reach the page as these characters, never as markup.
ANSWER = "<b>Yes</b>, happy to talk <script>document.title='owned'</script> — what did you have in mind?"


@pytest.fixture
def observing(partnership_a, manager_a, community, make_identity, make_interaction, creator):
    identity = make_identity("ivy_writes", creator=creator)
    make_interaction("t3_ivy", identity, title=THREAD)
    partnership_a.communities.add(community)
    partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    return partnership_a


@pytest.fixture
def dana(org_a, manager_a, imap_server, smtp_server, mailbox):  # noqa: F811 (the fixtures imported)
    """A mailbox on the fake servers, connected as the settings page would (no page walked for it),
    with a template: the sender and the servers."""
    user, password = mailbox
    smtp_server.login = mailbox
    sender = senders.sender_connect(
        organization=org_a, channel="email", actor=manager_a, secrets={"password": password},
        address=f"{user}@example.com", display_name="Dana at Inkwell", username=user,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
        imap_host=imap_server.host, imap_port=imap_server.port, imap_security="none",
    )  # fmt: skip
    senders.template_save(
        organization=org_a, actor=manager_a, name="A first note, after observing",
        subject="Your thread “{{ their_thread }}”",
        body="Hi {{ first_name }},\n\nWe read your thread “{{ their_thread }}” in {{ community }}. "
        "You keep creative control; “no thanks” is a fine answer.\n\n{{ manager_name }}",
        follow_up_body="Hi {{ first_name }}, just checking this reached you.",
    )  # fmt: skip
    return SimpleNamespace(sender=sender, smtp=smtp_server, imap=imap_server, login=mailbox)


def test_write_from_a_template_then_the_reply_comes_back_and_stops_the_follow_ups(
    page, log_in, live_server, observing, dana
):
    log_in(page, "manager-a")
    walked = []
    page.goto(f"{live_server.url}/partnerships/{observing.pk}/")
    page.get_by_role("link", name="Write to them").first.click()
    walked.append(page.url)
    page.select_option("#template-choice", label="A first note, after observing")
    page.click("text=Use it")
    page.fill("#id_to", "ivy@example.com")
    page.click("button[name=preview]")
    preview = page.locator("section.preview")
    expect(preview).to_contain_text(f"Your thread “{THREAD}”")
    expect(preview).to_contain_text("Hi Ivy,")
    expect(preview).to_contain_text("You keep creative control")
    expect(preview).not_to_contain_text("{{")
    expect(preview).to_contain_text("2 follow-ups")
    walked.append(page.url)
    page.click("button[name=send]")

    # Sent (the task runs in-process after the page's commit) and on the partnership's page.
    page.wait_for_url(f"**/partnerships/{observing.pk}/**")
    walked.append(page.url)
    messages = page.locator("ol.messages-list")
    expect(messages).to_contain_text(f"Your thread “{THREAD}”")
    expect(messages.locator(".status-sent")).to_have_count(1)
    expect(page.locator("p.sequence")).to_contain_text("waiting for reply")
    [received] = dana.smtp.received
    assert received.rcpt_tos == ["ivy@example.com"] and "Hi Ivy," in received.message.get_content()

    # Ivy answers: her reply lands in the mailbox (IMAP APPEND) as the demo's demo_reply puts it.
    user, password = dana.login
    call_command(
        "demo_reply", str(observing.pk), "--text", ANSWER, "--imap-host", dana.imap.host,
        "--imap-port", str(dana.imap.port), "--user", user, "--password", password, stdout=io.StringIO(),
    )  # fmt: skip
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outreach").click()
    walked.append(page.url)
    page.click("text=Check for replies now")
    expect(page.locator(".messages")).to_contain_text("1 new reply, filed under its partnership.")

    page.goto(f"{live_server.url}/partnerships/{observing.pk}/")
    reply = page.locator("li.message.in")
    expect(reply).to_contain_text("<b>Yes</b>, happy to talk <script>")  # shown as the characters typed
    assert reply.locator(".message-body b, .message-body script").count() == 0
    assert page.title() != "owned"
    expect(page.locator("p.sequence")).to_have_text("Follow-ups: replied")
    assert Sequence.objects.get(partnership=observing).status == SequenceStatus.REPLIED
    assert Message.objects.get(direction="in").partnership_id == observing.pk
    assert page.console_problems == []

    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = {}
    for url in walked:
        page.goto(url)
        width, screen = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width > screen:
            too_wide[url] = width
    assert too_wide == {}
