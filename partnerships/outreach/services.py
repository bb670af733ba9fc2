"""Writing to creators and reading their answers: the one path every page, API call and task uses.

Sending is in three steps so that a worker killed at any point sends a message at most once:

1. ``message_write`` records the message ("not sent yet") in the partnership's timeline and
   queues the send after commit;
2. ``message_deliver`` claims it in a short transaction of its own — status "sending", since when,
   one more attempt — and only then hands it to the server;
3. it writes what the server said: sent (with the id replies will carry), refused for good (the
   reason on the timeline), or not sent yet (tried again later, with backoff).

A message left "sending" by a worker that died is found by ``messages_recover``, which first looks
in the sender's own sent items (IMAP Sent folder by Message-ID, Reddit's sent box) before it lets
the message be tried again.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from crm.background import enqueue_after_commit
from influencers.models import Identity, Platform
from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import END_STAGES, ActivityKind, Partnership, Stage
from partnerships.models.outreach import (
    Channel,
    ConsentSource,
    ContactAddress,
    Direction,
    DoNotContact,
    Message,
    MessageStatus,
    Sender,
    Sequence,
    SequenceStatus,
)
from partnerships.outreach import consent, merge
from partnerships.outreach.selectors import merge_values, reddit_handle_of
from partnerships.outreach.senders import (
    account_of,
    contact_address_set,
    require_organization_editor,
    transport_for,
)
from partnerships.outreach.transports import Incoming, Outgoing, Receipt, SendRefused
from partnerships.services._shared import locked, timeline_note
from partnerships.services.pipeline import partnership_move

logger = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 5
MAX_ATTEMPTS = 6
# Waits between attempts when the server does not answer: 1 min, 5 min, 25 min, 2 h, 10 h.
BACKOFF = (60, 300, 1500, 7200, 36000)
SENDING_GIVEN_UP_AFTER = timedelta(minutes=10)  # no send takes this long: the worker died
# The same message asked for twice within this time (a double click, twenty requests at once) is one.
SAME_MESSAGE_WINDOW = timedelta(minutes=10)
STAGES_BEFORE_OUTREACH = (Stage.DISCOVERED, Stage.OBSERVING, Stage.ENGAGING)
UNSUBSCRIBE_SALT = "outreach-unsubscribe"


# --- who and where ------------------------------------------------------------------------------
def recipient_of(partnership: Partnership, sender: Sender) -> str:
    """The creator's address for ``sender``'s channel as the organization knows it ("" if none)."""
    if sender.channel == Channel.REDDIT:
        return reddit_handle_of(partnership.creator)
    contact = ContactAddress.objects.filter(
        organization_id=partnership.brand.organization_id, creator_id=partnership.creator_id
    ).first()
    return contact.email if contact else ""


def unsubscribe_url(organization_id: int, creator_id: int) -> str:
    token = signing.dumps({"o": organization_id, "c": creator_id}, salt=UNSUBSCRIBE_SALT, compress=True)
    return settings.PUBLIC_URL + reverse("outreach-unsubscribe", args=[token])


def unsubscribe_token_read(token: str) -> tuple[int, int] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["o"]), int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _signed(body: str, sender: Sender) -> str:
    return f"{body.rstrip()}\n\n{sender.signature}" if sender.signature else body.rstrip()


def _domain_of(sender: Sender) -> str:
    return sender.address.rsplit("@", 1)[-1] if "@" in sender.address else "reddit.invalid"


# --- writing ------------------------------------------------------------------------------------
@transaction.atomic
def message_write(
    *, partnership: Partnership, sender: Sender, subject: str, body: str, actor=None, to: str = "",
    follow_ups: int = 0, follow_up_days: int = 4, follow_up_body: str = "", thread_id=None,
) -> Message:  # fmt: skip
    """Write to the creator of ``partnership`` from ``sender``: recorded now, sent after commit.

    A partnership before Outreach moves to Outreach (observe first applies: the move's refusal is
    this call's refusal). ``follow_ups`` (up to five, ``follow_up_days`` apart, text
    ``follow_up_body``) are sent only while the creator has not replied and the partnership is in
    Outreach. ``to`` is the email address (remembered for the creator); a Reddit message goes to
    their Reddit account. Raises ValidationError naming the field. The same message asked for
    twice within ten minutes is written once: the second call returns the first.

    ``subject``, ``body`` and ``follow_up_body`` may hold merge fields ({{ first_name }}…), filled
    here from what the brand knows (``thread_id``: which of the creator's threads
    {{ their_thread }} names; their most answered one by default) — the preview shows the same."""
    require_editor(actor, partnership)
    locked(partnership)
    organization = partnership.brand.organization
    errors = {}
    if sender.organization_id != organization.pk:
        raise ValidationError({"sender": "Choose one of your organization's senders."})
    if not sender.is_active:
        errors["sender"] = f"{sender} is switched off; switch it on in Outreach settings first."
    subject, body = (subject or "").strip(), (body or "").strip()
    for field, text in (("subject", subject), ("body", body), ("follow_up_body", follow_up_body or "")):
        if unknown := merge.unknown_fields(text):
            errors[field] = f"Unknown field {{{{ {unknown[0]} }}}}."
    if errors:
        raise ValidationError(errors)
    values = merge_values(partnership, actor=actor, sender=sender, thread_id=thread_id)
    subject = merge.merge(subject, values).strip()
    body = merge.merge(body, values).strip()
    follow_up_body = merge.merge(follow_up_body or "", values).strip()
    if not subject:
        errors["subject"] = "Write a subject."
    elif len(subject) > 200:
        errors["subject"] = f"With its fields filled the subject is {len(subject)} characters; keep it under 200."
    elif sender.channel == Channel.REDDIT and len(subject) > 100:
        errors["subject"] = "Reddit takes subjects of up to 100 characters."
    if not body:
        errors["body"] = "Write the message."
    if len(body) > 10_000:
        errors["body"] = "Keep it under 10,000 characters (it is a first message, not an essay)."
    try:
        follow_ups, follow_up_days = int(follow_ups or 0), int(follow_up_days or 0)
    except (TypeError, ValueError):
        follow_ups, follow_up_days = -1, -1
    if not 0 <= follow_ups <= MAX_FOLLOW_UPS:
        errors["follow_ups"] = f"From 0 to {MAX_FOLLOW_UPS} follow-ups."
    elif follow_ups and not 1 <= follow_up_days <= 60:
        errors["follow_up_days"] = "Follow up after 1 to 60 days."
    elif follow_ups and not (follow_up_body or "").strip():
        errors["follow_up_body"] = "Write the follow-up, or choose no follow-ups."
    if partnership.stage in END_STAGES:
        errors["stage"] = f"This partnership is {partnership.get_stage_display()}: move it back to the pipeline first."
    elif follow_ups and partnership.stage not in (*STAGES_BEFORE_OUTREACH, Stage.OUTREACH):
        errors["follow_ups"] = "Follow-ups are for a first approach (Outreach); this partnership is past it."
    mark = DoNotContact.objects.filter(organization=organization, creator_id=partnership.creator_id).first()
    if mark is not None:
        errors["to"] = f"{partnership.creator} asked not to be contacted ({mark.get_source_display().lower()})."
    if sender.channel == Channel.EMAIL:
        if to:
            contact_address_set(organization=organization, creator=partnership.creator, email=to, actor=actor)
        elif "to" not in errors and not recipient_of(partnership, sender):
            errors["to"] = "Enter the creator's email address."
        if not settings.PUBLIC_URL:
            errors["sender"] = (
                "PUBLIC_URL is not set on the server: emails need an unsubscribe link (ask your operator)."
            )
    elif "to" not in errors and not recipient_of(partnership, sender):
        errors["to"] = f"{partnership.creator} has no Reddit account in the CRM."
    if errors:
        raise ValidationError(errors)
    recipient = recipient_of(partnership, sender)

    same = Message.objects.filter(
        partnership=partnership, sender=sender, direction=Direction.OUT, subject=subject,
        body=_signed(body, sender), created_at__gte=timezone.now() - SAME_MESSAGE_WINDOW,
    ).exclude(status__in=[MessageStatus.CANCELLED, MessageStatus.FAILED]).first()  # fmt: skip
    if same is not None:
        return same

    if partnership.stage in STAGES_BEFORE_OUTREACH:
        partnership_move(partnership=partnership, to_stage=Stage.OUTREACH, actor=actor, note=f"Wrote: {subject}")
    for running in Sequence.objects.filter(partnership=partnership, status=SequenceStatus.ACTIVE):
        _sequence_stop(running, SequenceStatus.STOPPED, "a new message was written")
    sequence = Sequence.objects.create(
        partnership=partnership, sender=sender, follow_ups_planned=follow_ups, follow_up_days=follow_up_days or 4,
        follow_up_body=(follow_up_body or "").strip() if follow_ups else "", created_by=actor,
        status=SequenceStatus.ACTIVE if follow_ups else SequenceStatus.FINISHED,
    )  # fmt: skip
    previous = _conversation_of(partnership, sender)
    message = Message.objects.create(
        organization=organization, partnership=partnership, creator=partnership.creator, sender=sender,
        sequence=sequence, step=0, direction=Direction.OUT, channel=sender.channel, status=MessageStatus.QUEUED,
        to_address=recipient, from_address=sender.address, from_name=sender.display_name, subject=subject,
        body=_signed(body, sender), message_id=make_msgid(domain=_domain_of(sender)),
        in_reply_to=previous.get("in_reply_to", ""), references=previous.get("references", ""),
        thread_id=previous.get("thread_id", ""), created_by=actor,
    )  # fmt: skip
    _note_on_timeline(message, actor)
    _queue_send(message)
    return message


def _conversation_of(partnership: Partnership, sender: Sender) -> dict:
    """How a new message threads onto the last one exchanged with this creator from this sender."""
    last = (
        Message.objects.filter(partnership=partnership, sender=sender)
        .exclude(status__in=[MessageStatus.CANCELLED, MessageStatus.FAILED, MessageStatus.QUEUED])
        .order_by("-occurred_at", "-id")
        .first()
    )
    if last is None:
        return {}
    if sender.channel == Channel.REDDIT:
        return {"thread_id": last.thread_id or last.external_id}
    references = " ".join(filter(None, [last.references, last.message_id])).split()
    return {"in_reply_to": last.message_id, "references": " ".join(references[-20:])}


def _note_on_timeline(message: Message, actor) -> None:
    partnership = message.partnership
    kind = ActivityKind.EMAIL if message.channel == Channel.EMAIL else ActivityKind.MESSAGE
    if message.is_outgoing:
        where = "Email to" if message.channel == Channel.EMAIL else "Reddit message to u/"
        summary = f"{where}{'' if message.channel == Channel.REDDIT else ' '}{message.to_address}: {message.subject}"
        if message.step:
            summary = f"Follow-up {message.step}: {summary}"
    else:
        who = message.from_address if message.channel == Channel.EMAIL else f"u/{message.from_address}"
        summary = f"Reply from {who}: {message.subject}"
    activity = timeline_note(partnership, kind, actor, summary, "", occurred_at=message.occurred_at)
    Message.objects.filter(pk=message.pk).update(activity=activity)
    message.activity = activity


def _queue_send(message: Message) -> None:
    from partnerships.outreach.tasks import send_message  # the tasks module imports this one

    enqueue_after_commit(send_message, message.pk)


# --- sending ------------------------------------------------------------------------------------
def _sent_today(sender: Sender, now: datetime) -> int:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(
        sender=sender, direction=Direction.OUT, status__in=[MessageStatus.SENT, MessageStatus.SENDING],
        occurred_at__gte=start,
    ).count()  # fmt: skip


def _why_not_now(message: Message, now: datetime) -> tuple[str, str, datetime | None] | None:
    """(status, problem, next attempt) when the message must not go out now, else None."""
    sender = message.sender
    if DoNotContact.objects.filter(organization_id=message.organization_id, creator_id=message.creator_id).exists():
        return MessageStatus.CANCELLED, "Not sent: the creator asked not to be contacted.", None
    sequence = message.sequence
    if message.step and sequence is not None and sequence.status != SequenceStatus.ACTIVE:
        return MessageStatus.CANCELLED, f"Not sent: {sequence.stop_reason or 'the follow-ups stopped'}.", None
    if not sender.is_active:
        return MessageStatus.QUEUED, f"Not sent yet: {sender} is switched off.", now + timedelta(hours=1)
    if _sent_today(sender, now) >= sender.daily_cap:
        tomorrow = (timezone.localtime(now) + timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
        return (
            MessageStatus.QUEUED,
            f"Not sent yet: {sender} has sent its {sender.daily_cap} for today; it goes tomorrow.",
            tomorrow,
        )
    return None


def _claim(message_id: int, now: datetime) -> Message | None:
    """Take the message for sending: recorded and committed before anything leaves."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("sender", "sequence")
            .filter(pk=message_id, direction=Direction.OUT, status=MessageStatus.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if message is None:
            return None  # sent, cancelled, taken by another worker, or not due
        # One claim per sender at a time, so two workers cannot both count the day's sends below the cap.
        Sender.objects.select_for_update().filter(pk=message.sender_id).first()
        if (held := _why_not_now(message, now)) is not None:
            message.status, message.problem, message.next_attempt_at = held
            message.save(update_fields=["status", "problem", "next_attempt_at"])
            return None
        message.status = MessageStatus.SENDING
        message.sending_since = now
        message.attempts += 1
        message.save(update_fields=["status", "sending_since", "attempts"])
    return message


def _outgoing(message: Message) -> Outgoing:
    return Outgoing(
        to=message.to_address, subject=message.subject, body=message.body, message_id=message.message_id,
        in_reply_to=message.in_reply_to, references=tuple(message.references.split()),
        unsubscribe_url=unsubscribe_url(message.organization_id, message.creator_id)
        if message.channel == Channel.EMAIL and message.creator_id else "",
        reddit_thread=message.thread_id,
    )  # fmt: skip


def message_deliver(*, message_id: int, now: datetime | None = None) -> str | None:
    """Send one message if it is due; returns its status afterwards (None if not taken)."""
    message = _claim(message_id, now or timezone.now())
    if message is None:
        return None
    try:
        receipt = transport_for(message.channel).send(account_of(message.sender), _outgoing(message))
    except SendRefused as refused:
        return _record_refusal(message, refused)
    except Exception:
        # A fault of ours or of a library: not the creator's fault, not lost. Logged without the
        # message (which may quote private mail) and tried again like a server that did not answer.
        logger.exception("sending outreach message %s failed unexpectedly", message.pk)
        return _record_refusal(message, SendRefused("something went wrong while sending", permanent=False))
    return _record_sent(message, receipt)


@transaction.atomic
def _record_sent(message: Message, receipt: Receipt) -> str:
    message = Message.objects.select_for_update(of=("self",)).select_related("sequence").get(pk=message.pk)
    if message.status == MessageStatus.SENT:
        return message.status
    message.status = MessageStatus.SENT
    message.external_id = receipt.external_id or message.message_id
    message.thread_id = receipt.thread_id or message.thread_id
    message.occurred_at = receipt.sent_at or timezone.now()
    message.problem = ""
    message.sending_since = None
    message.next_attempt_at = None
    message.save()
    if message.activity_id:
        type(message.activity).objects.filter(pk=message.activity_id).update(occurred_at=message.occurred_at)
    sequence = message.sequence
    if sequence is not None and sequence.status == SequenceStatus.ACTIVE:
        if (message.step or 0) < sequence.follow_ups_planned:
            sequence.next_follow_up_at = message.occurred_at + timedelta(days=sequence.follow_up_days)
            sequence.save(update_fields=["next_follow_up_at"])
        else:
            _sequence_stop(sequence, SequenceStatus.FINISHED, "all follow-ups were sent")
    return message.status


@transaction.atomic
def _record_refusal(message: Message, refused: SendRefused) -> str:
    message = Message.objects.select_for_update().get(pk=message.pk)
    now = timezone.now()
    message.sending_since = None
    if refused.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
        message.problem = f"Could not be sent: {refused.reason}"
        if not refused.permanent:
            message.problem += f" (tried {message.attempts} times)"
        message.next_attempt_at = None
        if message.sequence_id:
            sequence = Sequence.objects.select_for_update().get(pk=message.sequence_id)
            if sequence.status == SequenceStatus.ACTIVE:
                _sequence_stop(sequence, SequenceStatus.STOPPED, "a message could not be sent")
        if message.partnership_id:
            timeline_note(
                message.partnership, ActivityKind.NOTE, None, f"Not sent: {message.subject}"[:300], message.problem
            )
    else:
        wait = refused.retry_after or BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = now + timedelta(seconds=wait)
        when = timezone.localtime(message.next_attempt_at).strftime("%Y-%m-%d %H:%M")
        message.problem = f"Not sent yet: {refused.reason}; trying again at {when}."
    message.save()
    return message.status


def messages_due(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Messages waiting to be sent whose time has come."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(direction=Direction.OUT, status=MessageStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def messages_recover(*, now: datetime | None = None, older_than: timedelta = SENDING_GIVEN_UP_AFTER) -> dict:
    """Messages left "sending" by a worker that died: sent if the sender's sent items hold them,
    else tried again. Returns counts."""
    now = now or timezone.now()
    counts = {"found_sent": 0, "to_retry": 0}
    stale = Message.objects.filter(
        direction=Direction.OUT, status=MessageStatus.SENDING, sending_since__lt=now - older_than
    ).select_related("sender")
    for message in stale:
        try:
            receipt = transport_for(message.channel).was_sent(
                account_of(message.sender), _outgoing(message), message.sending_since - timedelta(minutes=1)
            )
        except SendRefused as refused:
            # Cannot look: leave it "sending" rather than risk a second copy; the next run looks again.
            Message.objects.filter(pk=message.pk).update(
                problem=f"Sending was interrupted; could not check the sent items yet: {refused.reason}"[:500]
            )
            continue
        if receipt is not None:
            _record_sent(message, receipt)
            counts["found_sent"] += 1
        else:
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.QUEUED, sending_since=None, next_attempt_at=None,
                problem="Not sent yet: sending was interrupted; trying again.",
            )  # fmt: skip
            counts["to_retry"] += 1
    return counts


# --- follow-ups ---------------------------------------------------------------------------------
def _sequence_stop(sequence: Sequence, status: str, reason: str) -> None:
    """Stop a sequence and cancel its follow-ups not yet sent (the first message still goes)."""
    sequence.status = status
    sequence.stop_reason = reason
    sequence.stopped_at = timezone.now()
    sequence.next_follow_up_at = None
    sequence.save(update_fields=["status", "stop_reason", "stopped_at", "next_follow_up_at"])
    sequence.messages.filter(step__gte=1, status=MessageStatus.QUEUED).update(
        status=MessageStatus.CANCELLED, problem=f"Not sent: {reason}.", next_attempt_at=None
    )


def follow_ups_write(*, now: datetime | None = None) -> int:
    """Write the follow-ups whose day has come (each step once, whoever else runs this)."""
    now = now or timezone.now()
    written = 0
    due = Sequence.objects.filter(status=SequenceStatus.ACTIVE, next_follow_up_at__lte=now).values_list("pk", flat=True)
    for sequence_id in list(due):
        with transaction.atomic():
            sequence = (
                Sequence.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("partnership__brand", "partnership__creator", "sender")
                .filter(pk=sequence_id, status=SequenceStatus.ACTIVE, next_follow_up_at__lte=now)
                .first()
            )
            if sequence is None:
                continue
            partnership = sequence.partnership
            if partnership.stage != Stage.OUTREACH:
                _sequence_stop(
                    sequence, SequenceStatus.STOPPED, f"the partnership moved to {partnership.get_stage_display()}"
                )
                continue
            first = sequence.messages.filter(step=0).first()
            step = sequence.messages.filter(direction=Direction.OUT).count()
            if first is None or step > sequence.follow_ups_planned:
                _sequence_stop(sequence, SequenceStatus.FINISHED, "all follow-ups were sent")
                continue
            last = sequence.messages.filter(direction=Direction.OUT).order_by("-step").first()
            references = " ".join(filter(None, [first.references, first.message_id])).split()
            try:
                with transaction.atomic():
                    message = Message.objects.create(
                        organization_id=first.organization_id, partnership=partnership, creator_id=first.creator_id,
                        sender=sequence.sender, sequence=sequence, step=step, direction=Direction.OUT,
                        channel=first.channel, status=MessageStatus.QUEUED, to_address=first.to_address,
                        from_address=first.from_address, from_name=first.from_name,
                        subject=(first.subject if first.subject.lower().startswith("re:") else f"Re: {first.subject}")[
                            :300
                        ],
                        body=_signed(sequence.follow_up_body, sequence.sender),
                        message_id=make_msgid(domain=_domain_of(sequence.sender)),
                        in_reply_to=last.message_id, references=" ".join(references[-20:]),
                        thread_id=first.thread_id or first.external_id if first.channel == Channel.REDDIT else "",
                    )  # fmt: skip
            except IntegrityError:
                continue  # this step exists already
            # Until it is sent, no further follow-up is due (the next is timed from its sending).
            sequence.next_follow_up_at = None
            sequence.save(update_fields=["next_follow_up_at"])
            _note_on_timeline(message, None)
            _queue_send(message)
            written += 1
    return written


def partnership_left_outreach(*, partnership: Partnership, to_stage: str) -> None:
    """Follow-ups stop when a partnership leaves Outreach (receiver of the stage change)."""
    with transaction.atomic():
        for sequence in Sequence.objects.select_for_update().filter(
            partnership=partnership, status=SequenceStatus.ACTIVE
        ):
            _sequence_stop(sequence, SequenceStatus.STOPPED, f"the partnership moved to {Stage(to_stage).label}")


# --- consent ------------------------------------------------------------------------------------
@transaction.atomic
def do_not_contact_mark(*, organization, creator, source: str, note: str = "", actor=None) -> DoNotContact:
    """The creator is not to be written to by this organization again: every running sequence of
    theirs stops and nothing queued goes out. Marking twice keeps the first mark."""
    if source == ConsentSource.MANAGER:
        require_organization_editor(actor, organization)
        if not (note or "").strip():
            raise ValidationError({"note": "Say why (their words, or how you know)."})
    mark, created = DoNotContact.objects.get_or_create(
        organization=organization, creator=creator,
        defaults={"source": source, "note": (note or "").strip(), "created_by": actor},
    )  # fmt: skip
    if not created:
        return mark
    reason = "the creator asked not to be contacted"
    for sequence in Sequence.objects.select_for_update().filter(
        partnership__brand__organization=organization, partnership__creator=creator, status=SequenceStatus.ACTIVE
    ):
        _sequence_stop(sequence, SequenceStatus.STOPPED, reason)
    Message.objects.filter(
        organization=organization, creator=creator, direction=Direction.OUT, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.CANCELLED, problem=f"Not sent: {reason}.", next_attempt_at=None)
    for partnership in Partnership.objects.filter(brand__organization=organization, creator=creator):
        timeline_note(
            partnership, ActivityKind.NOTE, actor, f"Do not contact: {ConsentSource(source).label.lower()}", mark.note
        )
    return mark


@transaction.atomic
def do_not_contact_lift(*, mark: DoNotContact, actor=None, reason: str) -> None:
    """Only a manager lifts a mark, saying why (the creator wrote again, say); it stays on the timeline."""
    require_organization_editor(actor, mark.organization)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the creator may be written to again."})
    for partnership in Partnership.objects.filter(brand__organization=mark.organization, creator=mark.creator):
        timeline_note(partnership, ActivityKind.NOTE, actor, "Do-not-contact lifted", reason.strip())
    mark.delete()


# --- replies ------------------------------------------------------------------------------------
def inbox_read(*, sender: Sender) -> dict:
    """Read what arrived in ``sender``'s inbox since last time; store it, match it to partnerships
    and stop their follow-ups. Returns counts; a connection problem is recorded on the sender."""
    transport = transport_for(sender.channel)
    try:
        incoming, cursor = transport.fetch_new(account_of(sender), dict(sender.inbox_cursor or {}))
    except SendRefused as refused:
        Sender.objects.filter(pk=sender.pk).update(inbox_read_at=timezone.now(), inbox_problem=refused.reason[:300])
        return {"read": 0, "stored": 0, "matched": 0, "problem": refused.reason}
    counts = {"read": len(incoming), "stored": 0, "matched": 0, "problem": ""}
    with transaction.atomic():
        locked(sender)
        for item in incoming:
            message = _store_incoming(sender, item)
            if message is not None:
                counts["stored"] += 1
                counts["matched"] += message.partnership_id is not None
        sender.inbox_cursor = cursor
        sender.inbox_read_at = timezone.now()
        sender.inbox_problem = ""
        sender.save(update_fields=["inbox_cursor", "inbox_read_at", "inbox_problem"])
    return counts


def _store_incoming(sender: Sender, item: Incoming) -> Message | None:
    item = _without_nul(item)
    if item.sender.lower() == sender.address.lower():
        return None  # our own message (a copy in the inbox)
    stored = Message.objects.filter(sender=sender, direction=Direction.IN)
    if stored.filter(external_id=item.external_id).exists():
        return None
    if item.message_id and stored.filter(message_id=item.message_id).exists():
        return None  # read again after the mailbox's UIDs were renumbered
    partnership, creator = _match(sender, item)
    message = Message.objects.create(
        organization_id=sender.organization_id, partnership=partnership, creator=creator, sender=sender,
        direction=Direction.IN, channel=sender.channel, status=MessageStatus.RECEIVED,
        to_address=sender.address, from_address=item.sender[:254], from_name=item.sender_name[:200],
        subject=item.subject[:300], body=item.text.replace("\r\n", "\n").strip(), message_id=item.message_id[:300],
        in_reply_to=item.in_reply_to[:300], references=" ".join(item.references)[:5000],
        external_id=item.external_id[:300], thread_id=item.reddit_thread[:300], problem=item.problem[:500],
        occurred_at=item.received_at or timezone.now(),
    )  # fmt: skip
    if partnership is not None:
        _reply_arrived(message)
    return message


def _without_nul(item: Incoming) -> Incoming:
    """PostgreSQL refuses NUL in text; one such reply must not stop a mailbox's replies for good."""
    fields = ("sender", "sender_name", "subject", "text", "message_id", "in_reply_to", "problem", "external_id")
    cleaned = {name: getattr(item, name).replace("\x00", "") for name in fields}
    cleaned["references"] = tuple(reference.replace("\x00", "") for reference in item.references)
    return dataclasses.replace(item, **cleaned)


def _match(sender: Sender, item: Incoming) -> tuple[Partnership | None, object]:
    """The partnership a message answers: by its thread first (In-Reply-To/References, or the Reddit
    conversation), else by who wrote it (a known address or Reddit account) to their one open
    partnership in this organization; else nothing, and a manager files it."""
    ours = Message.objects.filter(sender=sender, direction=Direction.OUT, partnership__isnull=False)
    if sender.channel == Channel.EMAIL:
        ids = [i for i in (item.in_reply_to, *item.references) if i]
        answered = ours.filter(message_id__in=ids).order_by("-occurred_at").first() if ids else None
    else:
        ids = [i for i in (item.reddit_thread, item.reddit_parent) if i]
        answered = (
            ours.filter(Q(external_id__in=ids) | Q(thread_id__in=ids)).order_by("-occurred_at").first() if ids else None
        )
    if answered is not None:
        return answered.partnership, answered.creator
    if sender.channel == Channel.EMAIL:
        contact = ContactAddress.objects.filter(
            organization_id=sender.organization_id, email__iexact=item.sender
        ).first()
        creator = contact.creator if contact else None
    else:
        identity = (
            Identity.objects.filter(platform=Platform.REDDIT, handle__iexact=item.sender, creator__isnull=False)
            .select_related("creator")
            .first()
        )
        creator = identity.creator if identity else None
    if creator is None:
        return None, None
    open_ones = Partnership.objects.filter(brand__organization_id=sender.organization_id, creator=creator).exclude(
        stage__in=END_STAGES
    )
    if open_ones.count() == 1:
        return open_ones.get(), creator
    # Several brands in talks with them, or none: a manager decides where it belongs.
    written = open_ones.filter(messages__sender=sender).order_by("-messages__occurred_at").first()
    return written, creator


def _reply_arrived(message: Message) -> None:
    """What a reply changes: on the timeline, the running follow-ups stop, a request to stop
    writing is honoured, and webhooks hear of it after commit."""
    _note_on_timeline(message, None)
    partnership = message.partnership
    for sequence in Sequence.objects.select_for_update().filter(partnership=partnership, status=SequenceStatus.ACTIVE):
        _sequence_stop(sequence, SequenceStatus.REPLIED, "the creator replied")
    if (words := consent.asks_not_to_be_contacted(message.body)) is not None:
        do_not_contact_mark(
            organization=partnership.brand.organization, creator=partnership.creator,
            source=ConsentSource.REPLY, note=f"“{words}” ({timezone.localdate(message.occurred_at).isoformat()})",
        )  # fmt: skip
    transaction.on_commit(lambda: signals.message_received.send_robust(sender=Message, message=message))


@transaction.atomic
def message_file(*, message: Message, partnership: Partnership, actor=None) -> Message:
    """A manager files a message that matched nothing under one of the organization's partnerships."""
    require_editor(actor, partnership)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.direction != Direction.IN:
        raise ValidationError({"message": "Only a received message is filed."})
    if partnership.brand.organization_id != message.organization_id:
        raise ValidationError({"partnership": "Choose one of your organization's partnerships."})
    if message.partnership_id == partnership.pk:
        return message
    if message.partnership_id is not None:
        raise ValidationError({"message": "This message is filed already."})
    message.partnership = partnership
    message.creator = partnership.creator
    message.save(update_fields=["partnership", "creator"])
    if message.channel == Channel.EMAIL and message.from_address:
        ContactAddress.objects.get_or_create(
            organization_id=message.organization_id, creator=partnership.creator,
            defaults={"email": message.from_address.lower()},
        )  # fmt: skip
    _reply_arrived(message)
    return message
