"""What the API shows and accepts. Thin: writes go through the same services as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from crm import tenancy
from crm.models import Organization
from crm.parsing import MAX_ID, parse_id
from influencers.models import (
    Community,
    Creator,
    ErasureRequest,
    ErasureStatus,
    Identity,
    MemberScore,
    Membership,
)
from insight.models import CommunityInsight
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    Brand,
    BrandMeasurement,
    BrandMention,
    CommunityStance,
    Deliverable,
    DeliverableStatus,
    ObservationNote,
    Partnership,
    ReadinessItem,
    ReferralEvent,
    ReferralLink,
    Stage,
    Stance,
    Task,
)


class Pk(serializers.PrimaryKeyRelatedField):
    """A reference by id; an id no database column could hold "does not exist" (a 400, never a 500)."""

    def to_internal_value(self, data):
        # Ids are whole numbers in the digits 0-9: not true, 1.5, '²' (isdigit() passes it, int()
        # refuses it) or '٣' (int() reads it as 3): see crm/parsing.py.
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            try:
                data = parse_id(data)
            except ValueError:
                self.fail("does_not_exist", pk_value=data)
        if isinstance(data, int | float) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ScopedPrimaryKey(Pk):
    """A reference, in a body that writes, to an object of an organization where the caller may
    edit: another organization's id is "does not exist", as if it were not there; one of an
    organization the caller only views is refused as such. A record belongs to the organization of
    what it names, so naming is writing there: a manager of B who views A must not create A's
    partnerships, agreements, tasks or links (issue 17). That answers 403, as a PATCH or a move of
    such a record does."""

    def get_queryset(self):
        return tenancy.scope_to_user(super().get_queryset(), self.context["request"].user)

    def to_internal_value(self, data):
        obj = super().to_internal_value(data)
        if not tenancy.can_edit(self.context["request"].user, obj):
            raise PermissionDenied(
                f"{self.field_name}: you may view but not change the records of {tenancy.organization_of(obj)}."
            )
        return obj


class Colleague(Pk):
    """A person to own or be assigned something: a member of one of the caller's organizations.
    Anyone else "does not exist", whether or not there is such a user, so that ids cannot be
    probed for the people of other organizations (or for operators)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=get_user_model().objects.all(), **kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return (
            super()
            .get_queryset()
            .filter(organization_memberships__organization_id__in=tenancy.organization_ids_for(user))
            .distinct()
        )


class CommunitySerializer(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True, help_text="PLATFORM:EXTERNAL_ID, as the command line names it.")
    url = serializers.CharField(read_only=True, help_text="Its address, or empty when the source has none.")

    class Meta:
        model = Community
        fields = ["id", "key", "platform", "external_id", "name", "url", "description", "topic_tags",
                  "timezone", "language", "guidelines", "last_activity_at", "is_tracked"]  # fmt: skip
        read_only_fields = ["guidelines"]


class CommunityInsightSerializer(serializers.ModelSerializer):
    community = serializers.IntegerField(source="community_id", read_only=True)
    document = serializers.JSONField(
        read_only=True,
        help_text="What `manage.py insight --json` prints: vocabulary (term, score, best first, with examples), "
        "phrases, vocabulary_shift, formats, rhythms (weekday × hour heatmap in `rhythms.timezone`), questions "
        "(themes), norms, basis (what the figures rest on; `basis.small` for a small community) and highlights.",
    )

    class Meta:
        model = CommunityInsight
        fields = ["id", "community", "computed_at", "seconds", "messages", "document"]


class InsightQueuedSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    queued = serializers.BooleanField()
    already_pending = serializers.BooleanField(
        help_text="A computation was already waiting or running: it answers this too."
    )


class ReadinessItemSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=ReadinessItem.choices)
    label = serializers.CharField()
    why = serializers.CharField()
    checked = serializers.BooleanField()
    checked_by = serializers.CharField(allow_null=True, help_text="Who ticked it (empty for an API key).")
    checked_at = serializers.DateTimeField(allow_null=True)


class ObservationNoteSerializer(serializers.ModelSerializer):
    written_by = serializers.CharField(source="written_by.username", default=None, read_only=True)

    class Meta:
        model = ObservationNote
        fields = ["id", "brand", "community", "observed_on", "text", "written_by", "created_at"]


