"""Whom a manager can add to a pipeline, found by a name or a handle: the read behind the board's
"+ New partnership" page.

Accounts (identities) are matched on their handle, creators on their name; each comes with the
communities they take part in (with their current rank) and the user's partnerships with them, so the
manager sees whom they are picking. Four queries whatever the number of matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from crm import tenancy
from influencers.models import Creator, Identity, Membership
from partnerships.models import Partnership, Stage

MATCHES = 20  # of each kind: a longer list means the search should be narrower, and the page says so


@dataclass
class Place:
    """One community a match takes part in."""

    community_id: int
    community: str  # Community.label
    rank: int | None
    ranked_members: int | None


@dataclass
class Match:
    """One choice on the page: an account, or a creator known by name."""

    value: str  # what the form posts as ``who``: "identity:12" or "creator:5"
    name: str
    detail: str  # the platform and handle, or the creator's accounts
    places: list[Place] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)  # "Inkwell (Observing)"


@dataclass
class PeopleFound:
    matches: list[Match]
    communities: list[Place]  # every community of the matches, once, by name
    more: bool  # one of the lists was cut at MATCHES


def _places(memberships) -> list[Place]:
    places = []
    for membership in memberships:
        score = membership.latest_score
        places.append(
            Place(
                membership.community_id,
                membership.community.label,
                score.rank if score else None,
                score.run.ranked_members if score else None,
            )
        )
    return sorted(places, key=lambda place: place.community.lower())


def people_to_add(*, user, query: str) -> PeopleFound:
    """Accounts whose handle and creators whose name contain ``query`` (bots and deleted accounts
    left out: they cannot be added), up to MATCHES of each; a creator already shown through one of
    their accounts is not shown again."""
    if not query:
        return PeopleFound([], [], more=False)
    memberships = Prefetch("memberships", queryset=Membership.objects.select_related("community", "latest_score__run"))
    identities = list(
        Identity.objects.filter(handle__icontains=query, is_bot=False, is_deleted=False)
        .select_related("creator")
        .prefetch_related(memberships)
        .order_by("handle", "platform")[: MATCHES + 1]
    )
    creators = list(
        Creator.objects.filter(display_name__icontains=query)
        .exclude(pk__in=[i.creator_id for i in identities if i.creator_id])
        .prefetch_related(
            Prefetch(
                "identities",
                queryset=Identity.objects.filter(is_bot=False, is_deleted=False).prefetch_related(memberships),
            )
        )
        .order_by("display_name", "pk")[: MATCHES + 1]
    )
    more = len(identities) > MATCHES or len(creators) > MATCHES
    identities, creators = identities[:MATCHES], creators[:MATCHES]

    creator_ids = {i.creator_id for i in identities if i.creator_id} | {c.pk for c in creators}
    pipelines: dict[int, list[str]] = {}
    for creator_id, brand, stage in (
        tenancy.scope_to_user(Partnership.objects.filter(creator_id__in=creator_ids), user)
        .order_by("brand__name")
        .values_list("creator_id", "brand__name", "stage")
    ):
        pipelines.setdefault(creator_id, []).append(f"{brand} ({Stage(stage).label})")

    matches = []
    for identity in identities:
        name = identity.creator.display_name if identity.creator else identity.display_name or identity.handle
        matches.append(
            Match(
                value=f"identity:{identity.pk}",
                name=name,
                detail=f"{identity.get_platform_display()} · {identity.handle}",
                places=_places(identity.memberships.all()),
                pipelines=pipelines.get(identity.creator_id, []),
            )
        )
    for creator in creators:
        accounts = list(creator.identities.all())
        matches.append(
            Match(
                value=f"creator:{creator.pk}",
                name=creator.display_name,
                detail=", ".join(f"{i.get_platform_display()} · {i.handle}" for i in accounts) or "no accounts yet",
                places=_places(m for i in accounts for m in i.memberships.all()),
                pipelines=pipelines.get(creator.pk, []),
            )
        )
    communities = {place.community_id: place for match in matches for place in match.places}
    return PeopleFound(matches, sorted(communities.values(), key=lambda p: p.community.lower()), more)
