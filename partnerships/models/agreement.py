from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from influencers.models import Community
from partnerships.models.pipeline import Partnership


class CompensationType(models.TextChoices):
    PRODUCT_SEEDING = "product_seeding", "Product seeding"
    FLAT_FEE = "flat_fee", "Flat fee"
    AFFILIATE_SHARE = "affiliate_share", "Affiliate share"
    FEE_AND_AFFILIATE = "fee_and_affiliate", "Flat fee and affiliate share"
    UNPAID = "unpaid", "No compensation"


class ReviewRights(models.TextChoices):
    NONE = "none", "None: the brand sees it when members do"
    FACTUAL_CHECK = "factual_check", "Factual check only"
    APPROVAL = "approval", "Approval before publishing"


class UsageRights(models.TextChoices):
    NONE = "none", "None: the content stays the creator's"
    ORGANIC_RESHARE = "organic_reshare", "Brand may reshare organically"
    PAID_AMPLIFICATION = "paid_amplification", "Brand may use it in paid ads"
    FULL_LICENSE = "full_license", "Full licence"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent to the creator"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Cancelled"
    # A signed agreement's terms never change: a change is a new version, accepted again, and the
    # version it replaces says so.
    SUPERSEDED = "superseded", "Replaced by a newer version"


class FeeSchedule(models.TextChoices):
    """When a flat fee falls due."""

    ON_SIGNATURE = "on_signature", "On signature"
    ON_PUBLICATION = "on_publication", "On publication of the first deliverable"
    MONTHLY = "monthly", "Monthly, for each month of the agreement"


class Agreement(models.Model):
    """The terms of one period of a partnership; a renewal is a new agreement, the old one kept.

    Creative control is data, not prose, so it can be shown, filtered and audited: by default the
    creator keeps editorial control and the brand has no review rights.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="agreements")
    renewal_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals")
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        help_text="The earlier version of the same period that this version replaces (a counter-proposal accepted).",
    )
    status = models.CharField(max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Empty for an open-ended agreement.")
    signed_on = models.DateField(null=True, blank=True)

    compensation_type = models.CharField(
        max_length=24, choices=CompensationType.choices, default=CompensationType.PRODUCT_SEEDING
    )
    compensation_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="USD")
    fee_schedule = models.CharField(
        max_length=16,
        choices=FeeSchedule.choices,
        default=FeeSchedule.ON_SIGNATURE,
        help_text="When a flat fee falls due (a monthly fee is the amount for each month).",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(120)],
        help_text="Days the brand has to pay once a payment falls due.",
    )
    affiliate_share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    brief_goals = models.TextField(
        blank=True, help_text="What the brand hopes the collaboration does, in plain words for the creator."
    )
    brief_will_not_ask = models.TextField(
        blank=True, help_text="What the brand will not ask for (scripts, talking points, deleting criticism…)."
    )

    creator_keeps_editorial_control = models.BooleanField(
        default=True, help_text="The creator decides what is said, how and when."
    )
    brand_review_rights = models.CharField(max_length=16, choices=ReviewRights.choices, default=ReviewRights.NONE)
    disclosure_required = models.BooleanField(default=True)
    disclosure_method = models.CharField(
        max_length=300, blank=True, help_text='How it is disclosed, e.g. "#ad in the first line".'
    )
    disclosure_phrase = models.CharField(
        max_length=100,
        blank=True,
        help_text='The words a post must contain, e.g. "#ad"; empty: any common disclosure counts.',
    )
    usage_rights = models.CharField(max_length=24, choices=UsageRights.choices, default=UsageRights.NONE)
    usage_rights_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="How long the brand may use the content; empty if no rights."
    )

    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    organization_lookup = "partnership__brand__organization"
    # Who controls the content: shown up front, and every change to these is flagged in the audit.
    CREATIVE_CONTROL_FIELDS = (
        "creator_keeps_editorial_control", "brand_review_rights", "disclosure_required", "disclosure_method",
        "disclosure_phrase", "usage_rights", "usage_rights_days",
    )  # fmt: skip
    # Everything an agreement says (what the pages and services may set or change).
    TERM_FIELDS = (
        "status", "starts_on", "ends_on", "signed_on", "compensation_type", "compensation_amount", "currency",
        "fee_schedule", "payment_terms_days", "affiliate_share_percent", "brief_goals", "brief_will_not_ask",
        *CREATIVE_CONTROL_FIELDS, "notes",
    )  # fmt: skip
    # What the creator reads, accepts and may propose to change: the terms without the bookkeeping
    # (status, the date it was signed) and without the brand's internal notes.
    CREATOR_TERM_FIELDS = tuple(name for name in TERM_FIELDS if name not in ("status", "signed_on", "notes"))

    class Meta:
        ordering = ["partnership", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="agreement_ends_after_it_starts",
                violation_error_message="The agreement cannot end before it starts.",
            ),
            # Approval rights hand the final word to the brand: that is not editorial control.
            models.CheckConstraint(
                condition=Q(creator_keeps_editorial_control=False) | ~Q(brand_review_rights=ReviewRights.APPROVAL),
                name="editorial_control_excludes_brand_approval",
                violation_error_message=(
                    "A creator who keeps editorial control cannot also need the brand's approval before publishing."
                ),
            ),
            models.CheckConstraint(
                condition=Q(affiliate_share_percent__isnull=True)
                | Q(affiliate_share_percent__gte=0, affiliate_share_percent__lte=100),
                name="affiliate_share_is_a_percentage",
                violation_error_message="The affiliate share is a percentage, from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gte=0),
                name="compensation_is_not_negative",
                violation_error_message="Compensation cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(brand_review_rights__in=[r.value for r in ReviewRights]),
                name="review_rights_are_known",
            ),
        ]

    def __str__(self):
        end = self.ends_on.isoformat() if self.ends_on else "open-ended"
        return f"Agreement {self.starts_on.isoformat()} – {end} ({self.partnership})"

    @property
    def creative_control(self) -> CreativeControl:
        """Who has the last word on the content, in the words every page uses."""
        return creative_control_of(
            editorial_control=self.creator_keeps_editorial_control, review_rights=self.brand_review_rights
        )

    @property
    def creative_control_summary(self) -> str:
        """One line for badges and lists: who has the last word on the content."""
        return self.creative_control.summary

    @classmethod
    def term_shown(cls, name: str, value) -> str:
        """A term's value as a manager reads it: the label of a choice, yes or no, "—" for none."""
        field = cls._meta.get_field(name)
        choices = dict(field.flatchoices)
        if isinstance(value, Decimal) and value.is_finite() and field.get_internal_type() == "DecimalField":
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))  # 10 and 10.00 are one amount
        if value in choices:
            return str(choices[value])
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "—" if value in (None, "") else str(value)

    @classmethod
    def term_change_line(cls, name: str, old, new) -> str | None:
        """The line "Term: old → new" for a term that changed, None for one that did not. The page's
        history and the timeline entry of a change both say it this way."""
        before, after = cls.term_shown(name, old), cls.term_shown(name, new)
        if before == after:
            return None
        return f"{cls._meta.get_field(name).verbose_name.capitalize()}: {before} → {after}"


