"""Admin base classes that apply organization scoping and roles (see crm/tenancy.py).

A manager sees and edits only their own organizations' CRM records; a viewer sees them read-only;
shared discovery data is readable by every member. Choices in forms are scoped too, so a crafted
POST cannot attach a record to another organization's brand or partnership.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from crm import tenancy


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
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _scoped_choices(db_field, request, field.queryset)
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
    related = getattr(field, "related_model", None)
    return related is not None and (related is get_user_model() or tenancy.organization_lookup_of(related) is not None)


class OrganizationScopedAdmin(ScopedFormfieldsMixin, admin.ModelAdmin):
    """For CRM records: rows of the user's organizations only; editors change, viewers look."""

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
    """For discovery data every organization shares (communities, creators, interactions...).

    Every member reads it. ``editable_by_members`` lets owners and managers curate it (a creator's
    name, a community's norms); imported facts (interactions, rankings) are read-only except to
    operators. Deleting shared data is for operators only: it is everyone's.
    """

    editable_by_members = False

    def has_module_permission(self, request):
        return tenancy.can_view(request.user)

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser or (self.editable_by_members and tenancy.can_edit(request.user))

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or (self.editable_by_members and tenancy.can_edit(request.user))

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SharedDataInline(admin.TabularInline):
    extra = 0

    def has_view_permission(self, request, obj=None):
        return tenancy.can_view(request.user)

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser or tenancy.can_edit(request.user)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or tenancy.can_edit(request.user)

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
