"""What a brand measures: referral links and the events they count, members' mentions of the
brand, and the relationship metrics."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from api import serializers as s
from api.views.base import Conflict, ScopedQuerysetMixin
from api.views.filters import BrandMentionFilter, MeasurementFilter, ReferralEventFilter, ReferralLinkFilter
from api.views.schema import WRITE_ERRORS, answers
from crm import tenancy
from partnerships.models import (
    BrandMeasurement,
    BrandMention,
    ReferralEvent,
    ReferralLink,
)
from partnerships.referrals import referral_event_record, referral_link_create


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


@extend_schema_view(**answers(s.BrandMentionSerializer))
class BrandMentionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Members naming your brands, with tone, recommendation, and whether the brand was there."""

    serializer_class = s.BrandMentionSerializer
    filterset_class = BrandMentionFilter
    ordering_fields = ["id", "posted_at", "sentiment"]

    def get_queryset(self):
        return self.scoped(BrandMention.objects.select_related("interaction"))


@extend_schema_view(**answers(s.BrandMeasurementSerializer))
class BrandMeasurementViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Relationship metrics, one dated document per measurement (what `manage.py measure --json`
    prints): filter by brand; the newest first."""

    serializer_class = s.BrandMeasurementSerializer
    filterset_class = MeasurementFilter
    ordering_fields = ["id", "computed_at"]

    def get_queryset(self):
        return self.scoped(BrandMeasurement.objects.all())
