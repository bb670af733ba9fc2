from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crm.models import Organization
from influencers.models import Creator


class CreatorNote(models.Model):
    """An organization's own view of a creator: its notes, "not a fit", a suspected bot.

    The creator is shared by every organization and changed only by operators; this record is the
    organization's alone (other organizations never see it) and changes nothing they see: a
    suspected bot here stays in every ranking until an operator marks the account as a bot. One
    per organization and creator, with its history (who changed what, when).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="creator_notes")
    # No reverse accessor on the shared Creator: nothing of an organization is reachable from it.
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True, help_text="What your organization knows or thinks of this creator.")
    not_a_fit = models.BooleanField(default=False, help_text="Not a partner for your brands (for now).")
    suspected_bot = models.BooleanField(
        default=False, help_text="Your organization suspects an automated account. Rankings are not changed by it."
    )
    bot_reason = models.TextField(blank=True, verbose_name="why a bot", help_text="What makes you think so.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    organization_lookup = "organization"

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "our note on a creator"
        verbose_name_plural = "our notes on creators"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "creator"],
                name="one_note_per_organization_and_creator",
                violation_error_message="Your organization has a note on this creator already: change that one.",
            ),
            models.CheckConstraint(
                condition=Q(suspected_bot=False) | ~Q(bot_reason=""),
                name="suspected_bot_has_a_reason",
                violation_error_message="Say why you suspect an automated account.",
            ),
        ]

    def __str__(self):
        return f"{self.organization}'s note on {self.creator}"
