from django.db import models

from influencers.models import Community


class CommunityInsight(models.Model):
    """What a newcomer would need months of lurking to learn about a community, computed from its
    interactions (the document ``manage.py insight --json`` prints). Shared like the community
    itself: it describes public conversation, not any organization's records."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="insights")
    computed_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0, help_text="How long computing it took.")
    messages = models.PositiveIntegerField(default=0, help_text="Posts and replies it rests on.")
    document = models.JSONField()

    KEEP = 5  # older insights of a community are deleted when a new one is stored

    class Meta:
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"
        indexes = [models.Index(fields=["community", "-computed_at"], name="insight_community_latest")]

    def __str__(self):
        return f"Insight into {self.community.key} ({self.computed_at:%Y-%m-%d %H:%M})"
