"""Reads of discovery data, with their joins applied."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from influencers.models import (
    Community,
    Identity,
    Interaction,
    MemberScore,
    Membership,
    Platform,
    RankingRun,
    RankingStatus,
    SyncRun,
    SyncSource,
    SyncStatus,
)
from influencers.models.live import LIVE_CHAT_PLATFORMS, operators_bot_token


def identity_same_handle_suggestions(*, limit: int = 200) -> list[list[Identity]]:
    """Groups of accounts on different platforms sharing a handle (case-insensitive), not all
    linked to one creator yet: likely the same person, for a manager to confirm.

    Bots and deleted accounts are left out. Two queries whatever the number of groups.
    """
    shared = (
        Identity.objects.filter(is_bot=False, is_deleted=False)
        .annotate(key=Lower("handle"))
        .values("key")
        .annotate(
            platforms=Count("platform", distinct=True),
            creators=Count("creator", distinct=True),
            unlinked=Count("pk") - Count("creator"),
        )
        .filter(platforms__gt=1)
        .order_by("key")
    )
    keys = [row["key"] for row in shared if row["creators"] > 1 or row["unlinked"] > 0][:limit]
    groups: dict[str, list[Identity]] = {}
    for identity in _by_handle_keys(keys):
        groups.setdefault(identity.handle.lower(), []).append(identity)
    return [groups[key] for key in keys if key in groups]


def _by_handle_keys(keys: list[str]) -> QuerySet[Identity]:
    return (
        Identity.objects.annotate(key=Lower("handle"))
        .filter(key__in=keys, is_bot=False, is_deleted=False)
        .select_related("creator")
        .order_by("key", "platform")
    )


def membership_trajectory(*, membership: Membership, limit: int = 26) -> list[MemberScore]:
    """A member's scores in the community's completed rankings, oldest window first (the newest
    ``limit`` of them): what a trend line or "up 12 places since last month" is drawn from."""
    scores = (
        MemberScore.objects.filter(membership=membership, run__status=RankingStatus.COMPLETED)
        .select_related("run")
        .order_by("-run__window_end", "-run__started_at")[:limit]
    )
    return list(reversed(scores))


def community_by_key(key: str) -> Community:
    """The community a command line names, in any of the forms the pages and the README show:
    ``PLATFORM:EXTERNAL_ID`` (``reddit:fountainpens``; a subreddit's name in any case),
    ``r/fountainpens`` (any case), or a community's own name as the pages print it (its label,
    exact, then in any case when that names one community).

    Raises LookupError with one sentence for the operator; an unknown name lists the close matches
    among the stored communities' keys and labels (difflib), so a typo is one step from the fix.
    Costs one query for a key, two or three for a name.
    """
    key = key.strip()
    platform, _, external_id = key.partition(":")
    if external_id and platform in Platform.values:
        community = Community.objects.filter(platform=platform, external_id=external_id).first()
        if community is None and platform == Platform.REDDIT:
            community = Community.objects.filter(platform=platform, external_id=external_id.lower()).first()
        if community is None:
            raise LookupError(_unknown(key, f"no community {key!r}"))
        return community
    subreddit = _subreddit_of(key)
    if subreddit:
        community = Community.objects.filter(platform=Platform.REDDIT, external_id=subreddit).first()
        if community is not None:
            return community
    community = _community_named(key)
    if community is not None:
        return community
    if subreddit:
        raise LookupError(_unknown(key, f"no community {key!r}"))
    platforms = ", ".join(Platform.values)
    raise LookupError(
        _unknown(key, f"{key!r} is not PLATFORM:COMMUNITY (platforms: {platforms}), r/SUBREDDIT or a community's name")
    )


def _subreddit_of(text: str) -> str:
    """``r/Name`` or ``/r/name`` as a stored subreddit id (lower case); "" for anything else."""
    lowered = text.lower().removeprefix("/")
    if lowered.startswith("r/") and len(lowered) > 2 and "/" not in lowered[2:].rstrip("/"):
        return lowered[2:].rstrip("/")
    return ""


def _community_named(name: str) -> Community | None:
    """The one community whose name is ``name`` (exactly, else in any case); LookupError when
    several share it, since a name is then no answer."""
    for lookup in ("name", "name__iexact"):
        found = list(Community.objects.filter(**{lookup: name}).order_by("platform", "external_id")[:6])
        if len(found) == 1:
            return found[0]
        if found:
            keys = ", ".join(c.key for c in found[:5])
            raise LookupError(f"several communities are named {name!r}: name one by its key ({keys})")
    return None


def _unknown(key: str, problem: str) -> str:
    """``problem``, then the stored communities whose id or name is close to what was typed (the
    platform and ``r/`` set aside, so "reddit:" alone is no likeness), or how to import one when
    none is."""
    typed = _bare(key)
    names: dict[str, set[str]] = {}  # an id or a name, in lower case → the keys of the communities it names
    shown: dict[str, str] = {}  # key → how the suggestion reads
    for community in Community.objects.only("platform", "external_id", "name"):
        for text in {community.external_id, community.name, community.label}:
            names.setdefault(_bare(text), set()).add(community.key)
        label = community.label
        shown[community.key] = community.key if label == community.key else f"{label} ({community.key})"
    close = difflib.get_close_matches(typed, list(names), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(shown[k] for text in close for k in sorted(names[text])))
    if not suggestions:
        return f"{problem} (import it first with `manage.py ingest`)"
    return f"{problem}; did you mean {' or '.join(suggestions[:3])}?"


def _bare(text: str) -> str:
    """What is compared for likeness: lower case, without a platform or ``r/`` in front."""
    text = text.strip().lower()
    platform, _, rest = text.partition(":")
    if rest and platform in Platform.values:
        text = rest
    return text.removeprefix("/").removeprefix("r/")


def community_overview() -> QuerySet[Community]:
    """Every community with what an operator asks first: ``member_count`` (accounts seen there),
    ``interaction_count`` (stored posts, replies, reactions, mentions), and its newest completed ranking
    (``ranked_at``: the window's end, ``ranked_members``). One query; the counts are subqueries
    (joins would multiply each other), and counting interactions reads the community's index
    entries, so a community of millions takes a moment."""
    members = Membership.objects.filter(community=OuterRef("pk")).order_by().values("community")
    interactions = Interaction.objects.filter(community=OuterRef("pk")).order_by().values("community")
    latest_run = RankingRun.objects.filter(community=OuterRef("pk"), status=RankingStatus.COMPLETED).order_by(
        "-window_end", "-started_at"
    )
    return Community.objects.annotate(
        member_count=Coalesce(Subquery(members.annotate(n=Count("pk")).values("n")), 0),
        interaction_count=Coalesce(Subquery(interactions.annotate(n=Count("pk")).values("n")), 0),
        ranked_at=Subquery(latest_run.values("window_end")[:1]),
        ranked_members=Subquery(latest_run.values("ranked_members")[:1]),
    ).order_by("platform", "name")


@dataclass(frozen=True)
class CommunitySource:
    """Where a community's data comes from, for its page: how it is read, whether it is kept up
    to date, and its newest sync (with the error, when it failed: sources write their errors for
    every member to read, never a token or the network's detail)."""

    how: str
    kept_up_to_date: str
    last_sync: SyncRun | None
    next_attempt_in_seconds: int | None

    @property
    def failure(self) -> str:
        """Why the last sync failed, as a sentence; "" if it did not. Sources begin their errors
        with "failed: " or "refused: " (written for members to read): not said twice."""
        run = self.last_sync
        if run is None or run.status != SyncStatus.FAILED or not run.error:
            return ""
        if run.error.startswith("refused: "):
            return f"It was refused: {run.error.removeprefix('refused: ')}"
        return f"It failed: {run.error.removeprefix('failed: ')}"


LIVE_SOURCES = {SyncSource.REDDIT, SyncSource.DISCOURSE, SyncSource.SLACK_LIVE, SyncSource.DISCORD_LIVE}


def community_source(*, community: Community) -> CommunitySource:
    last_sync = community.sync_runs.order_by("-created_at", "-pk").first()
    live = getattr(community, "live_connection", None) if community.platform in LIVE_CHAT_PLATFORMS else None
    if live is not None:
        bot = "a Slack bot" if community.platform == Platform.SLACK else "a Discord bot"
        how = f"Read live through {bot} its admins invited (connected {live.created_at:%Y-%m-%d})."
    elif last_sync is not None:
        how = f"{last_sync.get_source_display()}."
    elif community.last_activity_at is not None or community.interactions.exists():
        how = "Loaded directly, without a sync (as the demo's communities are)."
    else:
        how = "Nothing imported yet."
    readable_again = live is not None or (last_sync is not None and last_sync.source in LIVE_SOURCES)
    if community.platform in LIVE_CHAT_PLATFORMS and live is None and readable_again:
        # Read live once, its bot since removed: beat reads it again only with the operator's token.
        readable_again = bool(operators_bot_token(community.platform))
        if not readable_again:
            kept = "No longer synced: its bot token was removed (an operator adds one back in the admin)."
            return CommunitySource(how=how, kept_up_to_date=kept, last_sync=last_sync, next_attempt_in_seconds=None)
    if community.is_tracked and readable_again:
        kept = "Synced every hour by the background workers."
    elif readable_again:
        kept = "Not synced on its own: an operator can mark it tracked."
    elif last_sync is not None:
        kept = "Imported from files: up to date as of its last import."
    else:
        kept = ""
    waiting = None
    if last_sync is not None and last_sync.status != SyncStatus.COMPLETED and last_sync.attempt_log:
        waiting = last_sync.attempt_log[-1].get("next_attempt_in_seconds")
    return CommunitySource(how=how, kept_up_to_date=kept, last_sync=last_sync, next_attempt_in_seconds=waiting)
