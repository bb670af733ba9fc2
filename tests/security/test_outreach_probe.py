# ruff: noqa: F811 — the mail-server fixtures are imported from tests/outreach/conftest.py and named as arguments
"""An adversarial probe of outreach (issue 20): secrets, tenancy, the outbound policy for mail
servers, header and HTML injection, malformed input and consent — as an attacker and as a careless
user would try them.

Tests marked "Found by the probe (fixed): …" fail on the code they were written against; the fix proposed is in the
probe's report (helper h6). The others found nothing and stay as regression tests.
"""

from __future__ import annotations

import email
import json
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401
from rest_framework.test import APIClient

from api.keys import api_key_create
from partnerships.models import Partnership, Stage
from partnerships.models.outreach import (
    ContactAddress,
    Direction,
    DoNotContact,
    Message,
    MessageStatus,
    Sender,
    Sequence,
)
from partnerships.outreach import senders as outreach_senders
from partnerships.outreach import services
from partnerships.outreach.senders import sender_connect, template_save
from partnerships.outreach.transports import Incoming, MailboxAccount, Outgoing, Receipt, SendRefused
from partnerships.outreach.transports import email as mail
from partnerships.services import partnership_move
from tests.outreach.conftest import imap_server, mailbox, smtp_server  # noqa: F401  (fixtures)

PASSWORD = "Pr0be-app-password-Xy7"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and concurrent transactions: PostgreSQL only"
)


# --- fixtures ---------------------------------------------------------------------------------------
class RecordingTransport:
    """The transport contract without a server: records what is sent and serves an inbox."""

    def __init__(self):
        self.sent: list[Outgoing] = []
        self.inbox: list[Incoming] = []
        self.lock = threading.Lock()

    def send(self, account, outgoing):
        with self.lock:
            self.sent.append(outgoing)
        return Receipt(external_id=outgoing.message_id, sent_at=datetime.now(UTC))

    def was_sent(self, account, outgoing, since):
        return None

    def fetch_new(self, account, cursor):
        return list(self.inbox), {"seen": len(self.inbox)}

    def check(self, account):
        return None


@pytest.fixture
def transport(monkeypatch):
    fake = RecordingTransport()
    monkeypatch.setattr(outreach_senders, "transport_for", lambda channel: fake)
    monkeypatch.setattr(services, "transport_for", lambda channel: fake)
    return fake


def connect(organization, address="maya@inkwell.example", **extra):
    values = {
        "display_name": "Maya at Inkwell",
        "smtp_host": "smtp.inkwell.example",
        "imap_host": "imap.inkwell.example",
    }
    values.update(extra)
    return sender_connect(
        organization=organization, channel="email", secrets={"password": PASSWORD}, address=address, **values
    )


@pytest.fixture
def sender_a(org_a):
    return connect(org_a)


@pytest.fixture
def sender_b(org_b):
    return connect(org_b, address="sam@ridgeline.example")


@pytest.fixture
def engaging(partnership_a, manager_a):
    for stage in (Stage.OBSERVING, Stage.ENGAGING):
        partnership_move(partnership=partnership_a, to_stage=stage, actor=manager_a)
    return partnership_a


def write(partnership, sender, actor, **extra):
    values = {"subject": "Your nib grinds", "body": "Hi {{ first_name }}", "to": "ivy@example.com"}
    values.update(extra)
    return services.message_write(partnership=partnership, sender=sender, actor=actor, **values)


def api(organization, scope="write") -> APIClient:
    client = APIClient(raise_request_exception=False)  # a 500 is an answer to look at, not a crash here
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, scope=scope)[1]}")
    return client


def incoming(external_id="1:1", **values) -> Incoming:
    fields = {
        "external_id": external_id, "sender": "ivy@example.com", "sender_name": "Ivy", "subject": "Re: hello",
        "text": "Sounds good", "received_at": datetime.now(UTC),
    }  # fmt: skip
    fields.update(values)
    return Incoming(**fields)


# =====================================================================================================
# Secrets: never in a page, the API, a log line, a refusal or an exception message
# =====================================================================================================
@pytest.fixture
def real_mailbox(imap_server, smtp_server, mailbox):
    smtp_server.login = mailbox
    return imap_server.account(mailbox, smtp=smtp_server)


