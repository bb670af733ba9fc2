"""Outreach in the API (issue 20): senders and templates read-only and without secrets, a
partnership's messages, writing one through message_write (observe first, do-not-contact, the
same message once), the organization's messages with filing, and the ``message.received`` webhook."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import WebhookDelivery
from api.webhooks import verify, webhook_subscription_create
from partnerships.models import Activity, ActivityKind, Stage
from partnerships.models.outreach import Direction, Message, MessageStatus, Sequence
from partnerships.outreach import senders as outreach_senders
from partnerships.outreach import services as outreach
from partnerships.outreach.senders import sender_connect, template_save
from partnerships.outreach.transports import Incoming, Receipt
from partnerships.services import partnership_move
from tests.api.test_webhooks import Receiver

PASSWORD = "s3cret-app-password-never-shown"
TIMES = 20


def api(organization, scope="write") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, scope=scope)[1]}")
    return client


def mailbox(organization, address="maya@inkwell.example", **extra):
    return sender_connect(
        organization=organization, channel="email", secrets={"password": PASSWORD}, address=address,
        display_name="Maya at Inkwell", smtp_host="smtp.inkwell.example", imap_host="imap.inkwell.example", **extra,
    )  # fmt: skip


@pytest.fixture
def sender_a(org_a):
    return mailbox(org_a)


@pytest.fixture
def sender_b(org_b):
    return mailbox(org_b, address="sam@ridgeline.example")


@pytest.fixture
def engaging_a(partnership_a, manager_a):
    """Organization A's partnership, observed first and now engaging: ready for a first message."""
    partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    partnership_move(partnership=partnership_a, to_stage=Stage.ENGAGING, actor=manager_a)
    return partnership_a


@pytest.fixture
def template_a(org_a):
    return template_save(
        organization=org_a, name="First hello", subject="Hello {{ first_name }}",
        body="Hi {{ first_name }}, {{ brand }} here.", follow_up_body="Just checking in, {{ first_name }}.",
    )  # fmt: skip


class FakeTransport:
    """The transport contract (partnerships/outreach/transports/__init__.py) without a server:
    accepts what is sent (recording it), and hands out what a test put in the inbox. Tests that
    commit (transaction=True) run the send after commit: it must never reach a real server."""

    def __init__(self):
        self.inbox: list[Incoming] = []
        self.sent = []

    def send(self, account, outgoing):
        self.sent.append(outgoing)
        return Receipt(external_id=outgoing.message_id, sent_at=datetime.now(UTC))

    def was_sent(self, account, outgoing, since):
        return None

    def fetch_new(self, account, cursor):
        items, self.inbox = self.inbox, []
        return items, {"seen": cursor.get("seen", 0) + len(items)}

    def check(self, account):
        return None


@pytest.fixture
def transport(monkeypatch):
    fake = FakeTransport()
    # The services module holds its own reference to transport_for (imported by name).
    for module in (outreach_senders, outreach):
        monkeypatch.setattr(module, "transport_for", lambda channel: fake)
    # The unsubscribe page is the pages' (not the API's): its link is not what these tests look at.
    monkeypatch.setattr(outreach, "unsubscribe_url", lambda organization_id, creator_id: "http://testserver/u/x")
    return fake


# --- senders and templates -------------------------------------------------------------------
@pytest.mark.django_db
def test_senders_are_listed_without_any_secret_and_only_to_their_organization(org_a, org_b, sender_a, sender_b):
    mine = api(org_a, "read")
    answer = mine.get("/api/v1/senders/")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["id"] == sender_a.pk and row["address"] == "maya@inkwell.example" and row["has_secret"] is True
    assert set(row) == {"id", "channel", "address", "display_name", "daily_cap", "is_active", "checked_at",
                        "check_problem", "inbox_read_at", "inbox_problem", "has_secret"}  # fmt: skip
    detail = mine.get(f"/api/v1/senders/{sender_a.pk}/")
    for body in (answer.content, detail.content):
        assert PASSWORD.encode() not in body and sender_a.sealed_secrets.encode() not in body
    assert mine.get(f"/api/v1/senders/{sender_b.pk}/").status_code == 404
    # Read-only: connecting a mailbox (with its password) is done in the pages.
    writer = api(org_a)
    assert writer.post("/api/v1/senders/", {"channel": "email"}, format="json").status_code == 405
    assert writer.patch(f"/api/v1/senders/{sender_a.pk}/", {"daily_cap": 5}, format="json").status_code == 405


