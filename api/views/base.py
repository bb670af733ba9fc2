"""What every viewset of the API shares: the caller's organizations' rows only, idempotent POSTs,
ids in paths, and the 409 for what exists already."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail

from api.idempotency import IdempotentPostMixin
from crm import tenancy


class ScopedQuerysetMixin(IdempotentPostMixin):
    """Only the caller's organizations' rows (shared discovery data: every member's); POSTs honour
    ``Idempotency-Key``. Ids in paths are whole numbers a bigint holds: anything else is a 404."""

    lookup_value_regex = r"[0-9]{1,18}"

    def scoped(self, queryset):
        return tenancy.scope_to_user(queryset, self.request.user)


class Conflict(APIException):
    """409: what was asked to be created exists already (the body names the field and where it is)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: dict):
        super().__init__()
        self.detail = {
            field: [ErrorDetail(str(message), code=self.default_code) for message in messages]
            for field, messages in detail.items()
        }
