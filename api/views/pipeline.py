"""Partnerships through the pipeline, and the work under them: agreements, deliverables, the
timeline (activities) and tasks. Every write goes through partnerships.services."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers as s
from api.authentication import actor_of
from api.views.base import Conflict, ScopedQuerysetMixin
from api.views.filters import ActivityFilter, AgreementFilter, DeliverableFilter, PartnershipFilter, TaskFilter
from api.views.schema import WRITE_ERRORS, answers
from influencers.models import Community
from partnerships import services
from partnerships.models import (
    Activity,
    Agreement,
    Deliverable,
    Partnership,
    Task,
)


@extend_schema_view(**answers(s.PartnershipSerializer, create=True, update=True))
class PartnershipViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """A brand's relationship with a creator, through the pipeline stages. Moves go through ``move``."""

    serializer_class = s.PartnershipSerializer
    filterset_class = PartnershipFilter
    search_fields = ["creator__display_name", "creator__identities__handle"]
    ordering_fields = ["id", "updated_at", "stage_changed_at", "started_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        partnerships = Partnership.objects.order_by("-id").select_related("creator")
        if self.action == "list":  # a page's communities' ids in one query (LISTS in api/serializers.py)
            ids = Community.objects.only("id")
            return self.scoped(
                partnerships.prefetch_related(Prefetch("communities", queryset=ids, to_attr="listed_communities"))
            )
        return self.scoped(partnerships.prefetch_related("communities"))

    def get_serializer_class(self):
        return s.PartnershipListSerializer if self.action == "list" else s.PartnershipSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.partnership_create(
                brand=data["brand"], creator=data["creator"], actor=actor_of(self.request), owner=data.get("owner"),
                communities=data.get("communities", ()), note=data.get("note", ""),
            )  # fmt: skip
        except services.AlreadyExists as exists:
            raise Conflict(exists.message_dict) from None

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("note", None)
        serializer.instance = services.partnership_update(
            partnership=serializer.instance, actor=actor_of(self.request), **data
        )

    @extend_schema(request=s.PartnershipMoveSerializer, responses={200: s.PartnershipSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None, format=None):
        """Move to another stage, through the same rules as the board (observe first; a reason to decline)."""
        partnership = self.get_object()
        move = s.PartnershipMoveSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        services.partnership_move(
            partnership=partnership, to_stage=move.validated_data["stage"], actor=actor_of(request),
            note=move.validated_data["note"], reason=move.validated_data["reason"],
        )  # fmt: skip
        return Response(self.get_serializer(partnership).data)


@extend_schema_view(**answers(s.AgreementSerializer, create=True, update=True))
class AgreementViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Agreements over the years, with creative-control terms as data; every change audited."""

    serializer_class = s.AgreementSerializer
    filterset_class = AgreementFilter
    ordering_fields = ["id", "starts_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.scoped(Agreement.objects.all())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        partnership = data.pop("partnership")
        serializer.instance = services.agreement_create(partnership=partnership, actor=actor_of(self.request), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("partnership", None)
        # Validation left the instance as stored (unlike a ModelForm): the service compares with it.
        services.agreement_update_terms(agreement=serializer.instance, actor=actor_of(self.request), **data)

    @extend_schema(request=s.AgreementRenewalSerializer, responses={201: s.AgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None, format=None):
        """A new agreement for the next period, same terms, as a draft; this one is kept."""
        agreement = self.get_object()
        renewal = s.AgreementRenewalSerializer(data=request.data)
        renewal.is_valid(raise_exception=True)
        created = services.agreement_renew(agreement=agreement, actor=actor_of(request), **renewal.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AgreementVersionSerializer, responses={201: s.AgreementSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None, format=None):
        """A new draft version of these terms for the same period, with the terms sent changed; the
        creator accepts it through their link. Signed terms never change: PATCH refuses them."""
        agreement = self.get_object()
        changes = s.AgreementVersionSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        version = services.agreement_new_version(agreement=agreement, actor=actor_of(request), **changes.validated_data)
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema_view(**answers(s.DeliverableSerializer, create=True))
class DeliverableViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Content planned and published under a partnership."""

    serializer_class = s.DeliverableSerializer
    filterset_class = DeliverableFilter
    search_fields = ["title"]
    ordering_fields = ["id", "due_on", "published_at"]

    def get_queryset(self):
        return self.scoped(Deliverable.objects.select_related("reviewed_by"))

    def perform_create(self, serializer):
        serializer.instance = services.deliverable_plan(actor=actor_of(self.request), **serializer.validated_data)

    @extend_schema(request=s.DeliverableStatusSerializer, responses={200: s.DeliverableSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None, format=None):
        """Move it on: in progress, published (with its date and link), cancelled."""
        deliverable = self.get_object()
        change = s.DeliverableStatusSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        services.deliverable_set_status(
            deliverable=deliverable, actor=actor_of(request), status=data["status"], url=data.get("url"),
            published_at=data.get("published_at"),
        )  # fmt: skip
        return Response(self.get_serializer(deliverable).data)


@extend_schema_view(**answers(s.ActivitySerializer, create=True))
class ActivityViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The timeline: stage changes, agreements and deliverables noted by the product; calls, emails,
    messages, meetings and notes logged by people (POST one of those kinds)."""

    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["summary", "body"]
    ordering_fields = ["id", "occurred_at"]

    def get_queryset(self):
        return self.scoped(Activity.objects.select_related("actor"))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.activity_log(
            partnership=data["partnership"], actor=actor_of(self.request), kind=data["kind"], summary=data["summary"],
            body=data.get("body", ""), occurred_at=data.get("occurred_at"),
        )  # fmt: skip


@extend_schema_view(**answers(s.TaskSerializer, create=True))
class TaskViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Follow-ups with due dates."""

    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["title"]
    ordering_fields = ["id", "due_on"]

    def get_queryset(self):
        return self.scoped(Task.objects.all())

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.task_create(
            partnership=data["partnership"], actor=actor_of(self.request), title=data["title"],
            due_on=data.get("due_on"), assignee=data.get("assignee"), notes=data.get("notes", ""),
        )  # fmt: skip

    @extend_schema(request=None, responses={200: s.TaskSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, format=None):
        """Mark it done (noted in the partnership's timeline); done twice is still done once."""
        task = services.task_complete(task=self.get_object(), actor=actor_of(request))
        return Response(self.get_serializer(task).data)
