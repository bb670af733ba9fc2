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
    DeliverableStatus,
    Partnership,
    ReferralEvent,
    ReferralEventKind,
    ReferralLink,
    RequestStatus,
    Task,
)
from partnerships.outreach import admin as outreach_admin  # noqa: F401 (registers senders, templates, messages)
from partnerships.payments import admin as payments_admin  # noqa: F401 (registers the ledger, read-only)
from partnerships.readiness import SPEAKING, refusal
from partnerships.referrals import (
    CORRECTABLE,
    LINK_FIELDS,
    referral_event_check,
    referral_event_correct,
    referral_event_record,
    referral_link_create,
    referral_link_update,
)
from partnerships.services.agreements import refuse_changes_to_signed_terms

CREATIVE_CONTROL_FIELDS = list(Agreement.CREATIVE_CONTROL_FIELDS)


class CommunityStanceForm(forms.ModelForm):
    """The admin moves stances under the same rule as the pages: speaking needs readiness."""

    class Meta:
        model = CommunityStance
        fields = ["community", "stance", "notes"]

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
    """Set through ``community_stance_set`` (BrandAdmin.save_formset), which dates a new stance."""

    model = CommunityStance
    form = CommunityStanceForm
    fields = ["community", "stance", "since", "notes"]
    readonly_fields = ["since"]
    autocomplete_fields = ["community"]


class NameListField(forms.CharField):
    """A brand's aliases or product terms, edited one per line (stored as a list): the rules of
    ``brand_names_clean`` come back beside the field."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, list_field: str, **kwargs):
        self.list_field = list_field
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One per line, as members write it.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return (super().to_python(value) or "").splitlines()

    def validate(self, value):
        pass  # an empty list is allowed; the rules are applied in clean()

    def clean(self, value):
        names = self.to_python(value)
        try:
            return services.brand_names_clean(names, field=self.list_field)
        except ValidationError as refused:
            raise ValidationError(refused.message_dict[self.list_field]) from None

    def has_changed(self, initial, data):
        try:
            return list(initial or []) != self.clean(data)
        except ValidationError:
            return True


class BrandForm(forms.ModelForm):
    aliases = NameListField(list_field="aliases", help_text="Other names members use for the brand, one per line.")
    product_terms = NameListField(
        list_field="product_terms", help_text="Product names that count as mentions of the brand, one per line."
    )

    class Meta:
        model = Brand
        fields = ["organization", "name", "slug", "aliases", "product_terms", "website", "official_identities"]


@admin.register(Brand)
class BrandAdmin(OrganizationScopedAdmin):
    """Created through ``brand_create`` and changed through ``brand_update``, which measure the
    brand again when what counts as its mention changes; its organization stays."""

    form = BrandForm
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

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None else {}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.brand_create(
                organization=data["organization"], actor=request.user, name=data["name"], slug=data["slug"],
                aliases=data["aliases"], product_terms=data["product_terms"], website=data.get("website", ""),
                official_identities=data.get("official_identities", ()),
            )  # fmt: skip
            _became(obj, saved)
            return
        brand = Brand.objects.select_related("organization").get(pk=obj.pk)
        changes = {name: data[name] for name in form.changed_data if name in services.BRAND_CHANGEABLE}
        if changes:
            services.brand_update(brand=brand, actor=request.user, **changes)
        _became(obj, brand)

    def save_related(self, request, form, formsets, change):
        # The brand's own accounts were set by the service; only the stances are saved here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not CommunityStance:
            return super().save_formset(request, form, formset, change)
        changed = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for stance in changed:
            moved = stance.pk and CommunityStance.objects.filter(pk=stance.pk).exclude(community=stance.community)
            if moved:  # the row now names another community: that community's stance, this one's gone
                moved.delete()
            services.community_stance_set(
                brand=form.instance, community=stance.community, stance=stance.stance, notes=stance.notes
            )


# --- Partnerships and what hangs off them ------------------------------------------------
#
# One write path: every change made here goes through the service the pages and the API call
# (partnerships/services), so it is validated, audited (history, timeline) and told to webhooks
# the same way. What no service changes is shown read-only, with a link to where it is changed.
# The forms check what the services would refuse, so a refusal comes back as a form error.


class ReadOnlyInline(OrganizationScopedInline):
    """Shown on the partnership's admin page, changed on its own admin page (linked) or the
    partnership's page, both of which go through the services."""

    show_change_link = True
    can_delete = False
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AgreementInline(ReadOnlyInline):
    model = Agreement
    fields = ["status", "starts_on", "ends_on", "compensation_type", *CREATIVE_CONTROL_FIELDS]


