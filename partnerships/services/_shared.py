"""What every partnerships service leans on: row locks, the timeline entry, telling listeners after
commit, and the membership check for the people a record names."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships.models import Activity, Partnership


class AlreadyExists(ValidationError):
    """The record asked for exists already (the API answers 409 Conflict, the pages say where it is)."""


def locked(instance):
    """Re-read ``instance``'s row under a lock held to the end of the transaction, so that twenty
    identical requests at once take turns and each sees what the one before it did (PostgreSQL;
    SQLite runs one write at a time anyway). The caller's object is refreshed in place."""
    fresh = type(instance).objects.select_for_update().get(pk=instance.pk)
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(fresh, field.attname))
    return instance


def tell_after_commit(signal, **kwargs) -> None:
    """Tell listeners (webhooks) once the change is committed: never about a change rolled back."""
    transaction.on_commit(lambda: signal.send_robust(sender=Partnership, **kwargs))


def timeline_note(partnership: Partnership, kind: str, actor, summary: str, body: str = "", **extra) -> Activity:
    """An entry in the partnership's timeline (and its creator's)."""
    return Activity.objects.create(
        organization=partnership.brand.organization, partnership=partnership, creator=partnership.creator,
        kind=kind, actor=actor, summary=summary[:300], body=body, **extra,
    )  # fmt: skip


def require_organization_member(organization, user, field: str) -> None:
    """Refuse to name as owner or assignee someone outside the organization (a partnership's)."""
    # The message names neither the person nor whether they exist elsewhere: a caller must not learn
    # from it who the users of other organizations (or the operators) are.
    if user is not None and not organization.members.filter(user=user).exists():
        raise ValidationError({field: f"Choose one of the members of {organization}."})