@pytest.mark.django_db
def test_templates_are_listed_to_their_organization(org_a, org_b, template_a):
    [row] = api(org_a, "read").get("/api/v1/message-templates/").json()["results"]
    assert row == {"id": template_a.pk, "name": "First hello", "subject": "Hello {{ first_name }}",
                   "body": "Hi {{ first_name }}, {{ brand }} here.",
                   "follow_up_body": "Just checking in, {{ first_name }}."}  # fmt: skip
    assert api(org_b).get("/api/v1/message-templates/").json()["results"] == []
    assert api(org_b).get(f"/api/v1/message-templates/{template_a.pk}/").status_code == 404


# --- writing to a creator --------------------------------------------------------------------
@pytest.mark.django_db
def test_a_message_from_a_template_is_written_queued_and_listed_newest_first(
    org_a, engaging_a, sender_a, template_a, django_capture_on_commit_callbacks
):
    client = api(org_a)
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    with django_capture_on_commit_callbacks() as queued:
        answer = client.post(
            url, {"sender": sender_a.pk, "template": template_a.pk, "to": "ivy@example.com", "follow_ups": 2,
                  "follow_up_days": 3}, format="json",
        )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    message = answer.json()
    assert message["subject"] == "Hello Ivy" and message["body"].startswith("Hi Ivy, Inkwell here.")
    assert (message["direction"], message["channel"], message["status"]) == ("out", "email", "queued")
    assert message["status_label"] == "Not sent yet" and message["to_address"] == "ivy@example.com"
    assert message["sender"] == sender_a.pk and message["step"] == 0 and message["partnership"] == engaging_a.pk
    assert message["sequence"]["status"] == "active" and message["sequence"]["follow_ups_planned"] == 2
    assert Sequence.objects.get().follow_up_body == "Just checking in, Ivy."
    # The send is queued after commit (not run here: these tests send nothing).
    sends = [c for c in queued if getattr(getattr(c, "args", [None])[0], "name", "").endswith("send_message")]
    assert [c.args[1] for c in sends] == [(message["id"],)]
    engaging_a.refresh_from_db()
    assert engaging_a.stage == Stage.OUTREACH  # writing the first message moved it to Outreach
    assert Activity.objects.filter(partnership=engaging_a, kind=ActivityKind.EMAIL).count() == 1

    later = client.post(url, {"sender": sender_a.pk, "subject": "A second thought", "body": "And one more thing."},
                        format="json")  # fmt: skip
    assert later.status_code == 201 and later.json()["sequence"]["follow_ups_planned"] == 0
    listed = client.get(url).json()["results"]
    assert [row["id"] for row in listed] == [later.json()["id"], message["id"]]  # newest first
    assert listed[1]["sequence"]["status"] == "stopped"  # a new message stops the running follow-ups


@pytest.mark.django_db
def test_what_is_given_overrides_the_template_and_missing_text_is_named(org_a, engaging_a, sender_a, template_a):
    client = api(org_a)
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    given = client.post(url, {"sender": sender_a.pk, "template": template_a.pk, "subject": "Your ink guide",
                              "to": "ivy@example.com"}, format="json")  # fmt: skip
    assert given.status_code == 201 and given.json()["subject"] == "Your ink guide"
    assert given.json()["body"].startswith("Hi Ivy")
    empty = client.post(url, {"sender": sender_a.pk}, format="json")
    assert empty.status_code == 400 and {"subject", "body"} <= set(empty.json())


