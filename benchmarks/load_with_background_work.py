"""Load drill: 50 API clients for 60 s while a Celery worker imports a dump and ranks communities.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load_with_background_work.py [--comments 300000] [--seconds 60]

Creates a throw-away database with the demo data scaled up (the demo's organizations and
communities, plus 100,000 creators with their accounts and an organization with 2,000
partnerships, as benchmarks/api_load.py); starts gunicorn (8 workers, production settings) and a
Celery worker (its broker: Redis database 11 on 127.0.0.1, ``DRILL_BROKER_URL`` to change it,
emptied before and after); sends the import of a generated Reddit dump (which queues a ranking of
its community when done) and a ranking of the demo's largest community; and meanwhile runs 50
clients on the creators and partnerships lists. Prints throughput, p50/p95/p99 and errors, then
waits for the background work and checks that nothing was lost: every comment of the dump stored
once, the import completed, every ranking completed. Exits 1 if any request failed or anything
is missing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from api_load import LISTS, percentile, production_environment, run_clients, start_gunicorn, wait_until_answering  # noqa: E402
from generate_reddit_dump import generate  # noqa: E402
from throwaway import DEFAULT_URL, is_postgresql, throwaway_database  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args(argv)
    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this drill")
    broker = os.environ.get("DRILL_BROKER_URL", "redis://127.0.0.1:6379/11")
    problems: list[str] = []
    with throwaway_database("crm_load_drill"), tempfile.TemporaryDirectory() as scratch:
        import django

        os.environ["CELERY_BROKER_URL"] = broker
        django.setup()
        import redis
        from api_load import fill
        from django.core.management import call_command
        from django.db import connections

        from demo.loader import load_demo
        from graph.tasks import rank_community
        from influencers.ingest.runs import sync_run_create
        from influencers.models import Community, Interaction, RankingRun, SyncRun, SyncStatus
        from influencers.tasks import run_sync

        redis.Redis.from_url(broker).flushdb()
        call_command("migrate", verbosity=0)
        started = time.monotonic()
        load_demo()
        key = fill(options.creators)
        dump = Path(scratch) / "RC_loadpens_2023-01.ndjson.zst"
        written = generate(dump, comments=options.comments, seed=21, subreddits=("loadpens",))
        print(f"demo data, {options.creators:,} creators, a dump of {written:,} comments: "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
        demo_community = max(Community.objects.all(), key=lambda c: c.interactions.count())
        connections.close_all()

        port = 8700 + os.getpid() % 200
        env = production_environment()
        log = (Path(scratch) / "worker.log").open("w")
        server = start_gunicorn(port, env)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--concurrency", "2", "--loglevel", "INFO"],
            cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until_answering(port, key, LISTS[0])
            run = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
            rankings_before = RankingRun.objects.count()
            run_sync.delay(run.pk)
            rank_community.delay(demo_community.pk)
            connections.close_all()

            results, errors, wall, _ = run_clients(port, key, LISTS, clients=options.clients, seconds=options.seconds)
            busy = SyncRun.objects.get(pk=run.pk).status
            print(f"{options.clients} clients for {wall:.1f} s (the import was {busy} at the end)")
            print(f"  {len(results):,} requests answered, {len(results) / wall:,.0f} per second; errors: {len(errors)}")
            everything = [t * 1000 for _, t in results]
            if everything:
                p50, p95, p99 = (percentile(everything, p) for p in (50, 95, 99))
                print(f"  p50 {p50:.0f} ms   p95 {p95:.0f} ms   p99 {p99:.0f} ms")
            for error in errors[:5]:
                print(f"  error: {error}")
            if errors:
                problems.append(f"{len(errors)} requests failed")

            # Nothing lost: the import, its ranking and ours complete, every comment stored once.
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                run.refresh_from_db()
                done = RankingRun.objects.filter(status="completed").count() - rankings_before
                if run.status == SyncStatus.COMPLETED and done >= 2:
                    break
                time.sleep(2)
            stored = Interaction.objects.filter(community__external_id="loadpens").count()
            distinct = Interaction.objects.filter(community__external_id="loadpens").values("external_id").distinct()
            rankings = list(
                RankingRun.objects.order_by("pk").values_list("community__name", "status")[rankings_before:]
            )
            print(f"afterwards: import {run.status} ({run.attempts} attempt), {stored:,} of {written:,} comments "
                  f"stored ({distinct.count():,} distinct); rankings {rankings}")  # fmt: skip
            if run.status != SyncStatus.COMPLETED or stored != written or distinct.count() != written:
                problems.append("the import did not store every comment exactly once")
            if len([r for r in rankings if r[1] == "completed"]) < 2:
                problems.append("a ranking did not complete")
        finally:
            server.send_signal(signal.SIGTERM)
            worker.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            worker.wait(timeout=120)
            log.close()
            redis.Redis.from_url(broker).flushdb()
            connections.close_all()
    for problem in problems:
        print(f"FAILED: {problem}")
    print("drill passed" if not problems else "drill FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
