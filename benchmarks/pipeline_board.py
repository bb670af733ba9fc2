"""Benchmark: server time of the pipeline board with 2,000 partnerships, and its query count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/pipeline_board.py \\
        [--partnerships 2000] [--repeat 15]

Creates a throw-away database beside DATABASE_URL's (or a temporary SQLite file when DATABASE_URL
is not PostgreSQL), fills one organization with partnerships in every stage — each with a
community, a ranked creator (two ranking runs, so trends show), an open task and an agreement —
and times GET /pipeline/ through Django's test client (the whole request: middleware, queries,
template), printing the median, the slowest, the number of queries and the page size; then the
cards alone, built by the page's Python builder and by a Django template loop (the comparison
partnerships/board_html.py cites).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import is_postgresql, throwaway_database  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args(argv)
    base_url = os.environ.get("DATABASE_URL", "")
    os.environ.update(DEBUG="1", DJANGO_SETTINGS_MODULE="crm.settings", ALLOWED_HOSTS="testserver")
    if is_postgresql(base_url):
        with throwaway_database("crm_boardbench"):
            run(options)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/board.sqlite3"
        run(options)


def run(options):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.models import Organization, OrganizationMember, Role
    from influencers.models import Community, Creator, Identity, MemberScore, Membership, RankingRun
    from partnerships.models import Agreement, Brand, Partnership, Stage, Task

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench", slug="bench")
    user = get_user_model().objects.create_user("bench", password="x", is_staff=True)
    OrganizationMember.objects.create(organization=org, user=user, role=Role.MANAGER)
    brands = [Brand.objects.create(organization=org, name=f"Brand {i}", slug=f"brand-{i}") for i in range(4)]
    communities = [Community.objects.create(platform="reddit", external_id=f"c{i}", name=f"r/c{i}") for i in range(10)]
    n = options.partnerships
    creators = Creator.objects.bulk_create(Creator(display_name=f"Creator {i}") for i in range(n))
    identities = Identity.objects.bulk_create(
        Identity(platform="reddit", external_id=f"u{i}", handle=f"u{i}", creator=creators[i]) for i in range(n)
    )
    memberships = Membership.objects.bulk_create(
        Membership(identity=identities[i], community=communities[i % 10]) for i in range(n)
    )
    end = datetime(2026, 11, 1, tzinfo=UTC)
    for weeks_ago in (4, 0):
        runs = {
            c.pk: RankingRun.objects.create(
                community=c, algorithm_version="bench", status="completed", ranked_members=n // 10,
                window_start=end - timedelta(days=365 + 7 * weeks_ago), window_end=end - timedelta(weeks=weeks_ago),
            )
            for c in communities
        }  # fmt: skip
        MemberScore.objects.bulk_create(
            MemberScore(
                run=runs[m.community_id], membership=m, rank=i // 10 + 1, score=0.5 + (i % 7) / 20 - weeks_ago / 100,
                consistency=0.5, embeddedness=0.5, alignment=0.5,
            )
            for i, m in enumerate(memberships)
        )  # fmt: skip
    stages = Stage.values
    partnerships = Partnership.objects.bulk_create(
        Partnership(brand=brands[i % 4], creator=creators[i], stage=stages[i % len(stages)], owner=user,
                    close_reason="bench", stage_changed_at=end - timedelta(hours=i))
        for i in range(n)
    )  # fmt: skip
    Partnership.communities.through.objects.bulk_create(
        Partnership.communities.through(partnership=p, community=communities[i % 10])
        for i, p in enumerate(partnerships)
    )
    Task.objects.bulk_create(
        Task(organization=org, partnership=p, title="Follow up", assignee=user, due_on=date(2026, 12, 1))
        for p in partnerships
    )
    Agreement.objects.bulk_create(Agreement(partnership=p, starts_on=date(2026, 1, 1)) for p in partnerships)

    client = Client()
    client.force_login(user)
    client.get("/pipeline/")  # warm: templates compiled, connection open
    seconds = []
    for _ in range(options.repeat):
        started = time.perf_counter()
        response = client.get("/pipeline/")
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    if os.environ.get("BOARD_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        client.get("/pipeline/")
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    time_cards(user, options.repeat)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/pipeline/")
    cards = response.content.decode().count('<li class="card"')
    size = len(response.content) / 1024
    print(f"{connection.vendor}: {cards:,} cards, {len(queries)} queries, page {size:,.0f} KiB")
    median, slowest = statistics.median(seconds) * 1000, max(seconds) * 1000
    print(f"  GET /pipeline/ server time over {options.repeat} runs: median {median:.0f} ms, slowest {slowest:.0f} ms")


def time_cards(user, repeat):
    """The cards alone, two ways: the Python builder the page uses (partnerships/board_html.py),
    and the public alternative it was measured against, one Django template loop per column
    (benchmarks/templates/board_cards.html, the same markup; an ``{% include %}`` per card is
    slower still). Kept here so the choice can be re-checked whenever either changes."""
    from django.template import Context, Engine

    from partnerships import selectors
    from partnerships.board_html import cards_html

    template = Engine(dirs=[str(ROOT / "benchmarks" / "templates")]).get_template("board_cards.html")
    back = "%2Fpipeline%2F"
    builders = {
        "python builder (board_html)": lambda cards: cards_html(cards, can_move=True, back=back),
        "template loop": lambda cards: template.render(Context({"cards": cards, "can_move": True, "back": back})),
    }
    columns = selectors.pipeline_board(user=user)
    medians = {}
    for name, build in builders.items():
        for column in columns:
            build(column.cards)  # warm
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            for column in columns:
                build(column.cards)
            seconds.append(time.perf_counter() - started)
        medians[name] = statistics.median(seconds) * 1000
        print(f"  the cards alone, {name}: median {medians[name]:.0f} ms")
    python, template_ms = medians.values()
    print(f"  the template loop takes {template_ms / python:.1f}× the Python builder's time")


if __name__ == "__main__":
    main()