def test_no_password_in_any_log_line_or_refusal_while_connecting_sending_and_failing(
    real_mailbox,
    smtp_server,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    outgoing = Outgoing(to="ivy@example.com", subject="Hi", body="Hello", message_id="<p1@inkwell.example>")
    mail.check(real_mailbox)
    mail.send(real_mailbox, outgoing)
    mail.fetch_new(real_mailbox, {})
    wrong = MailboxAccount(**{**real_mailbox.__dict__, "password": PASSWORD})
    refusals = []
    for call in (lambda: mail.check(wrong), lambda: mail.send(wrong, outgoing), lambda: mail.fetch_new(wrong, {})):
        with pytest.raises(SendRefused) as refused:
            call()
        refusals.append(refused.value)
    smtp_server.stop()  # the server down: a refusal of another kind
    with pytest.raises(SendRefused) as down:
        mail.send(real_mailbox, outgoing)
    refusals.append(down.value)
    for secret in (real_mailbox.password, PASSWORD):
        assert secret not in caplog.text
        for refusal in refusals:
            assert secret not in refusal.reason and secret not in str(refusal) and secret not in repr(refusal.args)


def test_no_secret_in_the_sender_pages_the_api_or_a_form_shown_again_after_a_refusal(
    org_a, manager_a, sender_a, transport
):
    client = Client()
    client.force_login(manager_a)
    new = reverse("outreach-mailbox-new")
    refused = client.post(
        new,
        {"organization": org_a.pk, "address": "not an address", "password": PASSWORD, "smtp_host": "smtp.x.example",
         "imap_host": "imap.x.example", "smtp_security": "ssl", "imap_security": "ssl", "daily_cap": "40"},
    )  # fmt: skip
    assert refused.status_code == 400
    pages = [
        refused,
        client.get(reverse("outreach-sender", args=[sender_a.pk])),
        client.get(reverse("outreach-settings")),
    ]
    reddit = client.post(
        reverse("outreach-reddit-new"),
        {"organization": org_a.pk, "address": "bad name!", "client_id": "id", "client_secret": PASSWORD,
         "refresh_token": PASSWORD + "-token", "daily_cap": "40"},
    )  # fmt: skip
    pages.append(reddit)
    answer = api(org_a, "read").get(f"/api/v1/senders/{sender_a.pk}/")
    assert answer.status_code == 200 and answer.json()["has_secret"] is True
    for page in [*pages, answer]:
        assert PASSWORD not in page.content.decode()
    assert PASSWORD not in sender_a.sealed_secrets


# =====================================================================================================
# Tenancy: another organization's sender, template, partnership or messages
# =====================================================================================================
def test_the_api_refuses_another_organizations_sender_and_template(
    org_a, org_b, engaging, sender_a, sender_b, transport
):
    theirs = template_save(organization=org_b, name="B's", subject="B secret subject", body="B secret body")
    url = f"/api/v1/partnerships/{engaging.pk}/messages/"
    with_their_sender = api(org_a).post(url, {"sender": sender_b.pk, "subject": "x", "body": "y"}, format="json")
    assert with_their_sender.status_code == 400 and "sender" in with_their_sender.json()
    with_their_template = api(org_a).post(url, {"sender": sender_a.pk, "template": theirs.pk}, format="json")
    assert with_their_template.status_code == 400 and "template" in with_their_template.json()
    assert not Message.objects.filter(sender=sender_b).exists()
    assert "B secret" not in json.dumps(with_their_template.json())


def test_the_api_neither_lists_nor_files_under_another_organizations_partnership(
    org_a, org_b, engaging, partnership_b, sender_a, sender_b, transport
):
    theirs = Message.objects.create(
        organization=org_b, partnership=partnership_b, creator=partnership_b.creator, sender=sender_b,
        direction=Direction.IN, channel="email", status=MessageStatus.RECEIVED, subject="B's reply", external_id="b1",
    )  # fmt: skip
    unfiled = Message.objects.create(
        organization=org_a, sender=sender_a, direction=Direction.IN, channel="email", status=MessageStatus.RECEIVED,
        subject="A's unfiled", external_id="a1",
    )  # fmt: skip
    client = api(org_a)
    assert client.get(f"/api/v1/partnerships/{partnership_b.pk}/messages/").status_code == 404
    assert client.get(f"/api/v1/messages/{theirs.pk}/").status_code == 404
    assert "B's reply" not in client.get("/api/v1/messages/").content.decode()
    filed = client.post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": partnership_b.pk}, format="json")
    assert filed.status_code == 400
    assert Message.objects.get(pk=unfiled.pk).partnership_id is None
    # And B cannot file A's message under its own partnership.
    assert api(org_b).post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": partnership_b.pk}).status_code == 404


def test_a_forged_compose_post_cannot_send_from_another_organizations_sender(
    manager_a, engaging, sender_a, sender_b, transport
):
    client = Client()
    client.force_login(manager_a)
    forged = client.post(
        reverse("outreach-write", args=[engaging.pk]),
        {"sender": str(sender_b.pk), "to": "ivy@example.com", "subject": "x", "body": "y", "follow_ups": "0",
         "follow_up_days": "4", "send": "1"},
    )  # fmt: skip
    assert forged.status_code == 400
    assert not Message.objects.exists()


def test_an_unsubscribe_link_of_one_organization_marks_only_that_one(org_a, org_b, creator, transport):
    token_url = services.unsubscribe_url(org_a.pk, creator.pk)
    path = token_url.removeprefix("http://testserver")
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert DoNotContact.objects.filter(organization=org_a, creator=creator).exists()
    assert not DoNotContact.objects.filter(organization=org_b, creator=creator).exists()
    # A token altered to name organization B does not verify.
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = services.unsubscribe_url(org_b.pk, creator.pk).rstrip("/").rsplit("/", 1)[1]
    mixed = forged.split(":")[0] + ":" + ":".join(token.split(":")[1:])
    assert Client().post(reverse("outreach-unsubscribe", args=[mixed])).status_code == 404
    assert not DoNotContact.objects.filter(organization=org_b).exists()


# =====================================================================================================
# The outbound policy: a tenant's mail server names never reach the operator's own network
# =====================================================================================================
PRIVATE_HOSTS = [
    "127.0.0.1", "127.1", "2130706433", "0x7f.1", "0177.0.0.1", "0", "0.0.0.0", "10.0.0.5", "192.168.1.1",
    "169.254.169.254", "100.64.0.1", "localhost", "LOCALHOST.", "mail.localhost", "::1", "[::1]",
    "::ffff:127.0.0.1", "::127.0.0.1", "fe80::1", "fc00::1", socket.gethostname(),
]  # fmt: skip


@pytest.fixture
def nothing_allowed(settings, monkeypatch):
    """The tests' allow list emptied (127.0.0.1 out), and every socket the product opens recorded."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    opened = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return opened


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_mail_server_on_a_private_or_loopback_address_is_refused_without_connecting(host, security, nothing_allowed):
    account = MailboxAccount(
        address="maya@inkwell.example", display_name="", username="maya", password=PASSWORD, smtp_host=host,
        smtp_port=465, smtp_security=security, imap_host=host, imap_port=993, imap_security=security,
    )  # fmt: skip
    outgoing = Outgoing(to="ivy@example.com", subject="Hi", body="Hello", message_id="<p2@inkwell.example>")
    for call in (
        lambda: mail.check(account),
        lambda: mail.send(account, outgoing),
        lambda: mail.fetch_new(account, {}),
    ):
        with pytest.raises(SendRefused) as refused:
            call()
        assert refused.value.permanent or "could not be found" in refused.value.reason
        assert PASSWORD not in refused.value.reason
    assert nothing_allowed == []


def test_a_password_never_travels_unencrypted_to_a_host_the_operator_did_not_list(nothing_allowed):
    account = MailboxAccount(
        address="maya@inkwell.example", display_name="", username="maya", password=PASSWORD,
        smtp_host="smtp.gmail.com", smtp_port=25, smtp_security="none", imap_host="imap.gmail.com", imap_port=143,
        imap_security="none",
    )  # fmt: skip
    with pytest.raises(SendRefused, match="unencrypted"):
        mail.check(account)
    with pytest.raises(SendRefused, match="unencrypted"):
        mail.fetch_new(account, {})
    assert nothing_allowed == []


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.5", "localhost", "2130706433"])
def test_the_test_connection_button_says_private_network_and_stores_no_network_detail(
    host, org_a, manager_a, nothing_allowed
):
    sender = connect(org_a, smtp_host=host, imap_host=host, smtp_security="ssl", imap_security="ssl")
    problem = outreach_senders.sender_check(sender=sender)
    assert "private network" in problem
    assert "Connection refused" not in problem and "Errno" not in problem
    assert nothing_allowed == []


# =====================================================================================================
# Injection: headers from a subject, a name or an address; merge values; mail shown as text
# =====================================================================================================
ACCOUNT = MailboxAccount(
    address="maya@inkwell.example", display_name="Maya\r\nBcc: spy@evil.example", username="maya", password="x",
    smtp_host="smtp.inkwell.example", smtp_port=465, smtp_security="ssl", imap_host="imap.inkwell.example",
    imap_port=993, imap_security="ssl",
)  # fmt: skip


@pytest.mark.parametrize(
    "subject",
    ["Hi\r\nBcc: spy@evil.example", "Hi\nBcc: spy@evil.example", "Hi\rBcc: spy@evil.example",
     "Hi\u2028Bcc: spy@evil.example", "Hi\x85Bcc: spy@evil.example",
     # Found by the probe (fixed): an RFC 2047 encoded word is decoded by the email package when the header is set, and
     # Python 3.11.7 (before the CVE-2024-6923 fix) writes the decoded CR LF out: a header of its own.
     "=?utf-8?q?Hi=0D=0ABcc:_spy@evil.example?="],
)  # fmt: skip
def test_no_header_can_be_added_through_the_subject_or_the_display_name(subject):
    raw = mail.message_build(
        ACCOUNT, Outgoing(to="ivy@example.com", subject=subject, body="Hello", message_id="<p3@inkwell.example>"),
        now=datetime.now(UTC),
    )  # fmt: skip
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert b"\r\nBcc:" not in raw and b"\nBcc:" not in raw
    assert [name.lower() for name in parsed.keys()].count("to") == 1


@pytest.mark.parametrize(
    "to", ["ivy@example.com\r\nBcc: spy@evil.example", "ivy@example.com, spy@evil.example", "Ivy <spy@evil.example>"]
)
def test_a_recipient_that_is_not_one_plain_address_is_refused(to):
    with pytest.raises(SendRefused):
        mail.message_build(
            ACCOUNT, Outgoing(to=to, subject="Hi", body="Hello", message_id="<p4@inkwell.example>"),
            now=datetime.now(UTC),
        )  # fmt: skip


def test_a_merge_value_holding_merge_fields_or_html_is_inserted_as_it_is(
    engaging, manager_a, sender_a, make_identity, make_interaction, creator, transport
):
    identity = make_identity("ivy_inks", creator=creator)
    make_interaction("t1", identity, title="{{ manager_name }} {{ observation }} " + HOSTILE)
    message = write(engaging, sender_a, manager_a, body="I read {{ their_thread }}")
    assert message.body == "I read {{ manager_name }} {{ observation }} " + HOSTILE


def test_a_display_name_holding_an_encoded_line_break_adds_no_header():
    """Fixed (found by the probe): the From display name goes through the same decoding:
    "=?utf-8?q?Maya=0D=0ABcc:…?=" is
    written as a quoted name broken over two lines, the second one a Bcc header."""
    account = MailboxAccount(**{**ACCOUNT.__dict__, "display_name": "=?utf-8?q?Maya=0D=0ABcc:_spy@evil.example?="})
    raw = mail.message_build(
        account, Outgoing(to="ivy@example.com", subject="Hi", body="Hello", message_id="<p5@inkwell.example>"),
        now=datetime.now(UTC),
    )  # fmt: skip
    assert b"\r\nBcc:" not in raw and b"\nBcc:" not in raw


def test_a_creators_thread_title_cannot_add_headers_to_the_mail_sent_to_them(
    org_a,
    engaging,
    manager_a,
    make_identity,
    make_interaction,
    creator,
    smtp_server,
):
    """Fixed (found by the probe): the attacker here is anyone who posts in a tracked community. Their thread title is
    merged into the subject ({{ their_thread }}); an encoded word in it becomes headers of the mail the
    brand sends (here a Bcc and an X- header; a blank line would rewrite the body as well)."""
    identity = make_identity("ivy_inks", creator=creator)
    make_interaction("t1", identity, title="=?utf-8?q?Inks=0D=0ABcc:_spy@evil.example=0D=0AX-Injected:_1?=")
    sender = sender_connect(
        organization=org_a, channel="email", secrets={"password": PASSWORD}, address="maya@inkwell.example",
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none", imap_host=smtp_server.host,
        imap_port=9, imap_security="none",
    )  # fmt: skip
    message = write(engaging, sender, manager_a, subject="About {{ their_thread }}")
    assert services.message_deliver(message_id=message.pk) in (MessageStatus.SENT, MessageStatus.FAILED)
    for received in smtp_server.received:
        assert received.message["Bcc"] is None and received.message["X-Injected"] is None
        assert b"\r\nX-Injected:" not in received.raw


def test_an_incoming_messages_html_is_shown_as_text_on_every_page(
    org_a, manager_a, engaging, sender_a, transport, admin_client
):
    filed = incoming("1:1", sender_name=HOSTILE, subject=HOSTILE, text=HOSTILE + "\n**bold** [link](javascript:x)")
    unfiled = incoming("1:2", sender="stranger@example.com", sender_name=HOSTILE, subject=HOSTILE, text=HOSTILE)
    ContactAddress.objects.create(organization=org_a, creator=engaging.creator, email="ivy@example.com")
    transport.inbox = [filed, unfiled]
    counts = services.inbox_read(sender=sender_a)
    assert counts["stored"] == 2 and counts["matched"] == 1
    client = Client()
    client.force_login(manager_a)
    message = Message.objects.get(external_id="1:1")
    pages = {
        "partnership": client.get(reverse("partnership", args=[engaging.pk])),
        "board": client.get(reverse("pipeline")),
        "inbox": client.get(reverse("outreach-inbox")),
        "admin list": admin_client.get(reverse("admin:partnerships_message_changelist")),
        "admin page": admin_client.get(reverse("admin:partnerships_message_change", args=[message.pk])),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = page.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, name
    assert "&lt;script&gt;alert" in pages["partnership"].content.decode()
    assert "&lt;script&gt;alert" in pages["inbox"].content.decode()


# =====================================================================================================
# Robustness: long merged subjects, garbage input, poison mail, a corrupted cursor, a full inbox
# =====================================================================================================
def test_a_long_thread_title_merged_into_the_subject_is_refused_or_cut_not_a_500(
    engaging, manager_a, sender_a, make_identity, make_interaction, creator, transport
):
    """Fixed (found by the probe): the subject is checked for length only for Reddit (100) and typed subjects only up
    to 200
    (the form, the API): a 500-character thread title merged in gives a 513-character subject for a
    300-character column — a DataError (a 500 on the page and the API) on PostgreSQL, stored too long on
    SQLite."""
    identity = make_identity("ivy_inks", creator=creator)
    make_interaction("t1", identity, title="Inks " * 100)
    try:
        message = write(engaging, sender_a, manager_a, subject="About: {{ their_thread }}")
    except services.ValidationError as refusal:
        assert "subject" in refusal.message_dict
    else:
        assert len(Message.objects.get(pk=message.pk).subject) <= 300


def test_the_api_answers_a_long_merged_subject_with_a_400_or_a_shorter_subject(
    org_a, engaging, sender_a, make_identity, make_interaction, creator, transport
):
    """DEFECT (the same, through the API): a 500 on PostgreSQL."""
    identity = make_identity("ivy_inks", creator=creator)
    make_interaction("t1", identity, title="Inks " * 100)
    answer = api(org_a).post(
        f"/api/v1/partnerships/{engaging.pk}/messages/",
        {"sender": sender_a.pk, "to": "ivy@example.com", "subject": "About: {{ their_thread }}", "body": "Hi"},
        format="json",
    )
    assert answer.status_code in (201, 400)
    if answer.status_code == 201:
        assert len(answer.json()["subject"]) <= 300
    else:
        assert "subject" in answer.json()


def test_a_follow_up_of_a_subject_at_the_limit_is_written_without_overflowing(
    org_a, engaging, manager_a, sender_a, transport
):
    """Fixed (found by the probe): a follow-up's subject is "Re: " + the first one's. A first subject of 298
    characters (the
    column holds 300) makes a 302-character follow-up subject: on PostgreSQL a DataError in
    follow_ups_write, which beat runs every minute for every sequence — one such sequence stops every
    organization's follow-ups; on SQLite it is stored too long."""
    partnership_move(partnership=engaging, to_stage=Stage.OUTREACH, actor=manager_a)
    sequence = Sequence.objects.create(
        partnership=engaging, sender=sender_a, follow_ups_planned=2, follow_up_body="Any thoughts?",
        next_follow_up_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    Message.objects.create(
        organization=org_a, partnership=engaging, creator=engaging.creator, sender=sender_a, sequence=sequence,
        step=0, direction=Direction.OUT, channel="email", status=MessageStatus.SENT, to_address="ivy@example.com",
        subject="S" * 298, message_id="<first@inkwell.example>",
    )  # fmt: skip
    assert services.follow_ups_write() == 1
    follow_up = Message.objects.get(sequence=sequence, step=1)
    assert len(follow_up.subject) <= 300


GARBAGE = [
    ({}, "sender"),
    ({"sender": "abc", "subject": "x", "body": "y"}, "sender"),
    ({"sender": None, "subject": "x", "body": "y"}, "sender"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "follow_ups": "abc"}, "follow_ups"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "follow_ups": 99}, "follow_ups"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "follow_ups": 1}, "follow_up_body"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "follow_up_days": "1e9"}, "follow_up_days"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "thread": "x"}, "thread"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "thread": 2**70}, "thread"),
    ({"sender": "SENDER", "subject": ["x"], "body": "y"}, "subject"),
    ({"sender": "SENDER", "subject": "x", "body": {"a": 1}}, "body"),
    ({"sender": "SENDER", "subject": "x\x00y", "body": "y"}, "subject"),
    ({"sender": "SENDER", "subject": "x", "body": "y" * 1_000_001}, "body"),
    ({"sender": "SENDER", "subject": "", "body": ""}, "subject"),
    ({"sender": "SENDER", "subject": "{{ secret_key }}", "body": "y"}, "subject"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "to": "not-an-address"}, "to"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "to": "a@b.example\r\nBcc: c@d.example"}, "to"),
    ({"sender": "SENDER", "subject": "x", "body": "y", "template": "1; drop"}, "template"),
]


