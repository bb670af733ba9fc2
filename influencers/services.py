"""Writes to discovery data that more than one source needs (imports, the demo loader, tasks)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, ProtectedError, Subquery

from crm.sealed import open_sealed, seal
from influencers.models import (
    Community,
    Creator,
    ErasureRequest,
    ErasureStatus,
    Identity,
    Interaction,
    InteractionKind,
    Membership,
    Platform,
)
from influencers.models.live import LIVE_CHAT_PLATFORMS, LiveConnection, operators_bot_token
from influencers.signals import creators_merged

SLACK_TEAM_ID = re.compile(r"[Tt][A-Za-z0-9]{4,30}")
DISCORD_GUILD_ID = re.compile(r"[0-9]{15,22}")  # a snowflake
ID_HELP = {
    Platform.SLACK: "in the workspace's address bar at app.slack.com/client/T…/",
    Platform.DISCORD: "from Copy Server ID (Developer Mode on) in Discord",
}


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


def live_connection_checked(*, platform: str, external_id: str, token: str | None) -> tuple[str, str | None]:
    """The workspace or server id and the token as they will be stored, or one ValidationError
    naming every field that is wrong (``token`` None: the stored one is kept). Every problem at
    once: a form does not show a token again, so it is pasted once per try."""
    external_id = external_id.strip()
    if platform not in LIVE_CHAT_PLATFORMS:
        raise ValidationError({"platform": "Only Slack workspaces and Discord servers are read through a bot."})
    problems = {}
    if platform == Platform.SLACK and not SLACK_TEAM_ID.fullmatch(external_id):
        problems["external_id"] = f"A Slack team id is T and letters or digits: {ID_HELP[platform]}."
    if platform == Platform.DISCORD and not DISCORD_GUILD_ID.fullmatch(external_id):
        problems["external_id"] = f"A Discord server id is digits only: {ID_HELP[platform]}."
    if token is not None:
        token = token.strip()
        if len(token) < 20 or any(character.isspace() for character in token):
            problems["token"] = "That does not look like a bot token (no spaces, at least 20 characters)."
        elif platform == Platform.SLACK and not token.startswith("xoxb-"):
            problems["token"] = "A Slack bot token starts with xoxb- (the Bot User OAuth Token)."
        elif platform == Platform.DISCORD and token.startswith("xox"):
            problems["token"] = "That is a Slack token: a Discord bot's is under Bot, in its application."
    if problems:
        raise ValidationError(problems)
    return (external_id.upper() if platform == Platform.SLACK else external_id), token


def live_place_name(*, platform: str, external_id: str, token: str) -> str:
    """The workspace's or server's own name, asked of Slack or Discord with ``token``: the check of
    a token before it is stored. Raises the connector's SourceError when the platform refuses it
    (wrong token, another workspace, the bot not in the server), TemporarySourceError when the
    platform cannot answer now."""
    if platform == Platform.SLACK:
        from influencers.connectors.slack_live import workspace_name

        return workspace_name(external_id, token=token)
    from influencers.connectors.discord_live import server_name

    return server_name(external_id, token=token)


@transaction.atomic
def live_connection_save(
    *, platform: str, external_id: str, token: str | None, user=None, track: bool = True, name: str = ""
) -> LiveConnection:
    """Connect a Slack workspace (its team id, T…) or a Discord server (its guild id) for live
    syncs with the bot token its admins gave; a token replaces the stored one, sealed (None keeps it).

    The community is the one an export of it created, if any (the same external id), else a new
    one named ``name`` (the platform's name for it, when the token was checked), else by its id
    until the first sync reads its name. ``track``: synced hourly by beat.
    """
    external_id, token = live_connection_checked(platform=platform, external_id=external_id, token=token)
    community, created = Community.objects.get_or_create(
        platform=platform, external_id=external_id, defaults={"name": name[:200] or external_id, "is_tracked": track}
    )
    if not created and name and community.is_named_by_its_id:
        community.name = name[:200]
        Community.objects.filter(pk=community.pk).update(name=community.name)
    if not created and community.is_tracked != track:
        Community.objects.filter(pk=community.pk).update(is_tracked=track)
        community.is_tracked = track
    Community.objects.select_for_update().filter(pk=community.pk).first()  # one save of a connection at a time
    row = LiveConnection.objects.filter(community=community).first()
    if row is None and token is None:
        raise ValidationError({"token": "Give the bot token: this community has none stored."})
    if row is None:
        row = LiveConnection(community=community)
    if token is not None:
        row.token_sealed, row.token_ending, row.added_by = seal(token), token[-4:], user
    row.save()
    return row


def live_connection_token(*, community: Community) -> str | None:
    """The bot token a live sync of ``community`` uses: its own, else the operator's from the
    environment; None when there is neither. Raises SealBroken when the stored one cannot be opened."""
    row = LiveConnection.objects.filter(community=community).first()
    if row is not None:
        return open_sealed(row.token_sealed)
    return operators_bot_token(community.platform)
