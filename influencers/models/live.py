from django.conf import settings
from django.db import models

from influencers.models.community import Community, Platform

# The chat platforms read live through a bot the community's admins invited (Slack, Discord), and
# the setting holding the operator's own bot token for each (for communities without one of theirs).
LIVE_CHAT_PLATFORMS = (Platform.SLACK, Platform.DISCORD)
OPERATORS_TOKEN_SETTING = {Platform.SLACK: "SLACK_BOT_TOKEN", Platform.DISCORD: "DISCORD_BOT_TOKEN"}


def operators_bot_token(platform: str) -> str | None:
    """The operator's bot token for ``platform`` from the environment (crm/env.py), if set."""
    setting = OPERATORS_TOKEN_SETTING.get(platform)
    return getattr(settings, setting, None) if setting else None


class LiveConnection(models.Model):
    """A Slack workspace or Discord server read live through a bot its admins invited: the bot's
    token, sealed (crm/sealed.py) and never shown again.

    Added by an operator (discovery data is shared by every organization); without one, a live
    sync uses the operator's SLACK_BOT_TOKEN or DISCORD_BOT_TOKEN. The token's last four
    characters are kept in the clear so an operator can tell which token is in place.
    """

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="live_connection")
    token_sealed = models.TextField(editable=False)
    token_ending = models.CharField(max_length=4, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "live Slack or Discord connection"

    def __str__(self):
        return f"{self.community} (bot token ending …{self.token_ending})"