@pytest.mark.django_db
def test_refusals_are_400s_naming_the_field_and_write_nothing(
    org_a, partnership_a, engaging_a, sender_a, manager_a, brand_a
):
    client = api(org_a)
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    body = {"sender": sender_a.pk, "subject": "Hello", "body": "Hi there"}
    no_address = client.post(url, body, format="json")
    assert no_address.status_code == 400 and "to" in no_address.json()
    bad_field = client.post(url, {**body, "body": "Hi {{ shoe_size }}", "to": "ivy@example.com"}, format="json")
    assert bad_field.status_code == 400 and "shoe_size" in bad_field.json()["body"][0]
    too_many = client.post(url, {**body, "to": "ivy@example.com", "follow_ups": 9}, format="json")
    assert too_many.status_code == 400 and "follow_ups" in too_many.json()
    not_an_email = client.post(url, {**body, "to": "ivy at example"}, format="json")
    assert not_an_email.status_code == 400 and "to" in not_an_email.json()
    outreach.do_not_contact_mark(organization=org_a, creator=engaging_a.creator, source="manager",
                                 note="Said no on the phone", actor=manager_a)  # fmt: skip
    refused = client.post(url, {**body, "to": "ivy@example.com"}, format="json")
    assert refused.status_code == 400 and "asked not to be contacted" in refused.json()["to"][0]
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_observe_first_refuses_a_first_message_to_a_partnership_never_observed(org_a, partnership_a, sender_a):
    answer = api(org_a).post(
        f"/api/v1/partnerships/{partnership_a.pk}/messages/",
        {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com"}, format="json",
    )  # fmt: skip
    assert answer.status_code == 400 and "Observe first" in answer.json()["stage"][0]
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED and not Message.objects.exists()


@pytest.mark.django_db
def test_other_organizations_and_read_only_callers_cannot_write(
    org_a, org_b, engaging_a, partnership_b, sender_a, sender_b, viewer_a, template_a
):
    body = {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com"}
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    intruder = api(org_b)
    assert intruder.get(url).status_code == 404
    assert intruder.post(url, {**body, "sender": sender_b.pk}, format="json").status_code == 404
    assert api(org_a, "read").post(url, body, format="json").status_code == 403
    viewer = APIClient()
    viewer.force_login(viewer_a)
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, body, format="json").status_code == 403
    # Their sender or template named from here "does not exist".
    mine = api(org_a)
    theirs = mine.post(url, {**body, "sender": sender_b.pk}, format="json")
    assert theirs.status_code == 400 and "sender" in theirs.json()
    their_template = template_save(organization=org_b, name="Theirs", subject="S", body="B")
    theirs = mine.post(url, {**body, "template": their_template.pk}, format="json")
    assert theirs.status_code == 400 and "template" in theirs.json()
    assert mine.post(f"/api/v1/partnerships/{partnership_b.pk}/messages/", body, format="json").status_code == 404
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_same_message_twice_is_one_message_and_an_idempotency_key_replays(org_a, engaging_a, sender_a):
    client = api(org_a)
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    body = {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="write-ivy-1")
    replay = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="write-ivy-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    other_body = client.post(url, {**body, "body": "Hi again"}, format="json", HTTP_IDEMPOTENCY_KEY="write-ivy-1")
    assert other_body.status_code == 409
    again = client.post(url, body, format="json")  # no key: message_write knows it from the last ten minutes
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Message.objects.count() == 1


# --- the organization's messages, and filing a reply -----------------------------------------
def incoming(sender, *, partnership=None, creator=None, text="Sounds good!", external_id="1:7"):
    return Message.objects.create(
        organization=sender.organization, partnership=partnership, creator=creator, sender=sender,
        direction=Direction.IN, channel=sender.channel, status=MessageStatus.RECEIVED, to_address=sender.address,
        from_address="ivy.l@example.com", subject="Re: Hello", body=text, external_id=external_id,
        occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
    )  # fmt: skip


@pytest.mark.django_db
def test_unfiled_replies_are_listed_and_filed_under_a_partnership(org_a, org_b, engaging_a, partnership_b, sender_a,
                                                                 sender_b, viewer_a):  # fmt: skip
    unfiled = incoming(sender_a)
    filed = incoming(sender_a, partnership=engaging_a, creator=engaging_a.creator, external_id="1:8")
    theirs = incoming(sender_b)
    client = api(org_a)
    assert {row["id"] for row in client.get("/api/v1/messages/").json()["results"]} == {unfiled.pk, filed.pk}
    listed = client.get("/api/v1/messages/", {"direction": "in", "filed": "false"}).json()["results"]
    assert [row["id"] for row in listed] == [unfiled.pk]
    assert [r["id"] for r in client.get("/api/v1/messages/", {"filed": "true"}).json()["results"]] == [filed.pk]
    assert client.get("/api/v1/messages/", {"direction": "sideways"}).status_code == 400
    assert client.get(f"/api/v1/messages/{theirs.pk}/").status_code == 404

    assert api(org_a, "read").post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": engaging_a.pk},
                                   format="json").status_code == 403  # fmt: skip
    elsewhere = client.post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": partnership_b.pk}, format="json")
    assert elsewhere.status_code == 400 and "partnership" in elsewhere.json()
    assert client.post(f"/api/v1/messages/{theirs.pk}/file/", {"partnership": engaging_a.pk},
                       format="json").status_code == 404  # fmt: skip
    answer = client.post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": engaging_a.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["partnership"] == engaging_a.pk
    assert answer.json()["creator"] == engaging_a.creator_id
    again = client.post(f"/api/v1/messages/{filed.pk}/file/", {"partnership": engaging_a.pk}, format="json")
    assert again.status_code == 200  # filed where it is already: nothing to do
    assert client.get("/api/v1/messages/", {"filed": "false"}).json()["results"] == []


