"""What the API shows of the ledger (payments) and what its actions accept. Thin: the amounts are
worked out by partnerships.payments.services, and approve / pay / cancel go through it too."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partnerships.models import Payment
from partnerships.payments.selectors import is_overdue


class PaymentSerializer(serializers.ModelSerializer):
    partnership = serializers.IntegerField(source="agreement.partnership_id", read_only=True)
    brand = serializers.IntegerField(source="agreement.partnership.brand_id", read_only=True)
    creator = serializers.IntegerField(source="agreement.partnership.creator_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Due or approved, and its due date has passed.")

    class Meta:
        model = Payment
        fields = ["id", "agreement", "partnership", "brand", "creator", "kind", "key", "description", "amount",
                  "currency", "period_start", "period_end", "due_on", "status", "status_label", "overdue",
                  "approved_at", "paid_on", "reference", "cancelled_reason", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, payment: Payment) -> bool:
        return is_overdue(payment, timezone.localdate())


class PaymentPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="The date it was paid (or shipped): today or earlier.")
    reference = serializers.CharField(
        max_length=200,
        help_text="The transfer's or invoice's reference; for product seeding the tracking or order number.",
    )


class PaymentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why it is not owed.")
