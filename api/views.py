"""/api/v1/: thin views. Reads are scoped to the caller's organizations; writes go through services."""

from __future__ import annotations

import django_filters
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ErrorDetail, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from api import serializers as s
from api.authentication import actor_of
from api.filtering import UtcIsoDateTimeField
from api.idempotency import IdempotentPostMixin
from api.models import WebhookDelivery, WebhookSubscription
from api.webhooks import webhook_subscription_create, webhook_subscription_update
from crm import tenancy
from crm.models import Organization
from crm.parsing import IdField, NumberField
from influencers.models import Community, Creator, Identity, MemberScore, Membership, Platform
from insight.models import CommunityInsight
from insight.tasks import refresh_soon
from partnerships import privacy, readiness, services
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    AgreementStatus,
    Brand,
    BrandMeasurement,
    BrandMention,
    CommunityStance,
    Deliverable,
    DeliverableStatus,
    Partnership,
    ReadinessItem,
    ReferralEvent,
    ReferralLink,
    Stage,
    Task,
)
from partnerships.referrals import referral_event_record, referral_link_create

ERRORS = {
    400: OpenApiResponse(description="Invalid input (or filter): each field named with what is wrong."),
    401: OpenApiResponse(description="No API key, or an unknown or revoked one."),
    403: OpenApiResponse(description="A read-only key or a viewer trying to change something."),
    404: OpenApiResponse(description="No such object in your organizations."),
    409: OpenApiResponse(
        description="The same Idempotency-Key was used with a different body, or what is to be created exists "
        "already (a creator in the brand's pipeline: the body says where)."
    ),
    413: OpenApiResponse(description="A body larger than the API reads (DATA_UPLOAD_MAX_MEMORY_SIZE)."),
    415: OpenApiResponse(description="A body in a media type the API does not read (send JSON)."),
    429: OpenApiResponse(description="Too many requests for this key: wait as long as Retry-After says."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


READ_ERRORS = errors(400, 401, 404, 429)  # 400: a filter's value is not of its kind
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 413, 415, 429)


def answers(serializer, *, create=False, update=False):
    """The documented answers of a view's list and retrieve (and create, partial update), errors
    included: ``extend_schema_view(**answers(...))``, overriding any of them by name."""
    schemas = {
        "list": extend_schema(responses={200: serializer(many=True), **READ_ERRORS}),
        "retrieve": extend_schema(responses={200: serializer, **READ_ERRORS}),
    }
    if create:
        schemas["create"] = extend_schema(responses={201: serializer, **WRITE_ERRORS})
    if update:
        schemas["partial_update"] = extend_schema(responses={200: serializer, **WRITE_ERRORS})
    return schemas


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number a database column can hold, in the digits 0-9 (anything
    else, '٣' and '1e400' included, is a 400 naming the filter, not a 500 or another id)."""

    field_class = IdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", s.MAX_ID)
        super().__init__(*args, **kwargs)


class WhenFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time, compared in UTC (see UtcIsoDateTimeField)."""

    field_class = UtcIsoDateTimeField


class BoundedNumberFilter(django_filters.NumberFilter):
    """A finite number in the digits 0-9, within the range its column holds (scores 0 to 1, tone -1 to 1)."""

    field_class = NumberField


class ScopedQuerysetMixin(IdempotentPostMixin):
    """Only the caller's organizations' rows (shared discovery data: every member's); POSTs honour
    ``Idempotency-Key``. Ids in paths are whole numbers a bigint holds: anything else is a 404."""

    lookup_value_regex = r"[0-9]{1,18}"

    def scoped(self, queryset):
        return tenancy.scope_to_user(queryset, self.request.user)


class RowsListMixin:
    """Lists whose pages are built by ``rows`` (plain dictionaries equal to the serializer's output,
    without DRF's per-field machinery: the hot lists under load) from the columns ``row_values``
    names, read as dictionaries rather than model instances (the cursor reads its position from
    either)."""

    rows = None
    row_values: tuple[str, ...] = ()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*self.row_values))
        return self.get_paginated_response(self.rows(page))


# --- communities ------------------------------------------------------------------------------
class CommunityFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    active_since = WhenFilter(field_name="last_activity_at", lookup_expr="gte")

    class Meta:
        model = Community
        fields = ["platform", "is_tracked", "active_since"]


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
        for item in ReadinessItem.values:
            readiness.readiness_item_set(
                brand=data["brand"], community=community, item=item, checked=item in data["items"],
                actor=actor_of(request),
            )  # fmt: skip
        stance = CommunityStance.objects.filter(brand=data["brand"], community=community).first()
        state = readiness.readiness(brand=data["brand"], community=community)
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


# --- creators ---------------------------------------------------------------------------------
SCORE = "identities__memberships__latest_score__score"  # a creator's score in any of their communities


class CreatorFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(field_name="identities__platform", choices=Platform.choices, distinct=True)
    community = IdFilter(field_name="identities__memberships__community", distinct=True)
    min_score = BoundedNumberFilter(field_name=SCORE, lookup_expr="gte", distinct=True, min_value=0, max_value=1)
    max_score = BoundedNumberFilter(field_name=SCORE, lookup_expr="lte", distinct=True, min_value=0, max_value=1)
    updated_since = WhenFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Creator
        fields = ["platform", "community", "min_score", "max_score", "updated_since"]


@extend_schema_view(**answers(s.CreatorSerializer))
class CreatorViewSet(RowsListMixin, ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """People across platforms, with their accounts (identities). Reach is shown, never ranked on."""

    serializer_class = s.CreatorSerializer
    filterset_class = CreatorFilter
    search_fields = ["display_name", "identities__handle"]
    ordering_fields = ["id", "display_name", "updated_at"]

    def get_queryset(self):
        if self.action == "list":
            return self.scoped(Creator.objects.all())  # identities: one query for the page, in rows()
        identities = Identity.objects.order_by("platform", "handle")
        return self.scoped(Creator.objects.prefetch_related(Prefetch("identities", queryset=identities)))

    rows = staticmethod(s.creator_rows)
    row_values = s.CREATOR_ROW_VALUES

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


# --- memberships and rankings -----------------------------------------------------------------
class MembershipFilter(django_filters.FilterSet):
    community = IdFilter(field_name="community")
    platform = django_filters.ChoiceFilter(field_name="community__platform", choices=Platform.choices)
    creator = IdFilter(field_name="identity__creator")
    min_score = BoundedNumberFilter(field_name="latest_score__score", lookup_expr="gte", min_value=0, max_value=1)
    max_score = BoundedNumberFilter(field_name="latest_score__score", lookup_expr="lte", min_value=0, max_value=1)
    ranked = django_filters.BooleanFilter(field_name="latest_score", lookup_expr="isnull", exclude=True)
    seen_since = WhenFilter(field_name="last_seen_at", lookup_expr="gte")

    class Meta:
        model = Membership
        fields = ["community", "platform", "creator", "min_score", "max_score", "ranked", "seen_since"]


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


# --- partnerships -----------------------------------------------------------------------------
class PartnershipFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    brand = IdFilter(field_name="brand")
    owner = IdFilter(field_name="owner")
    creator = IdFilter(field_name="creator")
    community = IdFilter(field_name="communities", distinct=True)
    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte")
    updated_since = WhenFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Partnership
        fields = ["stage", "brand", "owner", "creator", "community", "started_after", "started_before", "updated_since"]


class Conflict(APIException):
    """409: what was asked to be created exists already (the body names the field and where it is)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: dict):
        super().__init__()
        self.detail = {
            field: [ErrorDetail(str(message), code=self.default_code) for message in messages]
            for field, messages in detail.items()
        }


@extend_schema_view(**answers(s.PartnershipSerializer, create=True, update=True))
class PartnershipViewSet(
    RowsListMixin, ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """A brand's relationship with a creator, through the pipeline stages. Moves go through ``move``."""

    serializer_class = s.PartnershipSerializer
    filterset_class = PartnershipFilter
    search_fields = ["creator__display_name", "creator__identities__handle"]
    ordering_fields = ["id", "updated_at", "stage_changed_at", "started_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        partnerships = Partnership.objects.order_by("-id")
        if self.action != "list":  # a page reads the creator's name and its communities' ids in rows()
            partnerships = partnerships.select_related("creator").prefetch_related("communities")
        return self.scoped(partnerships)

    rows = staticmethod(s.partnership_rows)
    row_values = s.PARTNERSHIP_ROW_VALUES

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


# --- referral events --------------------------------------------------------------------------
class ReferralEventFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="link__code")
    partnership = IdFilter(field_name="link__partnership")
    kind = django_filters.ChoiceFilter(choices=[("click", "Click"), ("signup", "Sign-up"), ("sale", "Sale")])
    since = WhenFilter(field_name="occurred_at", lookup_expr="gte")
    until = WhenFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = ReferralEvent
        fields = ["code", "partnership", "kind", "since", "until"]


@extend_schema_view(
    **answers(s.ReferralEventSerializer),
    create=extend_schema(
        responses={201: s.ReferralEventSerializer, 200: s.ReferralEventSerializer, **WRITE_ERRORS},
        description="Record a sign-up or a sale. Sent again with the same code, kind and external_id, it is "
        "recorded once: the answer is then 200 with the first record.",
    ),
)
class ReferralEventViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Clicks (counted by /r/<code>), sign-ups and sales (reported by the brand)."""

    serializer_class = s.ReferralEventSerializer
    filterset_class = ReferralEventFilter
    ordering_fields = ["id", "occurred_at"]

    def get_queryset(self):
        return self.scoped(ReferralEvent.objects.select_related("link"))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["code"] = data.pop("link")["code"]
        event, created = referral_event_record(
            organization_ids=tenancy.organization_ids_for(request.user, editable=True), data=data
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(event).data, status=code)


# --- webhooks ---------------------------------------------------------------------------------
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
        instance._history_user = actor_of(self.request)  # an API key is no User: history records none
        instance.delete()

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


# --- agreements, deliverables, activities, tasks, referral links -------------------------------
class AgreementFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    brand = IdFilter(field_name="partnership__brand")
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    in_force_on = django_filters.DateFilter(method="filter_in_force_on", label="Covers this date")

    class Meta:
        model = Agreement
        fields = ["partnership", "brand", "status", "in_force_on"]

    def filter_in_force_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=value))


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


class DeliverableFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    brand = IdFilter(field_name="partnership__brand")
    community = IdFilter(field_name="community")
    status = django_filters.ChoiceFilter(choices=DeliverableStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    published_since = WhenFilter(field_name="published_at", lookup_expr="gte")

    class Meta:
        model = Deliverable
        fields = ["partnership", "brand", "community", "status", "due_before", "published_since"]


@extend_schema_view(**answers(s.DeliverableSerializer, create=True))
class DeliverableViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Content planned and published under a partnership."""

    serializer_class = s.DeliverableSerializer
    filterset_class = DeliverableFilter
    search_fields = ["title"]
    ordering_fields = ["id", "due_on", "published_at"]

    def get_queryset(self):
        return self.scoped(Deliverable.objects.all())

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


class ActivityFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    creator = IdFilter(field_name="creator")
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    since = WhenFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Activity
        fields = ["partnership", "creator", "kind", "since"]


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


class TaskFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    assignee = IdFilter(field_name="assignee")
    done = django_filters.BooleanFilter(field_name="completed_at", lookup_expr="isnull", exclude=True)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields = ["partnership", "assignee", "done", "due_before"]


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


class ReferralLinkFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ReferralLink
        fields = ["partnership", "is_active"]


@extend_schema_view(**answers(s.ReferralLinkSerializer, create=True))
class ReferralLinkViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Tracked links: /r/<code> counts clicks and sends visitors to the destination."""

    serializer_class = s.ReferralLinkSerializer
    filterset_class = ReferralLinkFilter
    search_fields = ["code", "label"]
    ordering_fields = ["id", "code"]

    def get_queryset(self):
        return self.scoped(ReferralLink.objects.all())

    def perform_create(self, serializer):
        # The code is checked free before (a 400 naming it); two requests for the same code at once
        # both pass that check, and the unique constraint decides: the second is told it is taken.
        try:
            with transaction.atomic():
                serializer.instance = referral_link_create(**serializer.validated_data)
        except IntegrityError:
            code = serializer.validated_data["code"]
            raise Conflict({"code": [f"The code {code!r} is taken: referral codes are unique."]}) from None


# --- brands: mentions and measurements -------------------------------------------------------
class BrandMentionFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand")
    community = IdFilter(field_name="community")
    in_brand_absence = django_filters.BooleanFilter(method="filter_absence")
    is_recommendation = django_filters.BooleanFilter()
    since = WhenFilter(field_name="posted_at", lookup_expr="gte")
    until = WhenFilter(field_name="posted_at", lookup_expr="lt")
    min_sentiment = BoundedNumberFilter(field_name="sentiment", lookup_expr="gte", min_value=-1, max_value=1)
    max_sentiment = BoundedNumberFilter(field_name="sentiment", lookup_expr="lte", min_value=-1, max_value=1)

    class Meta:
        model = BrandMention
        fields = ["brand", "community", "in_brand_absence", "is_recommendation", "since", "until"]

    def filter_absence(self, queryset, name, value):
        absent = Q(brand_took_part=False, partner_took_part=False)
        return queryset.filter(absent) if value else queryset.exclude(absent)


@extend_schema_view(**answers(s.BrandMentionSerializer))
class BrandMentionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Members naming your brands, with tone, recommendation, and whether the brand was there."""

    serializer_class = s.BrandMentionSerializer
    filterset_class = BrandMentionFilter
    ordering_fields = ["id", "posted_at", "sentiment"]

    def get_queryset(self):
        return self.scoped(BrandMention.objects.select_related("interaction"))


class MeasurementFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand")

    class Meta:
        model = BrandMeasurement
        fields = ["brand"]


@extend_schema_view(**answers(s.BrandMeasurementSerializer))
class BrandMeasurementViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Relationship metrics, one dated document per measurement (what `manage.py measure --json`
    prints): filter by brand; the newest first."""

    serializer_class = s.BrandMeasurementSerializer
    filterset_class = MeasurementFilter
    ordering_fields = ["id", "computed_at"]

    def get_queryset(self):
        return self.scoped(BrandMeasurement.objects.all())