@dataclass(frozen=True)
class CreativeControl:
    """Creative control in words, defined once for the board, the partnership page, the admin and
    the API. ``key`` is stable (CSS classes and tests use it); the wording may change freely."""

    key: str
    badge: str  # short, on a board card
    editorial: str  # the editorial-control term alone ("The creator keeps it")
    summary: str  # one line for lists and timeline entries


def creative_control_of(*, editorial_control: bool | None, review_rights: str = "") -> CreativeControl:
    """Who decides what is published, from the two terms that say it (``editorial_control`` None:
    no agreement in force)."""
    if editorial_control is None:
        return CreativeControl("none", "no agreement yet", "", "No agreement yet")
    review = ReviewRights(review_rights).label if review_rights in ReviewRights.values else str(review_rights)
    if not editorial_control:
        return CreativeControl(
            "brand", "brand approves", "Shared with the brand", f"Brand has editorial say; review: {review.lower()}"
        )
    keeps, summary = "The creator keeps it", "Creator keeps editorial control"
    if review_rights == ReviewRights.NONE:
        return CreativeControl("creator", "creator keeps control", keeps, f"{summary}; no brand review")
    if review_rights == ReviewRights.FACTUAL_CHECK:
        review = "brand checks facts only"
    badge = "creator controls, brand checks facts"
    return CreativeControl("creator-brand-checks", badge, keeps, f"{summary}; {review}")


class DeliverableStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class ReviewState(models.TextChoices):
    """Where a handed-in piece stands with the brand's review rights (from the agreement)."""

    NOT_NEEDED = "not_needed", "No review: published as it is"
    AWAITING_CHECK = "awaiting_check", "Waiting for the brand's factual check"
    CHECKED = "checked", "Facts checked (corrections are suggestions)"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for the brand's approval"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class DisclosureState(models.TextChoices):
    NOT_CHECKED = "not_checked", "Not checked yet"
    NOT_REQUIRED = "not_required", "Not required"
    FOUND = "found", "Disclosed"
    MISSING = "missing", "No disclosure found"
    CONFIRMED = "confirmed", "Confirmed by the creator"
    UNREADABLE = "unreadable", "Could not be read"


class Deliverable(models.Model):
    """A piece of content planned or published under a partnership: what, where, when, link."""

    class Kind(models.TextChoices):
        POST = "post", "Post"
        THREAD = "thread", "Thread or guide"
        REVIEW = "review", "Review"
        VIDEO = "video", "Video"
        LIVESTREAM = "livestream", "Livestream"
        AMA = "ama", "AMA / Q&A"
        NEWSLETTER = "newsletter", "Newsletter"
        OTHER = "other", "Other"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="deliverables")
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliverables"
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.POST)
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliverables"
    )
    status = models.CharField(max_length=16, choices=DeliverableStatus.choices, default=DeliverableStatus.PLANNED)
    due_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Handed in by the creator through their link (issue 21).
    handed_in_at = models.DateTimeField(null=True, blank=True)
    creator_note = models.TextField(blank=True, help_text="What the creator wrote when handing it in.")
    # What the agreement's review rights ask of the brand for this piece, and the brand's answer.
    review_state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.NOT_NEEDED)
    review_note = models.TextField(
        blank=True, help_text="The brand's corrections or feedback, as the creator reads them."
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whether the published piece discloses the partnership (read from Reddit, or the creator's tick).
    disclosure_state = models.CharField(
        max_length=16, choices=DisclosureState.choices, default=DisclosureState.NOT_CHECKED
    )
    disclosure_checked_at = models.DateTimeField(null=True, blank=True)
    disclosure_evidence = models.CharField(
        max_length=300, blank=True, help_text="The disclosure found, or why none could be checked."
    )

    organization_lookup = "partnership__brand__organization"

    class Meta:
        ordering = ["partnership", "due_on"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DeliverableStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="published_deliverable_has_date",
            ),
        ]

    def __str__(self):
        return self.title