@pytest.mark.django_db
def test_only_a_received_message_is_filed(org_a, engaging_a, sender_a):
    client = api(org_a)
    written = client.post(f"/api/v1/partnerships/{engaging_a.pk}/messages/",
                          {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com"},
                          format="json").json()  # fmt: skip
    answer = client.post(f"/api/v1/messages/{written['id']}/file/", {"partnership": engaging_a.pk}, format="json")
    assert answer.status_code == 400 and "message" in answer.json()


# --- the message.received webhook ------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # deliveries are queued after commit
def test_a_reply_read_from_the_inbox_is_sent_to_message_received_subscribers(
    org_a, org_b, engaging_a, sender_a, transport
):
    receiver, other = Receiver(), Receiver()
    try:
        _, secret = webhook_subscription_create(organization=org_a, url=receiver.url, events=["message.received"])
        webhook_subscription_create(organization=org_b, url=other.url)
        written = api(org_a).post(f"/api/v1/partnerships/{engaging_a.pk}/messages/",
                                  {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com"},
                                  format="json").json()  # fmt: skip
        our_id = Message.objects.get(pk=written["id"]).message_id
        transport.inbox.append(Incoming(
            external_id="1:42", sender="ivy@example.com", sender_name="Ivy Lambert", subject="Re: Hello",
            text="Happy to talk!", received_at=datetime(2026, 3, 2, 10, tzinfo=UTC), message_id="<r1@example.com>",
            in_reply_to=our_id,
        ))  # fmt: skip
        assert [outgoing.subject for outgoing in transport.sent] == ["Hello"]
        counts = outreach.inbox_read(sender=sender_a)
        assert counts["stored"] == 1 and counts["matched"] == 1
        [(headers, body)] = [item for item in receiver.received if item[0]["X-Webhook-Event"] == "message.received"]
        assert verify(secret, headers["X-Webhook-Signature"], body)
        data = json.loads(body)["data"]
        reply = Message.objects.get(direction=Direction.IN)
        assert data["message"] == {
            "id": reply.pk, "partnership": engaging_a.pk, "creator": engaging_a.creator_id, "channel": "email",
            "from_address": "ivy@example.com", "subject": "Re: Hello", "text": "Happy to talk!",
            "received_at": "2026-03-02T10:00:00+00:00",
        }  # fmt: skip
        assert data["partnership"]["id"] == engaging_a.pk and data["partnership"]["stage"] == "outreach"
        assert data["partnership"]["creator_name"] == "Ivy Lambert"
        assert all(h["X-Webhook-Event"] != "message.received" for h, _ in other.received)  # org B hears nothing
    finally:
        receiver.close()
        other.close()


@pytest.mark.django_db(transaction=True)
def test_filing_an_unmatched_reply_through_the_api_sends_message_received(org_a, engaging_a, sender_a, transport):
    receiver = Receiver()
    try:
        webhook_subscription_create(organization=org_a, url=receiver.url, events=["message.received"])
        unfiled = incoming(sender_a, text="Who is this?")
        assert WebhookDelivery.objects.count() == 0  # unfiled: no partnership to tell of yet
        answer = api(org_a).post(f"/api/v1/messages/{unfiled.pk}/file/", {"partnership": engaging_a.pk},
                                 format="json")  # fmt: skip
        assert answer.status_code == 200
        [(headers, body)] = receiver.received
        assert headers["X-Webhook-Event"] == "message.received"
        assert json.loads(body)["data"]["message"]["text"] == "Who is this?"
    finally:
        receiver.close()


# --- twenty at once (PostgreSQL) -------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_same_message_posted_twenty_times_at_once_is_one_message_and_one_move(
    org_a, engaging_a, sender_a, transport
):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent requests need PostgreSQL (SQLite runs one write at a time).")
    key = api_key_create(organization=org_a, scope="write")[1]
    url = f"/api/v1/partnerships/{engaging_a.pk}/messages/"
    body = {"sender": sender_a.pk, "subject": "Hello", "body": "Hi", "to": "ivy@example.com", "follow_ups": 1,
            "follow_up_body": "Any thoughts?"}  # fmt: skip
    barrier = threading.Barrier(TIMES)
    answers, lock = [], threading.Lock()

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            barrier.wait(timeout=30)
            response = client.post(url, body, format="json")
            with lock:
                answers.append((response.status_code, response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(TIMES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(code for code, _ in answers) == Counter({201: TIMES}), answers
    assert len({pk for _, pk in answers}) == 1  # every caller was given the one message
    assert Message.objects.count() == 1 and Sequence.objects.count() == 1
    assert [outgoing.to for outgoing in transport.sent] == ["ivy@example.com"]  # and it was sent once
    moves = Activity.objects.filter(partnership=engaging_a, kind=ActivityKind.STAGE_CHANGE, to_stage="outreach")
    assert moves.count() == 1
