"""Admin base classes that apply organization scoping and roles (see crm/tenancy.py).

A manager sees and edits only their own organizations' CRM records; a viewer sees them read-only;
shared discovery data is readable by every member and changed by operators only. Choices in forms
are scoped too, so a crafted POST cannot attach a record to another organization's brand or
partnership, and a crafted URL (``?renewal_of=1``, a raw-id widget's label) cannot name one.
Who changed what is shown only to those it concerns: people outside the viewer's organizations
are not named, and the history of shared records is the operators'.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from crm import tenancy
from crm.models import OrganizationMember


def _is_tenant_model(model: type[Model] | None) -> bool:
    """Users, or records that belong to an organization: what one tenant must not learn of another's."""
    return model is not None and (model is get_user_model() or tenancy.organization_lookup_of(model) is not None)


def reaches_tenant_data(model: type[Model], path: str) -> bool:
    """Does a lookup path (``partnerships__isnull``, ``identities__creator__tasks``) pass through
    users or any organization's records? Forward and reverse relations alike; the parts after the
    last relation (``isnull``, ``icontains``) are lookups and end the walk."""
    for part in path.lstrip("-^=@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation:
            return False
        related = field.related_model
        if related is None:  # a generic relation: could be anything
            return True
        if _is_tenant_model(related):
            return True
        model = related
    return False


class _ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id widget that names the chosen record only if it is one of the field's choices.

    Django's widget looks the id up in the whole table and prints its name and a link: with
    ``?renewal_of=1`` in the URL, or after a POST with someone else's id, it would name another
    organization's agreement. Here the id stays in the box, unnamed, and the form refuses it."""

    def __init__(self, widget: ForeignKeyRawIdWidget, queryset):
        super().__init__(widget.rel, widget.admin_site, attrs=widget.attrs, using=widget.db)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            allowed = self.queryset.filter(**{key: value}).exists()
        except (TypeError, ValueError, ValidationError):
            allowed = False
        return super().label_and_url_for_value(value) if allowed else ("", "")


def _scoped_choices(db_field, request, queryset):
    """Limit a relation's choices to what the user may attach records to."""
    user = request.user
    related = db_field.related_model
    if user.is_superuser:
        return queryset
    if related is get_user_model():
        # People to assign or own things: colleagues in the user's organizations.
        return queryset.filter(
            organization_memberships__organization_id__in=tenancy.organization_ids_for(user)
        ).distinct()
    if tenancy.organization_lookup_of(related) is not None:
        return tenancy.scope_to_user(queryset, user, editable=True)
    return queryset


class ScopedFormfieldsMixin:
    """Every relation's choices, and whatever names a chosen record (the raw-id widget's label, an
    autocomplete's selected option, an initial value from the query string), come from the scoped
    queryset: a record the user may not pick is never named."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            # The setter also gives the widget (a select, an autocomplete) the scoped choices.
            field.queryset = _scoped_choices(db_field, request, field.queryset)
            if isinstance(field.widget, ForeignKeyRawIdWidget):
                field.widget = _ScopedRawIdWidget(field.widget, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scoped_choices(db_field, request, field.queryset)
        return field


def _is_private_relation(model, path: str) -> bool:
    """Does a list-filter path end at users or at another organization's records?"""
    try:
        field = get_fields_from_path(model, path)[-1]
    except Exception:  # not a model field path (a method, a custom filter): leave it alone
        return False
    return _is_tenant_model(getattr(field, "related_model", None))


def _stand_in(person):
    """An unsaved user to show instead of ``person``: says what they are, not who."""
    label = "an operator" if person.is_superuser else "someone outside your organizations"
    return get_user_model()(username=f"({label})")


def _colleague_ids(request) -> set[int] | None:
    """Ids of the people in the viewer's organizations (None for operators, who see everyone)."""
    if request.user.is_superuser:
        return None
    if not hasattr(request, "_colleague_ids"):
        organizations = tenancy.organization_ids_for(request.user)
        request._colleague_ids = set(
            OrganizationMember.objects.filter(organization_id__in=organizations).values_list("user_id", flat=True)
        )
    return request._colleague_ids


def may_name(request, person) -> bool:
    """May the viewer learn who ``person`` is (a colleague, or anyone for an operator)?"""
    colleagues = _colleague_ids(request)
    return colleagues is None or person is None or person.pk in colleagues


def _shown(request, person):
    """``person``, or a stand-in if the viewer may not learn who they are."""
    if not isinstance(person, get_user_model()) or may_name(request, person):
        return person
    return _stand_in(person)


def hide_outsiders(request, records, attribute: str) -> None:
    """Replace, on each of ``records`` (in memory), the person in ``attribute`` by a stand-in when
    they are not a member of one of the viewer's organizations: a record's history must not tell
    one organization the names of another's people, nor of the operators (whose account names
    are the most worth guessing passwords for)."""
    for record in records:
        person = getattr(record, attribute)
        if person is not None:
            setattr(record, attribute, _shown(request, person))


class _HistoryChangesWithoutOutsiders(HistoricalRecordContextHelper):
    """simple-history's "Changes" column, where a changed user field (an owner, who decided)
    names the people the viewer may know and a stand-in for the others."""

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def prepare_delta_change_value(self, change, value):
        return _shown(self.request, super().prepare_delta_change_value(change, value))


class OrganizationScopedAdmin(ScopedFormfieldsMixin, admin.ModelAdmin):
    """For CRM records: rows of the user's organizations only; editors change, viewers look."""

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context=extra_context)
        context = getattr(response, "context_data", None) or {}
        if "action_list" in context:  # Django's own history (simple-history's: render_history_view)
            hide_outsiders(request, context["action_list"], "user")
        return response

    def get_list_filter(self, request):
        # A plain related filter lists every brand or user in the database, other tenants'
        # included: offer only the ones that appear in this user's own rows.
        return [
            (item, admin.RelatedOnlyFieldListFilter)
            if isinstance(item, str) and _is_private_relation(self.model, item)
            else item
            for item in super().get_list_filter(request)
        ]

    def get_queryset(self, request):
        return tenancy.scope_to_user(super().get_queryset(request), request.user)

    def has_module_permission(self, request):
        return tenancy.can_view(request.user)

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user, obj)

    def has_add_permission(self, request):
        return tenancy.can_edit(request.user)

    def has_change_permission(self, request, obj=None):
        return tenancy.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return tenancy.can_edit(request.user, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # Most people work in one organization: preselect it.
        if "organization" in {f.name for f in self.model._meta.fields}:
            editable = tenancy.organization_ids_for(request.user, editable=True)
            if len(editable) == 1:
                initial.setdefault("organization", next(iter(editable)))
        return initial


class OrganizationScopedInline(ScopedFormfieldsMixin, admin.TabularInline):
    """Inline rows follow the permissions of the parent object they are shown in."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return tenancy.can_edit(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return tenancy.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return tenancy.can_edit(request.user, obj)


class SharedDataAdmin(ScopedFormfieldsMixin, admin.ModelAdmin):
    """For discovery data every organization shares (communities, creators, identities,
    interactions, rankings).

    Every member reads it; only operators (superusers) add, change or delete it, and run the
    actions that change it (linking accounts, ranking now). It is everyone's: a manager who could
    rename a creator, flag another brand's partner as a bot or track a community with the
    operator's credentials would be changing every organization's data. An organization's own view
    of a creator is its own record (partnerships.CreatorNote); a community to track is a request
    an operator approves (partnerships.CommunityRequest).

    Nor does the shared list tell one organization about another's pipeline: a query parameter
    that filters through users or any organization's records (``?partnerships__isnull=False``) is
    refused (400) for non-operators, and such filters and search fields are not offered to them.
    """

    def has_module_permission(self, request):
        return tenancy.can_view(request.user)

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def lookup_allowed(self, lookup, value, request=None):
        operator = request is not None and request.user.is_superuser
        if not operator and reaches_tenant_data(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [item for item in filters if not (isinstance(item, str) and reaches_tenant_data(self.model, item))]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if request.user.is_superuser:
            return fields
        return [name for name in fields if not reaches_tenant_data(self.model, name)]

    def history_view(self, request, object_id, extra_context=None):
        """Operators only. Only operators change shared records, so its history names operators
        (or, from before, other organizations' managers) and says when each organization's people
        looked after which creator: nothing a member needs, and everything an outsider should not
        learn. Anonymising the names would still tell the edits and their timing."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # No History button that only leads members to a refusal (templates/admin/change_form_object_tools.html).
        extra_context = {**(extra_context or {}), "hide_history": not request.user.is_superuser}
        return super().change_view(request, object_id, form_url, extra_context=extra_context)


class SharedDataInline(admin.TabularInline):
    """Shared rows shown inside a shared record: read by members, changed by operators."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user)

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class OrganizationScopedHistoryAdmin(OrganizationScopedAdmin, SimpleHistoryAdmin):
    """Scoped admin with an audit trail (who changed which field, when, old → new).

    simple-history looks deleted objects up in their history; for another organization's object
    that would answer 403 and so reveal that it exists. Outside the user's scope it is 404.
    """

    def _check_in_scope(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists() and not request.user.is_superuser:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        # simple-history lets anyone who may view post its "revert" form: only editors may.
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, unquote(object_id))
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return _HistoryChangesWithoutOutsiders(self.model, historical_record, request=request)

    def render_history_view(self, request, template, context, **kwargs):
        # The list of versions (a single version's page, which renders here too, names nobody).
        hide_outsiders(request, context.get("page_obj", ()), "history_user")
        return super().render_history_view(request, template, context, **kwargs)


# --- the index's "Recent actions" ------------------------------------------------------------
RECENT_ACTIONS_LOOKED_AT = 50  # the user's newest log entries considered for the box's ten


def scoped_log_entries(site: admin.AdminSite):
    """``AdminSite.get_log_entries`` for ``site``: the user's own log entries about records they
    may still see, under the name the record has now.

    Django's box lists the user's entries with the name each record had then: after leaving an
    organization (or after a creator is erased) it would go on naming that organization's
    partnerships (or the person). An entry is shown only if the record is in the user's admin
    queryset now and still has the name the entry keeps; deletions, records of models the user
    cannot open and renamed records are left out. Operators see their entries as Django shows
    them. Lazy: only the index page reads it (about one query per kind of record in the box).
    """

    def get_log_entries(request):
        entries = LogEntry.objects.select_related("content_type", "user")
        if request.user.is_superuser:
            return entries
        return SimpleLazyObject(lambda: entries.filter(pk__in=_visible_entry_ids(site, request)))

    return get_log_entries


def _visible_entry_ids(site: admin.AdminSite, request) -> list[int]:
    newest = LogEntry.objects.filter(user=request.user).select_related("content_type")
    by_model = defaultdict(list)
    for entry in newest.order_by("-action_time")[:RECENT_ACTIONS_LOOKED_AT]:
        model = entry.content_type.model_class() if entry.content_type else None
        by_model[model].append(entry)
    visible = []
    for model, entries in by_model.items():
        model_admin = site._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request):
            continue
        try:
            records = model_admin.get_queryset(request).filter(pk__in={entry.object_id for entry in entries})
            names = {str(record.pk): str(record)[:200] for record in records}
        except (TypeError, ValueError, ValidationError):  # an object id that is no id of this model
            continue
        visible += [entry.pk for entry in entries if names.get(entry.object_id) == entry.object_repr]
    return visible


def decline_requests_page(model_admin, request, open_requests, *, decline, describe, title: str):
    """The "Decline…" action of requests operators decide (community tracking, erasure): a page
    asking why first (the organizations that asked read it), then ``decline(request=, actor=,
    reason=)`` for each open request on its button."""
    reason = request.POST.get("decision_note", "").strip()
    if request.POST.get("confirmed") == "yes" and reason:
        declined = [decline(request=item, actor=request.user, reason=reason) for item in open_requests]
        model_admin.message_user(request, f"Declined {len(declined)} request(s).", messages.SUCCESS)
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "requests": [{"pk": item.pk, "described": describe(item)} for item in open_requests],
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        "missing_reason": request.POST.get("confirmed") == "yes",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/decline_requests.html", context)
