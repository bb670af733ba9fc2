"""Benchmark: Discover with 100,000 ranked members and 1,000,000 interactions on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/discover.py \\
        [--members 100000] [--interactions 1000000] [--communities 20] [--repeat 15]

Creates a throw-away database beside DATABASE_URL's, writes the members (identities, memberships,
one completed ranking per community with a score each) and their interactions with COPY — texts
of 8 to 25 words drawn from a Zipf-distributed vocabulary: English words plus each community's own
(grinder, burr, nib...) — then builds the member vocabulary with the real refresh
(``graph.vocabulary.community_vocabulary_refresh``, timed: what every ranking queues), ANALYZEs, and
times GET /discover/ through Django's test client (the whole request: middleware, queries,
template), printing the median and slowest server time and the number of queries of:
a filtered page (talks about + minimum score + two communities), the same page deep in the list
(a keyset cursor), the unfiltered first page, and "not in your pipelines" sorted by weeks active.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import migrated_postgresql  # noqa: E402

NICHES = {
    "coffee": "grinder burr espresso portafilter crema tamper dose pourover kettle roast beans ratio",
    "pens": "nib ink sheen converter piston feed fountain flex shimmer cartridge",
    "bikes": "derailleur cassette tubeless chainring gravel saddle cleats crankset",
    "keyboards": "keycaps switches lubed stabilizers tactile linear keycap plate hotswap",
    "plants": "monstera repotting aroid propagation substrate perlite humidity node",
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--keep", metavar="NAME",
        help="build into a new database NAME on DATABASE_URL's server and keep it (for --reuse)",
    )  # fmt: skip
    parser.add_argument("--reuse", metavar="NAME", help="time the pages on a database --keep built (no build)")
    options = parser.parse_args(argv)
    os.environ.update(DEBUG="1", DJANGO_SETTINGS_MODULE="crm.settings", ALLOWED_HOSTS="testserver")
    if options.keep or options.reuse:
        import psycopg

        server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
        if options.keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {options.keep}")
        os.environ["DATABASE_URL"] = f"{server}/{options.keep or options.reuse}"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        run(options)
        return
    with migrated_postgresql("crm_discoverbench"):
        run(options)


def texts(rng: random.Random, niche: list[str], general: list[str], n: int):
    """``n`` texts: Zipf-like draws from the community's words mixed into general English."""
    words = niche + general
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    for _ in range(n):
        yield " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(8, 25)))


