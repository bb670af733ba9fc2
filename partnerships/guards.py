"""Who may ask for a change: the check every partnerships service makes of its actor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from crm import tenancy


def require_editor(actor, record) -> None:
    """Refuse a change asked by someone who may only look at ``record`` (a viewer) or not see it at
    all (another organization's user). The pages, the admin and the API check first and answer
    403 or 404; this holds whatever calls the service next. ``actor`` None is the product itself or
    an API key, whose organization and scope were checked where it came in."""
    if actor is not None and not tenancy.can_edit(actor, record):
        raise PermissionDenied("You can look at this but not change it.")
