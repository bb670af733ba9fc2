"""Outreach end to end against real servers on loopback: the product writes through SMTP (aiosmtpd),
files a copy in Sent and reads the creator's reply over IMAP (dovecot); the reply lands on the
timeline and cancels the follow-up. Faults: the mail server down (not sent yet, then sent once),
a worker SIGKILLed in the middle of a send (sent once), hostile and foreign-charset replies."""

from __future__ import annotations

import signal
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone

from partnerships.models import Stage
from partnerships.models.outreach import Message, MessageStatus, Sequence, SequenceStatus
from partnerships.outreach import senders, services
from partnerships.outreach.tasks import send_message
from partnerships.services import partnership_move
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until


@pytest.fixture
def connected(org_a, manager_a, imap_server, smtp_server, mailbox):
    user, password = mailbox
    smtp_server.login = mailbox
    return senders.sender_connect(
        organization=org_a, channel="email", actor=manager_a, secrets={"password": password},
        address=f"{user}@example.com", display_name="Maya at Inkwell", username=user,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
        imap_host=imap_server.host, imap_port=imap_server.port, imap_security="none", daily_cap=50,
    )  # fmt: skip


@pytest.fixture
def observed(partnership_a, manager_a):
    partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    return partnership_a


def write(partnership, sender, actor, **extra):
    return services.message_write(
        partnership=partnership, sender=sender, actor=actor, subject="Your nib grinds",
        body="Hi {{ first_name }},\n\nWe read your threads on grinds.", to="ivy@example.com", **extra,
    )  # fmt: skip


def reply_to(message: Message, text: str, *, charset: str = "utf-8", subject: str = "") -> bytes:
    reply = EmailMessage()
    reply["From"] = "Ivy Lambert <ivy@example.com>"
    reply["To"] = message.from_address
    reply["Subject"] = subject or f"Re: {message.subject}"
    reply["Date"] = format_datetime(timezone.now())
    reply["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
    reply["In-Reply-To"] = message.message_id
    reply["References"] = message.message_id
    reply.set_content(text, charset=charset)
    return bytes(reply)


def test_a_message_goes_out_and_the_reply_comes_back_cancelling_the_follow_up(
    observed, connected, manager_a, smtp_server, imap_server, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = write(observed, connected, manager_a, follow_ups=2, follow_up_days=3, follow_up_body="Any thoughts?")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.problem
    [received] = smtp_server.received
    assert received.rcpt_tos == ["ivy@example.com"]
    assert received.message["Message-ID"] == message.message_id
    assert received.message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
    assert "Hi Ivy," in received.message.get_content()
    # The creator answers; the next reading of the inbox files it under the partnership.
    imap_server.deliver(*mailbox, reply_to(message, "Happy to talk — what did you have in mind?"))
    assert services.inbox_read(sender=connected)["matched"] == 1
    reply = Message.objects.get(direction="in")
    assert reply.partnership == observed
    assert reply.body.startswith("Happy to talk")
    assert Sequence.objects.get().status == SequenceStatus.REPLIED
    assert services.follow_ups_write(now=timezone.now() + timedelta(days=30)) == 0
    assert services.inbox_read(sender=connected)["stored"] == 0  # nothing read twice
    assert len(smtp_server.received) == 1


def test_the_mail_server_down_leaves_the_message_not_sent_yet_then_it_goes_once(
    observed, connected, manager_a, smtp_server
):
    message = write(observed, connected, manager_a)
    smtp_server.stop()
    assert services.message_deliver(message_id=message.pk) == MessageStatus.QUEUED
    message.refresh_from_db()
    assert message.problem.startswith("Not sent yet: ") and "trying again at" in message.problem
    smtp_server.start()  # back, on the same port
    assert services.message_deliver(message_id=message.pk) is None  # not before its time
    assert services.message_deliver(message_id=message.pk, now=message.next_attempt_at) == MessageStatus.SENT
    assert len(smtp_server.received) == 1


def test_a_refused_address_is_shown_with_the_reason(observed, connected, manager_a, smtp_server):
    smtp_server.refused = {"ivy@example.com"}
    message = write(observed, connected, manager_a)
    assert services.message_deliver(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert "ivy@example.com" in message.problem and message.problem.startswith("Could not be sent: ")


def test_a_reply_in_another_charset_and_a_hostile_one_are_stored_as_text(
    observed, connected, manager_a, imap_server, mailbox
):
    message = write(observed, connected, manager_a)
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    imap_server.deliver(*mailbox, reply_to(message, "Très volontiers, à bientôt", charset="iso-8859-1"))
    hostile = EmailMessage()
    hostile["From"] = "ivy@example.com"
    hostile["Subject"] = "<script>alert(1)</script>"
    hostile["In-Reply-To"] = message.message_id
    hostile.set_content("<img src=x onerror=alert(1)><b>bold</b>", subtype="html")
    imap_server.deliver(*mailbox, bytes(hostile))
    services.inbox_read(sender=connected)
    bodies = dict(Message.objects.filter(direction="in").values_list("subject", "body"))
    assert bodies["Re: Your nib grinds"] == "Très volontiers, à bientôt"
    assert bodies["<script>alert(1)</script>"] == "bold"  # HTML mail kept as its text only


@needs_a_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_send_leaves_it_to_be_sent_once(
    observed, connected, manager_a, smtp_server, monkeypatch
):
    monkeypatch.setattr(services, "_queue_send", lambda message: None)  # sent by the worker below, not in-process
    message = write(observed, connected, manager_a)
    smtp_server.rcpt_delay = 15  # the server sits on the recipient: the worker is mid-send when killed
    queue = f"test-{uuid.uuid4().hex[:8]}"
    first = start_worker(queue)
    try:
        send_through_broker(send_message, [message.pk], queue)
        wait_until(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.SENDING, seconds=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop_worker(first)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING and smtp_server.received == []
    smtp_server.rcpt_delay = 0
    # Ten minutes later the recovery looks in Sent, finds nothing, and lets it go again: once.
    later = timezone.now() + services.SENDING_GIVEN_UP_AFTER + timedelta(seconds=5)
    assert services.messages_recover(now=later) == {"found_sent": 0, "to_retry": 1}
    second = start_worker(queue)
    try:
        send_through_broker(send_message, [message.pk], queue)
        wait_until(lambda: Message.objects.get(pk=message.pk).status == MessageStatus.SENT, seconds=60)
        send_through_broker(send_message, [message.pk], queue)  # asked again: nothing more goes out
        wait_until(lambda: False, seconds=2)
    finally:
        stop_worker(second)
    assert len(smtp_server.received) == 1
    assert services.messages_recover(now=later + timedelta(hours=1)) == {"found_sent": 0, "to_retry": 0}
