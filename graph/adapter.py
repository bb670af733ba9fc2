"""The one place where the ranking meets the database: load a community's window as plain values,
rank it with the pure functions, and write a RankingRun / MemberScore snapshot.

Loading aggregates in SQL (distinct active days, ties per day and kind, the newest texts of each
member) so that a million interactions arrive as a few hundred thousand small rows.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

from django.db import connection, connections, transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Window
from django.db.models.functions import Mod, RowNumber, Substr
from django.utils import timezone

from crm.database import fetch_rows, write_despite_a_broken_connection
from graph.promotion import host
from graph.scoring import (
    ALGORITHM_VERSION,
    MIN_INTERACTIONS,
    MIN_MEMBERS,
    CommunityData,
    Member,
    Ranking,
    TextReader,
    rank,
)
from influencers import services
from influencers.models import (
    Community,
    Interaction,
    InteractionKind,
    MemberScore,
    Membership,
    RankingRun,
    RankingStatus,
    RemovedBy,
)  # fmt: skip
from influencers.signals import ranking_completed

logger = logging.getLogger(__name__)
WINDOW_DAYS = 365
TEXTS_PER_MEMBER = 15  # texts read per member, spread over their window: enough for language and promotion
TEXT_CHARS = 600  # about the TOKENS_PER_TEXT words the language model reads
EPOCH = date(1970, 1, 1).toordinal()
WRITE_BATCH = 2000
# A post's score when nobody but its author has voted: Reddit counts the author's own upvote.
SCORE_BASELINE = {"reddit": 1}
QUARTER_DAYS = 91


class NothingToRank(Exception):
    """The community has no activity at all."""


def _day(value: date | datetime) -> int:
    if isinstance(value, datetime):
        value = value.date()
    return value.toordinal() - EPOCH


def ranking_window(community: Community, *, days: int = WINDOW_DAYS, end: datetime | None = None):
    """By default the 12 months up to the community's latest activity (imports may be years old)."""
    if end is None:
        end = Interaction.objects.filter(community=community).order_by("-posted_at").values_list(
            "posted_at", flat=True
        ).first()  # fmt: skip
    if end is None:
        raise NothingToRank(f"{community.key} has no activity to rank yet")
    start = end - timedelta(days=days)
    activity = Interaction.objects.filter(community=community)
    if not activity.filter(posted_at__gte=start, posted_at__lte=end).exists():
        first = activity.order_by("posted_at").values_list("posted_at", flat=True).first()
        last = activity.order_by("-posted_at").values_list("posted_at", flat=True).first()
        raise NothingToRank(
            f"{community.key} has no activity from {start:%Y-%m-%d} to {end:%Y-%m-%d}; "
            f"its activity runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )
    return start, end


class EpochDay(Func):
    """Days since 1970-01-01 (UTC) of a datetime column, computed by the database: a million
    rows then arrive as small integers instead of dates to convert in Python."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 86400)::integer", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # The date part only: julianday() of a full timestamp rounds to the millisecond.
        template = "CAST(julianday(substr(%(expressions)s, 1, 10)) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _in_own_connection(function, *args):
    try:
        return function(*args)
    finally:
        connections.close_all()  # this thread's connection


def _read_texts(authored, own_sites: frozenset):
    """A sample of each member's texts, read (tokenized, promotion measured) member after member as
    they arrive, so the raw texts of a million interactions are never all held at once.

    The sample is TEXTS_PER_MEMBER texts spread evenly over the member's window (the first of each
    of that many equal runs of their texts, newest first), not their newest: a member's newest
    texts may all be short thanks, or one week's burst, and say little of how they write. Removed
    texts are not read: a placeholder ("[deleted]", "This post was flagged by the community…") is
    not the member's words."""
    written = (
        authored.filter(kind__in=[InteractionKind.POST, InteractionKind.COMMENT], is_removed=False)
        .exclude(Q(text="") & Q(title=""))
        .annotate(
            row=Window(RowNumber(), partition_by=[F("author_id")], order_by=F("posted_at").desc()),
            texts=Window(Count("id"), partition_by=[F("author_id")]),
        )
    )
    # Row i (from 0) of n opens one of TEXTS_PER_MEMBER equal runs when i·K mod n < K: exactly K
    # rows when n ≥ K, every row when fewer.
    sample = (
        written.annotate(run=Mod((F("row") - 1) * TEXTS_PER_MEMBER, F("texts")), body=Substr("text", 1, TEXT_CHARS))
        .filter(run__lt=TEXTS_PER_MEMBER)
        .values_list("author_id", "title", "body", "url")
        .order_by("author_id")
    )
    reader = TextReader(own_sites)
    current, texts = None, []
    for author, title, body, url in fetch_rows(sample, stream=True):
        if author != current:
            if texts:
                reader.add(current, texts)
            current, texts = author, []
        text = f"{title}\n{body}" if title else body
        if url and url not in text and host(url) not in own_sites:  # a link post's link, not its own permalink
            text = f"{text}\n{url}"
        texts.append(text)
    if texts:
        reader.add(current, texts)
    return reader.corpus, reader.promotions


