"""Communities, creators and their memberships (the shared discovery data), with each of your
brands' readiness to speak in a community."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from api import serializers as s
from api.authentication import actor_of
from api.views.base import ScopedQuerysetMixin
from api.views.filters import CommunityFilter, CreatorFilter, MembershipFilter
from api.views.schema import READ_ERRORS, WRITE_ERRORS, answers
from crm import tenancy
from crm.models import Organization
from influencers.models import Community, Creator, Identity, MemberScore, Membership
from insight.models import CommunityInsight
from insight.tasks import refresh_soon
from partnerships import privacy, readiness, services
from partnerships.models import (
    Brand,
    CommunityStance,
    ReadinessItem,
)


@extend_schema_view(**answers(s.CommunitySerializer))
class CommunityViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Communities imported from Reddit, Discord, Slack and Discourse."""

    serializer_class = s.CommunitySerializer
    filterset_class = CommunityFilter
    search_fields = ["name", "external_id", "description"]
    ordering_fields = ["id", "name", "last_activity_at"]

    def get_queryset(self):
        return self.scoped(Community.objects.all())

    @extend_schema(responses={200: s.CommunityInsightSerializer, **READ_ERRORS})
    @action(detail=True, pagination_class=None)
    def insight(self, request, pk=None, format=None):
        """The community's latest insight: its own words, formats, rhythms, recurring questions and
        norms. Computed after each sync (404 until the first)."""
        community = self.get_object()
        latest = CommunityInsight.objects.filter(community=community).order_by("-computed_at").first()
        if latest is None:
            raise NotFound(
                "No insight into this community yet: it is computed after each sync, or now with "
                "POST /api/v1/communities/{id}/insight/refresh/.".replace("{id}", str(community.pk))
            )
        return Response(s.CommunityInsightSerializer(latest).data)

    # --- observe first: each of your brands' readiness to speak here ----------------------------
    @extend_schema(responses={200: s.BrandReadinessSerializer(many=True), **READ_ERRORS})
    @action(detail=True, pagination_class=None, filter_backends=[])
    def readiness(self, request, pk=None, format=None):
        """Each of your brands here: its stance, checklist, observation log, and what is still missing
        before it may move from observing to contributing."""
        community = self.get_object()
        brands = list(tenancy.scope_to_user(Brand.objects.all(), request.user).order_by("name"))
        stances = {s_.brand_id: s_ for s_ in CommunityStance.objects.filter(community=community, brand__in=brands)}
        states = readiness.readiness_of_brands(brands=brands, community=community)
        rows = [
            _readiness_row(brand, stances.get(brand.pk), state) for brand, state in zip(brands, states, strict=True)
        ]
        return Response(s.BrandReadinessSerializer(rows, many=True).data)

    def _brand_to_change(self, serializer_class):
        """The community and the checked body; 403 when the caller may read but not change the brand."""
        community = self.get_object()
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        if not tenancy.can_edit(self.request.user, body.validated_data["brand"]):
            raise PermissionDenied("You may read this brand's readiness but not change it.")
        return community, body.validated_data

    @extend_schema(request=s.ChecklistSerializer, responses={200: s.BrandReadinessSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="readiness/checklist", filter_backends=[])
    def readiness_checklist(self, request, pk=None, format=None):
        """Tick the checklist items named (and untick the others) for one of your brands."""
        community, data = self._brand_to_change(s.ChecklistSerializer)
        state = readiness.readiness_checklist_set(
            brand=data["brand"], community=community,
            checked={item: item in data["items"] for item in ReadinessItem.values}, actor=actor_of(request),
        )  # fmt: skip
        stance = CommunityStance.objects.filter(brand=data["brand"], community=community).first()
        return Response(s.BrandReadinessSerializer(_readiness_row(data["brand"], stance, state)).data)

    @extend_schema(request=s.ObservationWriteSerializer, responses={201: s.ObservationNoteSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def observations(self, request, pk=None, format=None):
        """Add a dated note to one of your brands' observation log for this community."""
        community, data = self._brand_to_change(s.ObservationWriteSerializer)
        note = readiness.observation_note_add(community=community, actor=actor_of(request), **data)
        return Response(s.ObservationNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.StanceWriteSerializer, responses={200: s.StanceSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def stance(self, request, pk=None, format=None):
        """Set one of your brands' stance here. Moving from observing to contributing or partnered is
        a 400 naming ``stance``, with what is still missing, until the brand is ready."""
        community, data = self._brand_to_change(s.StanceWriteSerializer)
        record = services.community_stance_set(
            brand=data["brand"], community=community, stance=data["stance"], notes=data.get("notes")
        )
        return Response(s.StanceSerializer(record).data)

    @extend_schema(request=None, responses={202: s.InsightQueuedSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="insight/refresh")
    def refresh_insight(self, request, pk=None, format=None):
        """Compute the community's insight again, in the background (a million messages take under a
        minute); GET .../insight/ shows it when done."""
        community = self.get_object()
        queued_now = refresh_soon(community.pk)
        return Response(
            {"community": community.pk, "queued": True, "already_pending": not queued_now},
            status=status.HTTP_202_ACCEPTED,
        )


def _readiness_row(brand: Brand, stance: CommunityStance | None, state: readiness.Readiness) -> dict:
    return {
        "brand": brand, "stance": stance.stance if stance else None, "since": stance.since if stance else None,
        "ready": state.ready, "missing": state.missing, "observed_since": state.observed_since,
        "observed_days": state.observed_days, "items": state.items, "notes": state.notes,
    }  # fmt: skip


@extend_schema_view(**answers(s.CreatorSerializer))
class CreatorViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """People across platforms, with their accounts (identities). Reach is shown, never ranked on."""

    serializer_class = s.CreatorSerializer
    filterset_class = CreatorFilter
    search_fields = ["display_name", "identities__handle"]
    ordering_fields = ["id", "display_name", "updated_at"]

    def get_queryset(self):
        identities = Identity.objects.order_by("platform", "handle")
        if self.action == "list":  # a page's accounts in one query, as plain lists (LISTS in api/serializers.py)
            listed = Prefetch("identities", queryset=identities, to_attr="listed_identities")
            return self.scoped(Creator.objects.prefetch_related(listed))
        return self.scoped(Creator.objects.prefetch_related(Prefetch("identities", queryset=identities)))

    def get_serializer_class(self):
        return s.CreatorListSerializer if self.action == "list" else s.CreatorSerializer

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **READ_ERRORS})
    @action(detail=True, methods=["get"], url_path="personal-data")
    def personal_data(self, request, pk=None, format=None):
        """Everything held about the creator (a data subject's access request): accounts, what they
        wrote, rankings, and your organizations' partnership records."""
        creator = self.get_object()
        organization_ids = None if request.user.is_superuser else tenancy.organization_ids_for(request.user)
        return Response(privacy.creator_personal_data(creator=creator, organization_ids=organization_ids))

    @extend_schema(
        request=s.CreatorEraseSerializer,
        responses={200: s.ErasureSerializer, 202: s.ErasureRequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None, format=None):
        """Erase the creator's personal data (accounts, texts, every copy of their names) for every
        organization, keeping anonymous figures; their accounts are not imported again.

        Erasing reaches every organization's records, so an operator does it: an operator's call
        erases now (200); an organization owner's or a write key's files the organization's request
        (202, the same open request if sent again), which an operator confirms or declines."""
        creator = self.get_object()
        operator = privacy.can_erase(request.user)
        allowed = privacy.organizations_that_may_request_erasure(request.user)
        if not operator and not allowed:  # refused before the body is read: a 403, whatever was sent
            raise PermissionDenied(
                "Erasure requests are passed on by an organization's owners and write API keys; an operator erases."
            )
        body = s.CreatorEraseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        through = f"API, {request.user.get_full_name() or request.user.get_username()}"
        if operator:
            erased = privacy.creator_erase(creator=creator, actor=actor_of(request), requested_through=through)
            return Response(s.ErasureSerializer(erased).data)
        organization = body.validated_data.get("organization")
        if organization is None:
            if len(allowed) > 1:
                raise ValidationError({"organization": "Say which of your organizations passes the request on."})
            organization = Organization.objects.get(pk=next(iter(allowed)))
        elif organization.pk not in allowed:
            raise PermissionDenied("organization: only its owners and write keys pass erasure requests on.")
        filed, _ = privacy.erasure_request_file(
            creator=creator, organization=organization, actor=actor_of(request), requested_through=through,
            note=body.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(s.ErasureRequestSerializer(filed).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(**answers(s.MembershipSerializer))
class MembershipViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """A member of a community with their latest ranking: score, components and reasons."""

    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ["identity__handle", "identity__display_name"]
    ordering_fields = ["id", "latest_score__rank", "latest_score__score", "last_seen_at"]

    def get_queryset(self):
        return self.scoped(Membership.objects.select_related("identity", "latest_score__run"))

    @extend_schema(responses={200: s.ScoreSerializer(many=True), **READ_ERRORS})
    @action(detail=True, pagination_class=None)
    def history(self, request, pk=None, format=None):
        """Every ranking of this member, newest first: the trajectory."""
        membership = self.get_object()
        scores = MemberScore.objects.filter(membership=membership).select_related("run").order_by("-run__window_end")
        return Response(s.ScoreSerializer(scores[:200], many=True).data)
