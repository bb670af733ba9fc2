"""Outreach's rules, with a recording transport: written once, sent once, held by the cap and by
consent, retried with backoff, refused with the reason, follow-ups that stop on reply or on
leaving Outreach, replies matched by thread or by sender, and a send a dead worker left found in
the sent items. The real transports against real servers are tested in tests/outreach/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partnerships.models import Stage
from partnerships.models.outreach import (
    ContactAddress,
    DoNotContact,
    Message,
    MessageStatus,
    Sequence,
    SequenceStatus,
)
from partnerships.outreach import senders, services
from partnerships.outreach.transports import Incoming, Receipt, SendRefused
from partnerships.services import partnership_move

pytestmark = pytest.mark.django_db


class RecordingTransport:
    """Stands in for SMTP or Reddit: records what was handed over, answers as told."""

    def __init__(self):
        self.sent = []
        self.refusals = []  # SendRefused to raise, one per send, before succeeding
        self.inbox = []
        self.sent_items = {}  # message_id -> Receipt (what was_sent finds)

    def send(self, account, outgoing):
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(outgoing)
        receipt = Receipt(external_id=outgoing.message_id, sent_at=timezone.now())
        self.sent_items[outgoing.message_id] = receipt
        return receipt

    def was_sent(self, account, outgoing, since):
        return self.sent_items.get(outgoing.message_id)

    def fetch_new(self, account, cursor):
        seen = set(cursor.get("seen", []))
        new = [item for item in self.inbox if item.external_id not in seen]
        return new, {**cursor, "seen": sorted(seen | {item.external_id for item in new})}

    def check(self, account):
        return None


@pytest.fixture
def transport(monkeypatch):
    fake = RecordingTransport()
    monkeypatch.setattr(senders, "transport_for", lambda channel: fake)
    monkeypatch.setattr(services, "transport_for", lambda channel: fake)
    return fake


@pytest.fixture
def mailbox(org_a, manager_a):
    return senders.sender_connect(
        organization=org_a, channel="email", actor=manager_a, secrets={"password": "app-password-123"},
        address="Maya@Inkwell.example", display_name="Maya at Inkwell", smtp_host="smtp.inkwell.example",
        imap_host="imap.inkwell.example", daily_cap=3, signature="— Maya, Inkwell",
    )  # fmt: skip


@pytest.fixture
def observed(partnership_a, manager_a):
    partnership_move(partnership=partnership_a, to_stage=Stage.OBSERVING, actor=manager_a)
    return partnership_a


def write(partnership, sender, actor, **extra):
    values = {
        "subject": "Your nib grinds",
        "body": "Hi {{ first_name }}, we read your threads.",
        "to": "ivy@example.com",
    }
    return services.message_write(partnership=partnership, sender=sender, actor=actor, **{**values, **extra})


def incoming(external_id, sender="ivy@example.com", text="Sounds good!", **extra):
    return Incoming(
        external_id=external_id, sender=sender, sender_name="Ivy", subject="Re: Your nib grinds", text=text,
        received_at=datetime(2026, 12, 5, 12, tzinfo=UTC), **extra,
    )  # fmt: skip


def test_a_password_is_sealed_and_never_stored_in_clear(mailbox):
    mailbox.refresh_from_db()
    assert "app-password-123" not in mailbox.sealed_secrets
    assert mailbox.secrets == {"password": "app-password-123"}
    assert mailbox.address == "maya@inkwell.example"
    assert (mailbox.smtp_port, mailbox.imap_port) == (465, 993)  # from the security chosen
    assert mailbox.inbox_cursor == {"since": timezone.localdate().isoformat()}


def test_a_viewer_cannot_connect_a_sender(org_a, viewer_a):
    with pytest.raises(PermissionDenied):
        senders.sender_connect(
            organization=org_a, channel="email", actor=viewer_a, secrets={"password": "x"},
            address="a@b.example", smtp_host="s.example", imap_host="i.example",
        )  # fmt: skip


def test_writing_moves_to_outreach_merges_fields_and_sends_after_commit(
    observed, mailbox, manager_a, transport, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = write(observed, mailbox, manager_a, follow_ups=2, follow_up_days=3, follow_up_body="Any thoughts?")
    observed.refresh_from_db()
    message.refresh_from_db()
    assert observed.stage == Stage.OUTREACH
    assert message.status == MessageStatus.SENT
    assert message.body == "Hi Ivy, we read your threads.\n\n— Maya, Inkwell"
    [outgoing] = transport.sent
    assert outgoing.to == "ivy@example.com" and outgoing.message_id == message.message_id
    assert outgoing.unsubscribe_url.startswith("http://testserver/unsubscribe/")
    assert ContactAddress.objects.get(creator=observed.creator).email == "ivy@example.com"
    assert message.activity.summary == "Email to ivy@example.com: Your nib grinds"
    sequence = message.sequence
    assert sequence.status == SequenceStatus.ACTIVE
    assert sequence.next_follow_up_at == message.occurred_at + timedelta(days=3)


def test_observe_first_refuses_writing_to_someone_never_observed(partnership_a, mailbox, manager_a, transport):
    with pytest.raises(ValidationError) as refused:
        write(partnership_a, mailbox, manager_a)
    assert "stage" in refused.value.message_dict
    assert not Message.objects.exists()


def test_an_unknown_merge_field_is_refused_naming_it(observed, mailbox, manager_a):
    with pytest.raises(ValidationError) as refused:
        write(observed, mailbox, manager_a, body="Hi {{ nickname }}")
    assert "nickname" in refused.value.message_dict["body"][0]


def test_the_same_message_asked_twice_is_written_once(observed, mailbox, manager_a, transport):
    first = write(observed, mailbox, manager_a)
    again = write(observed, mailbox, manager_a)
    assert first.pk == again.pk
    assert Message.objects.count() == 1


def test_a_claimed_message_is_sent_once_however_often_delivery_runs(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a)
    results = [services.message_deliver(message_id=message.pk) for _ in range(3)]
    assert results == [MessageStatus.SENT, None, None]
    assert len(transport.sent) == 1


def test_a_server_that_does_not_answer_is_tried_again_with_backoff_then_given_up(
    observed, mailbox, manager_a, transport
):
    message = write(observed, mailbox, manager_a)
    transport.refusals = [SendRefused("the mail server did not answer", permanent=False)] * services.MAX_ATTEMPTS
    now = timezone.now()
    assert services.message_deliver(message_id=message.pk, now=now) == MessageStatus.QUEUED
    message.refresh_from_db()
    assert message.problem.startswith("Not sent yet: the mail server did not answer; trying again at ")
    assert timedelta(seconds=55) < message.next_attempt_at - now < timedelta(seconds=65)
    assert services.message_deliver(message_id=message.pk, now=now) is None  # not due yet
    for _ in range(services.MAX_ATTEMPTS - 1):
        message.refresh_from_db()
        services.message_deliver(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.problem == f"Could not be sent: the mail server did not answer (tried {services.MAX_ATTEMPTS} times)"
    assert transport.sent == []


def test_a_permanent_refusal_is_shown_with_its_reason_and_stops_the_follow_ups(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a, follow_ups=1, follow_up_body="Again?")
    transport.refusals = [SendRefused("the server refused ivy@example.com: no such user", permanent=True)]
    assert services.message_deliver(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.problem == "Could not be sent: the server refused ivy@example.com: no such user"
    assert message.sequence.status == SequenceStatus.STOPPED
    assert observed.activities.filter(summary="Not sent: Your nib grinds").exists()


def test_the_daily_cap_holds_messages_until_tomorrow(org_a, brand_a, mailbox, manager_a, transport, make_user):
    from influencers.models import Creator
    from partnerships.models import Partnership

    statuses = []
    for n in range(4):
        person = Creator.objects.create(display_name=f"Person {n}")
        partnership = Partnership.objects.create(brand=brand_a, creator=person, stage=Stage.OBSERVING)
        message = write(partnership, mailbox, manager_a, to=f"p{n}@example.com")
        statuses.append(services.message_deliver(message_id=message.pk))
    assert statuses == [MessageStatus.SENT, MessageStatus.SENT, MessageStatus.SENT, None]
    held = Message.objects.get(to_address="p3@example.com")
    assert held.status == MessageStatus.QUEUED
    assert "has sent its 3 for today; it goes tomorrow" in held.problem
    assert timezone.localdate(held.next_attempt_at) == timezone.localdate() + timedelta(days=1)
    assert len(transport.sent) == 3


def test_follow_ups_are_written_once_when_due_and_stop_when_the_creator_replies(
    observed, mailbox, manager_a, transport
):
    message = write(observed, mailbox, manager_a, follow_ups=2, follow_up_days=2, follow_up_body="Just checking in.")
    services.message_deliver(message_id=message.pk)
    sequence = Sequence.objects.get()
    due = sequence.next_follow_up_at
    assert services.follow_ups_write(now=due - timedelta(minutes=1)) == 0
    assert services.follow_ups_write(now=due) == 1
    assert services.follow_ups_write(now=due) == 0  # the same step is not written twice
    follow_up = Message.objects.get(step=1)
    assert follow_up.subject == "Re: Your nib grinds"
    assert follow_up.in_reply_to == message.message_id
    services.message_deliver(message_id=follow_up.pk)
    # The creator answers the follow-up: the second follow-up never comes.
    transport.inbox = [incoming("1:7", in_reply_to=follow_up.message_id, message_id="<r1@example.com>")]
    counts = services.inbox_read(sender=mailbox)
    assert counts == {"read": 1, "stored": 1, "matched": 1, "problem": ""}
    sequence.refresh_from_db()
    assert (sequence.status, sequence.stop_reason) == (SequenceStatus.REPLIED, "the creator replied")
    assert services.follow_ups_write(now=due + timedelta(days=10)) == 0
    reply = Message.objects.get(direction="in")
    assert reply.partnership == observed and reply.activity.summary.startswith("Reply from ivy@example.com")


def test_leaving_outreach_stops_the_follow_ups(
    observed, mailbox, manager_a, transport, django_capture_on_commit_callbacks
):
    message = write(observed, mailbox, manager_a, follow_ups=3, follow_up_body="Checking in.")
    services.message_deliver(message_id=message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        partnership_move(partnership=observed, to_stage=Stage.NEGOTIATING, actor=manager_a)
    sequence = Sequence.objects.get()
    assert sequence.status == SequenceStatus.STOPPED
    assert sequence.stop_reason == "the partnership moved to Negotiating"


def test_a_reply_asking_to_stop_marks_do_not_contact_and_nothing_more_goes_out(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a, follow_ups=1, follow_up_body="Checking in.")
    services.message_deliver(message_id=message.pk)
    text = "Thanks, but please don't contact me again.\n\nOn Fri, Maya wrote:\n> Hi Ivy"
    transport.inbox = [incoming("1:8", text=text, in_reply_to=message.message_id)]
    services.inbox_read(sender=mailbox)
    mark = DoNotContact.objects.get()
    assert mark.source == "reply" and "please don't contact me again" in mark.note
    with pytest.raises(ValidationError) as refused:
        write(observed, mailbox, manager_a, subject="Another idea")
    assert "asked not to be contacted" in refused.value.message_dict["to"][0]


def test_quoted_words_asking_to_stop_are_not_the_creators(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a)
    services.message_deliver(message_id=message.pk)
    text = "Yes, let's talk!\n\n> To stop messages, unsubscribe here"
    transport.inbox = [incoming("1:9", text=text, in_reply_to=message.message_id)]
    services.inbox_read(sender=mailbox)
    assert not DoNotContact.objects.exists()


def test_a_message_from_a_known_address_without_thread_headers_is_attached_to_their_open_partnership(
    observed, mailbox, manager_a, transport
):
    ContactAddress.objects.create(
        organization=observed.brand.organization, creator=observed.creator, email="ivy@example.com"
    )
    transport.inbox = [incoming("1:10", sender="IVY@example.com".lower())]
    services.inbox_read(sender=mailbox)
    assert Message.objects.get(direction="in").partnership == observed


def test_a_stranger_s_message_is_kept_unfiled_and_a_manager_files_it(observed, mailbox, manager_a, transport):
    transport.inbox = [incoming("1:11", sender="someone@else.example")]
    services.inbox_read(sender=mailbox)
    services.inbox_read(sender=mailbox)  # read again: stored once
    message = Message.objects.get(direction="in")
    assert message.partnership is None
    services.message_file(message=message, partnership=observed, actor=manager_a)
    message.refresh_from_db()
    assert message.partnership == observed and message.activity is not None


def test_a_reply_read_again_after_the_mailbox_renumbered_is_stored_once(observed, mailbox, manager_a, transport):
    transport.inbox = [incoming("1:12", message_id="<same@example.com>")]
    services.inbox_read(sender=mailbox)
    transport.inbox = [incoming("2:1", message_id="<same@example.com>")]  # UIDVALIDITY changed
    services.inbox_read(sender=mailbox)
    assert Message.objects.filter(direction="in").count() == 1


def test_a_send_a_dead_worker_left_is_found_in_the_sent_items_not_sent_again(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a)
    # The worker claimed it, the server took it, then the worker died before writing "sent".
    claimed = services._claim(message.pk, timezone.now())
    transport.send(None, services._outgoing(claimed))
    later = timezone.now() + services.SENDING_GIVEN_UP_AFTER + timedelta(seconds=1)
    assert services.messages_recover(now=later) == {"found_sent": 1, "to_retry": 0}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(transport.sent) == 1


def test_a_send_a_dead_worker_left_before_sending_is_sent_once_on_recovery(observed, mailbox, manager_a, transport):
    message = write(observed, mailbox, manager_a)
    services._claim(message.pk, timezone.now())  # claimed, then the worker died: nothing left
    later = timezone.now() + services.SENDING_GIVEN_UP_AFTER + timedelta(seconds=1)
    assert services.messages_recover(now=later) == {"found_sent": 0, "to_retry": 1}
    assert services.messages_due() == [message.pk]
    assert services.message_deliver(message_id=message.pk) == MessageStatus.SENT
    assert len(transport.sent) == 1


def test_a_manager_marks_and_lifts_do_not_contact_with_reasons(observed, org_a, manager_a, viewer_a):
    with pytest.raises(ValidationError):
        services.do_not_contact_mark(organization=org_a, creator=observed.creator, source="manager", actor=manager_a)
    services.do_not_contact_mark(
        organization=org_a, creator=observed.creator, source="manager", note="Asked on Discord", actor=manager_a
    )
    mark = DoNotContact.objects.get()
    with pytest.raises(PermissionDenied):
        services.do_not_contact_lift(mark=mark, actor=viewer_a, reason="x")
    services.do_not_contact_lift(mark=mark, actor=manager_a, reason="She wrote to us first")
    assert not DoNotContact.objects.exists()
    assert observed.activities.filter(summary="Do-not-contact lifted", body="She wrote to us first").exists()


def test_the_unsubscribe_token_names_the_organization_and_creator_and_cannot_be_forged(observed, org_a):
    url = services.unsubscribe_url(org_a.pk, observed.creator_id)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert services.unsubscribe_token_read(token) == (org_a.pk, observed.creator_id)
    assert services.unsubscribe_token_read(token[:-2] + "xx") is None


def test_merge_fields_and_first_names():
    from partnerships.outreach import merge
    from partnerships.outreach.selectors import first_name_of

    assert merge.merge("Hi {{first_name}}, {{ brand }}", {"first_name": "Ivy", "brand": "Inkwell"}) == "Hi Ivy, Inkwell"
    # A value is put in once: a creator's thread title holding "{{ brand }}" stays as they wrote it.
    assert merge.merge("{{ their_thread }}", {"their_thread": "{{ brand }}", "brand": "X"}) == "{{ brand }}"
    assert merge.unknown_fields("{{ first_name }} {{ x }} {{x}}") == ["x"]
    assert first_name_of("Ivy Lambert", "ivy_l") == "Ivy"
    assert first_name_of("ivy_l", "ivy_l") == "ivy_l"


def test_do_not_contact_phrases():
    from partnerships.outreach.consent import asks_not_to_be_contacted

    assert asks_not_to_be_contacted("Please stop emailing me. Thanks") == "Please stop emailing me."
    assert asks_not_to_be_contacted("unsubscribe") == "unsubscribe"
    assert asks_not_to_be_contacted("Not interested right now, maybe next year!") is None
    assert asks_not_to_be_contacted("Don't stop making pens") is None
    assert asks_not_to_be_contacted("Sure!\nOn Mon, 1 Dec 2026, Maya wrote:\n> reply STOP to unsubscribe") is None


def test_a_subject_made_too_long_by_its_fields_is_refused_not_a_database_error(observed, mailbox, manager_a):
    with pytest.raises(ValidationError) as refused:
        write(observed, mailbox, manager_a, subject="About " + "{{ brand }} " * 40)
    assert "keep it under 200" in refused.value.message_dict["subject"][0]
