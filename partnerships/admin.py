from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from crm import tenancy
from crm.admin_scoping import (
    OrganizationScopedAdmin,
    OrganizationScopedHistoryAdmin,
    OrganizationScopedInline,
    decline_requests_page,
    may_name,
)
from partnerships import services
from partnerships.community_requests import (
    community_request_approve,
    community_request_check,
    community_request_create,
    community_request_decline,
)
from partnerships.creator_notes import creator_note_save
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    Brand,
    BrandMention,
    CommunityRequest,
    CommunityStance,
    CreatorNote,
    Deliverable,
    Partnership,
    ReferralEvent,
    ReferralLink,
    RequestStatus,
    Stage,
    Task,
)
from partnerships.readiness import SPEAKING, refusal

CREATIVE_CONTROL_FIELDS = list(Agreement.CREATIVE_CONTROL_FIELDS)


class CommunityStanceForm(forms.ModelForm):
    """The admin moves stances under the same rule as the pages: speaking needs readiness."""

    class Meta:
        model = CommunityStance
        fields = ["community", "stance", "since", "notes"]

    def clean(self):
        cleaned = super().clean()
        stance, community = cleaned.get("stance"), cleaned.get("community")
        if not stance or community is None:
            return cleaned
        same_row = self.instance.pk and self.instance.community_id == community.pk
        current = self.instance.stance if same_row else ""
        if not self.instance.brand_id:
            why_not = None if stance not in SPEAKING else "A new brand has not observed this community yet."
        else:
            why_not = refusal(brand=self.instance.brand, community=community, current=current, wanted=stance)
        if why_not:
            self.add_error("stance", why_not)
        return cleaned


class CommunityStanceInline(OrganizationScopedInline):
    model = CommunityStance
    form = CommunityStanceForm
    fields = ["community", "stance", "since", "notes"]
    autocomplete_fields = ["community"]


@admin.register(Brand)
class BrandAdmin(OrganizationScopedAdmin):
    list_display = ["name", "organization", "alias_list", "website"]
    list_filter = ["organization"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["official_identities"]
    list_select_related = ["organization"]
    inlines = [CommunityStanceInline]

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)


# --- Partnerships and what hangs off them ------------------------------------------------


class AgreementInline(OrganizationScopedInline):
    model = Agreement
    fields = ["status", "starts_on", "ends_on", "compensation_type", *CREATIVE_CONTROL_FIELDS]
    show_change_link = True


class DeliverableInline(OrganizationScopedInline):
    model = Deliverable
    fields = ["title", "kind", "community", "status", "due_on", "published_at", "url"]
    autocomplete_fields = ["community"]


# What a manager may log by hand; stage changes, agreements and deliverables log themselves.
MANUAL_ACTIVITY_KINDS = [
    ActivityKind.NOTE,
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.MESSAGE,
    ActivityKind.MEETING,
]


class TimelineInline(OrganizationScopedInline):
    """The partnership's timeline as it happened: read-only, newest first."""

    model = Activity
    verbose_name_plural = "timeline"
    fields = ["occurred_at", "kind", "summary", "body", "actor", "from_stage", "to_stage"]
    readonly_fields = fields
    ordering = ["-occurred_at"]
    can_delete = False
    max_num = 0

    def has_change_permission(self, request, obj=None):
        return False


