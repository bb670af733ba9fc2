"""The ledger: what each brand owes its creators under signed agreements, and what it has paid.
Payments are written by the product (partnerships.payments.services.payments_schedule); through
the API they are read, and approved, marked paid or cancelled, through the same services as the
partnership page."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers_payments as s
from api.authentication import actor_of
from api.views.base import Conflict, ScopedQuerysetMixin
from api.views.filters import IdFilter
from api.views.schema import WRITE_ERRORS, answers
from partnerships.models import Payment, PaymentStatus
from partnerships.payments import services
from partnerships.payments.selectors import overdue_filter

REPEATS = (
    " Asking again for the state the payment is in already answers 200 with it, changing nothing (a retry is "
    "safe); a payment past that state (paid is final; cancelled stays cancelled) is a 409 naming `status`."
)


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    partnership = IdFilter(field_name="agreement__partnership")
    agreement = IdFilter(field_name="agreement")
    brand = IdFilter(field_name="agreement__partnership__brand")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lt", label="Due before this date")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gt", label="Due after this date")
    # A choice rather than a BooleanFilter: "perhaps" is a 400 naming the filter, not silently no filter.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_overdue",
        label="Due or approved, and past its due date (false: every other payment)",
    )  # fmt: skip

    class Meta:
        model = Payment
        fields = ["status", "partnership", "agreement", "brand", "due_before", "due_after", "overdue"]

    def filter_overdue(self, queryset, name, value: str):  # the hint tells the schema it is text
        late = overdue_filter(timezone.localdate())
        return queryset.filter(late) if value == "true" else queryset.exclude(late)


@extend_schema_view(
    **answers(s.PaymentSerializer),
    approve=extend_schema(request=None, responses={200: s.PaymentSerializer, **WRITE_ERRORS},
                          description="The brand agrees it is owed: due → approved." + REPEATS),
    pay=extend_schema(request=s.PaymentPaySerializer, responses={200: s.PaymentSerializer, **WRITE_ERRORS},
                      description="Paid (product seeding: shipped), with the date (not in the future) and the "
                      "reference: due or approved → paid." + REPEATS),
    cancel=extend_schema(request=s.PaymentCancelSerializer, responses={200: s.PaymentSerializer, **WRITE_ERRORS},
                         description="Not owed after all, saying why: due or approved → cancelled." + REPEATS),
)  # fmt: skip
class PaymentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """What your brands owe their creators under signed agreements, each with its due date and
    status (due, approved, paid with date and reference, cancelled) in the agreement's currency.
    Written by the product: flat fees by their schedule, the affiliate share of each month that has
    ended, product seeding as its value. ``payment.due`` webhooks tell when one falls due."""

    serializer_class = s.PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["id", "due_on", "amount"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        return self.scoped(Payment.objects.select_related("agreement__partnership"))

    def _answer(self, payment: Payment) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=payment.pk)).data)

    def _changed(self, change):
        try:
            return self._answer(change())
        except services.PaymentSettled as settled:
            raise Conflict(settled.message_dict) from None

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, format=None):
        payment = self.get_object()
        return self._changed(lambda: services.payment_approve(payment=payment, actor=actor_of(request)))

    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None, format=None):
        payment = self.get_object()
        paying = s.PaymentPaySerializer(data=request.data)
        paying.is_valid(raise_exception=True)
        return self._changed(
            lambda: services.payment_mark_paid(payment=payment, actor=actor_of(request), **paying.validated_data)
        )

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):
        payment = self.get_object()
        cancelling = s.PaymentCancelSerializer(data=request.data)
        cancelling.is_valid(raise_exception=True)
        return self._changed(
            lambda: services.payment_cancel(payment=payment, actor=actor_of(request), **cancelling.validated_data)
        )
