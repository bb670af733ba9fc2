"""Refresh what members wrote in a community (``MemberWriting``, ``MemberTerm``), after a ranking.

Computed on rank, not on read: Discover's "talks about" then asks an index, whatever the number
of interactions. Every ranking queues ``graph.tasks.refresh_member_vocabulary`` once the run is
committed (``graph.adapter.rank_community``), so the ``rank`` command, the admin's *Rank now*, the
periodic syncs and the demo all build it; for data imported before this existed, ``rank`` it.

Like the adapter, this module reads the ORM; the counting is pure (``graph.terms``).
Cost: one streamed pass over the community's posts and replies, tokenized in Python (about 10 s a
million short texts), then one COPY (PostgreSQL) or batched inserts of the terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from crm.database import fetch_rows
from graph.terms import member_terms
from influencers.models import Community, Interaction, InteractionKind, Membership, MemberTerm, MemberWriting

WRITE_BATCH = 5000
EPOCH = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weeks counted from it start on Mondays


@dataclass
class _Member:
    texts: list[str] = field(default_factory=list)
    weeks: set[int] = field(default_factory=set)
    last: datetime | None = None


@dataclass(frozen=True)
class Refreshed:
    members: int
    terms: int


def community_vocabulary_refresh(*, community: Community) -> Refreshed:
    """Replace the community's member writing and terms with what its interactions say now.

    Reads every post and reply not removed (a removed text's placeholder is not the member's
    words), member after member, so only one member's texts are held at once."""
    membership_of = dict(Membership.objects.filter(community=community).order_by().values_list("identity_id", "pk"))
    rows = fetch_rows(
        Interaction.objects.filter(
            community=community,
            author__isnull=False,
            kind__in=[InteractionKind.POST, InteractionKind.COMMENT],
            is_removed=False,
        )
        .order_by("author_id")
        .values_list("author_id", "title", "text", "posted_at"),
        stream=True,
    )
    now = timezone.now()
    writings: list[MemberWriting] = []
    terms: list[tuple[int, str, int]] = []

    def flush(author: int, member: _Member) -> None:
        membership = membership_of.get(author)
        if membership is None:  # written since the memberships were refreshed: next time
            return
        writings.append(
            MemberWriting(
                membership_id=membership, texts=len(member.texts), weeks_active=len(member.weeks),
                last_written_at=member.last, refreshed_at=now,
            )
        )  # fmt: skip
        for term, uses in member_terms(member.texts, language=community.language).items():
            terms.append((membership, term, uses))

    current, member = None, _Member()
    for author, title, text, posted_at in rows:
        if author != current:
            if current is not None:
                flush(current, member)
            current, member = author, _Member()
        if isinstance(posted_at, str):  # SQLite through a raw cursor
            posted_at = datetime.fromisoformat(posted_at)
        if posted_at.tzinfo is None:
            posted_at = posted_at.replace(tzinfo=UTC)
        member.texts.append(f"{title}\n{text}" if title else text)
        member.weeks.add((posted_at - EPOCH).days // 7)
        member.last = posted_at if member.last is None or posted_at > member.last else member.last
    if current is not None:
        flush(current, member)
    # Members who only reacted (or whose texts were all removed) wrote nothing: a row all the same.
    written = {w.membership_id for w in writings}
    writings += [
        MemberWriting(membership_id=pk, texts=0, weeks_active=0, refreshed_at=now)
        for pk in membership_of.values()
        if pk not in written
    ]
    _replace(community, writings, terms)
    return Refreshed(members=len(written), terms=len(terms))


@transaction.atomic
def _replace(community: Community, writings: list[MemberWriting], terms: list[tuple[int, str, int]]) -> None:
    MemberTerm.objects.filter(membership__community=community).delete()
    MemberWriting.objects.filter(membership__community=community).delete()
    MemberWriting.objects.bulk_create(writings, batch_size=WRITE_BATCH)
    if connection.vendor == "postgresql":
        from influencers.ingest.postgres import pg_cursor

        table = MemberTerm._meta.db_table
        with pg_cursor() as cursor, cursor.copy(f"COPY {table} (membership_id, term, uses) FROM STDIN") as copy:
            for row in terms:
                copy.write_row(row)
    else:
        MemberTerm.objects.bulk_create(
            (MemberTerm(membership_id=m, term=t, uses=u) for m, t, u in terms), batch_size=WRITE_BATCH
        )
