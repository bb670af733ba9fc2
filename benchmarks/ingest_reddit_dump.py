"""Benchmark: import a generated Reddit dump into PostgreSQL, against raw COPY as the physical limit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/ingest_reddit_dump.py [--comments 1000000]

Creates a throw-away database beside DATABASE_URL's, migrates it, imports the dump through the
same service the `ingest` command uses (parse, identities, parent resolution, COPY, memberships),
then COPYs the very rows it stored into an equivalent table (same columns, indexes, unique and
check constraints and foreign keys) from a file prepared beforehand. Prints rows/second for both,
their ratio, and the process's resident memory through the import (it must stay flat).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import DEFAULT_URL, is_postgresql, throwaway_database  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--dump", type=Path, help="reuse this dump instead of generating one")
    options = parser.parse_args(argv)

    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark")
    with throwaway_database("crm_bench") as name:
        run(options, name)


def run(options, database: str):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from generate_reddit_dump import generate

    from influencers.connectors import open_source
    from influencers.ingest.runs import sync_run_create
    from influencers.ingest.service import run_ingest
    from influencers.models import Interaction

    call_command("migrate", verbosity=0)
    dump = options.dump or Path(tempfile.gettempdir()) / f"RC_bench_{options.comments}.ndjson.zst"
    if not dump.exists():
        started = time.monotonic()
        generate(dump, comments=options.comments)
        print(f"generated {options.comments:,} comments in {time.monotonic() - started:.1f} s -> {dump}")
    print(f"dump: {dump} ({dump.stat().st_size / 2**20:.1f} MiB compressed)")

    samples = []

    def sample(summary):
        samples.append((summary.read, rss_mib()))

    baseline_rss = rss_mib()
    run_ = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
    started = time.monotonic()
    summary = run_ingest(sync_run=run_, items=open_source("reddit-dump", run_.arguments), on_progress=sample)
    ingest_seconds = time.monotonic() - started
    rows = Interaction.objects.count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The physical limit: the same rows, already formatted, COPYed into an equivalent table.
    table = Interaction._meta.db_table
    columns = [f.column for f in Interaction._meta.concrete_fields]
    with tempfile.NamedTemporaryFile(suffix=".copy") as rows_file:
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY (SELECT {', '.join(columns)} FROM {table}) TO STDOUT") as copy:
                for block in copy:
                    rows_file.write(block)
            rows_file.flush()
            cursor.execute(f"CREATE TABLE bench_copy (LIKE {table} INCLUDING ALL)")
            for fk in ("community_id", "author_id", "target_id", "parent_id"):
                target = (
                    "influencers_community"
                    if fk == "community_id"
                    else ("influencers_identity" if fk in ("author_id", "target_id") else "bench_copy")
                )
                cursor.execute(
                    f"ALTER TABLE bench_copy ADD FOREIGN KEY ({fk}) REFERENCES {target} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
        connection.commit() if not connection.get_autocommit() else None
        rows_file.seek(0)
        started = time.monotonic()
        with connection.cursor() as cursor, cursor.copy(f"COPY bench_copy ({', '.join(columns)}) FROM STDIN") as copy:
            while block := rows_file.read(1 << 20):
                copy.write(block)
        copy_seconds = time.monotonic() - started

    ours = rows / ingest_seconds
    limit = rows / copy_seconds
    print(f"\nimported {rows:,} interactions ({summary.read:,} lines read, {summary.skipped} skipped) into {database}")
    print(
        f"  ingest (parse + identities + parents + COPY + memberships): {ingest_seconds:8.1f} s  {ours:>10,.0f} rows/s"
    )
    print(
        f"  raw COPY of the same rows into an equivalent table:          {copy_seconds:8.1f} s  {limit:>10,.0f} rows/s"
    )
    print(f"  ratio ingest / COPY: {ours / limit:.2f}")
    print(f"  peak resident memory: {peak:.0f} MiB (before the import: {baseline_rss:.0f} MiB)")
    marks = [samples[int(len(samples) * q) - 1] for q in (0.1, 0.25, 0.5, 0.75, 1.0)] if samples else []
    print("  resident memory during the import: " + ", ".join(f"{read:,} read: {mib:.0f} MiB" for read, mib in marks))


if __name__ == "__main__":
    main()