@pytest.mark.parametrize("data, field", GARBAGE, ids=[str(i) for i in range(len(GARBAGE))])
def test_garbage_to_the_api_is_a_400_naming_the_field(data, field, org_a, engaging, sender_a, transport):
    data = {key: sender_a.pk if value == "SENDER" else value for key, value in data.items()}
    answer = api(org_a).post(f"/api/v1/partnerships/{engaging.pk}/messages/", data, format="json")
    assert answer.status_code == 400, answer.content[:300]
    assert field in answer.json(), answer.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "null", "{", "1"])
def test_a_body_that_is_not_a_json_object_is_a_400(payload, org_a, engaging, transport):
    answer = api(org_a).post(f"/api/v1/partnerships/{engaging.pk}/messages/", payload, content_type="application/json")
    assert answer.status_code == 400


def test_a_nul_character_in_an_incoming_mail_is_stored_without_it(org_a, engaging, sender_a, transport):
    """Fixed (found by the probe): a reply whose text, subject or sender name holds U+0000 (quoted-printable "=00", an
    encoded word, a mislabelled UTF-16 part) is stored as it is: PostgreSQL refuses NUL in text, so
    inbox_read raises, its transaction is rolled back and the cursor never moves — that one mail stops
    the mailbox's replies for good (and SQLite keeps a NUL the pages then show)."""
    raw = (
        b"From: =?utf-8?q?Ivy=00?= <ivy@example.com>\r\nTo: maya@inkwell.example\r\n"
        b"Subject: =?utf-8?q?Re:=00_hello?=\r\nMessage-ID: <nul@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Yes=00 please\r\n"
    )
    transport.inbox = [mail.incoming_from_bytes(raw, external_id="1:1", received_at=None), incoming("1:2")]
    ContactAddress.objects.create(organization=org_a, creator=engaging.creator, email="ivy@example.com")
    counts = services.inbox_read(sender=sender_a)
    assert counts["stored"] == 2
    for stored in Message.objects.filter(direction=Direction.IN):
        for text in (stored.body, stored.subject, stored.from_name):
            assert "\x00" not in text
    assert Sender.objects.get(pk=sender_a.pk).inbox_cursor == {"seen": 2}


