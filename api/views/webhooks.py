"""Webhook subscriptions and their delivery logs (the work is in api.webhooks)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import serializers as s
from api.authentication import actor_of
from api.models import WebhookDelivery, WebhookSubscription
from api.views.base import ScopedQuerysetMixin
from api.views.schema import READ_ERRORS, WRITE_ERRORS, answers
from api.webhooks import webhook_subscription_create, webhook_subscription_delete, webhook_subscription_update
from crm import tenancy
from crm.models import Organization


@extend_schema_view(
    **answers(s.WebhookSubscriptionSerializer, update=True),
    create=extend_schema(
        request=s.WebhookSubscriptionSerializer,
        responses={201: s.WebhookSubscriptionCreatedSerializer, **WRITE_ERRORS},
        description="Subscribe a URL to events. The answer holds the signing secret, shown only this once.",
    ),
    destroy=extend_schema(responses={204: None, **WRITE_ERRORS}),
)
class WebhookSubscriptionViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Where your organization's events are sent (signed; retried; disabled after repeated failures)."""

    serializer_class = s.WebhookSubscriptionSerializer
    ordering_fields = ["id", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return self.scoped(WebhookSubscription.objects.all())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        editable = sorted(tenancy.organization_ids_for(request.user, editable=True))
        if len(editable) != 1:
            raise ValidationError({"organization": "Create webhooks with an organization's API key."})
        subscription, secret = webhook_subscription_create(
            organization=Organization.objects.get(pk=editable[0]), url=serializer.validated_data["url"],
            events=serializer.validated_data.get("events", []), created_by=actor_of(request),
        )  # fmt: skip
        data = s.WebhookSubscriptionCreatedSerializer(subscription).data | {"secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhook_subscription_delete(subscription=instance, actor=actor_of(self.request))

    def perform_update(self, serializer):
        serializer.instance = webhook_subscription_update(
            subscription=serializer.instance, actor=actor_of(self.request), **serializer.validated_data
        )

    @extend_schema(responses={200: s.WebhookDeliverySerializer(many=True), **READ_ERRORS})
    @action(detail=True)
    def deliveries(self, request, pk=None, format=None):
        """The delivery log of this subscription, newest first."""
        subscription = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=subscription).order_by("-id"))
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)
