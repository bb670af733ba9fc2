"""Outreach: the organization's senders (mailboxes, Reddit accounts), its templates, the messages
written to creators and their answers, follow-up sequences that stop on reply, and who asked not
to be contacted.

A message is recorded before it is handed to a server and its state is written after, so a worker
that dies in between leaves a row that says so ("sending" since a time) and the recovery looks in
the sender's own sent items before trying again: nothing is sent twice. Passwords and tokens are
sealed (``crm.sealed``) with a key from the environment and never shown again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm import sealed
from crm.models import Organization
from influencers.models import Creator
from partnerships.models.pipeline import Partnership
from partnerships.models.timeline import Activity


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    REDDIT = "reddit", "Reddit message"


class Security(models.TextChoices):
    SSL = "ssl", "SSL/TLS (ports 465 and 993)"
    STARTTLS = "starttls", "STARTTLS (ports 587 and 143)"
    NONE = "none", "None (only for a server on this machine)"


class Sender(models.Model):
    """A mailbox or a Reddit account an organization writes from.

    A mailbox sends by SMTP and its inbox is read by IMAP for replies; a Reddit account sends
    private messages and its inbox is read for answers. ``sealed_secrets`` holds the password,
    client secret or refresh token, encrypted; nothing shows it again.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="senders")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(
        max_length=254, help_text="The email address messages come from, or the Reddit username (without u/)."
    )
    display_name = models.CharField(
        max_length=120, blank=True, help_text="The name recipients see, e.g. Maya at Inkwell."
    )
    # A mailbox.
    username = models.CharField(max_length=254, blank=True, help_text="The login, usually the address itself.")
    smtp_host = models.CharField(max_length=253, blank=True)
    smtp_port = models.PositiveIntegerField(null=True, blank=True)
    smtp_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    imap_host = models.CharField(max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(null=True, blank=True)
    imap_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    sent_folder = models.CharField(max_length=120, blank=True, help_text="Leave empty to find it.")
    # A Reddit account (a script app, or an app authorised with a refresh token).
    client_id = models.CharField(max_length=100, blank=True)
    sealed_secrets = models.TextField(blank=True, editable=False)
    daily_cap = models.PositiveIntegerField(default=40, help_text="At most this many messages a day from this sender.")
    signature = models.TextField(blank=True, help_text="Added under every message.")
    is_active = models.BooleanField(default=True)
    # What the last connection test and the last inbox reading found.
    checked_at = models.DateTimeField(null=True, blank=True)
    check_problem = models.CharField(max_length=300, blank=True)
    inbox_cursor = models.JSONField(default=dict, blank=True, editable=False)
    inbox_read_at = models.DateTimeField(null=True, blank=True)
    inbox_problem = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["channel", "address"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "channel", "address"], name="one_sender_per_address"),
        ]

    def __str__(self):
        if self.channel == Channel.REDDIT:
            return f"u/{self.address} (Reddit)"
        return f"{self.display_name} <{self.address}>" if self.display_name else self.address

    @property
    def secrets(self) -> dict:
        return sealed.open_dict(self.sealed_secrets) if self.sealed_secrets else {}

    def seal(self, secrets: dict) -> None:
        self.sealed_secrets = sealed.seal_dict(secrets) if secrets else ""


class MessageTemplate(models.Model):
    """A first message and its follow-up, with merge fields such as {{ first_name }} (see
    ``partnerships.outreach.merge``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="message_templates")
    name = models.CharField(max_length=120)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    follow_up_body = models.TextField(
        blank=True, help_text="Sent, if the creator has not answered, as each follow-up. Empty: no follow-ups."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="one_template_per_name")]

    def __str__(self):
        return self.name


class ContactAddress(models.Model):
    """A creator's email address as the organization knows it (kept by the organization, not in
    the shared discovery data)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contact_addresses")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="contact_addresses")
    email = models.EmailField()
    updated_at = models.DateTimeField(auto_now=True)

    organization_lookup = "organization"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "creator"], name="one_contact_address")]
        indexes = [models.Index(fields=["organization", "email"], name="contact_address_email")]

    def __str__(self):
        return self.email


class ConsentSource(models.TextChoices):
    REPLY = "reply", "Asked in a reply"
    UNSUBSCRIBE = "unsubscribe", "Used the unsubscribe link"
    MANAGER = "manager", "Marked by a manager"


