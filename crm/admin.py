from django.contrib import admin
from django.db.models import Count

from crm import tenancy
from crm.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline, scoped_log_entries
from crm.models import Organization, OrganizationMember


class MemberInline(OrganizationScopedInline):
    model = OrganizationMember
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["user"]

    # Who belongs to an organization, and with which role, is the owner's decision.
    def has_add_permission(self, request, obj=None):
        return obj is not None and tenancy.is_owner(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return obj is not None and tenancy.is_owner(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and tenancy.is_owner(request.user, obj)


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    list_display = ["name", "slug", "require_observation_before_outreach", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser or bool(tenancy.organization_ids_for(request.user))
        return tenancy.is_owner(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(OrganizationScopedAdmin):
    list_display = ["user", "organization", "role", "joined_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__email", "organization__name"]
    list_select_related = ["user", "organization"]
    raw_id_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organization":
            field.queryset = field.queryset.filter(pk__in=tenancy.owned_organization_ids(request.user))
        return field

    def has_add_permission(self, request):
        return bool(tenancy.owned_organization_ids(request.user))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return tenancy.is_owner(request.user, obj.organization)

    has_delete_permission = has_change_permission


# "Recent actions" on the index: only records the user may still see, under their current names.
admin.site.get_log_entries = scoped_log_entries(admin.site)
