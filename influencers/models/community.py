from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models


class Platform(models.TextChoices):
    REDDIT = "reddit", "Reddit"
    DISCORD = "discord", "Discord"
    SLACK = "slack", "Slack"
    DISCOURSE = "discourse", "Discourse forum"
    OTHER = "other", "Other"


def validate_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not a time zone name (such as Europe/Berlin, America/New_York).") from None


class Community(models.Model):
    """A place where people talk: a subreddit, a Discord server, a Slack workspace, a forum.

    Named on the command line as ``PLATFORM:EXTERNAL_ID`` (``reddit:fountainpens``); connectors
    normalise the external id (a subreddit's name in lower case, a guild id, a forum's base URL).
    """

    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(max_length=255, help_text="Subreddit name, guild or workspace id, or forum URL.")
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    topic_tags = models.JSONField(default=list, blank=True, help_text="A list of short topic words.")
    norms_notes = models.TextField(
        blank=True,
        verbose_name="norms and culture notes",
        help_text="What members expect: rules, taboos, how newcomers are received.",
    )
    guidelines = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "The community's own rules, as its source gives them, in the source's order: a list of "
            '{"kind": "rule" | "category", "title": ..., "description": ...} (subreddit rules, forum categories).'
        ),
    )
    guidelines_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the guidelines were last read from the source."
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="Where most members live (e.g. Europe/Berlin): the community's rhythms are shown in it.",
        validators=[validate_timezone],
    )
    is_tracked = models.BooleanField(default=False, help_text="Synced periodically by the background workers.")
    last_activity_at = models.DateTimeField(null=True, blank=True, help_text="Time of the newest imported interaction.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "name"]
        verbose_name_plural = "communities"
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="one_community_per_source"),
            models.CheckConstraint(
                condition=models.Q(platform__in=[p.value for p in Platform]),
                name="community_platform_is_known",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key})"

    @property
    def key(self) -> str:
        """The name used on the command line: ``platform:external_id``."""
        return f"{self.platform}:{self.external_id}"