class NewActivityInline(OrganizationScopedInline):
    """Log a call, an email or a note; it joins the timeline once saved."""

    model = Activity
    verbose_name = "new timeline entry"
    verbose_name_plural = "log a call, email or note"
    fields = ["occurred_at", "kind", "summary", "body"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(kind.value, kind.label) for kind in MANUAL_ACTIVITY_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class TaskInline(OrganizationScopedInline):
    model = Task
    fields = ["title", "assignee", "due_on", "completed_at"]


class ReferralLinkInline(OrganizationScopedInline):
    model = ReferralLink
    fields = ["code", "destination_url", "label", "is_active"]


class PartnershipForm(forms.ModelForm):
    class Meta:
        model = Partnership
        fields = [
            "brand",
            "creator",
            "communities",
            "stage",
            "owner",
            "started_on",
            "ended_on",
            "close_reason",
            "notes",
        ]

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        # A stage change goes through the same rules as the board and the API.
        if self.instance.pk and stage and stage != self.instance.stage:
            refusal = services.partnership_move_refusal(
                partnership=self.instance, to_stage=stage, reason=cleaned.get("close_reason", "")
            )
            if refusal:
                self.add_error("stage", refusal)
        return cleaned


@admin.register(Partnership)
class PartnershipAdmin(OrganizationScopedHistoryAdmin):
    form = PartnershipForm
    list_display = ["creator", "brand", "stage", "owner", "creative_control", "next_task_due", "updated_at"]
    list_filter = ["stage", "brand", "owner"]
    search_fields = ["creator__display_name", "creator__identities__handle", "brand__name"]
    autocomplete_fields = ["creator", "communities"]
    list_select_related = ["creator", "brand", "owner"]
    readonly_fields = ["stage_changed_at", "created_at", "updated_at"]
    inlines = [AgreementInline, DeliverableInline, TaskInline, ReferralLinkInline, NewActivityInline, TimelineInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(next_due=Min("tasks__due_on", filter=Q(tasks__completed_at__isnull=True)))
            .prefetch_related("agreements")
        )

    def get_exclude(self, request, obj=None):
        # A new partnership enters the pipeline in Discovered; later moves follow the rules.
        if obj is None:
            return ["stage", "started_on", "ended_on", "close_reason"]
        return []

    @admin.display(description="creative control")
    def creative_control(self, obj):
        agreements = list(obj.agreements.all())  # prefetched, newest first
        return agreements[0].creative_control_summary if agreements else "—"

    @admin.display(description="next task due", ordering="next_due")
    def next_task_due(self, obj):
        return obj.next_due

    def save_model(self, request, obj, form, change):
        if not change:
            obj.stage = Stage.DISCOVERED
            obj.stage_changed_at = timezone.now()
            super().save_model(request, obj, form, change)
            services.partnership_record_added(partnership=obj, actor=request.user, note=obj.notes)
            return
        new_stage = obj.stage
        moved = "stage" in form.changed_data
        if moved:
            obj.stage = form.initial["stage"]
        super().save_model(request, obj, form, change)
        if moved:
            services.partnership_move(partnership=obj, to_stage=new_stage, actor=request.user, reason=obj.close_reason)

    def save_formset(self, request, form, formset, change):
        # Timeline rows and tasks belong to the partnership's organization, and remember who wrote them.
        for instance in formset.save(commit=False):
            if isinstance(instance, (Activity, Task)):
                instance.organization = form.instance.brand.organization
                instance.creator_id = instance.creator_id or form.instance.creator_id
            if isinstance(instance, Activity) and instance.actor_id is None:
                instance.actor = request.user
            if isinstance(instance, (Task, Agreement)) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Agreement)
