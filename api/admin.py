from django.contrib import admin, messages

from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey
from crm import tenancy
from crm.admin_scoping import OrganizationScopedHistoryAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(OrganizationScopedHistoryAdmin):
    """Keys are created here (the key is shown once, in the confirmation message) and revoked,
    never edited: a changed scope is a new key. Only owners manage their organization's keys."""

    list_display = ["__str__", "organization", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "organization"]
    search_fields = ["name", "prefix"]
    fields = ["organization", "name", "scope", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else self.readonly_fields

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(tenancy.owned_organization_ids(request.user))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return obj.organization_id in tenancy.owned_organization_ids(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked keys stay, for the record

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            from crm.models import Organization

            kwargs["queryset"] = Organization.objects.filter(pk__in=tenancy.owned_organization_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing about a key is edited
        key, plain = api_key_create(
            organization=obj.organization, scope=obj.scope, name=obj.name, created_by=request.user
        )
        obj.pk = key.pk
        messages.warning(request, f"The new key, shown only this once — copy it now: {plain}")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        owned = tenancy.owned_organization_ids(request.user)
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            if request.user.is_superuser or key.organization_id in owned:
                api_key_revoke(key=key, actor=request.user)
                revoked += 1
        self.message_user(request, f"{revoked} key(s) revoked.")