def _contributions(authored, baseline: int) -> tuple[dict, dict, dict, dict]:
    """Per member: posts and comments written, how many the community took down, how many others
    appreciated (a score above ``baseline``), and how many would have been at the rate the
    community appreciated everyone's of the same kind in the same quarter — voting habits differ
    between posts and replies, and over the years (a forum that imported its first years had no
    likes then). One pass over the window, grouped by member, kind and quarter."""
    groups = list(
        fetch_rows(
            authored.filter(kind__in=[InteractionKind.POST, InteractionKind.COMMENT])
            .annotate(quarter=EpochDay("posted_at") / QUARTER_DAYS)
            .values("author_id", "kind", "quarter")
            .annotate(
                n=Count("id"),
                removed=Count("id", filter=Q(removed_by=RemovedBy.COMMUNITY)),
                liked=Count("id", filter=Q(score__gt=baseline) & ~Q(removed_by=RemovedBy.COMMUNITY)),
            )
            .values_list("author_id", "kind", "quarter", "n", "removed", "liked")
        )
    )
    kept, liked_in = defaultdict(int), defaultdict(int)
    for _author, kind, quarter, n, taken_down, liked in groups:
        kept[(kind, quarter)] += n - taken_down
        liked_in[(kind, quarter)] += liked
    written, removed, appreciated, expected = defaultdict(int), {}, {}, defaultdict(float)
    for author, kind, quarter, n, taken_down, liked in groups:
        written[author] += n
        if taken_down:
            removed[author] = removed.get(author, 0) + taken_down
        if liked:
            appreciated[author] = appreciated.get(author, 0) + liked
        if kept[(kind, quarter)]:
            expected[author] += (n - taken_down) * liked_in[(kind, quarter)] / kept[(kind, quarter)]
    return dict(written), removed, appreciated, dict(expected)


def _earlier_days(community: Community, *, start: datetime, members) -> dict[int, list[int]]:
    """The members' active days before the window: trust is built over years (graph.consistency,
    presence). What the community took down does not count, as in the window."""
    earlier: dict[int, list[int]] = {}
    for author, day in fetch_rows(
        Interaction.objects.filter(community=community, posted_at__lt=start, author_id__isnull=False)
        .exclude(kind=InteractionKind.REACTION)
        .exclude(removed_by=RemovedBy.COMMUNITY)
        .order_by()
        .annotate(day=EpochDay("posted_at"))
        .values_list("author_id", "day")
        .distinct()
    ):
        if author in members:
            earlier.setdefault(author, []).append(day)
    return earlier


def _members(community: Community, active) -> tuple[dict[int, Member], dict[int, int]]:
    """The active members (who may rank, their reach) and the day each was first seen."""
    members, first_seen = {}, {}
    for identity_id, handle, is_bot, is_deleted, reach, reach_kind, seen in Membership.objects.filter(
        community=community, identity_id__in=active
    ).values_list(
        "identity_id", "identity__handle", "identity__is_bot", "identity__is_deleted", "identity__reach",
        "identity__reach_kind", "first_seen_at",
    ).iterator(chunk_size=WRITE_BATCH):  # fmt: skip
        members[identity_id] = Member(handle, not (is_bot or is_deleted), reach, reach_kind)
        if seen is not None:
            first_seen[identity_id] = _day(seen)
    return members, first_seen


