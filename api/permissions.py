"""What a caller may do: read its organizations' records; write them with a write key or as an
owner or manager (viewers and read keys only look)."""

from rest_framework import permissions

from crm import tenancy


class OrganizationAccess(permissions.BasePermission):
    message = "This API key or account may read but not change records."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not tenancy.can_view(user):
            self.message = "This account is not a member of any organization."
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return tenancy.can_edit(user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return tenancy.can_edit(request.user, obj)
