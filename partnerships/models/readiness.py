from django.conf import settings
from django.db import models
from django.utils import timezone

from influencers.models import Community
from partnerships.models.brand import Brand


class ReadinessItem(models.TextChoices):
    """What a brand should know before it speaks in a community (``partnerships.readiness`` says
    why each matters). Observing long enough is measured from the log, not ticked."""

    RULES = "rules", "Read the community's rules, pinned posts and FAQ"
    VOCABULARY = "vocabulary", "Know its own words and how members use them"
    FORMATS = "formats", "Know what a good post and reply look like here, and when members are around"
    QUESTIONS = "questions", "Picked a question members keep asking that the brand can genuinely help with"
    NORMS = "norms", "Know what gets removed or ignored here, links and promotion above all"
    DISCLOSURE = "disclosure", "Agreed how the brand's accounts say who they are, in every post"
    MODERATORS = "moderators", "Asked the moderators, or checked that the rules let brands take part"


class ObservationNote(models.Model):
    """The brand's own log of what it saw in a community while observing: dated, signed."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="observation_notes")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    observed_on = models.DateField(default=timezone.localdate, help_text="When it was seen.")
    text = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["-observed_on", "-created_at"]
        indexes = [models.Index(fields=["brand", "community", "-observed_on"], name="observation_brand_community")]

    def __str__(self):
        return f"{self.brand} in {self.community.name}, {self.observed_on}"


class ReadinessCheck(models.Model):
    """One ticked item of a brand's readiness checklist for a community (unticking deletes it)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="readiness_checks")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(max_length=16, choices=ReadinessItem.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["brand", "community", "item"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "community", "item"], name="one_check_per_item"),
            models.CheckConstraint(
                condition=models.Q(item__in=[i.value for i in ReadinessItem]), name="readiness_item_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.brand} in {self.community.name}: {self.get_item_display()}"
