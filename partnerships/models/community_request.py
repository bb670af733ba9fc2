from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crm.models import Organization
from influencers.models import Community, Platform

# What the background workers can sync periodically (influencers.ingest.runs.sync_run_for_community).
TRACKABLE_PLATFORMS = [Platform.REDDIT, Platform.DISCOURSE]


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved: tracked"
    DECLINED = "declined", "Declined"


class CommunityRequest(models.Model):
    """An organization asks the operators to track a community (sync it every hour, rank it).

    Tracking spends the operator's Reddit and Discourse credentials and adds the community to
    everyone's shared data, so an operator decides: approving creates (or reuses) the community
    and marks it tracked; declining says why. The organization sees its own requests and their
    status; each step is in the request's history (partnerships/community_requests.py).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="community_requests")
    platform = models.CharField(max_length=16, choices=[(p.value, p.label) for p in TRACKABLE_PLATFORMS])
    external_id = models.CharField(
        max_length=500,
        verbose_name="subreddit or forum address",
        help_text="The subreddit's name (fountainpens) or the forum's address (https://forum.example.org).",
    )
    reason = models.TextField(verbose_name="why", help_text="What your brands hope to learn or do there.")
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text="Why it was declined (the organization reads it).")
    # No reverse accessor on the shared Community: which organizations asked for it is theirs.
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    organization_lookup = "organization"

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RequestStatus]), name="community_request_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(platform__in=[p.value for p in TRACKABLE_PLATFORMS]),
                name="community_request_platform_is_trackable",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DECLINED) | ~Q(decision_note=""),
                name="declined_community_request_has_reason",
                violation_error_message="Say why the request is declined.",
            ),
            models.UniqueConstraint(
                fields=["organization", "platform", "external_id"],
                condition=Q(status=RequestStatus.REQUESTED),
                name="one_open_request_per_community",
                violation_error_message="Your organization has asked for this community already.",
            ),
        ]

    def __str__(self):
        return f"{self.get_platform_display()}: {self.external_id} ({self.get_status_display().lower()})"
