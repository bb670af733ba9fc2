"""Tenants: organizations (a brand team or an agency) and the people who work in them."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Partnership manager"
    VIEWER = "viewer", "Viewer"


# Roles that may change CRM records; a viewer only looks.
EDITOR_ROLES = (Role.OWNER, Role.MANAGER)


class Organization(models.Model):
    """A tenant. Every CRM record belongs to exactly one and is invisible to every other."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    require_observation_before_outreach = models.BooleanField(
        default=True,
        help_text=(
            "Observe first: a partnership must have been in the Observing stage before the brand "
            "engages with the creator (Engaging) or reaches out to them (Outreach and later)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationMember(models.Model):
    """A user's role in one organization; a user may belong to several (an agency's client)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MANAGER)
    joined_at = models.DateTimeField(auto_now_add=True)

    # Tenancy lookup used by the admin and selectors (see crm/tenancy.py).
    organization_lookup = "organization"

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_role_per_user_and_org"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="organization_role_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organization}"

    @property
    def can_edit(self) -> bool:
        return self.role in EDITOR_ROLES
