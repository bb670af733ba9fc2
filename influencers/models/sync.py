from django.db import models

from influencers.models.community import Community


class SyncSource(models.TextChoices):
    REDDIT = "reddit", "Reddit (live, through the API)"
    REDDIT_DUMP = "reddit-dump", "Reddit dump files"
    DISCORD = "discord", "Discord (DiscordChatExporter JSON)"
    SLACK = "slack", "Slack workspace export"
    SLACK_LIVE = "slack-live", "Slack (live, through a bot)"
    DISCORD_LIVE = "discord-live", "Discord (live, through a bot)"
    DISCOURSE = "discourse", "Discourse (API or saved JSON)"
    STACKEXCHANGE = "stackexchange", "Stack Exchange data dump"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class SyncRun(models.Model):
    """One ingestion: what was read from where, what it changed, what it skipped and why.

    Counters and the checkpoint are saved in the same transaction as each batch of interactions,
    so after a crash they describe exactly what was stored.
    """

    source = models.CharField(max_length=16, choices=SyncSource.choices)
    arguments = models.JSONField(default=dict, blank=True, help_text="Paths, subreddit, URL, limits.")
    communities = models.ManyToManyField(Community, blank=True, related_name="sync_runs")
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    read = models.PositiveIntegerField(default=0, help_text="Records read, good or bad.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0, help_text="Already stored, and changed since (edits, scores).")
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Malformed records, counted and reported.")
    skipped_reasons = models.JSONField(default=dict, blank=True, help_text="Reason → count.")
    skipped_examples = models.JSONField(default=list, blank=True, help_text="The first few: where and why.")
    checkpoint = models.JSONField(default=dict, blank=True, help_text="Where the next sync starts.")
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempt_log = models.JSONField(
        default=list, blank=True, help_text="Each attempt: when it started and how it ended (or that it was cut off)."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["source", "-created_at"], name="sync_run_source_time")]

    def __str__(self):
        return f"{self.get_source_display()} sync #{self.pk} ({self.get_status_display().lower()})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