def load_community(community: Community, *, start: datetime, end: datetime, language: str = "en") -> CommunityData:
    # No ordering: with DISTINCT the ORM would select the default ordering column too.
    window = Interaction.objects.filter(community=community, posted_at__gte=start, posted_at__lte=end).order_by()
    authored = window.filter(author__isnull=False)
    own_sites = frozenset({host(community.url)} - {""})
    # On PostgreSQL, outside a transaction, members' texts are fetched on a second connection while
    # this one loads activity and ties: the database sorts texts while Python reads the rest.
    texts_future = None
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rank-texts")
        texts_future = pool.submit(_in_own_connection, _read_texts, authored, own_sites)
        pool.shutdown(wait=False)
    # What the community took down (its moderators, its members' flags) is not participation nor a
    # tie; it counts against the member's alignment. What an author took back still happened.
    kept = authored.exclude(removed_by=RemovedBy.COMMUNITY)
    active_days: dict[int, list[int]] = {}
    for author, day in fetch_rows(
        kept.exclude(kind=InteractionKind.REACTION)
        .annotate(day=EpochDay("posted_at"))
        .values_list("author_id", "day")
        .distinct()
    ):
        active_days.setdefault(author, []).append(day)
    ties = list(
        fetch_rows(
            kept.filter(target__isnull=False)
            .annotate(day=EpochDay("posted_at"))
            .values_list("author_id", "target_id", "kind", "day")
            .distinct()
        )
    )
    earlier_days = _earlier_days(community, start=start, members=active_days.keys())
    written, removed, appreciated, expected = _contributions(authored, SCORE_BASELINE.get(community.platform, 0))
    # Conversations joined: the different threads a member replied in (a Discourse topic, a
    # question, a submission, a chat thread or channel), as Discourse's "Regular" counts topics
    # replied to. Threads they started count when they answer in them.
    conversations = dict(
        fetch_rows(
            kept.filter(kind=InteractionKind.COMMENT)
            .exclude(thread_external_id="")
            .values("author_id")
            .annotate(n=Count("thread_external_id", distinct=True))
            .values_list("author_id", "n")
        )
    )
    texts_read = texts_future.result() if texts_future else _read_texts(authored, own_sites)
    members, first_seen = _members(community, active_days.keys())
    return CommunityData(
        members=members,
        active_days=active_days,
        ties=ties,
        texts={},
        texts_read=texts_read,
        first_seen=first_seen,
        earlier_days=earlier_days,
        conversations=conversations,
        written=written,
        appreciated=appreciated,
        expected_appreciation=expected,
        removed=removed,
        own_sites=own_sites,
        first_day=_day(max(start, authored.order_by("posted_at").values_list("posted_at", flat=True).first() or start)),
        last_day=_day(end),
        interactions=window.count(),
        language=language,
    )


def older_activity_message(community: Community, *, start: datetime, end: datetime, ranked: int, data) -> str:
    """When a window holds too little to rank and the community's activity lies before it (a dump
    of old comments and one stray recent post: the default window ends at the newest), say so and
    how to rank it. Empty otherwise."""
    if data.interactions >= MIN_INTERACTIONS and ranked >= MIN_MEMBERS:
        return ""
    older = Interaction.objects.filter(community=community, posted_at__lt=start)
    count = older.count()
    if count <= data.interactions:
        return ""
    newest = older.order_by("-posted_at").values_list("posted_at", flat=True).first()
    longer = (end - newest).days + WINDOW_DAYS
    members = "1 member" if ranked == 1 else f"{ranked:,} members"
    held = "1 interaction" if data.interactions == 1 else f"{data.interactions:,} interactions"
    return (
        f"This window ({start:%Y-%m-%d} → {end:%Y-%m-%d}) holds {held} by {members}; "
        f"{count:,} more are older, the newest of them on {newest:%Y-%m-%d}. To rank those, end the window "
        f"there (rank --end {newest:%Y-%m-%d}) or make it longer (rank --days {longer})."
    )