class DoNotContact(models.Model):
    """The creator asked not to be contacted (or a manager marked it): the organization never
    writes to them again, from any sender, until a manager lifts it with a reason."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="do_not_contact")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="do_not_contact")
    source = models.CharField(max_length=12, choices=ConsentSource.choices)
    note = models.TextField(blank=True, help_text="Their words, or why it was marked.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    organization_lookup = "organization"

    class Meta:
        verbose_name = "do-not-contact mark"
        constraints = [models.UniqueConstraint(fields=["organization", "creator"], name="one_do_not_contact_mark")]

    def __str__(self):
        return f"Do not contact {self.creator}"


class SequenceStatus(models.TextChoices):
    ACTIVE = "active", "Waiting for a reply"
    REPLIED = "replied", "Replied"
    STOPPED = "stopped", "Stopped"
    FINISHED = "finished", "All follow-ups sent"


class Sequence(models.Model):
    """A first message and up to ``follow_ups_planned`` follow-ups, ``follow_up_days`` apart, that
    stops at once when the creator replies, the partnership leaves Outreach, or the creator asks
    not to be contacted. One runs per partnership at a time."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="sequences")
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="sequences")
    status = models.CharField(max_length=8, choices=SequenceStatus.choices, default=SequenceStatus.ACTIVE)
    follow_ups_planned = models.PositiveSmallIntegerField(default=0)
    follow_up_days = models.PositiveSmallIntegerField(default=4)
    follow_up_body = models.TextField(blank=True)
    next_follow_up_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    organization_lookup = "partnership__brand__organization"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(status="active"), name="one_running_sequence_per_partnership"
            ),
            models.CheckConstraint(condition=Q(follow_ups_planned__lte=5), name="at_most_five_follow_ups"),
            models.CheckConstraint(condition=Q(follow_up_days__gte=1), name="follow_ups_a_day_apart_at_least"),
        ]
        indexes = [models.Index(fields=["status", "next_follow_up_at"], name="sequence_due")]

    def __str__(self):
        return f"Outreach to {self.partnership.creator} ({self.get_status_display().lower()})"


class Direction(models.TextChoices):
    OUT = "out", "Sent"
    IN = "in", "Received"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Not sent yet"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"
    CANCELLED = "cancelled", "Cancelled"
    RECEIVED = "received", "Received"


class Message(models.Model):
    """One message written to a creator or received from one, on the partnership's timeline.

    An incoming message that matched no partnership has ``partnership`` empty until a manager
    files it. Text is kept as text and always shown escaped (mail is never rendered as HTML).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="messages")
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT, related_name="messages")
    sequence = models.ForeignKey(Sequence, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    step = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0: the first message; 1…: follow-ups.")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=9, choices=MessageStatus.choices)
    to_address = models.CharField(max_length=254, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    # Threading: an email's Message-ID (ours, set before the first attempt) and what it answers;
    # a Reddit message's fullname and its conversation's first message.
    message_id = models.CharField(max_length=300, blank=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    external_id = models.CharField(max_length=300, blank=True)
    thread_id = models.CharField(max_length=300, blank=True)
    problem = models.CharField(
        max_length=500, blank=True, help_text="Why it is not sent (yet), or what was wrong with it."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, help_text="When it was written, sent or received.")
    activity = models.OneToOneField(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="outreach_message"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # A sequence's step is written once, however many workers or requests ask.
            models.UniqueConstraint(fields=["sequence", "step"], name="one_message_per_sequence_step"),
            # An incoming message is stored once per sender, whatever reads it twice.
            models.UniqueConstraint(
                fields=["sender", "external_id"], condition=Q(direction="in"), name="incoming_stored_once"
            ),
            models.CheckConstraint(
                condition=Q(direction="in", status="received") | (Q(direction="out") & ~Q(status="received")),
                name="message_status_fits_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "-occurred_at"], name="message_partnership_time"),
            models.Index(fields=["status", "next_attempt_at"], name="message_to_send"),
            models.Index(fields=["sender", "message_id"], name="message_by_message_id"),
            models.Index(fields=["sender", "thread_id"], name="message_by_thread"),
            models.Index(fields=["organization", "partnership", "direction"], name="message_unfiled"),
        ]

    def __str__(self):
        return self.subject or f"{self.get_direction_display()} message"

    @property
    def is_outgoing(self) -> bool:
        return self.direction == Direction.OUT