class AgreementAdmin(OrganizationScopedHistoryAdmin):
    list_display = [
        "partnership",
        "status",
        "starts_on",
        "ends_on",
        "compensation_type",
        "creator_keeps_editorial_control",
        "brand_review_rights",
        "usage_rights",
    ]
    list_filter = ["status", "compensation_type", "creator_keeps_editorial_control", "brand_review_rights"]
    search_fields = ["partnership__creator__display_name", "partnership__brand__name"]
    list_select_related = ["partnership__creator", "partnership__brand"]
    raw_id_fields = ["renewal_of"]
    readonly_fields = ["created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["partnership", "renewal_of", "status", "starts_on", "ends_on", "signed_on"]}),
        ("Creative control", {"fields": CREATIVE_CONTROL_FIELDS}),
        (
            "Compensation",
            {"fields": ["compensation_type", "compensation_amount", "currency", "affiliate_share_percent"]},
        ),
        (None, {"fields": ["notes", "created_by", "created_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Deliverable)
class DeliverableAdmin(OrganizationScopedAdmin):
    list_display = ["title", "partnership", "kind", "community", "status", "due_on", "published_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "partnership__creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand", "community"]
    autocomplete_fields = ["community"]


@admin.register(Activity)
class ActivityAdmin(OrganizationScopedAdmin):
    list_display = ["occurred_at", "kind", "summary", "partnership", "creator", "actor"]
    list_filter = ["kind", "organization"]
    search_fields = ["summary", "body", "creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand", "creator", "actor"]
    autocomplete_fields = ["creator"]
    readonly_fields = ["actor"]
    date_hierarchy = "occurred_at"

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(kind.value, kind.label) for kind in MANUAL_ACTIVITY_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    # Logged stage changes are the audit trail of the pipeline: nobody rewrites or removes them.
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == ActivityKind.STAGE_CHANGE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind == ActivityKind.STAGE_CHANGE:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.actor = request.user
        super().save_model(request, obj, form, change)


class TaskStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("overdue", "Overdue"), ("done", "Done")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(completed_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(completed_at__isnull=True, due_on__lt=timezone.localdate())
        if self.value() == "done":
            return queryset.filter(completed_at__isnull=False)
        return queryset


@admin.register(Task)
class TaskAdmin(OrganizationScopedAdmin):
    list_display = ["title", "assignee", "due_on", "is_overdue", "completed_at", "partnership", "creator"]
    list_filter = [TaskStateFilter, "assignee"]
    search_fields = ["title", "notes"]
    list_select_related = ["assignee", "partnership__creator", "partnership__brand", "creator"]
    autocomplete_fields = ["creator"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(boolean=True, description="overdue")
    def is_overdue(self, obj):
        return obj.is_overdue

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReferralLink)
class ReferralLinkAdmin(OrganizationScopedAdmin):
    list_display = ["code", "partnership", "label", "destination_url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "label", "partnership__creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand"]


@admin.register(ReferralEvent)
class ReferralEventAdmin(OrganizationScopedAdmin):
    list_display = ["occurred_at", "kind", "link", "amount", "currency", "external_id"]
    list_filter = ["kind"]
    search_fields = ["link__code", "external_id"]
    list_select_related = ["link"]
    raw_id_fields = ["link"]
    date_hierarchy = "occurred_at"


@admin.register(BrandMention)
class BrandMentionAdmin(OrganizationScopedAdmin):
    list_display = [
        "brand",
        "matched_alias",
        "sentiment",
        "in_brand_absence",
        "is_recommendation",
        "community",
        "posted_at",
    ]
    list_filter = ["brand", "brand_took_part", "partner_took_part", "is_recommendation"]
    search_fields = ["matched_alias", "interaction__text"]
    list_select_related = ["brand", "interaction__community"]
    raw_id_fields = ["interaction"]

    @admin.display(boolean=True, description="in the brand's absence")
    def in_brand_absence(self, obj):
        return obj.in_brand_absence

    @admin.display(description="community")
    def community(self, obj):
        return obj.interaction.community.name

    @admin.display(description="posted", ordering="interaction__posted_at")
    def posted_at(self, obj):
        return obj.interaction.posted_at


# --- An organization's own view of creators, and its requests to track communities ------------
@admin.register(CreatorNote)
class CreatorNoteAdmin(OrganizationScopedHistoryAdmin):
    """Our notes on a creator: the organization's own record (creators themselves are shared and
    changed by operators only). Owners and managers write them, viewers read them, other
    organizations never see them; a suspected bot here changes no ranking."""

    list_display = ["creator", "organization", "not_a_fit", "suspected_bot", "updated_at"]
    list_filter = ["not_a_fit", "suspected_bot", "organization"]
    search_fields = ["creator__display_name", "note", "bot_reason"]
    list_select_related = ["creator", "organization"]
    autocomplete_fields = ["creator"]
    fields = ["organization", "creator", "note", "not_a_fit", "suspected_bot", "bot_reason", "created_by",
              "created_at", "updated_at"]  # fmt: skip
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        # Who wrote it, unless it is someone the viewer may not know of (an operator, say).
        hidden = set() if obj is None or may_name(request, obj.created_by) else {"created_by"}
        return [name for name in self.fields if name not in hidden]

    def get_readonly_fields(self, request, obj=None):
        # A note stays one organization's note on one creator: another creator gets a note of its own.
        return [*self.readonly_fields, "organization", "creator"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = creator_note_save(
            organization=obj.organization, creator=obj.creator, actor=request.user, note=obj.note,
            not_a_fit=obj.not_a_fit, suspected_bot=obj.suspected_bot, bot_reason=obj.bot_reason,
        )  # fmt: skip
        obj.pk, obj._state.adding = saved.pk, False


class CommunityRequestForm(forms.ModelForm):
    class Meta:
        model = CommunityRequest
        fields = ["organization", "platform", "external_id", "reason"]

    def clean(self):
        cleaned = super().clean()
        organization, platform, external_id = (cleaned.get(n) for n in ("organization", "platform", "external_id"))
        if organization and platform and external_id:
            try:
                cleaned["external_id"] = community_request_check(
                    organization=organization, platform=platform, external_id=external_id
                )
            except ValidationError as refusal:
                self.add_error(None, refusal)
        return cleaned


@admin.register(CommunityRequest)
class CommunityRequestAdmin(OrganizationScopedHistoryAdmin):
    """Owners and managers ask for a community to be tracked, and follow its status; operators
    approve (the community is created or found, and tracked) or decline with a reason. A request
    is never edited: withdrawn (deleted) while open, or decided (partnerships/community_requests.py)."""

    form = CommunityRequestForm
    list_display = ["external_id", "platform", "organization", "status", "requested_at", "decided_at", "tracked"]
    list_filter = ["status", "platform", "organization"]
    search_fields = ["external_id", "reason"]
    list_select_related = ["organization", "community"]
    actions = ["approve", "decline"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return CommunityRequestForm.Meta.fields
        # Which operator decided (or asked, for an organization) is the operators' business: the
        # organization reads the decision.
        people = [name for name in ("requested_by", "decided_by") if may_name(request, getattr(obj, name))]
        return [*CommunityRequestForm.Meta.fields, "status", "decision_note", "tracked", *people, "requested_at",
                "decided_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # nothing is edited; operators decide through the actions

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        open_request = obj is None or obj.status == RequestStatus.REQUESTED
        return open_request and tenancy.can_edit(request.user, obj)  # withdrawn while open

    def has_decide_permission(self, request):
        return request.user.is_superuser

    @admin.display(description="community")
    def tracked(self, obj):
        if obj.community_id is None:
            return "—"
        url = reverse("admin:influencers_community_change", args=[obj.community_id])
        return format_html('<a href="{}">{}</a>', url, obj.community.name)

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = community_request_create(
            organization=obj.organization, platform=obj.platform, external_id=obj.external_id, reason=obj.reason,
            actor=request.user,
        )  # fmt: skip
        obj.pk, obj._state.adding = saved.pk, False

    @admin.action(description="Approve: track the selected communities", permissions=["decide"])
    def approve(self, request, queryset):
        for item in queryset.filter(status=RequestStatus.REQUESTED):
            try:
                community = community_request_approve(request=item, actor=request.user)
            except ValidationError as refusal:
                self.message_user(request, f"{item}: {' '.join(refusal.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{community} is tracked now.", messages.SUCCESS)

    @admin.action(description="Decline the selected requests…", permissions=["decide"])
    def decline(self, request, queryset):
        return decline_requests_page(
            self, request, queryset.filter(status=RequestStatus.REQUESTED).select_related("organization"),
            decline=community_request_decline, title="Decline community requests",
            describe=lambda item: f"{item.external_id} ({item.get_platform_display()}), asked by "
            f"{item.organization.name}: {item.reason}",
        )  # fmt: skip