class DeliverableInline(ReadOnlyInline):
    model = Deliverable
    fields = ["title", "kind", "community", "status", "due_on", "published_at", "url"]


# What a manager may log by hand; stage changes, agreements and deliverables log themselves.
MANUAL_ACTIVITY_KINDS = list(services.LOGGED_KINDS)


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


class ActivityForm(forms.ModelForm):
    """What ``activity_log`` refuses, refused on the form."""

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data.get("occurred_at")
        if occurred_at is not None and occurred_at > timezone.now():
            raise ValidationError("This has not happened yet: add a task for it instead.")
        return occurred_at


class NewActivityInline(OrganizationScopedInline):
    """Log a call, an email or a note; it joins the timeline once saved (through ``activity_log``)."""

    model = Activity
    form = ActivityForm
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


class TaskInline(ReadOnlyInline):
    model = Task
    fields = ["title", "assignee", "due_on", "completed_at"]


class ReferralLinkInline(OrganizationScopedInline):
    model = ReferralLink
    fields = ["code", "destination_url", "label", "is_active"]


def _refuse_outsider(form, field: str, organization) -> None:
    """The service's own check, run while the form can still say so beside the field."""
    try:
        services.require_organization_member(organization, form.cleaned_data.get(field), field)
    except ValidationError as refusal:
        form.add_error(None, refusal)


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
        brand = cleaned.get("brand") or (self.instance.brand if self.instance.brand_id else None)
        if "owner" in self.changed_data and brand is not None:
            _refuse_outsider(self, "owner", brand.organization)
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

    def get_readonly_fields(self, request, obj=None):
        # A partnership stays one brand's with one creator; its dates are set by its moves.
        if obj is None:
            return self.readonly_fields
        return ["brand", "creator", "started_on", "ended_on", *self.readonly_fields]

    @admin.display(description="creative control")
    def creative_control(self, obj):
        agreements = list(obj.agreements.all())  # prefetched, newest first
        return agreements[0].creative_control.summary if agreements else "—"

    @admin.display(description="next task due", ordering="next_due")
    def next_task_due(self, obj):
        return obj.next_due

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.partnership_create(
                brand=obj.brand, creator=obj.creator, actor=request.user, owner=obj.owner,
                communities=data.get("communities", ()), note=obj.notes, notes=obj.notes,
            )  # fmt: skip
            _became(obj, saved)
            return
        partnership = Partnership.objects.select_related("brand__organization", "creator").get(pk=obj.pk)
        changes = {
            name: data[name] for name in ("owner", "notes", "close_reason", "communities") if name in form.changed_data
        }
        if changes:
            services.partnership_update(partnership=partnership, actor=request.user, **changes)
        if "stage" in form.changed_data:
            services.partnership_move(
                partnership=partnership, to_stage=data["stage"], actor=request.user, reason=data.get("close_reason", "")
            )
        _became(obj, partnership)

    def save_formset(self, request, form, formset, change):
        # New timeline entries and referral links go through their services; a link's label, destination
        # and whether it is active are edited in place (no service changes them, nothing is told).
        for entry in formset.save(commit=False):
            if isinstance(entry, Activity):
                services.activity_log(
                    partnership=form.instance, actor=request.user, kind=entry.kind, summary=entry.summary,
                    body=entry.body, occurred_at=entry.occurred_at,
                )  # fmt: skip
            elif isinstance(entry, ReferralLink) and entry._state.adding:
                referral_link_create(
                    partnership=form.instance, code=entry.code, destination_url=entry.destination_url,
                    label=entry.label, is_active=entry.is_active,
                )  # fmt: skip
            else:
                entry.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


