"""The demo's mail server and its creator's reply, against real servers on loopback.

``manage.py demo_reply`` answers, as the creator, the last email the CRM sent: the reply goes into a
real dovecot mailbox over IMAP and the CRM's own inbox reading matches it to the partnership and
stops the follow-ups. ``manage.py demo_mailserver`` runs dovecot and aiosmtpd until Ctrl-C: the CRM's
transport sends through it and logs in to it, and stopping it leaves no dovecot behind.
"""

from __future__ import annotations

import email
import imaplib
import mailbox
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.mailserver import dovecot_missing_reason, free_port
from partnerships.models import Stage
from partnerships.models.outreach import DoNotContact, Message, Sequence, SequenceStatus
from partnerships.outreach import senders, services
from partnerships.outreach.transports import MailboxAccount, Outgoing
from partnerships.outreach.transports import email as email_transport
from partnerships.services import partnership_move

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def connected(org_a, manager_a, imap_server, smtp_server, mailbox):
    user, password = mailbox
    smtp_server.login = mailbox
    return senders.sender_connect(
        organization=org_a, channel="email", actor=manager_a, secrets={"password": password},
        address=f"{user}@example.com", display_name="Dana at Inkwell", username=user,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
        imap_host=imap_server.host, imap_port=imap_server.port, imap_security="none",
    )  # fmt: skip


@pytest.fixture
def sent(partnership_a, manager_a, connected, django_capture_on_commit_callbacks):
    """A first note with two follow-ups planned, sent through the fake SMTP server."""
    partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_write(
            partnership=partnership_a, sender=connected, actor=manager_a, subject="Your nib grinds",
            body="Hi {{ first_name }},\n\nWe read your thread on grinds.", to="ivy@example.com",
            follow_ups=2, follow_up_days=3, follow_up_body="Any thoughts?",
        )  # fmt: skip
    message.refresh_from_db()
    assert message.status == "sent", message.problem
    return message


def reply(who, imap_server, mailbox, *extra):
    user, password = mailbox
    call_command(
        "demo_reply", str(who), *extra, "--imap-host", imap_server.host, "--imap-port", str(imap_server.port),
        "--user", user, "--password", password, stdout=open(os.devnull, "w"),
    )  # fmt: skip


def test_the_creator_s_reply_is_matched_to_the_partnership_and_stops_the_follow_ups(
    sent, connected, imap_server, mailbox, partnership_a
):
    reply(partnership_a.pk, imap_server, mailbox)
    counts = services.inbox_read(sender=connected)
    assert (counts["stored"], counts["matched"]) == (1, 1)
    answer = Message.objects.get(direction="in")
    assert answer.partnership == partnership_a
    assert answer.from_address == "ivy@example.com"
    assert answer.in_reply_to == sent.message_id and sent.message_id in answer.references
    assert answer.subject == "Re: Your nib grinds"
    assert answer.body.startswith("Hi Dana,\n\nThanks for writing")
    assert "wrote:\n> Hi " in answer.body  # the original quoted under it
    assert Sequence.objects.get().status == SequenceStatus.REPLIED
    assert not DoNotContact.objects.exists()


def test_by_handle_and_asking_to_stop_marks_the_creator_do_not_contact(
    sent, connected, imap_server, mailbox, make_identity, creator
):
    make_identity("ivy_writes", creator=creator)
    reply("u/ivy_writes", imap_server, mailbox, "--stop")
    assert services.inbox_read(sender=connected)["matched"] == 1
    assert Message.objects.get(direction="in").body.startswith("Please don't contact me again.")
    assert DoNotContact.objects.get().source == "reply"


def test_nothing_sent_yet_or_a_wrong_password_is_said_plainly(connected, partnership_a, imap_server, mailbox, sent):
    with pytest.raises(CommandError, match="No partnership"):
        reply("nobody_by_that_name", imap_server, mailbox)
    user, _ = mailbox
    with pytest.raises(CommandError, match="refused the login") as refused:
        reply(partnership_a.pk, imap_server, (user, "not-the-password"))
    assert "not-the-password" not in str(refused.value)
    with pytest.raises(CommandError, match="is `make mailserver` running"):
        call_command("demo_reply", str(partnership_a.pk), "--imap-port", str(free_port()))
    Message.objects.all().delete()
    with pytest.raises(CommandError, match="No email has been sent"):
        reply(partnership_a.pk, imap_server, mailbox)


# --- the server itself ----------------------------------------------------------------------------
def _wait_for(process: subprocess.Popen, text: str, seconds: float = 20) -> list[str]:
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if text in line:
            return lines
    process.kill()
    raise AssertionError(f"never said {text!r}: {lines} {process.stderr.read()}")


def _closed(port: int) -> bool:
    try:
        imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
    except OSError:
        return True
    return False


@pytest.mark.skipif(
    bool(dovecot_missing_reason()) and not os.environ.get("REQUIRE_MAILSERVER"), reason=str(dovecot_missing_reason())
)
def test_demo_mailserver_takes_what_the_crm_sends_keeps_it_and_stops_on_ctrl_c(settings):
    # Not pytest's tmp_path: under root, dovecot's mail user must pass through every folder above it.
    tmp_path = Path(tempfile.mkdtemp(prefix="crm-demo-mail-"))
    tmp_path.chmod(0o755)
    smtp_port, imap_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo_mailserver", "--force", "--data-dir", str(tmp_path / "demo-mail"),
         "--smtp-port", str(smtp_port), "--imap-port", str(imap_port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "crm.test_settings", "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        _wait_for(process, "Ctrl-C stops it.")
        # The CRM's own transport, with the demo mailbox's login, on these ports.
        settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
        account = MailboxAccount(
            address="dana@inkwell-nib.example", display_name="Dana at Inkwell & Nib", username="dana",
            password="demo-mailbox", smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
            imap_host="127.0.0.1", imap_port=imap_port, imap_security="none",
        )  # fmt: skip
        email_transport.check(account)
        outgoing = Outgoing(
            to="pat@example.com", subject="Your thread “Which ink for cheap paper?”", body="Hi Pat,\n\nWe read it.",
            message_id="<demo-test-1@inkwell-nib.example>", in_reply_to="", references=(),
            unsubscribe_url="http://testserver/unsubscribe/x/", reddit_thread="",
        )  # fmt: skip
        email_transport.send(account, outgoing)
        [line] = _wait_for(process, "Received:")
        assert line == "Received: to pat@example.com · Your thread “Which ink for cheap paper?”"
        [kept] = mailbox.Maildir(str(tmp_path / "demo-mail" / "sent"), create=False)
        assert email.message_from_bytes(kept.as_bytes(), policy=policy.default)["Message-ID"] == outgoing.message_id
        # A copy was filed in Dana's Sent folder on the IMAP side (the transport does it).
        assert email_transport.was_sent(account, outgoing, timezone.now() - timedelta(hours=1)) is not None
        with pytest.raises(smtplib.SMTPAuthenticationError):
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as smtp:
                smtp.login("dana", "wrong")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert "Stopped." in out and process.returncode == 0
    assert _closed(imap_port)  # dovecot stopped with it
