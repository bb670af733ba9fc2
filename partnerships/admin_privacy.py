"""The personal-data side of the admin (partnerships/privacy.py's services): export and erasure
actions on influencers' Creators page, the erasure requests operators decide, and the accounts
erased. The models are influencers'; the services reach every organization's records, so the UI
is registered here, above both: influencers' CreatorAdmin is registered again with the actions
added. Imported by PartnershipsConfig.ready().
"""

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse
from django.template.response import TemplateResponse

from crm import tenancy
from crm.admin_scoping import OrganizationScopedAdmin, decline_requests_page, may_name
from crm.models import Organization
from crm.parsing import is_id, parse_id
from influencers.admin import CreatorAdmin
from influencers.models import Creator, ErasedAccount, ErasureRequest, ErasureStatus
from partnerships.models import Partnership
from partnerships.privacy import (
    can_erase,
    creator_erase,
    creator_personal_data,
    erased_account_reapprove,
    erasure_request_confirm,
    erasure_request_decline,
    erasure_request_file,
    organizations_that_may_request_erasure,
)


class PersonalDataCreatorAdmin(CreatorAdmin):
    """Influencers' Creators page with what partnerships/privacy.py offers on it."""

    actions = ["download_personal_data", "request_erasure", "erase_personal_data"]

    def has_erase_permission(self, request):
        return can_erase(request.user)

    @admin.action(description="Download personal data (JSON)", permissions=["view"])
    def download_personal_data(self, request, queryset):
        organization_ids = None if request.user.is_superuser else tenancy.organization_ids_for(request.user)
        exports = [creator_personal_data(creator=c, organization_ids=organization_ids) for c in queryset]
        response = HttpResponse(
            json.dumps(exports[0] if len(exports) == 1 else exports, cls=DjangoJSONEncoder, indent=2),
            content_type="application/json",
        )
        name = f"creator-{queryset[0].pk}" if len(exports) == 1 else f"creators-{len(exports)}"
        response["Content-Disposition"] = f'attachment; filename="{name}-personal-data.json"'
        return response

    def has_request_erasure_permission(self, request):
        return not can_erase(request.user) and bool(organizations_that_may_request_erasure(request.user))

    @admin.action(description="Ask an operator to erase personal data…", permissions=["request_erasure"])
    def request_erasure(self, request, queryset):
        """Owners pass a person's erasure request on: a page for the note (and, owning several, which
        organization asks), then the request filed; an operator confirms it (Erasure requests)."""
        owned = Organization.objects.filter(pk__in=organizations_that_may_request_erasure(request.user))
        owned = owned.order_by("name")
        asked = request.POST.get("organization", "")
        if is_id(asked):
            chosen = owned.filter(pk=parse_id(asked)).first()
        else:
            chosen = owned.first() if owned.count() == 1 else None
        if request.POST.get("confirmed") == "yes" and chosen is not None:
            through = f"admin, {request.user.get_username()}"
            note = request.POST.get("note", "").strip()
            answers = [
                erasure_request_file(creator=c, organization=chosen, actor=request.user, requested_through=through,
                                     note=note)[1]
                for c in queryset
            ]  # fmt: skip
            new, open_already = answers.count(True), answers.count(False)
            said = [f"Filed {new} erasure request(s) for {chosen}" if new else ""]
            if open_already:
                said.append(f"{open_already} already open{' (the note was added to it)' if note else ''}")
            said = "; ".join(filter(None, said))
            self.message_user(
                request, f"{said}. An operator erases once they confirm (see Erasure requests).", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Ask an operator to erase personal data",
            "opts": self.model._meta,
            "creators": queryset.prefetch_related("identities"),
            "organizations": owned,
            "missing_organization": request.POST.get("confirmed") == "yes" and chosen is None,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/influencers/creator/request_erasure.html", context)

    @admin.action(description="Erase personal data…", permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        """A confirmation page first (like deleting); erasing on its "Yes, erase" button."""
        if request.POST.get("confirmed") == "yes":
            through = f"admin, {request.user.get_username()}"
            erased = [creator_erase(creator=c, actor=request.user, requested_through=through) for c in queryset]
            texts = sum(e["texts_erased"] for e in erased)
            self.message_user(
                request, f"Erased {len(erased)} creator(s): {sum(e['accounts_erased'] for e in erased)} accounts, "
                f"{texts} texts. Their accounts will not be imported again unless re-approved.", messages.SUCCESS,
            )  # fmt: skip
            return None
        # The page names the partnerships the erasure reaches, of the user's organizations only: who
        # else works with the person is no other organization's business (operators see them all).
        partnerships = tenancy.scope_to_user(Partnership.objects.select_related("brand"), request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase personal data?",
            "opts": self.model._meta,
            "creators": queryset.prefetch_related("identities", Prefetch("partnerships", queryset=partnerships)),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/influencers/creator/erase_confirmation.html", context)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(OrganizationScopedAdmin):
    """Organizations' requests to erase a person, and what became of them. Owners file them (the
    Creators list's action, or the API) and follow them here; an operator confirms (erasing the
    creator for everyone) or declines, saying why. Nothing here is edited by hand."""

    list_display = ["__str__", "creator", "organization", "status", "requested_at", "decided_at"]
    list_filter = ["status", "organization"]
    list_select_related = ["creator", "organization"]
    actions = ["confirm", "decline"]

    def get_fields(self, request, obj=None):
        named = ("requested_by", "decided_by")
        people = [name for name in named if obj is None or may_name(request, getattr(obj, name))]
        return ["creator", "organization", "status", "note", "requested_through", *people, "requested_at",
                "decided_at", "decision_note"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False  # filed from the creator (the admin's action, or the API)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of a request is kept, whatever became of it

    def has_decide_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Confirm: erase the selected requests' creators now…", permissions=["decide"])
    def confirm(self, request, queryset):
        """A page saying what erasing does first, then erasing on its button."""
        open_requests = queryset.filter(status=ErasureStatus.REQUESTED).select_related("creator", "organization")
        if request.POST.get("confirmed") == "yes":
            erased = [erasure_request_confirm(request=item, actor=request.user) for item in open_requests]
            self.message_user(request, f"Erased {len(erased)} creator(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase personal data?",
            "opts": self.model._meta,
            "creators": [item.creator for item in open_requests],
            "requests": open_requests,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/influencers/creator/erase_confirmation.html", context)

    @admin.action(description="Decline the selected requests…", permissions=["decide"])
    def decline(self, request, queryset):
        return decline_requests_page(
            self, request, queryset.filter(status=ErasureStatus.REQUESTED).select_related("creator", "organization"),
            decline=erasure_request_decline, title="Decline erasure requests",
            describe=lambda item: f"{item.creator.display_name}, asked by {item.organization.name}"
            + (f": {item.note}" if item.note else ""),
        )  # fmt: skip


@admin.register(ErasedAccount)
class ErasedAccountAdmin(admin.ModelAdmin):
    """Accounts whose people asked to be erased: no names, only when, by whom, and whether an
    operator has let imports bring them in again. For operators only: who passed a request on
    (an organization's owner, an API key) is no other organization's business."""

    list_display = ["__str__", "platform", "erased_at", "erased_by", "requested_through", "reapproved_at"]
    list_filter = ["platform", ("reapproved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["platform", "fingerprint", "identity", "erased_at", "erased_by", "requested_through",
                       "reapproved_at", "reapproved_by"]  # fmt: skip
    actions = ["reapprove"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False  # made by erasing a creator

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting would let the account back in without a trace: re-approve instead

    def has_reapprove_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Re-approve: let imports bring these accounts in again", permissions=["reapprove"])
    def reapprove(self, request, queryset):
        for account in queryset.filter(reapproved_at__isnull=True):
            erased_account_reapprove(account=account, actor=request.user)
        self.message_user(request, "Re-approved: the next import of their communities brings them in again.")


admin.site.unregister(Creator)
admin.site.register(Creator, PersonalDataCreatorAdmin)
