"""The one place where the ranking meets the database: load a community's window as plain values,
rank it with the pure functions, and write a RankingRun / MemberScore snapshot.

Loading aggregates in SQL (distinct active days, ties per day and kind, the newest texts of each
member) so that a million interactions arrive as a few hundred thousand small rows.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber, Substr, TruncDate
from django.utils import timezone

from graph.scoring import ALGORITHM_VERSION, CommunityData, Member, Ranking, rank
from influencers import services
from influencers.models import (
    Community,
    Interaction,
    InteractionKind,
    MemberScore,
    Membership,
    RankingRun,
    RankingStatus,
)  # fmt: skip

logger = logging.getLogger(__name__)
WINDOW_DAYS = 365
TEXTS_PER_MEMBER = 30  # the newest texts of each member: enough for language and promotion
TEXT_CHARS = 1000
EPOCH = date(1970, 1, 1).toordinal()
WRITE_BATCH = 2000


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
    return end - timedelta(days=days), end


def load_community(community: Community, *, start: datetime, end: datetime, language: str = "en") -> CommunityData:
    window = Interaction.objects.filter(community=community, posted_at__gte=start, posted_at__lte=end)
    authored = window.filter(author__isnull=False)
    active_days: dict[int, list[int]] = {}
    for author, day in (
        authored.exclude(kind=InteractionKind.REACTION)
        .annotate(day=TruncDate("posted_at"))
        .values_list("author_id", "day")
        .distinct()
    ):
        active_days.setdefault(author, []).append(_day(day))
    ties = [
        (author, target, kind, _day(day))
        for author, target, kind, day in authored.filter(target__isnull=False)
        .annotate(day=TruncDate("posted_at"))
        .values_list("author_id", "target_id", "kind", "day")
        .distinct()
    ]
    texts: dict[int, list[str]] = {}
    newest = (
        authored.filter(kind__in=[InteractionKind.POST, InteractionKind.COMMENT])
        .exclude(Q(text="") & Q(title=""))
        .annotate(
            row=Window(RowNumber(), partition_by=[F("author_id")], order_by=F("posted_at").desc()),
            body=Substr("text", 1, TEXT_CHARS),
        )
        .filter(row__lte=TEXTS_PER_MEMBER)
        .values_list("author_id", "title", "body", "url")
    )
    for author, title, body, url in newest:
        text = f"{title}\n{body}" if title else body
        if url and url not in text and "reddit.com" not in url:
            text = f"{text}\n{url}"
        texts.setdefault(author, []).append(text)
    members = {
        identity_id: Member(handle, not (is_bot or is_deleted), reach, reach_kind)
        for identity_id, handle, is_bot, is_deleted, reach, reach_kind in Membership.objects.filter(
            community=community, identity_id__in=list(active_days)
        ).values_list(
            "identity_id", "identity__handle", "identity__is_bot", "identity__is_deleted", "identity__reach",
            "identity__reach_kind",
        )
    }  # fmt: skip
    return CommunityData(
        members=members,
        active_days=active_days,
        ties=ties,
        texts=texts,
        first_day=_day(max(start, authored.order_by("posted_at").values_list("posted_at", flat=True).first() or start)),
        last_day=_day(end),
        interactions=window.count(),
        language=language,
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
    known = set(Membership.objects.filter(community=community).values_list("identity_id", flat=True))
    authors = set(
        Interaction.objects.filter(community=community, posted_at__gte=start, author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )
    if authors - known:
        services.community_memberships_refresh(community=community)
    run = RankingRun.objects.create(
        community=community,
        algorithm_version=ALGORITHM_VERSION,
        window_start=start,
        window_end=end,
        parameters={"window_days": days, "texts_per_member": TEXTS_PER_MEMBER},
    )
    try:
        data = load_community(community, start=start, end=end)
        ranking = rank(data, weights=weights)
        _write_snapshot(run, community, ranking, data)
    except BaseException as error:
        RankingRun.objects.filter(pk=run.pk).update(
            status=RankingStatus.FAILED, finished_at=timezone.now(), message=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    run.refresh_from_db()
    return run, ranking


@transaction.atomic
def _write_snapshot(run: RankingRun, community: Community, ranking: Ranking, data: CommunityData) -> None:
    membership_of = dict(
        Membership.objects.filter(community=community, identity_id__in=[r.member for r in ranking.results]).values_list(
            "identity_id", "pk"
        )
    )
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
    # Every membership points at its score in this run, or at nothing if it no longer ranks.
    Membership.objects.filter(community=community).update(
        latest_score=Subquery(MemberScore.objects.filter(run=run, membership=OuterRef("pk")).values("pk")[:1])
    )
    RankingRun.objects.filter(pk=run.pk).update(
        status=RankingStatus.COMPLETED,
        finished_at=timezone.now(),
        ranked_members=len(ranking.results),
        message=ranking.message,
        parameters=run.parameters | ranking.parameters | {"vocabulary": ranking.vocabulary},
    )