def _became(obj, saved) -> None:
    """Make the admin's object the record a service saved (the admin goes on to name and link it)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["partnership", "renewal_of", *Agreement.TERM_FIELDS]

    def clean(self):
        cleaned = super().clean()
        renewal_of, partnership = cleaned.get("renewal_of"), cleaned.get("partnership")
        if renewal_of is not None and partnership is not None and renewal_of.partnership_id != partnership.pk:
            self.add_error("renewal_of", "This agreement belongs to another partnership.")
        if self.instance.pk is not None:
            # A signed agreement's terms never change (a change is a new version): refused here, on
            # the form and naming each term, not by the service after the form said yes (a 500).
            stored = Agreement.objects.get(pk=self.instance.pk)
            changes = {
                name: cleaned[name] for name in self.changed_data if name in Agreement.TERM_FIELDS and name in cleaned
            }
            try:
                refuse_changes_to_signed_terms(stored, changes)
            except ValidationError as refusal:
                for name, messages_ in refusal.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages_)
        return cleaned


@admin.register(Agreement)
class AgreementAdmin(OrganizationScopedHistoryAdmin):
    """Written through ``agreement_create`` and changed through ``agreement_update_terms``: a change
    of creative control here is in the timeline and told to webhooks, as on the page and the API."""

    form = AgreementForm
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

    def get_readonly_fields(self, request, obj=None):
        # An agreement stays the partnership's, and what it renewed stays what it renewed.
        return self.readonly_fields if obj is None else ["partnership", "renewal_of", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            terms = {name: data[name] for name in services.TERM_FIELDS if name in data}
            saved = services.agreement_create(
                partnership=data["partnership"], renewal_of=data.get("renewal_of"), actor=request.user, **terms
            )
            _became(obj, saved)
            return
        agreement = Agreement.objects.select_related("partnership__brand__organization").get(pk=obj.pk)
        changes = {name: data[name] for name in form.changed_data if name in services.TERM_FIELDS}
        services.agreement_update_terms(agreement=agreement, actor=request.user, **changes)
        _became(obj, agreement)


class DeliverableForm(forms.ModelForm):
    """What ``deliverable_plan`` and ``deliverable_set_status`` refuse, refused on the form."""

    class Meta:
        model = Deliverable
        fields = ["partnership", "agreement", "title", "kind", "community", "status", "due_on", "published_at", "url",
                  "notes"]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        partnership = cleaned.get("partnership") or getattr(self.instance, "partnership", None)
        agreement = cleaned.get("agreement")
        if agreement is not None and partnership is not None and agreement.partnership_id != partnership.pk:
            self.add_error("agreement", "This agreement belongs to another partnership.")
        published_at = cleaned.get("published_at")
        if published_at is not None and published_at > timezone.now():
            self.add_error("published_at", "It cannot have been published in the future.")
        if published_at is not None and cleaned.get("status", self.instance.status) != DeliverableStatus.PUBLISHED:
            self.add_error("published_at", "Only a published deliverable has a publication date.")
        return cleaned


@admin.register(Deliverable)
class DeliverableAdmin(OrganizationScopedAdmin):
    """Planned through ``deliverable_plan``; moved on (status, link, publication date) through
    ``deliverable_set_status``. What it is and where stays as planned."""

    form = DeliverableForm
    list_display = ["title", "partnership", "kind", "community", "status", "due_on", "published_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "partnership__creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand", "community"]
    autocomplete_fields = ["community"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["partnership", "agreement", "title", "kind", "community", "due_on", "notes"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            deliverable = services.deliverable_plan(
                partnership=data["partnership"], actor=request.user, title=data["title"], kind=data["kind"],
                community=data.get("community"), due_on=data.get("due_on"), agreement=data.get("agreement"),
                notes=data.get("notes", ""),
            )  # fmt: skip
        else:
            deliverable = Deliverable.objects.select_related("partnership__brand__organization").get(pk=obj.pk)
        moved_on = {"status", "url", "published_at"} & set(form.changed_data)
        if moved_on and (change or data["status"] != DeliverableStatus.PLANNED or data.get("url")):
            services.deliverable_set_status(
                deliverable=deliverable, actor=request.user, status=data["status"], url=data.get("url", ""),
                published_at=data.get("published_at"),
            )  # fmt: skip
        _became(obj, deliverable)


@admin.register(Activity)
class ActivityAdmin(OrganizationScopedAdmin):
    """The timeline. An entry is logged through ``activity_log``; once logged it is what happened,
    shown read-only (a mistaken note is deleted; stage changes, the pipeline's audit, are not)."""

    form = ActivityForm
    list_display = ["occurred_at", "kind", "summary", "partnership", "creator", "actor"]
    list_filter = ["kind", "organization"]
    search_fields = ["summary", "body", "creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand", "creator", "actor"]
    fields = ["partnership", "occurred_at", "kind", "summary", "body"]
    date_hierarchy = "occurred_at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return ["organization", "partnership", "creator", "occurred_at", "kind", "summary", "body", "actor",
                "from_stage", "to_stage"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["partnership"].required = True  # what the entry is about
        return form

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [(kind.value, kind.label) for kind in MANUAL_ACTIVITY_KINDS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    # Logged stage changes are the audit trail of the pipeline: nobody opens them for change or removes them.
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == ActivityKind.STAGE_CHANGE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind == ActivityKind.STAGE_CHANGE:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only: nothing to write
        data = form.cleaned_data
        saved = services.activity_log(
            partnership=data["partnership"], actor=request.user, kind=data["kind"], summary=data["summary"],
            body=data.get("body", ""), occurred_at=data.get("occurred_at"),
        )  # fmt: skip
        _became(obj, saved)


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


class TaskForm(forms.ModelForm):
    """A task about a partnership, for one of its organization's members; marked done once."""

    done = forms.BooleanField(required=False, help_text="Marked done now (a done task stays done).")

    class Meta:
        model = Task
        fields = ["partnership", "title", "notes", "assignee", "due_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.completed_at is not None:
            self.fields["done"].initial = True
            self.fields["done"].disabled = True

    def clean(self):
        cleaned = super().clean()
        partnership = cleaned.get("partnership")
        if partnership is not None and "assignee" in self.fields:
            _refuse_outsider(self, "assignee", partnership.brand.organization)
        return cleaned


@admin.register(Task)
class TaskAdmin(OrganizationScopedAdmin):
    """Created through ``task_create`` and marked done through ``task_complete`` (which notes it in
    the timeline); what the task is stays as written."""

    form = TaskForm
    list_display = ["title", "assignee", "due_on", "is_overdue", "completed_at", "partnership", "creator"]
    list_filter = [TaskStateFilter, "assignee"]
    search_fields = ["title", "notes"]
    list_select_related = ["assignee", "partnership__creator", "partnership__brand", "creator"]
    readonly_fields = ["created_by", "created_at", "completed_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["partnership", "title", "notes", "assignee", "due_on", "done"]
        return ["partnership", "creator", "title", "notes", "assignee", "due_on", "done", "completed_at", "created_by",
                "created_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["partnership", "creator", "title", "notes", "assignee", "due_on", *self.readonly_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["partnership"].required = True  # task_create: a task is about a partnership
        return form

    @admin.display(boolean=True, description="overdue")
    def is_overdue(self, obj):
        return obj.is_overdue

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            task = services.task_create(
                partnership=data["partnership"], actor=request.user, title=data["title"], due_on=data.get("due_on"),
                assignee=data.get("assignee"), notes=data.get("notes", ""),
            )  # fmt: skip
        else:
            task = Task.objects.select_related("partnership__creator").get(pk=obj.pk)
        if data.get("done") and task.completed_at is None:
            services.task_complete(task=task, actor=request.user)
        _became(obj, task)


@admin.register(ReferralLink)
class ReferralLinkAdmin(OrganizationScopedAdmin):
    """Created through ``referral_link_create``, changed through ``referral_link_update``; a link's
    code and partnership stay (the code is in the creator's posts)."""

    list_display = ["code", "partnership", "label", "destination_url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "label", "partnership__creator__display_name"]
    list_select_related = ["partnership__creator", "partnership__brand"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "partnership"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            link = ReferralLink.objects.select_related("partnership__brand__organization").get(pk=obj.pk)
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in LINK_FIELDS}
            if changes:
                referral_link_update(link=link, actor=request.user, **changes)
            _became(obj, link)
            return
        link = referral_link_create(
            partnership=obj.partnership, code=obj.code, destination_url=obj.destination_url, label=obj.label,
            is_active=obj.is_active,
        )  # fmt: skip
        _became(obj, link)


REPORTED_KINDS = [(kind, label) for kind, label in ReferralEventKind.choices if kind != ReferralEventKind.CLICK]


class ReferralEventForm(forms.ModelForm):
    """A sign-up or sale the brand reported, entered or corrected by hand: the rules of the API
    and the CSV import (``referral_event_check``), each refusal beside its field. Clicks come only
    through the link itself."""

    kind = forms.ChoiceField(choices=REPORTED_KINDS)
    organization_ids: set[int] = set()  # where the person entering it may edit (set per request)

    class Meta:
        model = ReferralEvent
        fields = ["link", "kind", "occurred_at", "external_id", "amount", "currency"]

    def chosen_link(self) -> ReferralLink | None:
        return self.cleaned_data.get("link") if "link" in self.fields else self.instance.link

    def reported(self) -> dict:
        """The event as the brand would report it through the API."""
        data, link = self.cleaned_data, self.chosen_link()
        amount = data.get("amount")
        return {
            "code": link.code if link else "", "kind": data.get("kind") or "",
            "occurred_at": data["occurred_at"].isoformat() if data.get("occurred_at") else "",
            "external_id": data.get("external_id") or "", "amount": "" if amount is None else str(amount),
            "currency": data.get("currency") or "",
        }  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            referral_event_check(organization_ids=self.organization_ids, data=self.reported())
        except ValidationError as refused:
            for field, messages_ in refused.message_dict.items():
                self.add_error("link" if field == "code" else field, messages_)
            return cleaned
        # A correction may not take an id the link has for another event (referral_event_correct
        # refuses it too); a new one recorded already is no error: the admin says so, as the API does.
        if self.instance.pk is not None:
            key = {"link": self.instance.link, "kind": cleaned["kind"], "external_id": cleaned["external_id"].strip()}
            if ReferralEvent.objects.filter(**key).exclude(pk=self.instance.pk).exists():
                self.add_error("external_id", f"{key['external_id']} is recorded already for this link and kind.")
        return cleaned

    def _post_clean(self):
        pass  # the rules are the service's (above); the unsaved instance is not validated twice


@admin.register(ReferralEvent)
class ReferralEventAdmin(OrganizationScopedAdmin):
    """Sign-ups and sales entered here are recorded through ``referral_event_record`` and corrected
    through ``referral_event_correct``, under the rules of the API and the CSV import; the link of
    a recorded event stays, and clicks (counted by the link itself) are read-only."""

    form = ReferralEventForm
    list_display = ["occurred_at", "kind", "link", "amount", "currency", "external_id"]
    list_filter = ["kind"]
    search_fields = ["link__code", "external_id"]
    list_select_related = ["link"]
    raw_id_fields = ["link"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == ReferralEventKind.CLICK:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["link"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.organization_ids = tenancy.organization_ids_for(request.user, editable=True)
        return form

    def save_model(self, request, obj, form, change):
        if change:
            event = ReferralEvent.objects.select_related("link__partnership__brand__organization").get(pk=obj.pk)
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in CORRECTABLE}
            if changes:
                referral_event_correct(event=event, actor=request.user, **changes)
            _became(obj, event)
            return
        event, created = referral_event_record(organization_ids=form.organization_ids, data=form.reported())
        if not created:
            said = f"{event.get_kind_display()} {event.external_id} was recorded already: nothing added."
            messages.info(request, said)
        _became(obj, event)


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