@pytest.mark.parametrize("corrupt", [{"uidvalidity": "x"}, {"since": 5}, {"since": "yesterday"}, {"last_uid": "x"}])
def test_a_corrupted_cursor_is_read_from_again_not_a_crash(corrupt, org_a, imap_server, mailbox):
    user, password = mailbox
    sender = sender_connect(
        organization=org_a, channel="email", secrets={"password": password}, address=f"{user}@example.com",
        username=user, smtp_host=imap_server.host, smtp_port=9, smtp_security="none", imap_host=imap_server.host,
        imap_port=imap_server.port, imap_security="none",
    )  # fmt: skip
    Sender.objects.filter(pk=sender.pk).update(inbox_cursor=corrupt)
    sender.refresh_from_db()
    assert services.inbox_read(sender=sender)["problem"] == ""


def test_a_cursor_whose_last_uid_is_corrupted_is_not_a_crash_every_five_minutes(
    org_a,
    imap_server,
    mailbox,
):
    """Fixed (found by the probe): with the right UIDVALIDITY and a last_uid that is not a number, fetch_inbox's int()
    raises ValueError, which neither fetch_new (IMAP errors only) nor inbox_read (SendRefused only)
    catches: the task fails at every run and the sender's page says nothing is wrong."""
    user, password = mailbox
    sender = sender_connect(
        organization=org_a, channel="email", secrets={"password": password}, address=f"{user}@example.com",
        username=user, smtp_host=imap_server.host, smtp_port=9, smtp_security="none", imap_host=imap_server.host,
        imap_port=imap_server.port, imap_security="none",
    )  # fmt: skip
    services.inbox_read(sender=sender)
    sender.refresh_from_db()
    good = sender.inbox_cursor
    for last_uid in ("x", None, [1]):
        Sender.objects.filter(pk=sender.pk).update(inbox_cursor={**good, "last_uid": last_uid})
        sender.refresh_from_db()
        counts = services.inbox_read(sender=sender)  # no exception: read again from "since", or a problem shown
        assert counts is not None


