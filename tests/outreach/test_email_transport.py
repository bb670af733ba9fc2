"""The email transport against real servers on loopback: aiosmtpd receives what we send, dovecot
holds the Sent folder and the INBOX replies are read from. No database is needed."""

from __future__ import annotations

import imaplib
import socket
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import EmailMessage

import pytest
from django.test import override_settings

from crm.outbound import OutboundRefused, checked_address
from partnerships.outreach.transports import Outgoing, SendRefused
from partnerships.outreach.transports import email as transport
from tests.fakes.mail import FakeSMTPServer

# aiosmtpd warns that AUTH without TLS is unsafe: it is, off loopback.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

LONG_ID = "<CAH" + "x" * 80 + "@mail.gmail.com>"  # longer than a header line, as Gmail's can be


def outgoing(**changes) -> Outgoing:
    values = {
        "to": "creator@example.org",
        "subject": "Zusammenarbeit für Ihre Community",
        "body": "Hallo Jana,\n\nGrüße aus Köln — 日本語も大丈夫です。\n",
        "message_id": "<outreach-1.a1b2c3@crm.example.com>",
    }
    values.update(changes)
    return Outgoing(**values)


def sent_copies(imap_server, mailbox, folder='"Sent Items"') -> list[tuple[bytes, bytes]]:
    """(flags line, raw message) of every message in the Sent folder."""
    imap = imap_server.client(*mailbox)
    try:
        imap.select(folder, readonly=True)
        status, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        return [(part[0], part[1]) for part in data if isinstance(part, tuple)]
    finally:
        imap.logout()


def inbox_flags(imap_server, mailbox) -> list[bytes]:
    imap = imap_server.client(*mailbox)
    try:
        imap.select("INBOX", readonly=True)
        status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
        return [line for line in data if line]
    finally:
        imap.logout()


def mail(headers: dict, body: bytes | str = b"Thanks, sounds good!\r\n") -> bytes:
    lines = [f"{name}: {value}" for name, value in headers.items()]
    body = body.encode() if isinstance(body, str) else body
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


# --- sending ----------------------------------------------------------------------------------------
def test_a_message_arrives_with_its_threading_and_unsubscribe_headers(mailbox_account, smtp_server):
    message = outgoing(
        in_reply_to=LONG_ID,
        references=("<first@creator.example>", LONG_ID),
        unsubscribe_url="https://crm.example.com/u/abc123",
    )
    receipt = transport.send(mailbox_account, message)

    assert receipt.external_id == message.message_id
    [received] = smtp_server.received
    assert received.mail_from == mailbox_account.address
    assert received.rcpt_tos == ["creator@example.org"]
    got = received.message
    assert got["Message-ID"] == message.message_id
    # Long ids stay ids (Python would otherwise fold them into RFC 2047 words no client reads).
    assert got["In-Reply-To"] == LONG_ID
    assert got["References"].split() == ["<first@creator.example>", LONG_ID]
    assert b"=?utf-8?" not in received.raw.split(b"\r\nReferences:")[1].split(b"\r\nSubject")[0]
    assert got["List-Unsubscribe"] == "<https://crm.example.com/u/abc123>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got["Subject"] == "Zusammenarbeit für Ihre Community"
    assert got["From"].addresses[0].display_name == "Ana Partnerships"
    assert got["Date"].datetime is not None
    assert got.get_content_type() == "text/plain"
    assert got.get_content_charset() == "utf-8"
    assert got.get_content().replace("\r\n", "\n") == message.body


def test_a_first_message_has_no_threading_headers(mailbox_account, smtp_server):
    transport.send(mailbox_account, outgoing())
    got = smtp_server.received[0].message
    assert got["In-Reply-To"] is None and got["References"] is None and got["List-Unsubscribe"] is None


