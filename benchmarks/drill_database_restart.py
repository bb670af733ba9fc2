"""Drill: PostgreSQL restarted in the middle of an import, then of a ranking, under a real Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/drill_database_restart.py [--comments 300000]

Needs root (it runs ``pg_ctlcluster … restart``) and a PostgreSQL server on this machine: it
restarts the whole server, so run it when nothing else needs the database. Its worker's broker is
Redis database 12 on 127.0.0.1 (``DRILL_BROKER_URL`` to change it), emptied before and after: the
import queues a ranking on the default queue, which the drill's worker does not read. Creates a throw-away
database, starts a worker on a private queue, sends an import of a generated dump, restarts
PostgreSQL once a fifth of it is stored, and waits: the task must fail cleanly, be retried, and
complete with every row stored once; the SyncRun's attempt log says what happened. Then the same
with a ranking of the imported community: the interrupted RankingRun is marked failed with the
error, no partial scores are kept, and the retry's run completes. Prints what it saw; exits 1 if
any of that did not happen.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_reddit_dump import generate  # noqa: E402
from throwaway import DEFAULT_URL, is_postgresql, throwaway_database  # noqa: E402


def restart_postgresql() -> float:
    """Restart the server (fast shutdown: sessions are cut off); returns the seconds it was away."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"], check=True)
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode != 0:
        time.sleep(0.2)
    return time.monotonic() - started


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # the drill's own connection is cut off by the restart too
            from django.db import connection

            connection.close()
        time.sleep(0.3)
    raise SystemExit(f"FAILED: {what} did not happen within {seconds:.0f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=300_000)
    options = parser.parse_args(argv)
    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this drill")
    broker = os.environ.get("DRILL_BROKER_URL", "redis://127.0.0.1:6379/12")
    if os.geteuid() != 0:
        sys.exit("the drill restarts PostgreSQL with pg_ctlcluster: run it as root")
    failures = []
    with throwaway_database("crm_drill_restart"), tempfile.TemporaryDirectory() as scratch:
        import django

        os.environ["CELERY_BROKER_URL"] = broker
        django.setup()
        import redis
        from django.core.management import call_command
        from django.db import connection

        from crm.celery import app
        from graph.tasks import rank_community
        from influencers.ingest.runs import sync_run_create
        from influencers.models import Community, Interaction, MemberScore, RankingRun, SyncRun, SyncStatus
        from influencers.tasks import run_sync

        redis.Redis.from_url(broker).flushdb()
        call_command("migrate", verbosity=0)
        dump = Path(scratch) / "RC_drillpens_2023-01.ndjson.zst"
        written = generate(dump, comments=options.comments, seed=11, subreddits=("drillpens",))
        print(f"{written:,} comments in {dump.name}")
        connection.close()

        queue = f"drill-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "INFO",
        }  # fmt: skip
        log_path = Path(scratch) / "worker.log"
        with log_path.open("w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", queue,
                 "--hostname", f"{queue}@%h", "--loglevel", "INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            # 1. An import.
            run = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
            run_sync.apply_async([run.pk], queue=queue)
            wait_for(lambda: Interaction.objects.count() >= written // 5, 300, "a fifth of the import stored")
            stored_before = Interaction.objects.count()
            away = restart_postgresql()
            print(f"import: PostgreSQL restarted with {stored_before:,} rows stored; away {away:.1f} s")
            wait_for(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.COMPLETED, 600, "the import's retry")
            run.refresh_from_db()
            interactions = Interaction.objects.count()
            distinct = Interaction.objects.values("external_id").distinct().count()
            print(f"import: completed after {run.attempts} attempts; {interactions:,} rows ({distinct:,} distinct)")
            print("import: attempt log\n" + json.dumps(run.attempt_log, indent=2))
            if not (run.attempts >= 2 and interactions == distinct == written):
                failures.append("the import did not end with every row stored once after a retry")
            if not any(entry.get("outcome", "").startswith("failed:") for entry in run.attempt_log[:-1]):
                failures.append("the interrupted attempt's failure is not in the attempt log")

            # 2. A ranking (the import queued one already: wait for it, then send ours).
            community = Community.objects.get(external_id="drillpens")
            wait_for(lambda: not RankingRun.objects.filter(status="running").exists(), 600, "the import's ranking")
            before = set(RankingRun.objects.values_list("pk", flat=True))
            rank_community.apply_async([community.pk], queue=queue)
            wait_for(
                lambda: RankingRun.objects.exclude(pk__in=before).filter(status="running").exists(), 120, "a ranking"
            )
            time.sleep(1.0)  # into the ranking's work
            away = restart_postgresql()
            print(f"ranking: PostgreSQL restarted during the ranking; away {away:.1f} s")
            wait_for(
                lambda: RankingRun.objects.exclude(pk__in=before).filter(status="completed").exists(),
                600,
                "the ranking's retry",
            )
            ours = list(RankingRun.objects.exclude(pk__in=before).order_by("pk"))
            for ranking in ours:
                scores = MemberScore.objects.filter(run=ranking).count()
                print(f"ranking: run {ranking.pk} {ranking.status}, {scores:,} scores; {ranking.message[:120]!r}")
            failed = [r for r in ours if r.status == "failed"]
            if not failed or MemberScore.objects.filter(run__in=failed).exists():
                failures.append("the interrupted ranking was not marked failed, or kept partial scores")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            connection.close()
            app.close()
            redis.Redis.from_url(broker).flushdb()
        if failures:
            print("worker log (last lines):\n" + "\n".join(log_path.read_text().splitlines()[-40:]))
    for failure in failures:
        print(f"FAILED: {failure}")
    print("drill passed" if not failures else "drill FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
