"""Writes to discovery data that more than one source needs (imports, the demo loader, tasks)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, ProtectedError, Subquery

from influencers.models import (
    Community,
    Creator,
    ErasureRequest,
    ErasureStatus,
    Identity,
    Interaction,
    InteractionKind,
    Membership,
)
from influencers.signals import creators_merged


def interactions_link_parents(*, community: Community) -> int:
    """Resolve ``parent`` and ``target`` for replies whose parent arrived later (or in another file).

    Only rows whose parent is now stored are touched (a comments-only dump whose submissions never
    arrive rewrites nothing); each costs one probe of the (community, external_id) index.
    Returns the number of replies linked.
    """
    parents = Interaction.objects.filter(community=community, external_id=OuterRef("parent_external_id"))
    linked = (
        Interaction.objects.filter(community=community, parent__isnull=True)
        .exclude(parent_external_id="")
        .filter(Exists(parents))
        .update(parent=Subquery(parents.values("pk")[:1]))
    )
    # The reply network's edge: whom a reply answers is the author of its parent.
    parent_author = Interaction.objects.filter(pk=OuterRef("parent"), author__isnull=False)
    Interaction.objects.filter(
        community=community, kind=InteractionKind.COMMENT, target__isnull=True, parent__isnull=False
    ).filter(Exists(parent_author)).update(target=Subquery(parent_author.values("author")[:1]))
    return linked


# One statement, run by the database: at a million interactions, shipping aggregates through the
# ORM row by row cost seconds. Portable SQL (PostgreSQL, and SQLite's upsert with a WHERE clause).
_MEMBERSHIP_UPSERT = """
INSERT INTO {membership} (identity_id, community_id, first_seen_at, last_seen_at,
                          post_count, reply_count, reaction_count, is_moderator)
SELECT author_id, community_id, MIN(posted_at), MAX(posted_at),
       SUM(CASE WHEN kind = 'post' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'comment' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'reaction' THEN 1 ELSE 0 END),
       %s
FROM {interaction}
WHERE community_id = %s AND author_id IS NOT NULL
GROUP BY author_id, community_id
ON CONFLICT (identity_id, community_id) DO UPDATE SET
    first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
    post_count = excluded.post_count, reply_count = excluded.reply_count,
    reaction_count = excluded.reaction_count
"""


@transaction.atomic
def community_memberships_refresh(*, community: Community) -> int:
    """Recompute every member's first/last seen and activity counts from the interactions.

    One aggregate upsert executed by the database, whatever the community's size; safe to re-run.
    Also records the community's newest activity time. Returns the number of memberships.
    """
    sql = _MEMBERSHIP_UPSERT.format(membership=Membership._meta.db_table, interaction=Interaction._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, community.pk])
    newest = Interaction.objects.filter(community=community).aggregate(newest=Max("posted_at"))["newest"]
    Community.objects.filter(pk=community.pk).update(last_activity_at=newest)
    community.last_activity_at = newest
    return Membership.objects.filter(community=community).count()


@transaction.atomic
def creator_link_identities(*, identities: list[Identity], creator: Creator | None = None) -> Creator:
    """Say that these accounts are one person: attach them all to one creator.

    The creator is ``creator`` if given, else the one most of them already belong to, else a new
    one named after the first account. Creators left without any identity are merged into it
    (their partnerships, timeline and tasks move over) and deleted, so nothing about the person is
    lost. Returns the creator.
    """
    if not identities:
        raise ValueError("no identities to link")
    if creator is None:
        owners = [identity.creator for identity in identities if identity.creator_id]
        creator = max(owners, key=lambda c: sum(i.creator_id == c.pk for i in identities)) if owners else None
    if creator is None:
        first = identities[0]
        creator = Creator.objects.create(display_name=first.display_name or first.handle)
    previous = {
        identity.creator_id for identity in identities if identity.creator_id and identity.creator_id != creator.pk
    }
    Identity.objects.filter(pk__in=[identity.pk for identity in identities]).update(creator=creator)
    for old in Creator.objects.filter(pk__in=previous).exclude(identities__isnull=False):
        _merge_creator(source=old, into=creator)
    return creator


def _merge_creator(*, source: Creator, into: Creator) -> None:
    """Move what the apps above hold about ``source`` to ``into`` (they listen to creators_merged,
    inside this transaction), then delete ``source`` unless something still protects it: a brand
    that worked with both keeps two partnerships, the second still naming ``source``."""
    # A person's request to be erased concerns every account found to be theirs (an organization's
    # second open request, when it asked about both, goes with ``source``: its first stays open).
    open_already = ErasureRequest.objects.filter(creator=into, status=ErasureStatus.REQUESTED).values("organization")
    ErasureRequest.objects.filter(creator=source).exclude(
        status=ErasureStatus.REQUESTED, organization__in=open_already
    ).update(creator=into)
    creators_merged.send(sender=Creator, kept=into, merged=source)
    try:
        with transaction.atomic():
            source.delete()
    except ProtectedError:
        pass  # kept, with no identity of its own: its remaining records still name it
