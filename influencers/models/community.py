from functools import lru_cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models

from crm.outbound import outbound_url_refusal


class Platform(models.TextChoices):
    REDDIT = "reddit", "Reddit"
    DISCORD = "discord", "Discord"
    SLACK = "slack", "Slack"
    DISCOURSE = "discourse", "Discourse forum"
    STACKEXCHANGE = "stackexchange", "Stack Exchange site"
    OTHER = "other", "Other"


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    """A name the time-zone database knows ("America" is a folder of it, not a zone)."""
    return name in _timezone_names()


def validate_timezone(name: str) -> None:
    if not is_timezone(name):
        raise ValidationError(f"{name[:80]!r} is not a time zone name (such as Europe/Berlin, America/New_York).")


# Languages whose words are separated by spaces (the community-language measure reads words so) and
# whose general frequencies wordfreq ships.
LANGUAGES = [
    ("ar", "Arabic"), ("bg", "Bulgarian"), ("ca", "Catalan"), ("cs", "Czech"), ("da", "Danish"), ("de", "German"),
    ("el", "Greek"), ("en", "English"), ("es", "Spanish"), ("fa", "Persian"), ("fi", "Finnish"), ("fr", "French"),
    ("he", "Hebrew"), ("hi", "Hindi"), ("hu", "Hungarian"), ("id", "Indonesian"), ("it", "Italian"),
    ("ko", "Korean"), ("lt", "Lithuanian"), ("lv", "Latvian"), ("nb", "Norwegian"), ("nl", "Dutch"),
    ("pl", "Polish"), ("pt", "Portuguese"), ("ro", "Romanian"), ("ru", "Russian"), ("sk", "Slovak"),
    ("sl", "Slovenian"), ("sv", "Swedish"), ("tr", "Turkish"), ("uk", "Ukrainian"), ("vi", "Vietnamese"),
]  # fmt: skip


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
    language = models.CharField(
        max_length=8,
        choices=LANGUAGES,
        default="en",
        help_text="What members write in: their own words are told apart from this language's general ones.",
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

    def clean(self):
        # A live forum's id is the URL the sync connects to (with the operator's Discourse key):
        # one the outbound policy would refuse is refused here, where it is typed.
        forum = self.external_id.strip()
        if self.platform == Platform.DISCOURSE and forum.lower().startswith(("http://", "https://")):
            refusal = outbound_url_refusal(forum)
            if refusal is not None:
                raise ValidationError({"external_id": f"Refused: {refusal}."})

    @property
    def is_named_by_its_id(self) -> bool:
        """Added by an operator before its first sync (a live Slack or Discord connection): named
        by its id until the source says its name. A name an operator gave is never replaced."""
        return self.name == self.external_id

    @property
    def label(self) -> str:
        """How pages name the community: a subreddit as people write it (``r/fountainpens``), any
        other by its own name (the forum's, workspace's or server's). ``community_by_key`` accepts
        it too."""
        if self.platform == Platform.REDDIT:
            return f"r/{self.external_id}"
        return self.name

    @property
    def key(self) -> str:
        """The name used on the command line: ``platform:external_id``."""
        return f"{self.platform}:{self.external_id}"
