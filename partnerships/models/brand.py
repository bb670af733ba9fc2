from django.db import models
from django.db.models import Q

from crm.models import Organization
from influencers.models import Community, Identity, Interaction


class Brand(models.Model):
    """A brand an organization works for, and the words that name it in conversation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    aliases = models.JSONField(default=list, blank=True, help_text='Other names members use, e.g. ["Inkwell", "I&N"].')
    product_terms = models.JSONField(default=list, blank=True, help_text="Product names to find mentions.")
    website = models.URLField(blank=True)
    official_identities = models.ManyToManyField(
        Identity,
        blank=True,
        related_name="official_for_brands",
        help_text="The brand's own accounts: threads they join are not 'in the brand's absence'.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="brand_slug_unique_in_org"),
        ]

    def __str__(self):
        return self.name


class Stance(models.TextChoices):
    OBSERVING = "observing", "Observing"
    CONTRIBUTING = "contributing", "Contributing"
    PARTNERED = "partnered", "Partnered"


class CommunityStance(models.Model):
    """How a brand takes part in a community: it observes first, then contributes, then partners."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="community_stances")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="brand_stances")
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.OBSERVING)
    notes = models.TextField(blank=True, help_text="What the brand has learned about this community.")
    since = models.DateField(null=True, blank=True, help_text="When the current stance began.")
    updated_at = models.DateTimeField(auto_now=True)

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["brand", "community"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "community"], name="one_stance_per_brand_and_community"),
        ]

    def __str__(self):
        return f"{self.brand} is {self.get_stance_display().lower()} {self.community.name}"


class BrandMention(models.Model):
    """An interaction that names a brand, scored for sentiment.

    ``brand_took_part`` / ``partner_took_part`` tell whether the brand's own accounts or its
    partners joined that thread; mentions with neither are what the brand cannot fake.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="mentions")
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="brand_mentions")
    # Copied from the interaction: metrics group mentions by community, week and thread without
    # joining the (millions of rows) interactions table.
    community = models.ForeignKey(Community, null=True, on_delete=models.CASCADE, related_name="brand_mentions")
    author = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thread_external_id = models.CharField(max_length=128, blank=True)
    posted_at = models.DateTimeField(null=True)
    matched_alias = models.CharField(max_length=200)
    sentiment = models.FloatField(help_text="From -1 (negative) to 1 (positive).")
    brand_took_part = models.BooleanField(default=False)
    partner_took_part = models.BooleanField(default=False)
    is_recommendation = models.BooleanField(default=False, help_text="Recommends the brand to someone.")
    detected_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "interaction"], name="one_mention_per_brand_and_interaction"),
            models.CheckConstraint(
                condition=Q(sentiment__gte=-1.0, sentiment__lte=1.0), name="sentiment_between_minus_1_and_1"
            ),
        ]
        indexes = [models.Index(fields=["brand", "community", "posted_at"], name="mention_brand_community_time")]

    def __str__(self):
        return f"{self.brand} mentioned as {self.matched_alias!r}"

    @property
    def in_brand_absence(self) -> bool:
        return not (self.brand_took_part or self.partner_took_part)


class MentionScan(models.Model):
    """How far a brand's mentions have been looked for in one community.

    Interactions up to ``last_interaction_id`` have been read with the names in ``names_key``;
    when the brand's names change, the community is read again from the start.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="mention_scans")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    names_key = models.CharField(max_length=64)
    last_interaction_id = models.BigIntegerField(default=0)
    scanned_at = models.DateTimeField(auto_now=True)

    organization_lookup = "brand__organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "community"], name="one_mention_scan_per_brand_and_community"),
        ]

    def __str__(self):
        return f"{self.brand} in {self.community}: read up to {self.last_interaction_id}"


class BrandMeasurement(models.Model):
    """A dated measurement of a brand's relationships (the document ``measure --json`` prints)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="measurements")
    computed_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    document = models.JSONField()

    organization_lookup = "brand__organization"

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self):
        return f"{self.brand} measured {self.computed_at:%Y-%m-%d %H:%M}"