def rank_community(
    community: Community,
    *,
    days: int = WINDOW_DAYS,
    end: datetime | None = None,
    weights: dict | None = None,
) -> tuple[RankingRun, Ranking]:
    """Rank one community and keep the snapshot; returns the run and the ranking (best first).

    Members whose memberships are missing (data written by hand, not imported) get them first.
    A failure leaves the run marked failed with the error, and no partial scores.
    """
    start, end = ranking_window(community, days=days, end=end)
    without_membership = Interaction.objects.filter(
        community=community, posted_at__gte=start, author__isnull=False
    ).exclude(Exists(Membership.objects.filter(community=community, identity=OuterRef("author"))))
    if without_membership.exists():
        services.community_memberships_refresh(community=community)
    run = RankingRun.objects.create(
        community=community,
        algorithm_version=ALGORITHM_VERSION,
        window_start=start,
        window_end=end,
        parameters={"window_days": days, "texts_per_member": TEXTS_PER_MEMBER},
    )
    try:
        data = load_community(community, start=start, end=end, language=community.language)
        ranking = rank(data, weights=weights)
        older = older_activity_message(community, start=start, end=end, ranked=len(ranking.results), data=data)
        ranking.message = " ".join(part for part in (older, ranking.message) if part)
        _write_snapshot(run, community, ranking, data)
    except BaseException as error:
        message = f"{type(error).__name__}: {error}"[:2000]
        write_despite_a_broken_connection(
            lambda: RankingRun.objects.filter(pk=run.pk).update(
                status=RankingStatus.FAILED, finished_at=timezone.now(), message=message
            ),
            f"the failure of ranking run {run.pk}",
        )
        raise
    run.refresh_from_db()
    transaction.on_commit(lambda: ranking_completed.send_robust(sender=RankingRun, run=run))
    return run, ranking


@transaction.atomic
def _write_snapshot(run: RankingRun, community: Community, ranking: Ranking, data: CommunityData) -> None:
    membership_of = dict(Membership.objects.filter(community=community).order_by().values_list("identity_id", "pk"))
    if connection.vendor == "postgresql":
        _copy_scores(run, ranking, membership_of)
    else:
        MemberScore.objects.bulk_create(
            (
                MemberScore(
                    run=run, membership_id=membership_of[r.member], rank=r.rank, score=r.score,
                    consistency=r.consistency, embeddedness=r.embeddedness, alignment=r.alignment,
                    details=r.details, reasons=r.reasons, reach=r.reach,
                )
                for r in ranking.results
            ),
            batch_size=WRITE_BATCH,
        )  # fmt: skip
    _point_memberships_at(run, community)
    RankingRun.objects.filter(pk=run.pk).update(
        status=RankingStatus.COMPLETED,
        finished_at=timezone.now(),
        ranked_members=len(ranking.results),
        message=ranking.message,
        parameters=run.parameters | ranking.parameters | {"vocabulary": ranking.vocabulary},
    )


def _copy_scores(run: RankingRun, ranking: Ranking, membership_of: dict) -> None:
    """PostgreSQL: one COPY for the whole snapshot (bulk_create took 10 s for 50,000 members)."""
    import orjson

    from crm.database import pg_cursor

    columns = "run_id, membership_id, rank, score, consistency, embeddedness, alignment, details, reasons, reach"
    with pg_cursor() as cursor, cursor.copy(f"COPY {MemberScore._meta.db_table} ({columns}) FROM STDIN") as copy:
        for r in ranking.results:
            copy.write_row(
                (
                    run.pk, membership_of[r.member], r.rank, r.score, r.consistency, r.embeddedness, r.alignment,
                    orjson.dumps(r.details).decode(), orjson.dumps(r.reasons).decode(), r.reach,
                )
            )  # fmt: skip


def _point_memberships_at(run: RankingRun, community: Community) -> None:
    """Every membership points at its score in this run, or at nothing if it no longer ranks —
    unless a completed run covers a later window (ranking history after the fact changes nothing)."""
    newer = RankingRun.objects.filter(
        community=community, status=RankingStatus.COMPLETED, window_end__gt=run.window_end
    ).exclude(pk=run.pk)
    if newer.exists():
        return
    scores = MemberScore.objects.filter(run=run, membership=OuterRef("pk"))
    Membership.objects.filter(community=community, latest_score__isnull=False).exclude(Exists(scores)).update(
        latest_score=None
    )
    if connection.vendor == "postgresql":
        # Each row written once, joined by hash: a correlated subquery per row took seconds at 50,000.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Membership._meta.db_table} AS m SET latest_score_id = s.id "
                f"FROM {MemberScore._meta.db_table} AS s WHERE s.run_id = %s AND s.membership_id = m.id",
                [run.pk],
            )
    else:  # SQLite before 3.33 has no UPDATE ... FROM
        Membership.objects.filter(community=community).filter(Exists(scores)).update(
            latest_score=Subquery(scores.values("pk")[:1])
        )
