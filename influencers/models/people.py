import hashlib

from django.conf import settings
from django.db import models

from influencers.models.community import Community, Platform


class Creator(models.Model):
    """A person, who may speak under several identities on several platforms.

    Identities are linked to a creator when someone cares about that person (added to the
    pipeline, or recognised as the same person elsewhere); most posters never need one.
    """

    display_name = models.CharField(max_length=200)
    bio = models.TextField(blank=True, help_text="Public description: what they make, where.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name


class Identity(models.Model):
    """One account on one platform. Reach (followers, karma) is stored to be shown, never ranked on."""

    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.SET_NULL, related_name="identities")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(
        max_length=255, help_text="The platform's own account id (for Reddit the account name)."
    )
    handle = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    reach = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Followers, karma or subscribers: a contrast, never a ranking input."
    )
    reach_kind = models.CharField(max_length=32, blank=True, help_text="What reach counts, e.g. karma.")
    reach_updated_at = models.DateTimeField(null=True, blank=True)
    is_bot = models.BooleanField(default=False, help_text="Automated accounts never rank.")
    is_deleted = models.BooleanField(default=False, help_text="[deleted] accounts never rank.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "handle"]
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="one_identity_per_account"),
        ]
        indexes = [models.Index(fields=["handle"], name="identity_handle")]

    def __str__(self):
        return f"{self.handle} ({self.get_platform_display()})"

    @property
    def can_rank(self) -> bool:
        return not (self.is_bot or self.is_deleted)


class Membership(models.Model):
    """An identity's presence in one community, kept up to date by ingestion and ranking."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    post_count = models.PositiveIntegerField(default=0, help_text="Top-level posts and threads started.")
    reply_count = models.PositiveIntegerField(default=0, help_text="Comments and replies.")
    reaction_count = models.PositiveIntegerField(default=0, help_text="Reactions given to others.")
    is_moderator = models.BooleanField(default=False)
    latest_score = models.ForeignKey(
        "influencers.MemberScore",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="This member's score in the community's newest ranking.",
    )

    class Meta:
        ordering = ["community", "identity__handle"]
        constraints = [
            models.UniqueConstraint(fields=["identity", "community"], name="one_membership_per_community"),
        ]

    def __str__(self):
        return f"{self.identity.handle} in {self.community.name}"

    @property
    def interaction_count(self) -> int:
        return self.post_count + self.reply_count + self.reaction_count


def account_fingerprint(platform: str, external_id: str) -> str:
    """What is kept of an erased account: a SHA-256 of its platform and id, enough to recognise
    it when a source sends it again, not to list who asked. (Not keyed: a key that rotated would
    let erased people back in; anyone who can guess a name can test it, as they could on the
    platform itself.)"""
    return hashlib.sha256(f"crm-erased-account:{platform}:{external_id}".encode()).hexdigest()


class ErasedAccount(models.Model):
    """An account whose person asked to be erased. Imports skip what it writes from then on, unless
    an operator re-approves it (the person came back, or agreed to be tracked again)."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the platform and account id; no name.")
    identity = models.OneToOneField(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="erasure",
        help_text="The account's row, kept anonymous so the community's figures still add up.",
    )  # fmt: skip
    erased_at = models.DateTimeField(auto_now_add=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_through = models.CharField(
        max_length=200, blank=True, help_text="Who passed the request on: an organization, an API key."
    )
    reapproved_at = models.DateTimeField(null=True, blank=True)
    reapproved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-erased_at"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "fingerprint"], name="one_erasure_per_account"),
        ]

    def __str__(self):
        return f"Erased {self.get_platform_display()} account #{self.pk}"


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ERASED = "erased", "Erased"
    DECLINED = "declined", "Declined"


class ErasureRequest(models.Model):
    """An organization passing on a person's request to be erased.

    Erasing reaches every organization's records of the person (the shared accounts and texts, each
    organization's notes about them), so an organization does not erase on its own: its owners and
    write API keys file the request, and an operator confirms it (or declines, saying why). Every
    step is kept here: who asked, through what, who decided and when.
    """

    organization_lookup = "organization"

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="erasure_requests")
    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.CASCADE, related_name="erasure_requests",
        help_text="The organization that passed the request on.",
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_through = models.CharField(max_length=200, blank=True, help_text="The admin, or an API key.")
    requested_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, help_text="From the organization: how the person asked, anything to check.")
    status = models.CharField(max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text="Why it was declined (shown to the organization).")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "organization"], condition=models.Q(status="requested"),
                name="one_open_erasure_request_per_organization",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "erased", "declined"]), name="erasure_request_status_known"
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"Erasure request #{self.pk} ({self.get_status_display().lower()})"
