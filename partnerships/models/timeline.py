from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.models import Organization
from influencers.models import Creator
from partnerships.models.pipeline import Partnership, Stage


def _check_same_organization(record) -> None:
    """A timeline entry or task belongs to the organization of the partnership it is about."""
    if record.partnership_id and record.organization_id:
        if record.partnership.brand.organization_id != record.organization_id:
            raise ValidationError({"partnership": "This partnership belongs to another organization."})


class ActivityKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MESSAGE = "message", "Direct message"
    MEETING = "meeting", "Meeting"
    STAGE_CHANGE = "stage_change", "Stage change"
    AGREEMENT = "agreement", "Agreement"
    DELIVERABLE = "deliverable", "Deliverable"


class Activity(models.Model):
    """One entry in the timeline of a partnership or of a creator: who did what, when."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activities")
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=16, choices=ActivityKind.choices, default=ActivityKind.NOTE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(partnership__isnull=False) | Q(creator__isnull=False),
                name="activity_is_about_a_partnership_or_creator",
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "-occurred_at"], name="activity_partnership_time"),
            models.Index(fields=["organization", "-occurred_at"], name="activity_org_time"),
        ]

    def __str__(self):
        return self.summary

    def clean(self):
        _check_same_organization(self)


class Task(models.Model):
    """A follow-up with a due date, for one manager, about a partnership or a creator."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tasks")
    partnership = models.ForeignKey(Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="crm_tasks"
    )
    due_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "organization"

    class Meta:
        ordering = ["completed_at", "due_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(partnership__isnull=False) | Q(creator__isnull=False),
                name="task_is_about_a_partnership_or_creator",
            ),
        ]
        indexes = [models.Index(fields=["assignee", "completed_at", "due_on"], name="task_assignee_due")]

    def __str__(self):
        return self.title

    def clean(self):
        _check_same_organization(self)

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_on is not None and self.due_on < timezone.localdate()
