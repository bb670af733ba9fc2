"""Writing to a creator from the pages: compose, preview, send; the messages and do-not-contact on
the partnership's page; the outreach line on the board; the unfiled inbox; the unsubscribe link.

The send itself runs after commit (a transport other tests cover): here the page records the
message and queues its send, and nothing reaches a server.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from influencers.models import Creator
from partnerships import services as pipeline_services
from partnerships.models import Partnership, Stage
from partnerships.models.outreach import (
    Channel,
    ConsentSource,
    ContactAddress,
    DoNotContact,
    Message,
    MessageStatus,
    Sequence,
    SequenceStatus,
)
from partnerships.outreach import senders as senders_module
from partnerships.outreach import services as outreach_services
from partnerships.outreach.senders import sender_connect, template_save
from partnerships.outreach.services import do_not_contact_mark, unsubscribe_url

SECRET = "hunter2-app-password-Zq9"
LOGIN = "/admin/login/"
THREAD = "Why <script>alert(1)</script> & iron-gall inks fade"


@pytest.fixture(autouse=True)
def transport(monkeypatch):
    """Nothing leaves: were a send to run, the fake records it."""
    fake = SimpleNamespace(sent=[], check=lambda account: None)
    fake.send = lambda account, outgoing: fake.sent.append(outgoing)
    monkeypatch.setattr(senders_module, "transport_for", lambda channel: fake)
    monkeypatch.setattr(outreach_services, "transport_for", lambda channel: fake)
    return fake


@pytest.fixture
def mailbox(org_a):
    return sender_connect(
        organization=org_a, channel=Channel.EMAIL, secrets={"password": SECRET}, address="maya@inkwell.example",
        display_name="Maya at Inkwell", smtp_host="smtp.example.com", imap_host="imap.example.com",
        signature="Maya\nInkwell pens",
    )  # fmt: skip


@pytest.fixture
def engaging(partnership_a, manager_a, creator, make_identity, make_interaction):
    """Ivy, observed and engaged with (observe first), with a thread the brand read and a known address."""
    for stage in (Stage.OBSERVING, Stage.ENGAGING):
        pipeline_services.partnership_move(partnership=partnership_a, to_stage=stage, actor=manager_a)
    identity = make_identity("ivy_inks", creator=creator)
    make_interaction("t1", identity, title=THREAD, url="https://reddit.example/t1")
    ContactAddress.objects.create(
        organization=partnership_a.brand.organization, creator=creator, email="ivy@example.com"
    )
    return partnership_a


def _write(partnership) -> str:
    return reverse("outreach-write", args=[partnership.pk])


def _html(response) -> str:
    return response.content.decode()


def _compose(mailbox, **extra) -> dict:
    return {
        "sender": str(mailbox.pk), "to": "ivy@example.com", "thread": "", "subject": "Your thread: {{ their_thread }}",
        "body": "Hi {{ first_name }},\nI read {{ their_thread }}.\n{{ observation }}", "follow_ups": "0",
        "follow_up_days": "4", "follow_up_body": "", **extra,
    }  # fmt: skip


# --- compose ----------------------------------------------------------------------------------------
def test_compose_offers_the_senders_and_prefills_the_known_address(client, manager_a, engaging, mailbox):
    client.force_login(manager_a)
    html = _html(client.get(_write(engaging)))
    assert "Write to Ivy Lambert" in html
    assert f'<option value="{mailbox.pk}" selected>Maya at Inkwell &lt;maya@inkwell.example&gt;</option>' in html
    assert 'value="ivy@example.com"' in html
    assert "Reddit: u/ivy_inks (no Reddit sender connected)" in html
    assert "Why &lt;script&gt;alert(1)&lt;/script&gt; &amp; iron-gall inks fade" in html  # the thread menu
    assert "<script>alert(1)" not in html


def test_a_template_chosen_fills_the_form_without_javascript(client, manager_a, engaging, mailbox, org_b):
    template = template_save(
        organization=engaging.brand.organization, name="First", subject="About {{ their_thread }}",
        body="Hello {{ first_name }}", follow_up_body="Any thoughts?",
    )  # fmt: skip
    theirs = template_save(organization=org_b, name="B's", subject="B subject", body="B body")
    client.force_login(manager_a)
    html = _html(client.get(_write(engaging), {"template": template.pk}))
    assert 'value="About {{ their_thread }}"' in html and "Hello {{ first_name }}</textarea>" in html
    assert "Any thoughts?</textarea>" in html and 'name="follow_ups" value="2"' in html
    for other in (theirs.pk, "x", "٣"):  # another organization's, or not an id: an empty form
        page = client.get(_write(engaging), {"template": other})
        assert page.status_code == 200 and "B body" not in _html(page) and "Hello {{" not in _html(page)


def test_the_preview_shows_the_merged_text_escaped_and_warns_of_empty_fields(client, manager_a, engaging, mailbox):
    client.force_login(manager_a)
    page = client.post(_write(engaging), {**_compose(mailbox), "preview": "1"})
    html = _html(page)
    assert page.status_code == 200
    assert "Your thread: Why &lt;script&gt;alert(1)&lt;/script&gt; &amp; iron-gall inks fade" in html
    assert "Hi Ivy,<br>I read Why &lt;script&gt;" in html  # line breaks kept, HTML escaped
    assert "<br><br>Maya<br>Inkwell pens" in html  # signed as it will be sent
    assert "<script>alert(1)" not in html
    assert "Nothing is known for <code>{{ observation }}</code>" in html
    # "Send" posts the raw text again, merge fields and all.
    assert (
        'type="hidden" name="body" value="Hi {{ first_name }},\nI read {{ their_thread }}.\n{{ observation }}"' in html
    )
    assert 'name="send"' in html and 'name="edit"' in html
    assert not Message.objects.exists()
    engaging.refresh_from_db()
    assert engaging.stage == Stage.ENGAGING


def test_send_writes_the_message_moves_to_outreach_and_queues_the_send(
    client, manager_a, engaging, mailbox, django_capture_on_commit_callbacks
):
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(_write(engaging), {**_compose(mailbox, follow_ups="2", follow_up_body="Any news?"),
                                                  "send": "1"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/partnerships/{engaging.pk}/#messages-title"
    message = Message.objects.get()
    assert (message.status, message.to_address, message.partnership) == (
        MessageStatus.QUEUED,
        "ivy@example.com",
        engaging,
    )
    assert message.subject == f"Your thread: {THREAD}"
    assert message.body.startswith("Hi Ivy,\nI read Why <script>")
    assert len(queued) >= 1  # the send goes after commit
    engaging.refresh_from_db()
    assert engaging.stage == Stage.OUTREACH
    sequence = Sequence.objects.get()
    assert (sequence.follow_ups_planned, sequence.status) == (2, SequenceStatus.ACTIVE)
    page = _html(client.get(response["Location"]))
    assert "Written; it goes out in a moment" in page
    assert "Not sent yet: it goes out in a moment." in page and "Follow-ups: <strong>waiting for reply</strong>" in page
    assert "I read Why &lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_a_refusal_is_shown_next_to_its_field_and_keeps_what_was_typed(client, manager_a, engaging, mailbox):
    ContactAddress.objects.all().delete()
    client.force_login(manager_a)
    typed = _compose(mailbox, to="", body="Hi {{ first_name }},\nmy long careful note", send="1")
    response = client.post(_write(engaging), typed)
    html = _html(response)
    assert response.status_code == 400
    to_field = html[html.index('id="id_to"') - 600 : html.index('id="id_to"')]
    assert "Enter the creator&#x27;s email address." in to_field
    assert "Hi {{ first_name }},\nmy long careful note</textarea>" in html
    assert not Message.objects.exists()
    unknown = client.post(_write(engaging), {**_compose(mailbox, subject="For {{ nickname }}"), "preview": "1"})
    assert unknown.status_code == 400 and "Unknown field {{ nickname }}" in _html(unknown)
    assert 'value="For {{ nickname }}"' in _html(unknown)


def test_observe_first_refuses_the_send_as_it_refuses_the_move(client, manager_a, partnership_a, mailbox):
    ContactAddress.objects.create(organization=partnership_a.brand.organization, creator=partnership_a.creator,
                                  email="ivy@example.com")  # fmt: skip
    client.force_login(manager_a)
    response = client.post(_write(partnership_a), {**_compose(mailbox), "send": "1"})
    assert response.status_code == 400 and "Observe first" in _html(response)
    assert not Message.objects.exists()


def test_a_do_not_contact_creator_gets_no_form(client, manager_a, engaging, mailbox):
    do_not_contact_mark(organization=engaging.brand.organization, creator=engaging.creator,
                        source=ConsentSource.UNSUBSCRIBE)  # fmt: skip
    client.force_login(manager_a)
    html = _html(client.get(_write(engaging)))
    assert "Ivy Lambert asked not to be contacted by Brand Team A (used the unsubscribe link" in html
    assert 'name="subject"' not in html
    assert client.post(_write(engaging), {**_compose(mailbox), "send": "1"}).status_code == 400
    assert not Message.objects.exists()


def test_without_a_sender_the_page_says_where_to_connect_one(client, manager_a, engaging, mailbox):
    mailbox.is_active = False
    mailbox.save()
    client.force_login(manager_a)
    html = _html(client.get(_write(engaging)))
    assert (
        "has no sender switched on yet" in html
        and f'href="/outreach/?organization={engaging.brand.organization_id}"' in html
    )
    assert 'name="subject"' not in html


def test_compose_is_for_editors_of_the_partnerships_organization(client, viewer_a, manager_b, engaging, mailbox):
    url = _write(engaging)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    client.force_login(viewer_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {**_compose(mailbox), "send": "1"}).status_code == 403
    client.force_login(manager_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {**_compose(mailbox), "send": "1"}).status_code == 404
    assert not Message.objects.exists()


# --- the partnership page -----------------------------------------------------------------------------
def _message(partnership, sender, **fields) -> Message:
    defaults = {"organization": partnership.brand.organization, "partnership": partnership, "sender": sender,
                "creator": partnership.creator, "direction": "out", "channel": "email", "status": "sent",
                "to_address": "ivy@example.com", "subject": "Hello", "body": "Hi"}  # fmt: skip
    return Message.objects.create(**(defaults | fields))


def test_the_partnership_page_shows_each_message_as_text_with_its_state(client, manager_a, engaging, mailbox):
    at = timezone.make_aware(timezone.datetime(2026, 12, 5, 14, 3))
    _message(engaging, mailbox, subject="First", occurred_at=at)
    _message(engaging, mailbox, subject="Stuck", status="queued", problem="Not sent yet: the server did not answer.")
    _message(engaging, mailbox, subject="Bounced", status="failed", problem="Could not be sent: no such address.")
    _message(engaging, mailbox, direction="in", status="received", from_address="ivy@example.com", subject="Re: First",
             external_id="in-1", body="<img src=x onerror=alert(1)>\nthanks!\n" + "quoted line\n" * 40)  # fmt: skip
    Sequence.objects.create(partnership=engaging, sender=mailbox, status=SequenceStatus.STOPPED,
                            stop_reason="the creator asked not to be contacted")  # fmt: skip
    client.force_login(manager_a)
    html = _html(client.get(reverse("partnership", args=[engaging.pk])))
    assert "Sent 2026-12-05 14:03" in html
    assert "Not sent yet: the server did not answer." in html and "Could not be sent: no such address." in html
    assert "&lt;img src=x onerror=alert(1)&gt;<br>thanks!" in html and "<img src=x" not in html
    assert '<details class="message-body long">' in html  # the long reply folded
    assert "Follow-ups: <strong>stopped: the creator asked not to be contacted</strong>" in html
    assert f'href="/partnerships/{engaging.pk}/write/"' in html and "Mark do not contact" in html


def test_a_viewer_sees_the_messages_but_no_form(client, viewer_a, engaging, mailbox):
    _message(engaging, mailbox, subject="First")
    client.force_login(viewer_a)
    html = _html(client.get(reverse("partnership", args=[engaging.pk])))
    assert "First" in html and "Write to them" not in html and "Mark do not contact" not in html


def test_marking_do_not_contact_needs_a_reason_and_lifting_needs_one_too(client, manager_a, engaging, mailbox):
    client.force_login(manager_a)
    mark_url = reverse("outreach-do-not-contact", args=[engaging.pk])
    lift_url = reverse("outreach-do-not-contact-lift", args=[engaging.pk])
    assert "Ivy Lambert is not marked do-not-contact." in _html(client.post(lift_url, {"reason": "x"}, follow=True))
    html = _html(client.post(mark_url, {"reason": "  "}, follow=True))
    assert "Say why the creator is not to be contacted" in html and not DoNotContact.objects.exists()
    html = _html(client.post(mark_url, {"reason": "Asked me at the pen show"}, follow=True))
    mark = DoNotContact.objects.get()
    assert (mark.source, mark.note, mark.created_by) == (ConsentSource.MANAGER, "Asked me at the pen show", manager_a)
    assert "Do not contact: marked by a manager" in html and "Lift the mark" in html and "Write to them" not in html
    client.post(lift_url, {"reason": ""})
    assert DoNotContact.objects.exists()
    client.post(lift_url, {"reason": "She wrote to us first"})
    assert not DoNotContact.objects.exists()


def test_do_not_contact_forms_refuse_viewers_and_other_organizations(client, viewer_a, manager_b, engaging):
    urls = [
        reverse("outreach-do-not-contact", args=[engaging.pk]),
        reverse("outreach-do-not-contact-lift", args=[engaging.pk]),
    ]
    for user, status in ((viewer_a, 403), (manager_b, 404)):
        client.force_login(user)
        for url in urls:
            assert client.post(url, {"reason": "because"}).status_code == status, (user, url)
    assert not DoNotContact.objects.exists()


def test_the_creator_page_links_to_compose_for_editors_only(client, manager_a, viewer_a, engaging, creator):
    client.force_login(manager_a)
    assert _write(engaging) in _html(client.get(reverse("creator", args=[creator.pk])))
    client.force_login(viewer_a)
    assert _write(engaging) not in _html(client.get(reverse("creator", args=[creator.pk])))


# --- the board --------------------------------------------------------------------------------------------
def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pipeline")).status_code == 200
    return len(captured)


def test_board_cards_show_the_outreach_line_in_the_same_queries_for_1_or_10(
    client, manager_a, engaging, mailbox, brand_a, django_assert_num_queries
):
    Partnership.objects.filter(pk=engaging.pk).update(stage=Stage.OUTREACH)
    _message(engaging, mailbox)
    Sequence.objects.create(partnership=engaging, sender=mailbox, follow_ups_planned=2,
                            next_follow_up_at=timezone.now() + timedelta(days=2))  # fmt: skip
    client.force_login(manager_a)
    one = _board_queries(client)
    html = _html(client.get(reverse("pipeline")))
    assert '<span class="outreach">waiting for reply · follow-up in 2 days</span>' in html
    for n in range(9):
        other = Partnership.objects.create(brand=brand_a, creator=Creator.objects.create(display_name=f"C{n}"),
                                           stage=Stage.OUTREACH)  # fmt: skip
        _message(other, mailbox, direction="in", status="received", external_id=f"in-{n}")
    with django_assert_num_queries(one):
        html = _html(client.get(reverse("pipeline")))
    assert html.count('<span class="outreach">replied</span>') == 9


# --- the unfiled inbox --------------------------------------------------------------------------------------
@pytest.fixture
def unfiled(org_a, mailbox):
    return Message.objects.create(
        organization=org_a, sender=mailbox, direction="in", channel="email", status="received",
        from_address="stranger@example.com", subject="<b>Collab?</b>", body="Hello\n<script>x()</script>",
    )  # fmt: skip


def test_the_inbox_lists_unfiled_messages_as_text_with_where_to_file_them(client, manager_a, engaging, unfiled):
    client.force_login(manager_a)
    html = _html(client.get(reverse("outreach-inbox")))
    assert "&lt;b&gt;Collab?&lt;/b&gt;" in html and "Hello<br>&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>x()" not in html
    assert f'<option value="{engaging.pk}"' in html and "Ivy Lambert × Inkwell (Engaging)" in html
    assert "1 received message to file" in _html(client.get(reverse("outreach-settings")))


def test_filing_a_message_puts_it_on_the_partnerships_page(client, manager_a, engaging, unfiled):
    client.force_login(manager_a)
    response = client.post(reverse("outreach-inbox-file", args=[unfiled.pk]), {"partnership": engaging.pk})
    assert response.status_code == 302
    unfiled.refresh_from_db()
    assert unfiled.partnership == engaging
    assert "Received messages: none to file" in _html(client.get(reverse("outreach-settings")))
    assert "&lt;b&gt;Collab?&lt;/b&gt;" in _html(client.get(reverse("partnership", args=[engaging.pk])))


def test_filing_is_for_the_messages_own_organizations_editors(
    client, viewer_a, manager_b, engaging, unfiled, partnership_b
):
    url = reverse("outreach-inbox-file", args=[unfiled.pk])
    client.force_login(viewer_a)
    assert "File it" not in _html(client.get(reverse("outreach-inbox")))
    assert "Collab?" in _html(client.get(reverse("outreach-inbox")))
    assert client.post(url, {"partnership": engaging.pk}).status_code == 403
    client.force_login(manager_b)
    assert "Collab?" not in _html(client.get(reverse("outreach-inbox")))
    assert client.post(url, {"partnership": partnership_b.pk}).status_code == 404
    unfiled.refresh_from_db()
    assert unfiled.partnership is None


def test_a_partnership_of_another_organization_is_not_found_to_file_under(client, manager_a, unfiled, partnership_b):
    client.force_login(manager_a)
    assert (
        client.post(reverse("outreach-inbox-file", args=[unfiled.pk]), {"partnership": partnership_b.pk}).status_code
        == 404
    )
    assert client.post(reverse("outreach-inbox-file", args=[unfiled.pk]), {"partnership": "x"}).status_code == 302
    unfiled.refresh_from_db()
    assert unfiled.partnership is None


def test_anonymous_is_sent_to_log_in_from_the_inbox(client, unfiled):
    for response in (
        client.get(reverse("outreach-inbox")),
        client.post(reverse("outreach-inbox-file", args=[unfiled.pk])),
    ):
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- unsubscribe ------------------------------------------------------------------------------------------
def _unsubscribe_path(organization, creator) -> str:
    return unsubscribe_url(organization.pk, creator.pk).removeprefix("http://testserver")


def test_unsubscribe_asks_then_marks_and_shows_only_the_organizations_name(client, org_a, creator):
    path = _unsubscribe_path(org_a, creator)
    page = client.get(path)
    html = _html(page)
    assert page.status_code == 200 and "Stop messages from Brand Team A" in html
    assert "Ivy" not in html and '<form method="post">' in html
    assert not DoNotContact.objects.exists()
    done = client.post(path)
    assert done.status_code == 200 and "Brand Team A will not write to you again." in _html(done)
    mark = DoNotContact.objects.get()
    assert (mark.organization, mark.creator, mark.source) == (org_a, creator, ConsentSource.UNSUBSCRIBE)
    assert client.post(path).status_code == 200 and DoNotContact.objects.count() == 1


def test_one_click_unsubscribe_works_without_a_csrf_token(org_a, creator):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        _unsubscribe_path(org_a, creator),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert DoNotContact.objects.filter(organization=org_a, creator=creator).exists()


def test_a_bad_or_tampered_token_is_a_plain_404(client, org_a, creator):
    path = _unsubscribe_path(org_a, creator)
    token = path.split("/")[2]
    for bad in ("nope", token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token.upper()):
        for response in (client.get(f"/unsubscribe/{bad}/"), client.post(f"/unsubscribe/{bad}/")):
            assert response.status_code == 404
            assert "Brand Team A" not in _html(response)
    assert not DoNotContact.objects.exists()
