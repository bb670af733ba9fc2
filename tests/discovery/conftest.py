"""Ranked members in several communities, built directly (a ranking per community would take
seconds each): each with a score, a rank, a last activity, weeks active and the terms they use."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from influencers.models import (
    Community,
    Identity,
    MemberScore,
    Membership,
    MemberTerm,
    MemberWriting,
    Platform,
    RankingRun,
    RankingStatus,
)


@pytest.fixture
def coffee(db):
    return Community.objects.create(platform=Platform.REDDIT, external_id="coffee", name="Coffee")


@pytest.fixture
def pens(db):
    return Community.objects.create(platform=Platform.DISCOURSE, external_id="https://pens.example", name="Pen Forum")


@pytest.fixture
def scored(db):
    runs: dict[int, RankingRun] = {}

    def make(community, handle, *, score, rank, days_ago=3, weeks=10, terms=None, **identity):
        run = runs.get(community.pk)
        if run is None:
            end = timezone.now()
            run = runs[community.pk] = RankingRun.objects.create(
                community=community, status=RankingStatus.COMPLETED, algorithm_version="test",
                window_start=end - timedelta(days=365), window_end=end, ranked_members=100,
            )  # fmt: skip
        person = Identity.objects.create(
            platform=community.platform, external_id=f"{community.pk}:{handle}", handle=handle, **identity
        )
        membership = Membership.objects.create(
            identity=person, community=community,
            last_seen_at=None if days_ago is None else timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip
        membership.latest_score = MemberScore.objects.create(
            run=run, membership=membership, rank=rank, score=score, consistency=score, embeddedness=score,
            alignment=score, reasons=["Answers newcomers."],
        )  # fmt: skip
        membership.save(update_fields=["latest_score"])
        MemberWriting.objects.create(
            membership=membership, texts=weeks, weeks_active=weeks, refreshed_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        for term, uses in (terms or {}).items():
            MemberTerm.objects.create(membership=membership, term=term, uses=uses)
        return membership

    return make