class BrandReadinessSerializer(serializers.Serializer):
    """Where one of your brands stands in a community: its stance, and what it still has to do
    before it may contribute (the stance moves only when ``ready``)."""

    brand = serializers.IntegerField(source="brand.pk")
    brand_name = serializers.CharField(source="brand.name")
    stance = serializers.ChoiceField(choices=Stance.choices, allow_null=True, help_text="None: no stance yet.")
    since = serializers.DateField(allow_null=True)
    ready = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="What is still to do, in words.")
    observed_since = serializers.DateField(allow_null=True, help_text="The observation log's first note.")
    observed_days = serializers.IntegerField()
    items = ReadinessItemSerializer(many=True)
    notes = ObservationNoteSerializer(many=True)


class BrandInBody(serializers.Serializer):
    brand = ScopedPrimaryKey(queryset=Brand.objects.all(), help_text="One of your organizations' brands.")


class ChecklistSerializer(BrandInBody):
    items = serializers.ListField(
        child=serializers.ChoiceField(choices=ReadinessItem.choices),
        allow_empty=True,
        max_length=len(ReadinessItem.values),
        help_text="The items ticked; the others are unticked.",
    )


class ObservationWriteSerializer(BrandInBody):
    observed_on = serializers.DateField(required=False, help_text="When it was seen (default: today).")
    text = serializers.CharField(max_length=5000)


class StanceWriteSerializer(BrandInBody):
    stance = serializers.ChoiceField(choices=Stance.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000, help_text="Kept when left out.")


class StanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommunityStance
        fields = ["brand", "community", "stance", "since", "notes", "updated_at"]


class IdentitySerializer(serializers.ModelSerializer):
    profile_url = serializers.CharField(read_only=True, help_text="Empty when the platform has no profile pages.")

    class Meta:
        model = Identity
        fields = ["id", "platform", "external_id", "handle", "display_name", "profile_url", "reach", "reach_kind",
                  "is_bot", "is_deleted"]  # fmt: skip


class CreatorSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Creator
        fields = ["id", "display_name", "bio", "identities", "created_at", "updated_at"]


# LISTS: the creators' and partnerships' lists (the hot lists under load) go through these
# serializers, each page's relations prefetched in one query into plain lists. Pages of 50 used to
# be built by hand as dictionaries beside the serializers; measured on PostgreSQL with 100,000
# creators (in-process, the two paths alternating, median of 400 pages), that was 1.9× faster
# for creators and 1.4× for partnerships than this path: less than the 2× that would pay for a
# second way of writing the same JSON (benchmarks/api_load.py measures the whole server).
class CreatorListSerializer(CreatorSerializer):
    """A creator in a list: its accounts come from the page's one prefetch query as a plain list
    (``listed_identities``), not through a related manager built for each creator."""

    identities = IdentitySerializer(source="listed_identities", many=True, read_only=True)


class ScoreSerializer(serializers.ModelSerializer):
    components = serializers.SerializerMethodField()
    window_start = serializers.DateTimeField(source="run.window_start", read_only=True)
    window_end = serializers.DateTimeField(source="run.window_end", read_only=True)
    algorithm_version = serializers.CharField(source="run.algorithm_version", read_only=True)

    class Meta:
        model = MemberScore
        fields = ["rank", "score", "components", "reasons", "reach", "window_start", "window_end", "algorithm_version"]

    def get_components(self, score) -> dict[str, float]:
        return {"consistency": score.consistency, "embeddedness": score.embeddedness, "alignment": score.alignment}


class MembershipSerializer(serializers.ModelSerializer):
    identity = IdentitySerializer(read_only=True)
    community = serializers.PrimaryKeyRelatedField(read_only=True)
    creator = serializers.PrimaryKeyRelatedField(source="identity.creator", read_only=True)
    latest = ScoreSerializer(source="latest_score", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "community", "identity", "creator", "first_seen_at", "last_seen_at", "post_count",
                  "reply_count", "reaction_count", "latest"]  # fmt: skip