def test_an_inbox_of_a_thousand_unfiled_messages_is_one_page_in_a_few_queries(
    org_a, manager_a, sender_a, engaging, django_assert_max_num_queries
):
    Message.objects.bulk_create(
        Message(
            organization=org_a,
            sender=sender_a,
            direction=Direction.IN,
            channel="email",
            status=MessageStatus.RECEIVED,
            from_address=f"fan{i}@example.com",
            subject=f"Hello {i}",
            body="Hi\n" * 20,
            external_id=f"1:{i}",
        )  # fmt: skip
        for i in range(1000)
    )
    client = Client()
    client.force_login(manager_a)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("outreach-inbox"))
    assert page.status_code == 200 and page.content.decode().count('class="message in"') == 1000


# =====================================================================================================
# Consent: after do-not-contact nothing goes out, whatever state the message was in
# =====================================================================================================
def test_after_do_not_contact_nothing_queued_sending_or_new_goes_out(org_a, manager_a, engaging, sender_a, transport):
    first = write(engaging, sender_a, manager_a, follow_ups=2, follow_up_body="Any thoughts?")
    in_flight = write(engaging, sender_a, manager_a, subject="Second", body="Another")
    # One is in a worker's hands ("sending", the worker then dies); the other is still queued.
    Message.objects.filter(pk=in_flight.pk).update(
        status=MessageStatus.SENDING, sending_since=timezone.now() - timedelta(hours=1)
    )
    services.do_not_contact_mark(
        organization=org_a, creator=engaging.creator, source="manager", note="asked on the phone", actor=manager_a
    )
    assert Message.objects.get(pk=first.pk).status == MessageStatus.CANCELLED
    services.messages_recover()  # the dead worker's message: not found in Sent, so queued again…
    for message_id in [first.pk, in_flight.pk, *services.messages_due()]:
        services.message_deliver(message_id=message_id)
    assert services.follow_ups_write(now=timezone.now() + timedelta(days=30)) == 0
    assert transport.sent == []  # …and still not sent
    assert Message.objects.get(pk=in_flight.pk).status == MessageStatus.CANCELLED
    refused = api(org_a).post(
        f"/api/v1/partnerships/{engaging.pk}/messages/",
        {"sender": sender_a.pk, "subject": "Hello again", "body": "Hi", "to": "other@example.com"}, format="json",
    )  # fmt: skip
    assert refused.status_code == 400 and "to" in refused.json()


