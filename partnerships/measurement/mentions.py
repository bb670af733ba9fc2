"""Finding a brand's mentions in the communities it cares about, and whether it was there.

A write service: it records BrandMention rows. Each community is read once, up to the newest
interaction, and afterwards only from where the last reading stopped; a change of the brand's
names reads it again from the start. Texts are pre-filtered in the database (only those
containing a name's first word or the brand's site come back), then matched exactly by
``mention_detection`` (pure functions on text). The brand's own accounts' texts are not mentions:
they are the brand talking.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Value

from influencers.ingest.service import import_lock_key
from influencers.models import Community, Identity, Interaction, InteractionKind
from partnerships.measurement.mention_detection import BrandMatcher, brand_matcher, read_mention
from partnerships.models import Brand, BrandMention, MentionScan

WRITE_BATCH = 2000


def brand_names(brand: Brand) -> list[str]:
    return [brand.name, *(brand.aliases or []), *(brand.product_terms or [])]


def brand_websites(brand: Brand) -> list[str]:
    return [brand.website] if brand.website else []


def _names_key(brand: Brand) -> str:
    names = sorted({" ".join(n.lower().split()) for n in brand_names(brand) if n}) + brand_websites(brand)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:64]


def brand_communities(brand: Brand):
    """The communities a brand cares about: where it has a stance, and its partnerships' communities."""
    return (
        Community.objects.filter(Q(brand_stances__brand=brand) | Q(partnerships__brand=brand))
        .distinct()
        .order_by("platform", "external_id")
    )


def partner_identity_ids(brand: Brand) -> set[int]:
    """Accounts of the creators the brand has partnered with (a partnership that has started)."""
    return set(
        Identity.objects.filter(
            creator__partnerships__brand=brand, creator__partnerships__started_on__isnull=False
        ).values_list("id", flat=True)
    )


def _prefilter(matcher: BrandMatcher) -> Q:
    """Texts that could name the brand: they contain a name's first word or a site of the brand."""
    words = {name.split()[0] for name in matcher.names} | set(matcher.hosts)
    condition = Q()
    for word in sorted(words):
        condition |= Q(text__icontains=word) | Q(title__icontains=word)
    return condition


@dataclass
class ScanSummary:
    communities: int = 0
    read_from_start: list[str] = field(default_factory=list)
    candidates: int = 0
    found: int = 0


def brand_mentions_refresh(*, brand: Brand) -> ScanSummary:
    """Record the brand's new mentions in each of its communities and who took part in their threads."""
    summary = ScanSummary()
    matcher = brand_matcher(brand_names(brand), brand_websites(brand))
    officials = set(brand.official_identities.values_list("id", flat=True))
    partners = partner_identity_ids(brand)
    for community in brand_communities(brand):
        summary.communities += 1
        if matcher is not None:
            _scan(brand, community, matcher, officials, summary)
        _mark_presence(brand, community, officials, partners)
    return summary


@transaction.atomic
def _scan(brand: Brand, community: Community, matcher: BrandMatcher, officials: set[int], summary) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # no import of this community is half-way while we read
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [import_lock_key(community)])
    key = _names_key(brand)
    scan, _ = MentionScan.objects.select_for_update().get_or_create(
        brand=brand, community=community, defaults={"names_key": key}
    )
    if scan.names_key != key:
        BrandMention.objects.filter(brand=brand, community=community).delete()
        scan.names_key, scan.last_interaction_id = key, 0
        summary.read_from_start.append(community.key)
    newest = (
        Interaction.objects.filter(community=community, id__gt=scan.last_interaction_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if newest is None:
        scan.save()
        return
    candidates = (
        Interaction.objects.filter(
            _prefilter(matcher),
            community=community,
            id__gt=scan.last_interaction_id,
            id__lte=newest,
            kind__in=[InteractionKind.POST, InteractionKind.COMMENT],
        )
        .values_list("id", "author_id", "thread_external_id", "posted_at", "title", "text")
        .order_by("id")
    )
    batch = []
    for pk, author_id, thread, posted_at, title, text in candidates.iterator(chunk_size=5000):
        summary.candidates += 1
        if author_id in officials:
            continue
        reading = read_mention(f"{title}\n{text}" if title else text, matcher)
        if reading is None:
            continue
        batch.append(
            BrandMention(
                brand=brand, interaction_id=pk, community=community, author_id=author_id,
                thread_external_id=thread, posted_at=posted_at, matched_alias=reading.name[:200],
                sentiment=reading.sentiment, is_recommendation=reading.is_recommendation,
            )
        )  # fmt: skip
        if len(batch) >= WRITE_BATCH:
            summary.found += len(BrandMention.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        summary.found += len(BrandMention.objects.bulk_create(batch, ignore_conflicts=True))
    scan.last_interaction_id = newest
    scan.save()


def _mark_presence(brand: Brand, community: Community, officials: set[int], partners: set[int]) -> None:
    """Did the brand's accounts, or its partners, take part in each mention's thread? Recomputed
    every time: a creator who becomes a partner changes what was "in the brand's absence"."""

    def took_part(authors: set[int]):
        if not authors:
            return Value(False)  # nobody: false for every mention
        # A mention without a thread is in nobody's thread.
        return Exists(
            Interaction.objects.filter(
                community=community, thread_external_id=OuterRef("thread_external_id"), author_id__in=authors
            ).exclude(thread_external_id="")
        )

    BrandMention.objects.filter(brand=brand, community=community).update(
        brand_took_part=took_part(officials), partner_took_part=took_part(partners)
    )


def brands_to_measure_after_sync(community_ids: list[int]):
    """Brands that care about any of these communities (for the task queued after a sync)."""
    return Brand.objects.filter(
        Q(community_stances__community_id__in=community_ids) | Q(partnerships__communities__in=community_ids)
    ).distinct()
