"""Where insight meets the database: stream a community's posts and replies as plain values into
``insight.analysis``, and keep the resulting document.

The window is the twelve months up to the community's newest message (imports may be years old,
as for the ranking); the month-by-month activity covers its whole history, aggregated by the
database. Texts are cut at ``TEXT_CHARS`` by the database and streamed through a server-side
cursor, so a million messages never sit in memory at once.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Func, IntegerField, Q
from django.db.models.functions import Length, Substr, TruncMonth
from django.utils.timezone import now

from crm.database import fetch_rows
from graph.promotion import host
from influencers.models import Community, Identity, Interaction, InteractionKind, Membership
from influencers.models.community import is_timezone
from insight.analysis.community import Context, build_insight
from insight.analysis.messages import TEXT_CHARS, Message
from insight.models import CommunityInsight

logger = logging.getLogger(__name__)
WINDOW_DAYS = 365
READ_SLICE = timedelta(days=30)


class NothingToRead(Exception):
    """The community has no posts or replies yet."""


class EpochSecond(Func):
    """Seconds since 1970 (UTC) of a datetime column, computed by the database: a million rows
    arrive as integers instead of datetimes to build and convert."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::bigint", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


TALK = [InteractionKind.POST, InteractionKind.COMMENT]


def _talk(community: Community):
    """Posts and replies, without bots' (their schedules and templates are not the community's)."""
    return Interaction.objects.filter(community=community, kind__in=TALK).filter(
        Q(author__isnull=True) | Q(author__is_bot=False)
    )


def insight_window(community: Community, *, days: int = WINDOW_DAYS, end: datetime | None = None):
    """The ``days`` up to the newest message (imports may be years old) — never past now: a message
    dated in the future (a broken clock, a bad export) would empty the whole year."""
    if end is None:
        end = (
            _talk(community).filter(posted_at__lte=now()).order_by("-posted_at")
            .values_list("posted_at", flat=True).first()
        )  # fmt: skip
    if end is None:
        raise NothingToRead(f"{community.key} has no posts or replies yet")
    return end - timedelta(days=days), end


def messages(community: Community, *, start: datetime, end: datetime):
    """The window's posts and replies, newest first, as ``Message`` values; bots' are left out.

    Read a month at a time, newest month first, each month sorted by the database in memory (the
    whole year at once made PostgreSQL sort a million rows with their texts on disk); bots and
    deleted accounts are known from one small query instead of a join on every row.
    """
    accounts = Identity.objects.filter(memberships__community=community).filter(Q(is_bot=True) | Q(is_deleted=True))
    bots, deleted = set(), set()
    for identity_id, is_bot in accounts.values_list("pk", "is_bot"):
        (bots if is_bot else deleted).add(identity_id)
    talk = Interaction.objects.filter(community=community, kind__in=TALK)
    post = InteractionKind.POST.value
    upper = end + timedelta(microseconds=1)  # months are [lower, upper): the window's end included
    while upper > start:
        lower = max(start, upper - READ_SLICE)
        rows = (
            talk.filter(posted_at__gte=lower, posted_at__lt=upper)
            .annotate(at=EpochSecond("posted_at"), body=Substr("text", 1, TEXT_CHARS), length=Length("text"))
            .values_list(
                "id", "kind", "author_id", "at", "parent_id", "thread_external_id", "title", "body", "length", "url",
                "score", "is_removed", "external_id",
            )
            .order_by("-posted_at", "-id")
        )  # fmt: skip
        named = _mentions(community, lower=lower, upper=upper)
        for id_, kind, author, at, parent, thread, title, body, length, url, score, removed, external_id in fetch_rows(
            rows, stream=True
        ):
            if author in bots:
                continue
            yield Message(
                id_, kind == post, author, author is not None and author not in deleted, int(at), parent, thread,
                title, body or "", length or 0, url, score, bool(removed), external_id, named.get(id_, ()),
            )  # fmt: skip
        upper = lower


