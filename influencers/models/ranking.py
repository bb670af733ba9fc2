from django.db import models
from django.db.models import Q

from influencers.models.community import Community
from influencers.models.people import Membership


class RankingStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class RankingRun(models.Model):
    """A dated ranking of one community. Runs are kept so members' trajectories can be shown."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="ranking_runs")
    status = models.CharField(max_length=16, choices=RankingStatus.choices, default=RankingStatus.RUNNING)
    algorithm_version = models.CharField(max_length=32)
    parameters = models.JSONField(default=dict, blank=True, help_text="Window, weights and thresholds used.")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ranked_members = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="What an operator should know about this run.")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="ranking_window_is_ordered"
            ),
        ]
        indexes = [models.Index(fields=["community", "-started_at"], name="ranking_run_latest")]

    def __str__(self):
        return f"Ranking of {self.community.key} at {self.started_at:%Y-%m-%d %H:%M}"


def _between_0_and_1(field: str) -> Q:
    return Q(**{f"{field}__gte": 0.0, f"{field}__lte": 1.0})


class MemberScore(models.Model):
    """One member's place in one ranking run: total, the three components, and readable reasons.

    Every score is normalised within its community to [0, 1]; the database refuses anything else.
    """

    COMPONENTS = ("consistency", "embeddedness", "alignment")

    run = models.ForeignKey(RankingRun, on_delete=models.CASCADE, related_name="scores")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="scores")
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    consistency = models.FloatField(help_text="Weeks present (earlier ones fading), tenure, still here.")
    embeddedness = models.FloatField(
        help_text="Threads replied in, two-way ties, answering back, ties beyond one closed circle."
    )
    alignment = models.FloatField(
        help_text="How often the community appreciated what they wrote; no promotion, removals or off-topic words."
    )
    details = models.JSONField(default=dict, blank=True, help_text="The measures behind each component.")
    reasons = models.JSONField(default=list, blank=True, help_text="Sentences a manager can read.")
    reach = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Reach at the time of the run, shown as a contrast only."
    )

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "membership"], name="one_score_per_member_per_run"),
            models.UniqueConstraint(fields=["run", "rank"], name="one_member_per_rank_per_run"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="rank_starts_at_1"),
            models.CheckConstraint(condition=_between_0_and_1("score"), name="score_between_0_and_1"),
            models.CheckConstraint(condition=_between_0_and_1("consistency"), name="consistency_between_0_and_1"),
            models.CheckConstraint(condition=_between_0_and_1("embeddedness"), name="embeddedness_between_0_and_1"),
            models.CheckConstraint(condition=_between_0_and_1("alignment"), name="alignment_between_0_and_1"),
        ]

    def __str__(self):
        return f"#{self.rank} {self.membership.identity.handle} ({self.score:.2f})"

    @property
    def components(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.COMPONENTS}