def test_a_line_break_in_the_subject_cannot_add_a_header(mailbox_account, smtp_server):
    transport.send(mailbox_account, outgoing(subject="Hello\r\nBcc: everyone@example.org"))
    got = smtp_server.received[0].message
    assert got["Bcc"] is None
    assert got["Subject"] == "Hello Bcc: everyone@example.org"


def test_the_sent_folder_holds_a_read_copy_that_was_sent_finds(mailbox_account, imap_server, mailbox):
    message = outgoing()
    before = datetime.now(UTC) - timedelta(seconds=5)
    transport.send(mailbox_account, message)

    [(flags, raw)] = sent_copies(imap_server, mailbox)
    assert b"\\Seen" in flags
    assert f"Message-ID: {message.message_id}".encode() in raw
    receipt = transport.was_sent(mailbox_account, message, before)
    assert receipt is not None and receipt.external_id == message.message_id
    assert abs(receipt.sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert transport.was_sent(mailbox_account, outgoing(message_id="<other@crm.example.com>"), before) is None


def test_a_copy_the_server_filed_itself_is_not_filed_twice(mailbox_account, imap_server, mailbox):
    # Gmail and Outlook put what goes through their SMTP in Sent themselves.
    message = outgoing()
    imap_server.deliver(
        *mailbox, transport.message_build(mailbox_account, message, now=datetime.now(UTC)), '"Sent Items"'
    )
    transport.send(mailbox_account, message)
    assert len(sent_copies(imap_server, mailbox)) == 1


def test_a_named_sent_folder_is_used_and_made_if_missing(imap_server, smtp_server, mailbox):
    account = imap_server.account(mailbox, smtp=smtp_server, sent_folder="Envoyés")
    transport.send(account, outgoing())
    assert len(sent_copies(imap_server, mailbox, '"Envoy&AOk-s"')) == 1
    assert transport.was_sent(account, outgoing(), datetime.now(UTC)) is not None


def test_a_sent_folder_that_cannot_be_written_does_not_fail_the_send(imap_server, smtp_server, mailbox, caplog):
    account = imap_server.account(mailbox, smtp=smtp_server, password="wrong")
    smtp_server.login = None  # SMTP takes no login here; only IMAP refuses
    receipt = transport.send(account, outgoing())
    assert receipt.external_id == outgoing().message_id
    assert len(smtp_server.received) == 1
    assert "no copy filed" in caplog.text and "wrong" not in caplog.text


def test_the_right_password_logs_in(imap_server, mailbox):
    smtp = FakeSMTPServer(login=(mailbox[0], "pässwört ü")).start()
    try:
        account = imap_server.account(mailbox, smtp=smtp, password="pässwört ü")
        transport.send(account, outgoing())  # the Sent copy fails (IMAP has another password): logged
        assert [received.login for received in smtp.received] == [mailbox[0]]
    finally:
        smtp.stop()


def test_a_wrong_password_is_a_permanent_refusal_that_does_not_repeat_it(imap_server, mailbox):
    smtp = FakeSMTPServer(login=(mailbox[0], mailbox[1])).start()
    try:
        account = imap_server.account(mailbox, smtp=smtp, password="hunter2-secret")
        with pytest.raises(SendRefused) as refused:
            transport.send(account, outgoing())
    finally:
        smtp.stop()
    assert refused.value.permanent
    assert refused.value.reason == "the mail server refused the user name or password"
    assert "hunter2" not in str(refused.value) and "hunter2" not in repr(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert smtp.received == []


def test_a_refused_recipient_is_permanent_and_named(mailbox_account, smtp_server):
    smtp_server.refused.add("gone@example.org")
    with pytest.raises(SendRefused) as refused:
        transport.send(mailbox_account, outgoing(to="gone@example.org"))
    assert refused.value.permanent
    assert "gone@example.org" in refused.value.reason
    assert "550" not in refused.value.reason and "User unknown" not in refused.value.reason


def test_a_server_that_says_later_is_tried_again(mailbox_account, smtp_server):
    smtp_server.answer_later = True
    with pytest.raises(SendRefused) as refused:
        transport.send(mailbox_account, outgoing())
    assert not refused.value.permanent
    assert refused.value.reason == transport.NOT_ANSWERING


def test_a_server_that_is_down_is_tried_again_and_its_words_are_not_shown(mailbox_account, smtp_server):
    smtp_server.stop()
    with pytest.raises(SendRefused) as refused:
        transport.send(mailbox_account, outgoing())
    assert not refused.value.permanent
    assert refused.value.reason == transport.NOT_ANSWERING
    assert "Errno" not in str(refused.value) and "127.0.0.1" not in str(refused.value)


def test_starttls_is_required_when_chosen(imap_server, mailbox):
    smtp = FakeSMTPServer(login=(mailbox[0], mailbox[1])).start()  # offers AUTH, not STARTTLS
    try:
        account = imap_server.account(mailbox, smtp=smtp, smtp_security="starttls")
        with pytest.raises(SendRefused) as refused:
            transport.send(account, outgoing())
    finally:
        smtp.stop()
    assert refused.value.permanent and "STARTTLS" in refused.value.reason
    assert smtp.received == []


def test_an_unencrypted_login_to_a_server_the_operator_did_not_list_is_refused(mailbox_account):
    account = mailbox_account.__class__(**{**mailbox_account.__dict__, "smtp_host": "93.184.215.14"})
    with pytest.raises(SendRefused) as refused:
        transport.send(account, outgoing())
    assert refused.value.permanent and "unencrypted" in refused.value.reason


# --- the outbound policy -----------------------------------------------------------------------------
@override_settings(OUTBOUND_ALLOWED_HOSTS=[])
@pytest.mark.parametrize("host", ["10.0.0.1", "127.0.0.1", "localhost"])
def test_a_server_on_a_private_network_is_refused(mailbox_account, smtp_server, host):
    account = mailbox_account.__class__(**{**mailbox_account.__dict__, "smtp_host": host, "smtp_security": "ssl"})
    with pytest.raises(SendRefused) as refused:
        transport.send(account, outgoing())
    assert refused.value.permanent
    assert "private network" in refused.value.reason
    assert smtp_server.received == []
    imap_account = mailbox_account.__class__(**{**mailbox_account.__dict__, "imap_host": host, "imap_security": "ssl"})
    with pytest.raises(SendRefused, match="private network"):
        transport.fetch_new(imap_account, {})


def test_the_connection_goes_to_the_address_that_was_checked(mailbox_account, smtp_server, monkeypatch):
    # A name that resolves to loopback once, then nowhere: a second lookup would fail the send.
    real = socket.getaddrinfo
    answers = {"mail.example.test": [[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]]}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            if not answers[host]:
                raise socket.gaierror(socket.EAI_NONAME, "asked twice")
            return answers[host].pop()
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    account = mailbox_account.__class__(**{**mailbox_account.__dict__, "smtp_host": "mail.example.test"})
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1", "mail.example.test"]):
        transport.send(account, outgoing())
    assert len(smtp_server.received) == 1


def test_checked_address():
    with override_settings(OUTBOUND_ALLOWED_HOSTS=[]):
        for host in ("10.0.0.1", "127.0.0.1", "localhost", "mail.localhost", "0x7f.1", "::ffff:10.0.0.1"):
            with pytest.raises(OutboundRefused):
                checked_address(host, 993)
        assert checked_address("93.184.215.14", 993) == "93.184.215.14"
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["10.0.0.1:993"]):
        assert checked_address("10.0.0.1", 993) == "10.0.0.1"
        with pytest.raises(OutboundRefused):
            checked_address("10.0.0.1", 25)


def test_a_host_that_does_not_exist_is_named(mailbox_account):
    account = mailbox_account.__class__(
        **{**mailbox_account.__dict__, "smtp_host": "no-such-host.invalid", "smtp_security": "ssl"}
    )
    with pytest.raises(SendRefused) as refused:
        transport.send(account, outgoing())
    assert "no-such-host.invalid could not be found" in refused.value.reason


# --- check ------------------------------------------------------------------------------------------
def test_check_logs_in_to_both_and_says_which_failed(imap_server, mailbox, smtp_server):
    transport.check(imap_server.account(mailbox, smtp=smtp_server))
    with pytest.raises(SendRefused, match=r"^Reading \(IMAP\): the mail server refused the user name") as refused:
        transport.check(imap_server.account(mailbox, smtp=smtp_server, password="nope-secret"))
    assert refused.value.permanent and "nope-secret" not in str(refused.value)
    smtp_server.stop()
    with pytest.raises(SendRefused, match=r"^Sending \(SMTP\): the mail server did not answer") as refused:
        transport.check(imap_server.account(mailbox, smtp=smtp_server))
    assert not refused.value.permanent


def test_a_utf8_password_logs_in_to_imap(imap_server, smtp_server):
    account = imap_server.account(imap_server.utf8_user, smtp=smtp_server)
    transport.check(account)


# --- reading replies --------------------------------------------------------------------------------
def test_replies_are_read_once_and_stay_unread(imap_server, mailbox_account, mailbox, monkeypatch):
    monkeypatch.setattr(transport, "MAX_MESSAGE_BYTES", 50_000)
    deliver = lambda raw: imap_server.deliver(*mailbox, raw)  # noqa: E731
    name = Header("Jörg Müller", "utf-8").encode()
    deliver(
        mail(
            {
                "From": f"{name} <Joerg.Mueller@Example.ORG>",
                "To": mailbox_account.address,
                "Subject": "=?utf-8?q?Re=3A_Zusammenarbeit_f=C3=BCr_Ihre_Community?=",
                "Message-ID": "<reply-1@example.org>",
                "In-Reply-To": LONG_ID,
                "References": f"<first@x.example>\r\n {LONG_ID}",
                "Date": "Sat, 05 Dec 2026 10:00:00 +0100",
                "Auto-Submitted": "no",
            },
            "Sounds good, let's talk.\r\n\r\n> Hallo Jörg\r\n".encode(),
        )
    )
    html = EmailMessage()
    html["From"] = "html@example.org"
    html["Subject"] = "HTML only"
    html.set_content(
        "<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
        "<body><p>Hello&nbsp;there &amp; welcome</p><div>Second line</div></body></html>",
        subtype="html",
    )
    deliver(html.as_bytes())
    deliver(
        mail(
            {"From": "latin@example.org", "Content-Type": "text/plain; charset=iso-8859-1"},
            "Grüße, café".encode("latin-1"),
        )
    )
    deliver(
        mail(
            {"From": "win@example.org", "Content-Type": "text/plain; charset=windows-1252"},
            "“Quoted” – fine €".encode("cp1252"),
        )
    )
    deliver(
        mail(
            {"From": "jp@example.org", "Content-Type": "text/plain; charset=Shift_JIS"},
            "ありがとうございます".encode("shift_jis"),
        )
    )
    deliver(
        mail(
            {"From": "odd@example.org", "Content-Type": "text/plain; charset=x-no-such-charset"},
            "caf\xe9".encode("latin-1"),
        )
    )
    deliver(mail({"From": "bad@example.org", "Content-Type": "text/plain; charset=utf-8"}, b"broken \xff\xfe bytes"))
    deliver(
        b'From: "unclosed <broken@@\r\nSubject: =?utf-8?q?broken\r\nDate: not a date\r\n'
        + b"X-Bad header\r\n\r\nstill text"
    )
    deliver(mail({"From": "big@example.org", "Subject": "huge", "Message-ID": "<big@example.org>"}, "x" * 120_000))
    deliver(mail({"From": "pdf@example.org", "Content-Type": "application/pdf"}, b"%PDF-1.4"))

    messages, cursor = transport.fetch_new(mailbox_account, {})
    by_sender = {message.sender: message for message in messages}
    assert len(messages) == 10

    reply = by_sender["joerg.mueller@example.org"]
    assert reply.sender_name == "Jörg Müller"
    assert reply.subject == "Re: Zusammenarbeit für Ihre Community"
    assert reply.text.startswith("Sounds good, let's talk.") and "> Hallo Jörg" in reply.text
    assert (reply.message_id, reply.in_reply_to) == ("<reply-1@example.org>", LONG_ID)
    assert reply.references == ("<first@x.example>", LONG_ID)
    assert reply.problem == "" and reply.headers["Auto-Submitted"] == "no"
    uidvalidity = cursor["uidvalidity"]
    assert reply.external_id == f"{uidvalidity}:1"

    html_text = by_sender["html@example.org"].text
    assert html_text == "Hello\xa0there & welcome\nSecond line" or html_text == "Hello there & welcome\n\nSecond line"
    assert "alert" not in html_text and "color" not in html_text
    assert by_sender["latin@example.org"].text == "Grüße, café"
    assert by_sender["win@example.org"].text == "“Quoted” – fine €"
    assert by_sender["jp@example.org"].text == "ありがとうございます"
    assert by_sender["jp@example.org"].problem == ""
    assert "unknown character set" in by_sender["odd@example.org"].problem
    assert by_sender["odd@example.org"].text == "caf\ufffd"
    assert "some characters replaced" in by_sender["bad@example.org"].problem
    assert by_sender["bad@example.org"].text.startswith("broken ")
    broken = by_sender[""]
    assert broken.message_id == "" and broken.text.endswith("still text")
    assert "no sender address" in broken.problem and "some headers are malformed" in broken.problem
    huge = by_sender["big@example.org"]
    assert huge.problem == "too large (117 KB): not read" and huge.text == "" and huge.subject == "huge"
    assert huge.message_id == "<big@example.org>"
    assert by_sender["pdf@example.org"].problem == "no text part"

    assert all(b"\\Seen" not in line for line in inbox_flags(imap_server, mailbox))
    assert transport.fetch_new(mailbox_account, cursor) == ([], cursor)
    assert transport.fetch_new(mailbox_account, cursor) == ([], cursor)

    imap_server.deliver(*mailbox, mail({"From": "later@example.org", "Subject": "one more"}))
    later, next_cursor = transport.fetch_new(mailbox_account, cursor)
    assert [message.sender for message in later] == ["later@example.org"]
    assert next_cursor["last_uid"] == cursor["last_uid"] + 1
    assert transport.fetch_new(mailbox_account, next_cursor)[0] == []


def test_a_long_reply_is_cut(mailbox_account, imap_server, mailbox, monkeypatch):
    monkeypatch.setattr(transport, "MAX_TEXT_CHARS", 1_000)
    imap_server.deliver(*mailbox, mail({"From": "long@example.org"}, "y" * 5_000))
    [message], _ = transport.fetch_new(mailbox_account, {})
    assert len(message.text) == 1_000 and message.problem == "text cut at 1,000 characters"


def test_only_what_arrived_since_the_mailbox_was_connected_is_read(mailbox_account, imap_server, mailbox):
    old = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    imap_server.deliver(*mailbox, mail({"From": "old@example.org"}), when=old)
    imap_server.deliver(*mailbox, mail({"From": "new@example.org"}), when=datetime(2026, 12, 3, 9, 0, tzinfo=UTC))

    messages, cursor = transport.fetch_new(mailbox_account, {"since": "2026-12-02"})
    assert [message.sender for message in messages] == ["new@example.org"]
    assert messages[0].received_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert cursor["since"] == "2026-12-02"
    assert transport.fetch_new(mailbox_account, cursor)[0] == []


def test_nothing_since_then_still_starts_from_now(mailbox_account, imap_server, mailbox):
    imap_server.deliver(*mailbox, mail({"From": "old@example.org"}), when=datetime(2026, 1, 1, tzinfo=UTC))
    messages, cursor = transport.fetch_new(mailbox_account, {"since": "2026-12-02"})
    assert messages == []
    assert transport.fetch_new(mailbox_account, cursor)[0] == []  # the old message is not read later


def test_a_renumbered_inbox_is_read_again_from_since(mailbox_account, imap_server, mailbox):
    imap_server.deliver(*mailbox, mail({"From": "a@example.org", "Message-ID": "<a@example.org>"}))
    first, cursor = transport.fetch_new(mailbox_account, {"since": "2026-01-01"})
    assert [message.message_id for message in first] == ["<a@example.org>"]

    imap_server.set_uidvalidity(mailbox[0], "INBOX", cursor["uidvalidity"] + 7)
    again, new_cursor = transport.fetch_new(mailbox_account, cursor)
    # The same message again under a new external_id: the services skip it by its Message-ID.
    assert [message.message_id for message in again] == ["<a@example.org>"]
    assert again[0].external_id == f"{cursor['uidvalidity'] + 7}:1"
    assert new_cursor == {"uidvalidity": cursor["uidvalidity"] + 7, "last_uid": 1, "since": "2026-01-01"}


def test_reading_a_mailbox_with_a_wrong_password_is_refused(imap_server, mailbox, smtp_server):
    account = imap_server.account(mailbox, smtp=smtp_server, password="bad-secret")
    with pytest.raises(SendRefused) as refused:
        transport.fetch_new(account, {})
    assert refused.value.permanent and "bad-secret" not in str(refused.value)


def test_batches(mailbox_account, imap_server, mailbox, monkeypatch):
    monkeypatch.setattr(transport, "BATCH", 2)
    for number in range(3):
        imap_server.deliver(*mailbox, mail({"From": f"n{number}@example.org"}))
    first, cursor = transport.fetch_new(mailbox_account, {})
    second, cursor = transport.fetch_new(mailbox_account, cursor)
    assert [m.sender for m in first + second] == [f"n{number}@example.org" for number in range(3)]
    assert transport.fetch_new(mailbox_account, cursor)[0] == []


# --- pure parts -------------------------------------------------------------------------------------
def test_the_sent_folder_is_the_named_one_else_the_flagged_one_else_sent():
    listing = [b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"']
    assert transport.sent_folder(listing, "") == '"[Gmail]/Sent Mail"'
    assert transport.sent_folder([(b'(\\Sent) "/" {4}', b"Sent")], "") == '"Sent"'
    assert transport.sent_folder([b'(\\Sent) "." Gesendet'], "") == "Gesendet"
    assert transport.sent_folder(listing, "Éléments envoyés") == '"&AMk-l&AOk-ments envoy&AOk-s"'
    assert transport.sent_folder([b'(\\HasNoChildren) "/" INBOX'], "") == '"Sent"'


def test_internal_dates_and_decoding():
    assert transport.internal_date("05-Dec-2026 17:01:56 +0100") == datetime(2026, 12, 5, 16, 1, 56, tzinfo=UTC)
    assert transport.internal_date("garbage") is None
    assert transport.decode_text("naïve".encode(), None) == ("naïve", "")
    assert transport.decode_text("naïve".encode("cp1252"), None) == (
        "naïve",
        "no character set given: read as Windows-1252",
    )
    assert transport.imap_date(datetime(2026, 3, 7).date()) == "07-Mar-2026"


def test_imap_errors_never_show_the_servers_words():
    refusal = transport.imap_refusal(imaplib.IMAP4.abort("socket error: [Errno 111] 10.1.2.3"))
    assert refusal.reason == transport.NOT_ANSWERING and not refusal.permanent
