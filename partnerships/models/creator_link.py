"""The creator's side of a partnership (issue 21): the private link they open without an account,
what they do through it (every use logged), their click-signature on an agreement and the changes
they propose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partnerships.models.agreement import Agreement
from partnerships.models.pipeline import Partnership


class CreatorLink(models.Model):
    """A private link to one partnership's terms, work and payments. The token is shown once, to
    the manager who makes the link, and stored only as its SHA-256: a database leak gives no
    working link. One live link per partnership; a new one revokes the old."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="creator_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    organization_lookup = "partnership__brand__organization"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(revoked_at__isnull=True), name="one_live_creator_link"
            ),
        ]

    def __str__(self):
        return f"Creator link for {self.partnership} (made {self.created_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class CreatorLinkUse(models.Model):
    """One use of a creator link: what was done, when, from where (kept for the audit)."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Opened the page"
        ACCEPTED = "accepted", "Accepted the terms"
        PROPOSED = "proposed", "Proposed a change"
        HANDED_IN = "handed_in", "Handed in work"
        PUBLISHED = "published", "Said a piece is published"
        CONFIRMED_DISCLOSURE = "confirmed_disclosure", "Confirmed the disclosure"

    link = models.ForeignKey(CreatorLink, on_delete=models.CASCADE, related_name="uses")
    action = models.CharField(max_length=24, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    organization_lookup = "link__partnership__brand__organization"

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["link", "-at"], name="creator_link_use_time")]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class AgreementAcceptance(models.Model):
    """A creator's click-signature: the full name they typed, when, from where, and the exact terms
    they were shown (the text and its SHA-256), so what was accepted can be proven later. One per
    agreement: a version is accepted once."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="acceptance")
    link = models.ForeignKey(CreatorLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    full_name = models.CharField(max_length=200)
    accepted_at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    terms_text = models.TextField(help_text="The terms exactly as the creator read them.")
    terms_sha256 = models.CharField(max_length=64)

    organization_lookup = "agreement__partnership__brand__organization"

    def __str__(self):
        return f"Accepted by {self.full_name} on {self.accepted_at:%Y-%m-%d}"


class CounterProposal(models.Model):
    """Changes a creator proposes to a version of the terms: per term, a value and a note. The
    manager accepts it into a new draft version (which the creator accepts again) or declines it."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the brand"
        ACCEPTED = "accepted", "Taken into a new version"
        DECLINED = "declined", "Declined"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="counter_proposals")
    link = models.ForeignKey(CreatorLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # [{"term": field name, "value": the proposed value as text, "note": why}], one per term.
    changes = models.JSONField(default=list)
    note = models.TextField(blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    new_agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="from_counter_proposals"
    )

    organization_lookup = "agreement__partnership__brand__organization"

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self):
        return f"Counter-proposal on {self.agreement} ({self.get_status_display().lower()})"
