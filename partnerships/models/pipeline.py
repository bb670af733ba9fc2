from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from influencers.models import Community, Creator
from partnerships.models.brand import Brand


class Stage(models.TextChoices):
    """The outreach pipeline, in order, then its two end states."""

    DISCOVERED = "discovered", "Discovered"
    OBSERVING = "observing", "Observing"
    ENGAGING = "engaging", "Engaging"
    OUTREACH = "outreach", "Outreach"
    NEGOTIATING = "negotiating", "Negotiating"
    ACTIVE = "active", "Active"
    RENEWAL = "renewal", "Renewal"
    ENDED = "ended", "Ended"
    DECLINED = "declined", "Declined"


# The board's columns left to right, and the road a partnership usually travels.
PIPELINE_ORDER = [
    Stage.DISCOVERED,
    Stage.OBSERVING,
    Stage.ENGAGING,
    Stage.OUTREACH,
    Stage.NEGOTIATING,
    Stage.ACTIVE,
    Stage.RENEWAL,
]
END_STAGES = (Stage.ENDED, Stage.DECLINED)
# Talking to a creator about a deal.
STAGES_AFTER_OUTREACH = (Stage.OUTREACH, Stage.NEGOTIATING, Stage.ACTIVE, Stage.RENEWAL)
# What "observe first" guards: taking part in the creator's threads (Engaging) is already speaking in
# their community, so it too waits until the brand has watched in Observing.
STAGES_AFTER_OBSERVING = (Stage.ENGAGING, *STAGES_AFTER_OUTREACH)
# A partnership that has been here was observed. Engaging is not enough: before observe first
# covered it, a partnership could reach Engaging straight from Discovered.
OBSERVED_STAGES = (Stage.OBSERVING,)


def next_stage(stage: str) -> str:
    """The stage a partnership usually moves to from ``stage``: the next column of the board; from
    Renewal back to Active (renewed), and from an end state back to where it stopped being worked
    on is unknown, so Observing (look again before speaking)."""
    if stage == Stage.RENEWAL:
        return Stage.ACTIVE
    if stage in PIPELINE_ORDER:
        return PIPELINE_ORDER[PIPELINE_ORDER.index(stage) + 1]
    return Stage.OBSERVING


class Partnership(models.Model):
    """A brand's relationship with one creator, from discovery through renewals.

    One per brand and creator: a long-term collaboration keeps its history in one place, with an
    agreement per period. Its organization is its brand's.
    """

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="partnerships")
    creator = models.ForeignKey(Creator, on_delete=models.PROTECT, related_name="partnerships")
    communities = models.ManyToManyField(
        Community, blank=True, related_name="partnerships", help_text="The communities it concerns."
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.DISCOVERED)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_partnerships",
        help_text="The partnership manager responsible.",
    )
    started_on = models.DateField(null=True, blank=True, help_text="When the collaboration became active.")
    ended_on = models.DateField(null=True, blank=True)
    close_reason = models.TextField(blank=True, help_text="Why it ended or was declined.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "creator"], name="one_partnership_per_brand_and_creator"),
            models.CheckConstraint(condition=Q(stage__in=[s.value for s in Stage]), name="partnership_stage_is_known"),
            models.CheckConstraint(
                condition=~Q(stage=Stage.DECLINED) | ~Q(close_reason=""),
                name="declined_partnership_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="partnership_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["brand", "stage"], name="partnership_brand_stage")]

    def __str__(self):
        return f"{self.brand} × {self.creator}"

    @property
    def organization(self):
        return self.brand.organization
