"""Benchmark: a brand's relationship metrics across 5 communities holding 1,000,000 interactions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/measure_brand.py [--comments 1000000]

Creates a throw-away database beside DATABASE_URL's, imports a generated Reddit dump of five
subreddits (about 3 % of comments name the brand: praise, complaints, questions,
recommendations) through the ingest service, then sets up a brand watching all five with its
own account, three partnerships with creators from the most active members (started at different
times, with published deliverables) and referral events, and times ``brand_measure``: the first
run (every community read for mentions) and a second one (nothing new to read). Target: under
60 s. Prints the figures and the resident memory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import DEFAULT_URL, is_postgresql, throwaway_database  # noqa: E402

SUBREDDITS = ("fountainpens", "pens", "inks", "stationery", "notebooks")
TALK = (
    "I'd recommend Inkwell for a first bottle, it flows well.",
    "Inkwell Midnight Sheen is gorgeous on good paper.",
    "My Inkwell bottle arrived cracked and support took two weeks. Not impressed.",
    "Inkwell inks are fine but pricey for what they are.",
    "Has anyone tried the Scribe EF from Inkwell?",
    "Can't go wrong with Inkwell blue-black for work.",
    "Avoid the Inkwell shimmer, it clogged my converter.",
    "Ordered from https://inkwell.example/samples last week.",
)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    options = parser.parse_args(argv)
    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark")
    with throwaway_database("crm_measure") as name:
        run(options, name)


def setup_brand(communities):
    from django.db.models import Count

    from crm.models import Organization
    from influencers.models import Creator, Identity, Interaction
    from partnerships.models import Brand, CommunityStance, Deliverable, Partnership, ReferralLink, Stage
    from partnerships.referrals import referral_click_record

    organization = Organization.objects.create(name="Bench", slug="bench")
    brand = Brand.objects.create(
        organization=organization, name="Inkwell", slug="inkwell", aliases=["Inkwell & Nib"],
        product_terms=["Midnight Sheen", "Scribe EF"], website="https://inkwell.example",
    )  # fmt: skip
    for community in communities:
        CommunityStance.objects.create(brand=brand, community=community)
    most_active = list(
        Interaction.objects.filter(author__is_bot=False, author__is_deleted=False)
        .values("author")
        .annotate(n=Count("id"))
        .order_by("-n")[:4]
    )
    official, *creators = [Identity.objects.get(pk=row["author"]) for row in most_active]
    brand.official_identities.add(official)
    newest = Interaction.objects.latest("posted_at").posted_at
    for months_ago, identity in zip((10, 6, 2), creators, strict=True):
        creator = Creator.objects.create(display_name=identity.handle)
        identity.creator = creator
        identity.save()
        started = (newest - timedelta(days=30 * months_ago)).date()
        partnership = Partnership.objects.create(brand=brand, creator=creator, stage=Stage.ACTIVE, started_on=started)
        partnership.communities.add(*communities[:2])
        Deliverable.objects.create(
            partnership=partnership, title="Ink review", status="published",
            published_at=newest - timedelta(days=30 * months_ago - 20),
        )  # fmt: skip
        link = ReferralLink.objects.create(
            partnership=partnership, code=f"bench-{identity.pk}", destination_url="https://inkwell.example/"
        )
        for visitor in range(200):
            referral_click_record(
                link=link, address=f"10.0.{visitor // 250}.{visitor % 250}", user_agent="Mozilla/5.0 Bench",
                at=datetime.now(UTC) - timedelta(hours=visitor),
            )  # fmt: skip
    return brand


def run(options, database: str):
    import django

    django.setup()
    from django.core.management import call_command
    from generate_reddit_dump import generate

    from influencers.connectors import open_source
    from influencers.ingest.runs import sync_run_create
    from influencers.ingest.service import run_ingest
    from influencers.models import Community, Interaction
    from partnerships.measurement.services import brand_measure

    call_command("migrate", verbosity=0)
    dump = Path(tempfile.gettempdir()) / f"RC_measure_{options.comments}.ndjson.zst"
    if not dump.exists():
        generate(dump, comments=options.comments, subreddits=SUBREDDITS, talk=TALK, talk_rate=0.03)
    started = time.monotonic()
    run_ = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
    run_ingest(sync_run=run_, items=open_source("reddit-dump", run_.arguments))
    print(f"imported {Interaction.objects.count():,} interactions in {time.monotonic() - started:.1f} s")
    communities = list(Community.objects.order_by("external_id"))
    brand = setup_brand(communities)
    before = rss_mib()

    started = time.monotonic()
    first = brand_measure(brand=brand)
    first_seconds = time.monotonic() - started
    started = time.monotonic()
    second = brand_measure(brand=brand)
    second_seconds = time.monotonic() - started

    document = first.document
    mentions, scan = document["mentions"], document["counts"]["mention_scan"]
    interactions = document["counts"]["interactions"]
    print(f"brand across {len(communities)} communities, {interactions:,} interactions in its window")
    print(f"  first measurement (every community read):  {first_seconds:6.1f} s")
    print(f"    texts the pre-filter returned: {scan['texts_read']:,}; mentions found: {scan['new_mentions']:,}")
    print(
        f"    mentions {mentions['total']:,}: {mentions['in_absence']:,} in the brand's absence, "
        f"{mentions['organic_recommendations']:,} organic recommendations"
    )
    print(f"    partnerships measured: {sum(1 for p in document['partnerships'] if p.get('depth'))}")
    print(f"  second measurement (nothing new to read):   {second_seconds:6.1f} s")
    print(f"  peak resident memory: {rss_mib():.0f} MiB (before measuring: {before:.0f} MiB)")
    print(f"  target < 60 s: {'met' if max(first_seconds, second_seconds) < 60 else 'NOT met'}")
    assert second.document["counts"]["mention_scan"]["new_mentions"] == 0


if __name__ == "__main__":
    main()
