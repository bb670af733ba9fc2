"""API keys: how an agency's own tools reach one organization's records."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from simple_history.models import HistoricalRecords

from crm.models import Organization
from crm.validators import validate_outbound_url, validate_web_url


def history_user_of(request, **kwargs):
    """Who a history entry names when the code that saved gave no ``_history_user``: the
    request's user if it is a person. Behind an API key ``request.user`` is the key's principal,
    which the history's user column cannot hold (simple_history's default would raise
    ``ValueError: … must be a "User" instance``, e.g. in a webhook run in-process after a key's
    request); the key is no one, as the services record it."""
    user = getattr(request, "user", None)
    return user if isinstance(user, get_user_model()) else None


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
    history = HistoricalRecords(excluded_fields=["last_used_at"], get_user=history_user_of)

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


class WebhookEvent(models.TextChoices):
    PARTNERSHIP_STAGE_CHANGED = "partnership.stage_changed", "A partnership moved to another stage"
    AGREEMENT_CREATED = "agreement.created", "An agreement was written or renewed"
    AGREEMENT_UPDATED = "agreement.updated", "An agreement's terms changed"
    RANKING_COMPLETED = "ranking.completed", "A community was ranked"
    MESSAGE_RECEIVED = "message.received", "A creator's message arrived on a partnership"
    PAYMENT_DUE = "payment.due", "A payment to a creator fell due"


class WebhookSubscription(models.Model):
    """Where to send an organization's events. Deliveries are signed with ``secret`` (HMAC-SHA256
    over the timestamp and the body); after ``DISABLE_AFTER`` failed deliveries in a row the
    subscription is disabled, saying why."""

    DISABLE_AFTER = 5

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=1000, validators=[validate_web_url, validate_outbound_url])
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty means every event.")
    secret = models.CharField(max_length=80, editable=False)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["consecutive_failures", "secret"], get_user=history_user_of)

    organization_lookup = "organization"

    class Meta:
        ordering = ["organization", "-created_at"]

    def __str__(self):
        return f"{self.url} ({', '.join(self.events) or 'every event'})"

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed for good"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription: the delivery log."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64, choices=WebhookEvent.choices)
    event_id = models.UUIDField(unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    organization_lookup = "subscription__organization"

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["created_at"], name="webhook_delivery_created")]  # the hourly purge

    def __str__(self):
        return f"{self.event} → {self.subscription.url} ({self.get_status_display()})"