class PartnershipSerializer(serializers.ModelSerializer):
    brand = ScopedPrimaryKey(queryset=Brand.objects.all())
    creator = Pk(queryset=Creator.objects.all())
    creator_name = serializers.CharField(source="creator.display_name", read_only=True)
    owner = Colleague(allow_null=True, required=False)
    communities = Pk(queryset=Community.objects.all(), many=True, required=False)
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, help_text="For the timeline.")

    class Meta:
        model = Partnership
        fields = ["id", "brand", "creator", "creator_name", "communities", "stage", "stage_changed_at", "owner",
                  "started_on", "ended_on", "close_reason", "notes", "note", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["stage", "stage_changed_at", "started_on", "ended_on", "close_reason"]
        validators = []  # one partnership per brand and creator: the service refuses, saying where they are

    def validate(self, data):
        if self.instance is not None and {"brand", "creator"} & set(data):
            raise serializers.ValidationError({"brand": "A partnership's brand and creator do not change."})
        return data


class PartnershipListSerializer(PartnershipSerializer):
    """A partnership in a list: its communities' ids from the page's one prefetch query, as a
    plain list (``listed_communities``)."""

    communities = serializers.PrimaryKeyRelatedField(source="listed_communities", many=True, read_only=True)


class PartnershipMoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="For the timeline.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required to decline.")


class ReferralEventSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="link.code", help_text="The referral link's code.")
    kind = serializers.ChoiceField(choices=[("signup", "Sign-up"), ("sale", "Sale")])
    external_id = serializers.CharField(
        max_length=128, help_text="The brand's order or account id: sent twice, recorded once."
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_blank=True)

    class Meta:
        model = ReferralEvent
        fields = ["id", "code", "kind", "occurred_at", "external_id", "amount", "currency", "created_at"]
        read_only_fields = ["id", "created_at"]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False,
        help_text="Events to receive; empty or absent means every event.",
    )  # fmt: skip

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "consecutive_failures", "disabled_reason", "created_at"]
        read_only_fields = ["consecutive_failures", "disabled_reason", "created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signs every delivery. Shown only now: store it.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_id", "payload", "status", "attempts", "last_status_code", "last_error",
                  "created_at", "delivered_at"]  # fmt: skip


class AgreementSerializer(serializers.ModelSerializer):
    partnership = ScopedPrimaryKey(queryset=Partnership.objects.all())
    creative_control_summary = serializers.CharField(read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "partnership", "renewal_of", "replaces", *Agreement.TERM_FIELDS, "creative_control_summary",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["renewal_of", "replaces", "created_at"]

    def validate(self, data):
        if self.instance is not None and "partnership" in data and data["partnership"] != self.instance.partnership:
            raise serializers.ValidationError({"partnership": "An agreement stays with its partnership."})
        return data


class AgreementVersionSerializer(serializers.ModelSerializer):
    """The terms that differ in a new version (signed terms never change: a change is a new version
    the creator accepts again); the rest are copied from the version it replaces."""

    class Meta:
        model = Agreement
        fields = [*Agreement.CREATOR_TERM_FIELDS, "notes"]
        extra_kwargs = {name: {"required": False} for name in fields}


class AgreementRenewalSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)


class DeliverableSerializer(serializers.ModelSerializer):
    partnership = ScopedPrimaryKey(queryset=Partnership.objects.all())
    agreement = ScopedPrimaryKey(queryset=Agreement.objects.all(), required=False, allow_null=True)
    community = Pk(queryset=Community.objects.all(), required=False, allow_null=True)
    url = serializers.CharField(read_only=True, help_text="Where it was published; empty until then.")
    # The creator's hand-in, the brand's review and the disclosure check: written by the creator's
    # link, the review forms and the check, never through this endpoint.
    reviewed_by = serializers.CharField(
        source="reviewed_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Deliverable
        fields = ["id", "partnership", "agreement", "title", "kind", "community", "status", "due_on", "published_at",
                  "url", "notes", "created_at", "handed_in_at", "creator_note", "review_state", "review_note",
                  "reviewed_at", "reviewed_by", "disclosure_state", "disclosure_checked_at",
                  "disclosure_evidence"]  # fmt: skip
        read_only_fields = ["status", "published_at", "url", "created_at", "handed_in_at", "creator_note",
                            "review_state", "review_note", "reviewed_at", "disclosure_state",
                            "disclosure_checked_at", "disclosure_evidence"]  # fmt: skip


class DeliverableStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliverableStatus.choices)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    published_at = serializers.DateTimeField(required=False, allow_null=True)


