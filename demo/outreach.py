"""The demo's outreach: a template per organization, Dana's mailbox on the demo mail server, the
creators' addresses, and a little history (a first note waiting for its follow-up, a reply).

Like the rest of the loader, everything is keyed on something natural (a template's name, a
sender's address, a partnership's first message), so loading twice adds nothing. The mailbox is
connected through ``senders.sender_connect`` (its password sealed like any other); the history is
written as the services write it (a Message, its Sequence, the timeline entry from
``services._note_on_timeline``) but backdated, which no service does.

The mailbox points at ``manage.py demo_mailserver`` (SMTP 127.0.0.1:1025, IMAP 127.0.0.1:1143):
with it running, a manager writes from the demo and ``manage.py demo_reply`` answers as the creator.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.utils import make_msgid

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Organization
from partnerships.models import Partnership, Stage
from partnerships.models.outreach import (
    Channel,
    ContactAddress,
    Direction,
    Message,
    MessageStatus,
    MessageTemplate,
    Security,
    Sender,
    Sequence,
    SequenceStatus,
)
from partnerships.outreach import merge, selectors, senders, services

# The local demo mail server's throw-away login (demo/mailserver.py, `make mailserver`): it exists
# only on 127.0.0.1 while that server runs, and guards nothing.
DEMO_MAILBOX = {
    "address": "dana@inkwell-nib.example",
    "display_name": "Dana at Inkwell & Nib",
    "username": "dana",
    "password": "demo-mailbox",
    "smtp_host": "127.0.0.1",
    "smtp_port": 1025,
    "imap_host": "127.0.0.1",
    "imap_port": 1143,
}
DEMO_MAILBOX_ORGANIZATION = "demo-brand"

TEMPLATE_NAME = "A first note, after observing"
TEMPLATE_SUBJECT = "Your thread “{{ their_thread }}”"
TEMPLATE_BODY = """\
Hi {{ first_name }},

I'm {{ manager_name }} from {{ brand }}. We have been reading {{ community }} for a few months without \
posting, and your thread “{{ their_thread }}” is one we keep going back to: you answered every question in it, \
including the beginner ones.

Something we noticed while reading: {{ observation }}

We would like to send you a few of our things, no strings attached. If you like them and want to do \
something together, you keep creative control: what you write, when, and whether you write anything at all \
is yours, disclosed the way the community asks.

If it's not for you, "no thanks" is a perfectly good answer and we won't write again.

{{ manager_name }}"""
TEMPLATE_FOLLOW_UP = """\
Hi {{ first_name }},

Just checking my note about “{{ their_thread }}” reached you. If it's a no, or a not now, a one-line reply \
is plenty and we'll leave it there.

{{ manager_name }}"""
SIGNATURE = "Inkwell & Nib · https://inkwell-nib.example"

# What the creator in Negotiating answered (the demo's history).
REPLY_TEXT = """\
Hi Dana,

Thanks for actually reading the thread, that's rare. I'd be happy to try the EF nib and write about it, \
good or bad. Two things before anything else: I write what I think, and the disclosure goes in the first \
line. And what would you do with my posts afterwards (usage rights)?

Efe"""

# (handle, days since the first note): a first note waiting for its follow-up, due in a day or two.
WAITING = {"paper_trail_pat": 3, "BannetonBen": 2}
FOLLOW_UPS, FOLLOW_UP_DAYS = 2, 4
# (handle, days since the first note, days since their reply).
REPLIED = {"ef_enthusiast": (40, 37)}


def contact_email(handle: str) -> str:
    """The creator's demo address: creator-handle@example.com (example.com only: mail to it goes nowhere)."""
    return f"{handle.lower().replace('_', '-')}@example.com"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _handle_of(partnership: Partnership) -> str:
    identity = partnership.creator.identities.order_by("pk").first()
    return identity.handle if identity else ""


def _templates() -> None:
    for organization in Organization.objects.filter(slug__in=["demo-brand", "demo-agency"]):
        if not MessageTemplate.objects.filter(organization=organization, name=TEMPLATE_NAME).exists():
            senders.template_save(
                organization=organization, name=TEMPLATE_NAME, subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY,
                follow_up_body=TEMPLATE_FOLLOW_UP, actor=None,
            )  # fmt: skip


def _mailbox(dana) -> Sender:
    organization = Organization.objects.get(slug=DEMO_MAILBOX_ORGANIZATION)
    existing = Sender.objects.filter(
        organization=organization, channel=Channel.EMAIL, address=DEMO_MAILBOX["address"]
    ).first()
    if existing is not None:
        return existing
    fields = {key: value for key, value in DEMO_MAILBOX.items() if key != "password"}
    return senders.sender_connect(
        organization=organization, channel=Channel.EMAIL, actor=dana, secrets={"password": DEMO_MAILBOX["password"]},
        smtp_security=Security.NONE, imap_security=Security.NONE, signature=SIGNATURE, daily_cap=40, **fields,
    )  # fmt: skip


