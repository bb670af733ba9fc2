"""Outreach: the organization's senders and templates (read-only here), the messages written to
creators and received from them, writing a new one, and filing a reply that matched nothing.
Every write goes through partnerships.outreach.services."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers_outreach as s
from api.authentication import actor_of
from api.views.base import ScopedQuerysetMixin
from api.views.filters import IdFilter
from api.views.schema import READ_ERRORS, WRITE_ERRORS, answers
from partnerships.models import Partnership
from partnerships.models.outreach import Direction, Message, MessageStatus, MessageTemplate, Sender
from partnerships.outreach import services

PARTNERSHIP_IN_PATH = OpenApiParameter(
    "partnership_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The partnership's id."
)


class MessageFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices)
    filed = django_filters.BooleanFilter(
        field_name="partnership", lookup_expr="isnull", exclude=True,
        label="Under a partnership (false: received messages that matched none, for a manager to file)",
    )  # fmt: skip

    class Meta:
        model = Message
        fields = ["partnership", "direction", "status", "filed"]


@extend_schema_view(**answers(s.SenderSerializer))
class SenderViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The mailboxes and Reddit accounts your organization writes from, and what their last
    connection test and inbox reading found. Read-only: a sender is connected (with its password,
    app secret or refresh token) in the CRM's Outreach settings, never through the API, and no
    secret is ever shown (``has_secret`` says whether one is stored)."""

    serializer_class = s.SenderSerializer
    ordering_fields = ["id", "address"]

    def get_queryset(self):
        return self.scoped(Sender.objects.all())


@extend_schema_view(**answers(s.MessageTemplateSerializer))
class MessageTemplateViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Your organization's message templates, with merge fields such as {{ first_name }}. Written
    in the CRM's Outreach settings; use one in ``POST /partnerships/{id}/messages/`` by its id."""

    serializer_class = s.MessageTemplateSerializer
    search_fields = ["name"]
    ordering_fields = ["id", "name"]

    def get_queryset(self):
        return self.scoped(MessageTemplate.objects.all())


@extend_schema_view(
    **answers(s.MessageSerializer),
    file=extend_schema(request=s.MessageFileSerializer, responses={200: s.MessageSerializer, **WRITE_ERRORS}),
)
class MessageViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Every message of your organization, newest first, including received ones that matched no
    partnership (``?direction=in&filed=false``: file them with ``file``)."""

    serializer_class = s.MessageSerializer
    filterset_class = MessageFilter
    search_fields = ["subject", "from_address", "to_address"]
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-occurred_at"]

    def get_queryset(self):
        return self.scoped(Message.objects.select_related("sequence"))

    @action(detail=True, methods=["post"])
    def file(self, request, pk=None, format=None):
        """File a received message under one of your partnerships: it goes on the timeline, stops
        the follow-ups waiting for a reply and is sent to ``message.received`` webhooks."""
        message = self.get_object()
        filing = s.MessageFileSerializer(data=request.data, context=self.get_serializer_context())
        filing.is_valid(raise_exception=True)
        filed = services.message_file(
            message=message, partnership=filing.validated_data["partnership"], actor=actor_of(request)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=filed.pk)).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[PARTNERSHIP_IN_PATH], responses={200: s.MessageSerializer(many=True), **READ_ERRORS}
    ),
    create=extend_schema(
        parameters=[PARTNERSHIP_IN_PATH],
        request=s.MessageWriteSerializer,
        responses={201: s.MessageSerializer, **WRITE_ERRORS},
        description=(
            "Write to the partnership's creator from one of your senders: recorded at once (status "
            "`queued`) and sent in the background. A partnership before Outreach moves to Outreach, under "
            "observe-first (its refusal is a 400 naming `stage`). A creator who asked not to be contacted "
            "is a 400 naming `to`. The same message asked for again within ten minutes is the same "
            "message (the answer is the first one); `Idempotency-Key` is honoured as on every POST."
        ),
    ),
)
class PartnershipMessageViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A partnership's messages, newest first, and writing a new one."""

    serializer_class = s.MessageSerializer
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-occurred_at"]

    def partnership(self) -> Partnership:
        if not hasattr(self, "_partnership"):
            partnerships = self.scoped(Partnership.objects.select_related("brand__organization", "creator"))
            self._partnership = get_object_or_404(partnerships, pk=self.kwargs["partnership_pk"])
        return self._partnership

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a request's partnership
            return Message.objects.none()
        return Message.objects.filter(partnership=self.partnership()).select_related("sequence")

    def get_serializer_class(self):
        return s.MessageWriteSerializer if self.action == "create" else s.MessageSerializer

    def create(self, request, partnership_pk=None, format=None):
        partnership = self.partnership()
        self.check_object_permissions(request, partnership)  # a viewer there (an editor elsewhere): 403
        writing = s.MessageWriteSerializer(data=request.data, context=self.get_serializer_context())
        writing.is_valid(raise_exception=True)
        message = services.message_write(
            partnership=partnership, actor=actor_of(request), **writing.service_arguments()
        )
        shown = Message.objects.select_related("sequence").get(pk=message.pk)
        return Response(s.MessageSerializer(shown).data, status=status.HTTP_201_CREATED)
