"""An organization's own view of a creator (partnerships.CreatorNote): written by its owners and
managers, read by its members, never seen by other organizations, and changing nothing shared."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from crm import tenancy
from crm.models import Organization
from influencers.models import Creator
from partnerships.models import CreatorNote


@transaction.atomic
def creator_note_save(
    *, organization: Organization, creator: Creator, actor, note: str = "", not_a_fit: bool = False,
    suspected_bot: bool = False, bot_reason: str = "",
) -> CreatorNote:  # fmt: skip
    """Write ``organization``'s note on ``creator`` (its one note, created on first write), with
    ``actor`` in its history.

    Raises PermissionDenied unless ``actor`` may edit the organization's records, and
    ValidationError (``bot_reason``) for a suspected bot without a reason. A suspected bot stays
    in every ranking: marking an account as a bot for everyone is an operator's decision.
    """
    if not tenancy.can_edit(actor, organization):
        raise PermissionDenied("Only the organization's owners and managers write its notes.")
    if suspected_bot and not bot_reason.strip():
        raise ValidationError({"bot_reason": "Say why you suspect an automated account."})
    existing = CreatorNote.objects.select_for_update().filter(organization=organization, creator=creator).first()
    record = existing or CreatorNote(organization=organization, creator=creator, created_by=actor)
    record.note, record.not_a_fit = note, not_a_fit
    record.suspected_bot, record.bot_reason = suspected_bot, bot_reason.strip() if suspected_bot else ""
    record._history_user = actor
    record.save()
    return record


def creator_notes_for(*, creator: Creator, user) -> list[CreatorNote]:
    """The notes on ``creator`` of the organizations ``user`` belongs to (one query; none of any
    other organization's, operators included: the creator page shows a member's own view)."""
    organizations = tenancy.organization_ids_for(user)
    return list(
        CreatorNote.objects.filter(creator=creator, organization_id__in=organizations)
        .select_related("organization")
        .order_by("organization__name")
    )


def creator_notes_merge(*, source: Creator, into: Creator) -> None:
    """Two creators found to be one person: each organization's notes on ``source`` move to
    ``into``; where an organization has notes on both, they become one (texts kept, flags kept)."""
    for note in CreatorNote.objects.filter(creator=source):
        kept = CreatorNote.objects.filter(organization_id=note.organization_id, creator=into).first()
        if kept is None:
            note.creator = into
            note.save(update_fields=["creator", "updated_at"])
            continue
        kept.note = "\n\n".join(text for text in (kept.note, note.note) if text)
        kept.not_a_fit = kept.not_a_fit or note.not_a_fit
        if note.suspected_bot and not kept.suspected_bot:
            kept.suspected_bot, kept.bot_reason = True, note.bot_reason
        kept.save()
        note.delete()
