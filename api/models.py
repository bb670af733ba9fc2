"""API keys: how an agency's own tools reach one organization's records."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from crm.models import Organization


class Scope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiKey(models.Model):
    """A key for one organization. Only a hash of the secret is stored; ``prefix`` (the part of
    the key before its secret) finds the row, and is safe to show in lists and logs."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True, help_text="What uses it, e.g. “Agency reporting”.")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    organization_lookup = "organization"

    class Meta:
        ordering = ["organization", "-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=[s.value for s in Scope]), name="api_key_scope_is_known"
            ),
        ]

    def __str__(self):
        return f"{self.name or 'API key'} ({self.prefix}…, {self.get_scope_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE and self.is_active


class IdempotentRequest(models.Model):
    """A POST sent with an ``Idempotency-Key``: its first answer, replayed when the same caller
    sends the same key and body again (a retry after a timeout creates nothing twice)."""

    caller = models.CharField(max_length=64, help_text="key:<id> or user:<id>")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=1000)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, help_text="None while the first request runs.")
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="one_request_per_idempotency_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"