def _mentions(community: Community, *, lower: datetime, upper: datetime) -> dict[int, tuple[int, ...]]:
    """Who each message of a month names (@name), by message id: the connectors store a mention as
    an interaction of its own, dated as its message, pointing at it (``parent``) and at the person
    named (``target``). A flat chat channel's replies are read from them (insight.analysis.conversations)."""
    named: dict[int, tuple[int, ...]] = {}
    rows = Interaction.objects.filter(
        community=community, kind=InteractionKind.MENTION, posted_at__gte=lower, posted_at__lt=upper,
        parent__isnull=False, target__isnull=False,
    ).values_list("parent_id", "target_id")  # fmt: skip
    for message_id, target in rows:
        named[message_id] = (*named.get(message_id, ()), target)
    return named


def monthly_activity(community: Community) -> list[dict]:
    """Every month of the community's history (UTC): posts and replies, members active, members new."""
    active = (
        _talk(community)
        .filter(posted_at__lte=now())
        .annotate(month=TruncMonth("posted_at", tzinfo=UTC))
        .order_by()
        .values("month")
        .annotate(interactions=Count("id"), active_members=Count("author", distinct=True))
    )
    new = (
        Membership.objects.filter(community=community, first_seen_at__isnull=False, identity__is_bot=False)
        .annotate(month=TruncMonth("first_seen_at", tzinfo=UTC))
        .order_by()
        .values("month")
        .annotate(members=Count("id"))
    )
    new_by_month = {_month(row["month"]): row["members"] for row in new}
    rows = {_month(row["month"]): row for row in active}
    if not rows:
        return []
    first, last = min(rows), max(rows)
    months = []
    year, number = int(first[:4]), int(first[5:])
    while f"{year}-{number:02d}" <= last:  # every month, the silent ones too
        key = f"{year}-{number:02d}"
        row = rows.get(key, {})
        months.append({
            "month": key,
            "interactions": row.get("interactions", 0),
            "active_members": row.get("active_members", 0),
            "new_members": new_by_month.get(key, 0),
        })  # fmt: skip
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def _month(value) -> str:
    if isinstance(value, str):  # SQLite without the ORM's conversion
        return value[:7]
    return f"{value.year}-{value.month:02d}"


def community_timezone(community: Community, override: str | None = None) -> str:
    """The time zone the community's rhythms are shown in: an explicit choice, the community's
    own, or UTC. Raises ValueError for a name the time-zone database does not know."""
    name = override or community.timezone or "UTC"
    if not is_timezone(name):
        raise ValueError(f"unknown time zone {name[:80]!r} (use a name such as Europe/Berlin or America/New_York)")
    return name


def compute_insight(
    community: Community, *, timezone: str | None = None, end: datetime | None = None, days: int = WINDOW_DAYS
) -> dict:
    """The insight document of a community, computed now (not stored)."""
    zone = community_timezone(community, timezone)
    start, end = insight_window(community, days=days, end=end)
    bots = Interaction.objects.filter(
        community=community, kind__in=TALK, posted_at__gte=start, posted_at__lte=end, author__is_bot=True
    ).count()
    future = _talk(community).filter(posted_at__gt=now()).count()
    context = Context(
        key=community.key,
        name=community.name,
        platform=community.platform,
        start=int(start.timestamp()),
        end=int(end.timestamp()),
        timezone=zone,
        monthly=monthly_activity(community),
        guidelines=list(community.guidelines or []),
        own_sites=frozenset({host(community.url)} - {""}),
        language=community.language,
        bots_left_out=bots,
        future_left_out=future,
    )
    return build_insight(messages(community, start=start, end=end), context)


def refresh_insight(community: Community, *, timezone: str | None = None, end: datetime | None = None):
    """Compute and keep a community's insight; older ones beyond ``CommunityInsight.KEEP`` go."""
    started = time.perf_counter()
    document = compute_insight(community, timezone=timezone, end=end)
    seconds = round(time.perf_counter() - started, 2)
    document["seconds"] = seconds
    with transaction.atomic():
        insight = CommunityInsight.objects.create(
            community=community, seconds=seconds, messages=document["basis"]["messages"], document=document
        )
        stale = CommunityInsight.objects.filter(community=community).values_list("pk", flat=True)[
            CommunityInsight.KEEP :
        ]
        CommunityInsight.objects.filter(pk__in=list(stale)).delete()
    logger.info("insight into %s: %s messages in %.1f s", community.key, insight.messages, seconds)
    return insight
