"""The ledger in the admin: looked at (with each payment's history), never changed here.

Approving, marking paid and cancelling go through ``partnerships.payments.services`` from the
partnership page or the API, which check the role, refuse a change to a paid payment and write the
timeline; amounts are worked out by the ledger, never typed. So the admin lists and shows payments
(scoped to the user's organizations, like every CRM record) and their audit trail only.
"""

from __future__ import annotations

from django.contrib import admin

from crm.admin_scoping import OrganizationScopedHistoryAdmin
from partnerships.models import Payment


@admin.register(Payment)
class PaymentAdmin(OrganizationScopedHistoryAdmin):
    list_display = ["due_on", "description", "amount", "currency", "status", "paid_on", "reference", "agreement"]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["description", "reference", "agreement__partnership__creator__display_name"]
    list_select_related = ["agreement__partnership__brand", "agreement__partnership__creator"]
    date_hierarchy = "due_on"
    fields = ["agreement", "kind", "key", "description", "amount", "currency", "period_start", "period_end",
              "due_on", "status", "approved_at", "approved_by", "paid_on", "reference", "cancelled_reason",
              "due_told_at", "created_at", "updated_at"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