def test_after_a_one_click_unsubscribe_a_queued_follow_up_is_cancelled_and_nothing_new_is_written(
    org_a, manager_a, engaging, sender_a, transport
):
    first = write(engaging, sender_a, manager_a, follow_ups=1, follow_up_body="Any thoughts?")
    services.message_deliver(message_id=first.pk)
    services.follow_ups_write(now=timezone.now() + timedelta(days=5))
    follow_up = Message.objects.get(sequence=first.sequence, step=1)
    assert follow_up.status == MessageStatus.QUEUED
    path = services.unsubscribe_url(org_a.pk, engaging.creator_id).removeprefix("http://testserver")
    one_click = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert Message.objects.get(pk=follow_up.pk).status == MessageStatus.CANCELLED
    services.message_deliver(message_id=follow_up.pk)
    assert len(transport.sent) == 1  # the first message only
    with pytest.raises(services.ValidationError):
        write(engaging, sender_a, manager_a, subject="Other", body="Other")


# =====================================================================================================
# Concurrency (PostgreSQL): a message is sent once, and a sender's daily cap holds under parallel workers
# =====================================================================================================
def _in_threads(count: int, work) -> list:
    results, errors = [], []

    def run():
        try:
            results.append(work())
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_a_message_sent_is_recorded_as_sent(org_a, manager_a, engaging, sender_a, transport):
    """DEFECT (PostgreSQL): _record_sent locks with select_for_update().select_related("sequence"); the
    sequence is a nullable foreign key (a LEFT OUTER JOIN) and PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join. Every message that left is then never recorded: it stays "sending",
    messages_recover finds it in Sent and calls _record_sent again, which fails again — on PostgreSQL
    no message is ever shown sent and no follow-up is ever scheduled. Passes on SQLite (no FOR UPDATE)."""
    message = write(engaging, sender_a, manager_a, follow_ups=1, follow_up_body="Any thoughts?")
    assert services.message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert len(transport.sent) == 1
    assert Sequence.objects.get(pk=message.sequence_id).next_follow_up_at is not None


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_a_message_delivered_by_eight_workers_at_once_is_sent_once(
    org_a, manager_a, engaging, sender_a, transport, monkeypatch
):
    monkeypatch.setattr(services, "_queue_send", lambda message: None)  # committed tests send eagerly: not here
    message = write(engaging, sender_a, manager_a)
    _in_threads(8, lambda: services.message_deliver(message_id=message.pk))
    assert len(transport.sent) == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT


