"""What the brand owes a creator under an agreement, and what it has paid (issue 21)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from partnerships.models.agreement import Agreement


class PaymentKind(models.TextChoices):
    FLAT_FEE = "flat_fee", "Flat fee"
    AFFILIATE_SHARE = "affiliate_share", "Affiliate share"
    PRODUCT = "product", "Product (its value)"


class PaymentStatus(models.TextChoices):
    DUE = "due", "Due"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class Payment(models.Model):
    """One amount owed under an agreement. ``key`` says what it is for ("signature",
    "publication", "month:2026-03", "affiliate:2026-03", "product") and is unique per agreement,
    so working out the schedule again never writes a payment twice."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=PaymentKind.choices)
    key = models.CharField(max_length=64)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.DUE)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="The transfer's or invoice's reference.")
    cancelled_reason = models.CharField(max_length=300, blank=True)
    # The payment.due webhook is told once, the day it falls due.
    due_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    organization_lookup = "agreement__partnership__brand__organization"

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="one_payment_per_agreement_and_key"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_is_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PaymentStatus]), name="payment_status_is_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.PAID) | Q(paid_on__isnull=False),
                name="paid_payment_has_date",
                violation_error_message="A paid payment needs the date it was paid.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="payment_status_due")]

    def __str__(self):
        return f"{self.description}: {self.amount} {self.currency} due {self.due_on}"