class ActivitySerializer(serializers.ModelSerializer):
    partnership = ScopedPrimaryKey(queryset=Partnership.objects.all())
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in ActivityKind])
    actor = serializers.CharField(source="actor.get_username", read_only=True, allow_null=True, default=None)
    # Blank unless the entry is a stage change.
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)
    to_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "partnership", "creator", "kind", "summary", "body", "occurred_at", "actor", "from_stage",
                  "to_stage"]  # fmt: skip
        read_only_fields = ["creator", "from_stage", "to_stage"]
        extra_kwargs = {"occurred_at": {"required": False}}


class TaskSerializer(serializers.ModelSerializer):
    partnership = ScopedPrimaryKey(queryset=Partnership.objects.all())
    assignee = Colleague(required=False, allow_null=True)
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "partnership", "creator", "title", "notes", "assignee", "due_on", "completed_at", "is_done",
                  "created_at"]  # fmt: skip
        read_only_fields = ["creator", "completed_at", "created_at"]


class ReferralLinkSerializer(serializers.ModelSerializer):
    partnership = ScopedPrimaryKey(queryset=Partnership.objects.all())
    redirect_path = serializers.SerializerMethodField()

    class Meta:
        model = ReferralLink
        fields = ["id", "partnership", "code", "destination_url", "label", "is_active", "redirect_path", "created_at"]
        read_only_fields = ["created_at"]

    def get_redirect_path(self, link) -> str:
        return f"/r/{link.code}"


class BrandMentionSerializer(serializers.ModelSerializer):
    in_brand_absence = serializers.BooleanField(read_only=True)
    text = serializers.CharField(source="interaction.text", read_only=True)
    url = serializers.CharField(source="interaction.url", read_only=True)

    class Meta:
        model = BrandMention
        fields = ["id", "brand", "interaction", "community", "author", "thread_external_id", "posted_at",
                  "matched_alias", "sentiment", "is_recommendation", "brand_took_part", "partner_took_part",
                  "in_brand_absence", "text", "url"]  # fmt: skip


class BrandMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = BrandMeasurement
        fields = ["id", "brand", "computed_at", "seconds", "document"]


@extend_schema_field(OpenApiTypes.BOOL)
class JsonTrue(serializers.Field):
    """The JSON value true and nothing else: not the strings "true", "1" or "yes" that DRF's
    BooleanField also reads as true. For confirming what cannot be undone."""

    default_error_messages = {"not_true": "Send the JSON value true (not a string) to confirm: this cannot be undone."}

    def to_internal_value(self, data):
        if data is not True:
            self.fail("not_true")
        return True

    def to_representation(self, value):
        return bool(value)


class CreatorEraseSerializer(serializers.Serializer):
    confirm = JsonTrue(help_text="Must be the JSON value true: erasure cannot be undone.")
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False,
        help_text="Which of your organizations passes the request on (needed only if you own several).",
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="For the operator: how the person asked, anything to check.")  # fmt: skip

    def validate_organization(self, organization):
        # Only the caller's own organizations exist here (another's id is "does not exist").
        if organization.pk not in tenancy.organization_ids_for(self.context["request"].user):
            self.fail("does_not_exist", pk_value=organization.pk)
        return organization


class ErasureRequestSerializer(serializers.ModelSerializer):
    detail = serializers.SerializerMethodField()

    class Meta:
        model = ErasureRequest
        fields = ["id", "creator", "organization", "status", "requested_at", "requested_through", "note",
                  "decided_at", "decision_note", "detail"]  # fmt: skip
        read_only_fields = fields

    def get_detail(self, request) -> str:
        if request.status == ErasureStatus.REQUESTED:
            return "Filed: an operator erases the creator once they confirm the request."
        if request.status == ErasureStatus.DECLINED:
            return f"Declined by an operator: {request.decision_note}"
        return "Erased."


class ErasureSerializer(serializers.Serializer):
    creator = serializers.IntegerField()
    accounts_erased = serializers.IntegerField(help_text="Accounts made anonymous and remembered by fingerprint.")
    texts_erased = serializers.IntegerField(help_text="Posts and comments whose title, text and link were erased.")
    rankings_cleared = serializers.IntegerField(help_text="Ranking snapshots whose reasons and details were cleared.")