def _contacts() -> None:
    partnerships = Partnership.objects.filter(
        brand__organization__slug__in=["demo-brand", "demo-agency"], stage__in=[Stage.OUTREACH, Stage.NEGOTIATING]
    ).select_related("brand", "creator")
    for partnership in partnerships:
        ContactAddress.objects.get_or_create(
            organization_id=partnership.brand.organization_id,
            creator=partnership.creator,
            defaults={"email": contact_email(_handle_of(partnership))},
        )


def _first_note(partnership: Partnership, sender: Sender, dana, sent_at: datetime, *, replied: bool) -> Message:
    """The first note from the template, sent at ``sent_at``, with its sequence and timeline entry."""
    template = MessageTemplate.objects.get(organization=sender.organization, name=TEMPLATE_NAME)
    values = selectors.merge_values(partnership, actor=dana, sender=sender)
    next_follow_up = None if replied else sent_at + timedelta(days=FOLLOW_UP_DAYS)
    sequence = Sequence.objects.create(
        partnership=partnership, sender=sender, follow_ups_planned=FOLLOW_UPS, follow_up_days=FOLLOW_UP_DAYS,
        follow_up_body=merge.merge(template.follow_up_body, values).strip(), created_by=dana, created_at=sent_at,
        status=SequenceStatus.REPLIED if replied else SequenceStatus.ACTIVE, next_follow_up_at=next_follow_up,
    )  # fmt: skip
    message_id = make_msgid(domain="inkwell-nib.example")
    message = Message.objects.create(
        organization=sender.organization, partnership=partnership, creator=partnership.creator, sender=sender,
        sequence=sequence, step=0, direction=Direction.OUT, channel=Channel.EMAIL, status=MessageStatus.SENT,
        to_address=services.recipient_of(partnership, sender), from_address=sender.address,
        from_name=sender.display_name, subject=merge.merge(template.subject, values).strip(),
        body=f"{merge.merge(template.body, values).strip()}\n\n{sender.signature}", message_id=message_id,
        external_id=message_id, occurred_at=sent_at, created_by=dana,
    )  # fmt: skip
    services._note_on_timeline(message, dana)
    return message


def _their_reply(sent: Message, replied_at: datetime) -> Message:
    partnership = sent.partnership
    quoted = "\n".join(f"> {line}" if line else ">" for line in sent.body.splitlines())
    when = timezone.localtime(sent.occurred_at).strftime("%a, %d %b %Y at %H:%M")
    reply = Message.objects.create(
        organization=sent.organization, partnership=partnership, creator=partnership.creator, sender=sent.sender,
        direction=Direction.IN, channel=Channel.EMAIL, status=MessageStatus.RECEIVED, to_address=sent.from_address,
        from_address=sent.to_address, from_name=partnership.creator.display_name, subject=f"Re: {sent.subject}",
        body=f"{REPLY_TEXT}\n\nOn {when}, {sent.from_name} <{sent.from_address}> wrote:\n{quoted}",
        message_id=make_msgid(domain="example.com"), in_reply_to=sent.message_id, references=sent.message_id,
        # Not an IMAP id ("uidvalidity:uid"): reading the demo mailbox can never take it for a new message.
        external_id=f"demo:{sent.message_id}", occurred_at=replied_at,
    )  # fmt: skip
    Sequence.objects.filter(pk=sent.sequence_id).update(
        stop_reason="the creator replied", stopped_at=replied_at, next_follow_up_at=None
    )
    services._note_on_timeline(reply, None)
    return reply


def _history(sender: Sender, dana, today: date) -> None:
    partnerships = Partnership.objects.filter(brand__organization=sender.organization).select_related(
        "brand__organization", "creator"
    )
    for partnership in partnerships:
        handle = _handle_of(partnership)
        if handle not in WAITING and handle not in REPLIED:
            continue
        if Message.objects.filter(partnership=partnership).exists():
            continue  # loaded already (or written to since): nothing added
        if handle in WAITING:
            _first_note(partnership, sender, dana, _at(today - timedelta(days=WAITING[handle]), 11), replied=False)
        else:
            sent_days, reply_days = REPLIED[handle]
            sent = _first_note(partnership, sender, dana, _at(today - timedelta(days=sent_days), 11), replied=True)
            _their_reply(sent, _at(today - timedelta(days=reply_days), 19))


def load(*, today: date, username: str) -> None:
    """Templates, Dana's mailbox, the creators' addresses and the outreach history (idempotent)."""
    dana = get_user_model().objects.get(username=username)
    _templates()
    sender = _mailbox(dana)
    _contacts()
    _history(sender, dana, today)


def counts() -> dict[str, int]:
    return {
        "message_templates": MessageTemplate.objects.count(),
        "senders": Sender.objects.count(),
        "messages": Message.objects.count(),
    }
