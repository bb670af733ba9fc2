"""Benchmark: a community's insight from 1,000,000 interactions in PostgreSQL, end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/insight_speed.py \\
        [--comments 1000000]

Creates a throw-away database beside DATABASE_URL's and imports a generated one-subreddit dump
(benchmarks/generate_reddit_dump.py with its threads' first posts: 50,000 heavy-tailed authors,
about 20,000 threads, most opening with a question) through the ingest service. Then computes
the insight as `manage.py insight` and the Celery task do (``insight.adapter.refresh_insight``:
read every post and reply of the twelve months, vocabulary and phrases, formats, rhythms,
question themes, norms; the document stored), and prints the seconds, how long reading the rows
alone takes, and the process's peak resident memory. Target: under 60 s for 1,000,000.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import migrated_postgresql  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    options = parser.parse_args(argv)
    with migrated_postgresql("crm_insightbench"):
        run(options)


def run(options):
    from generate_reddit_dump import import_generated

    from influencers.models import Interaction
    from insight import adapter

    community, seconds = import_generated("insightbench", comments=options.comments, submissions=True)
    total = Interaction.objects.filter(community=community).count()
    posts = Interaction.objects.filter(community=community, kind="post").count()
    print(f"imported {total:,} interactions ({posts:,} posts) by {community.memberships.count():,} members "
          f"in {seconds:.0f} s\n")  # fmt: skip

    start, end = adapter.insight_window(community)
    t0 = time.monotonic()
    rows = sum(1 for _ in adapter.messages(community, start=start, end=end))
    read = time.monotonic() - t0
    print(f"reading the window's {rows:,} posts and replies alone: {read:.1f} s")

    t0 = time.monotonic()
    insight = adapter.refresh_insight(community)
    seconds = time.monotonic() - t0
    document = insight.document
    themes = document["questions"]["themes"]
    print(f"refresh_insight (as `manage.py insight` and the task run it): {seconds:.1f} s for "
          f"{document['basis']['messages']:,} messages, peak RSS {peak_mib():.0f} MiB")  # fmt: skip
    print(f"  vocabulary: {', '.join(t['term'] for t in document['vocabulary'][:8])}")
    print(f"  questions: {document['questions']['basis'].get('questions', 0):,} found, {len(themes)} themes "
          f"({', '.join(t['label'] for t in themes[:4])})")  # fmt: skip
    print(f"  target under 60 s: {'met' if seconds < 60 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
