"""Writes of the discovery pages: a user's saved Discover views, and adding many members found
there to pipelines at once (each through partnerships' own ``pipeline_add``, so every rule of the
pipeline applies to each of them as it would to one)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from discovery.models import SavedView
from influencers.models import Membership
from partnerships.models import Brand
from partnerships.services import AlreadyExists, pipeline_add

SAVED_VIEWS_PER_USER = 50


@transaction.atomic
def saved_view_save(*, user, name: str, query: str) -> SavedView:
    """Keep ``query`` (Discover's query string) under ``name`` for ``user``; the same name again
    replaces the filters it holds. Raises ValidationError for an empty or too long name, or past
    SAVED_VIEWS_PER_USER views."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > SavedView._meta.get_field("name").max_length:
        raise ValidationError({"name": "A name of at most 100 characters."})
    if len(query) > SavedView._meta.get_field("query").max_length:
        raise ValidationError({"query": "These filters are too long to keep."})
    existing = SavedView.objects.select_for_update().filter(user=user, name=name).first()
    if existing is not None:
        existing.query = query
        existing.save(update_fields=["query", "updated_at"])
        return existing
    if SavedView.objects.filter(user=user).count() >= SAVED_VIEWS_PER_USER:
        raise ValidationError({"name": f"You have {SAVED_VIEWS_PER_USER} saved views; delete one first."})
    return SavedView.objects.create(user=user, name=name, query=query)


@transaction.atomic
def saved_view_delete(*, user, saved_view: SavedView) -> None:
    """Delete one of the user's own views (anyone else's is refused)."""
    if saved_view.user_id != user.pk:
        raise PermissionDenied("This is not one of your saved views.")
    saved_view.delete()


@dataclass(frozen=True)
class AddOutcome:
    """What happened to one member: ``added``, ``already`` (in that brand's pipeline) or ``refused``."""

    membership: Membership
    brand: Brand | None
    outcome: str
    message: str


def members_add_to_pipeline(
    *, memberships: Iterable[Membership], actor, brand: Brand | None, watching: dict[int, list[Brand]]
) -> list[AddOutcome]:
    """Add each member to ``brand``'s pipeline, or (``brand`` None) to the pipelines of the brands
    that watch the member's community (``watching``: community id → the actor's brands with a
    stance there). One ``pipeline_add`` per member and brand, each in its own transaction: one
    refusal does not undo the others, and the same request sent twice adds nobody twice
    (``partnership_create`` locks the brand and refuses who is there already)."""
    outcomes = []
    for membership in memberships:
        identity = membership.identity
        brands = [brand] if brand is not None else watching.get(membership.community_id, [])
        if not brands:
            outcomes.append(
                AddOutcome(
                    membership, None, "refused",
                    f"{identity.handle}: none of your brands watches {membership.community.label}; choose a brand.",
                )
            )  # fmt: skip
            continue
        for target in brands:
            try:
                pipeline_add(brand=target, actor=actor, identity=identity, community=membership.community)
            except AlreadyExists:
                outcomes.append(
                    AddOutcome(membership, target, "already", f"{identity.handle}: already in {target}'s pipeline.")
                )
            except (ValidationError, PermissionDenied) as refusal:
                reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
                outcomes.append(AddOutcome(membership, target, "refused", f"{identity.handle}: {reason}"))
            else:
                outcomes.append(
                    AddOutcome(membership, target, "added", f"{identity.handle}: added to {target}'s pipeline.")
                )
            identity.refresh_from_db(fields=["creator"])  # a creator made for the first brand serves the next
    return outcomes