def build(options, rng: random.Random):
    from django.contrib.auth import get_user_model
    from wordfreq import top_n_list

    from crm.models import Organization, OrganizationMember, Role
    from influencers.ingest.postgres import pg_cursor
    from influencers.models import Community, Creator, Identity, Interaction, MemberScore, Membership, RankingRun
    from partnerships.models import Brand, CommunityStance, Partnership

    org = Organization.objects.create(name="Bench", slug="bench")
    user = get_user_model().objects.create_user("bench", password="x", is_staff=True)
    OrganizationMember.objects.create(organization=org, user=user, role=Role.MANAGER)
    brand = Brand.objects.create(organization=org, name="Grindhouse", slug="grindhouse")
    niches = list(NICHES)
    communities = [
        Community.objects.create(platform="reddit", external_id=f"{niches[i % len(niches)]}{i}", name=f"c{i}")
        for i in range(options.communities)
    ]
    for community in communities[:2]:
        CommunityStance.objects.create(brand=brand, community=community, stance="observing")
    general = [w for w in top_n_list("en", 3000)[100:] if w.isalpha()]
    end = datetime(2026, 11, 30, tzinfo=UTC)
    started = time.perf_counter()
    identities = Identity.objects.bulk_create(
        (Identity(platform="reddit", external_id=f"u{i}", handle=f"u{i}", reach=rng.randint(0, 50_000),
                  reach_kind="karma") for i in range(options.members)), batch_size=5000,
    )  # fmt: skip
    community_of = [communities[i % len(communities)] for i in range(options.members)]
    memberships = Membership.objects.bulk_create(
        (Membership(identity=identities[i], community=community_of[i],
                    first_seen_at=end - timedelta(days=rng.randint(30, 700)),
                    last_seen_at=end - timedelta(days=rng.randint(0, 200)))
         for i in range(options.members)), batch_size=5000,
    )  # fmt: skip
    runs = {
        c.pk: RankingRun.objects.create(
            community=c, status="completed", algorithm_version="bench", window_start=end - timedelta(days=365),
            window_end=end, ranked_members=options.members // len(communities),
        )
        for c in communities
    }  # fmt: skip
    per_community: dict[int, list[int]] = {}
    for m in memberships:
        per_community.setdefault(m.community_id, []).append(m.pk)
    with (
        pg_cursor() as cursor,
        cursor.copy(
            f"COPY {MemberScore._meta.db_table} (run_id, membership_id, rank, score, consistency, embeddedness, "
            "alignment, details, reasons) FROM STDIN"
        ) as copy,
    ):
        for community_id, members in per_community.items():
            scores = sorted((round(rng.random(), 6) for _ in members), reverse=True)
            for rank, (membership_id, score) in enumerate(zip(members, scores, strict=True), start=1):
                copy.write_row(
                    (runs[community_id].pk, membership_id, rank, score, score, score, score, '{"participation": {}}',
                     '["Answers newcomers most weeks."]')
                )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Membership._meta.db_table} AS m SET latest_score_id = s.id "
            f"FROM {MemberScore._meta.db_table} AS s WHERE s.membership_id = m.id"
        )
    # A few hundred of them already in the brand's pipeline ("not in your pipelines" has work to do).
    for i in range(0, options.members, options.members // 300 or 1):
        creator = Creator.objects.create(display_name=f"u{i}")
        Identity.objects.filter(pk=identities[i].pk).update(creator=creator)
        Partnership.objects.create(brand=brand, creator=creator, stage="discovered")
    print(f"members, scores: {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    columns = "community_id, external_id, kind, author_id, posted_at, title, text, parent_external_id, " \
        "thread_external_id, url, score, is_removed, removed_by, imported_at"  # fmt: skip
    now = datetime.now(UTC)
    by_community = {c.pk: c for c in communities}
    with pg_cursor() as cursor, cursor.copy(f"COPY {Interaction._meta.db_table} ({columns}) FROM STDIN") as copy:
        generators = {
            c.pk: texts(rng, NICHES[niches[i % len(niches)]].split(), general, options.interactions)
            for i, c in enumerate(communities)
        }
        for n in range(options.interactions):
            i = rng.randrange(options.members)
            community_id = community_of[i].pk
            kind = "post" if n % 5 == 0 else "comment"
            copy.write_row(
                (community_id, f"x{n}", kind, identities[i].pk, end - timedelta(minutes=rng.randint(0, 500_000)),
                 "", next(generators[community_id]), "", "", "", rng.randint(0, 20), False, "", now)
            )  # fmt: skip
    print(f"interactions: {time.perf_counter() - started:.0f} s")

    from graph.vocabulary import community_vocabulary_refresh

    started = time.perf_counter()
    terms = 0
    for community in by_community.values():
        terms += community_vocabulary_refresh(community=community).terms
    refresh = time.perf_counter() - started
    print(
        f"member vocabulary (the refresh every ranking queues): {terms:,} terms of {options.members:,} members "
        f"in {refresh:.0f} s ({refresh / len(communities):.1f} s a community of "
        f"{options.interactions // len(communities):,} interactions)"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a large write: index-only scans
    return user, communities


def timed(client, url: str, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm
    assert response.status_code == 200, response.status_code
    connection.queries_log.clear()  # DEBUG logged the build's queries: a full log would count none
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        seconds.append(time.perf_counter() - started)
    rows = response.content.decode().count('name="membership"')
    return statistics.median(seconds) * 1000, max(seconds) * 1000, len(queries), rows, response


def run(options):
    import re

    from django.test import Client

    rng = random.Random(7)
    if options.reuse:
        from django.contrib.auth import get_user_model

        from influencers.models import Community

        user, communities = get_user_model().objects.get(username="bench"), list(Community.objects.order_by("pk"))
    else:
        user, communities = build(options, rng)
    client = Client()
    client.force_login(user)
    first, second = communities[0].pk, communities[5].pk  # both coffee communities
    filtered = f"/discover/?talks_about=grinder%2C+burr+grinder&min_score=0.3&community={first}&community={second}"
    pages = [("filtered (talks about + min score + 2 communities)", filtered)]
    median, slowest, queries, rows, response = timed(client, filtered, options.repeat)
    results = [(pages[0][0], median, slowest, queries, rows)]
    cursor = re.search(r'after=([^"&]+)" rel="next"', response.content.decode())
    if cursor:
        results.append(("the same, its second page (keyset)", *timed(client, f"{filtered}&after={cursor.group(1)}",
                                                                      options.repeat)[:4]))  # fmt: skip
    for label, url in (
        ("unfiltered, first page", "/discover/"),
        ("not in your pipelines, by weeks active", "/discover/?not_in_pipeline=on&sort=weeks_active"),
        ("talks about a rare word, by last active", "/discover/?talks_about=portafilter&sort=last_active"),
    ):
        results.append((label, *timed(client, url, options.repeat)[:4]))
    print(f"\n{options.members:,} members, {options.interactions:,} interactions, {len(communities)} communities")
    for label, median, slowest, queries, rows in results:
        print(f"  {label}: median {median:.0f} ms, slowest {slowest:.0f} ms, {queries} queries, {rows} rows")


if __name__ == "__main__":
    main()