@ON_POSTGRES
@pytest.mark.django_db(transaction=True)
def test_two_workers_cannot_both_send_past_a_daily_cap_of_one(
    org_a, manager_a, engaging, partnership_b, brand_a, sender_a, transport, monkeypatch
):
    """Fixed (found by the probe): _claim locks the message row only, and counts what the sender sent today inside
    its own
    transaction. Two workers claiming two different messages of the same sender both count 0 (neither
    has committed its "sending" yet) and both send: the cap is exceeded by as many workers as run.
    The barrier holds each worker just after its count, as a busy database would."""
    Sender.objects.filter(pk=sender_a.pk).update(daily_cap=1)
    monkeypatch.setattr(services, "_queue_send", lambda message: None)  # committed tests send eagerly: not here
    other = Partnership.objects.create(
        brand=brand_a, creator=partnership_b.creator.__class__.objects.create(display_name="Otto")
    )
    for stage in (Stage.OBSERVING, Stage.ENGAGING):
        partnership_move(partnership=other, to_stage=stage, actor=manager_a)
    ContactAddress.objects.create(organization=org_a, creator=other.creator, email="otto@example.com")
    ids = [write(engaging, sender_a, manager_a).pk, write(other, sender_a, manager_a, to="otto@example.com").pk]
    barrier = threading.Barrier(2, timeout=3)
    counted = services._sent_today

    def counting_then_waiting(sender, now):
        result = counted(sender, now)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other worker waits on a lock (the fixed code): go on alone
        return result

    monkeypatch.setattr(services, "_sent_today", counting_then_waiting)
    # Recording the send is another defect (test_a_message_sent_is_recorded_as_sent): kept out of this one.
    monkeypatch.setattr(
        services, "_record_sent",
        lambda message, receipt: Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT),
    )  # fmt: skip
    queue = list(ids)
    _in_threads(2, lambda: services.message_deliver(message_id=queue.pop()))
    assert len(transport.sent) == 1
