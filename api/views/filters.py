"""The query parameters of the lists (django-filter FilterSets): each a 400 naming the parameter
when its value is not of its kind."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from api.filtering import UtcIsoDateTimeField
from crm.parsing import MAX_ID, IdField, NumberField
from influencers.models import Community, Creator, Membership, Platform
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    AgreementStatus,
    BrandMeasurement,
    BrandMention,
    Deliverable,
    DeliverableStatus,
    Partnership,
    ReferralEvent,
    ReferralLink,
    Stage,
    Task,
)


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number a database column can hold, in the digits 0-9 (anything
    else, '٣' and '1e400' included, is a 400 naming the filter, not a 500 or another id)."""

    field_class = IdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class WhenFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time, compared in UTC (see UtcIsoDateTimeField)."""

    field_class = UtcIsoDateTimeField


class BoundedNumberFilter(django_filters.NumberFilter):
    """A finite number in the digits 0-9, within the range its column holds (scores 0 to 1, tone -1 to 1)."""

    field_class = NumberField


class CommunityFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    active_since = WhenFilter(field_name="last_activity_at", lookup_expr="gte")

    class Meta:
        model = Community
        fields = ["platform", "is_tracked", "active_since"]


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


class ReferralEventFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="link__code")
    partnership = IdFilter(field_name="link__partnership")
    kind = django_filters.ChoiceFilter(choices=[("click", "Click"), ("signup", "Sign-up"), ("sale", "Sale")])
    since = WhenFilter(field_name="occurred_at", lookup_expr="gte")
    until = WhenFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = ReferralEvent
        fields = ["code", "partnership", "kind", "since", "until"]


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


class ActivityFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    creator = IdFilter(field_name="creator")
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    since = WhenFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Activity
        fields = ["partnership", "creator", "kind", "since"]


class TaskFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    assignee = IdFilter(field_name="assignee")
    done = django_filters.BooleanFilter(field_name="completed_at", lookup_expr="isnull", exclude=True)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields = ["partnership", "assignee", "done", "due_before"]


class ReferralLinkFilter(django_filters.FilterSet):
    partnership = IdFilter(field_name="partnership")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ReferralLink
        fields = ["partnership", "is_active"]


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


class MeasurementFilter(django_filters.FilterSet):
    brand = IdFilter(field_name="brand")

    class Meta:
        model = BrandMeasurement
        fields = ["brand"]
