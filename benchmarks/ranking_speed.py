"""Benchmark: rank a community of 50,000 members and 1,000,000 interactions in PostgreSQL, end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/ranking_speed.py \\
        [--comments 1000000] [--naive]

Creates a throw-away database beside DATABASE_URL's, imports a generated one-subreddit dump
(benchmarks/generate_reddit_dump.py: 50,000 heavy-tailed authors, threads, replies) through the
ingest service, then ranks it through the same adapter as `manage.py rank` (load → graph →
scores → snapshot written) on windows holding about a quarter, half and all of the interactions.
Prints seconds per step and the process's peak resident memory. With --naive, also times the
pipeline one would write first with networkx on the same interactions (a DiGraph built edge by
edge, PageRank, reciprocity per member and core numbers; clustering and betweenness are left out,
at about 8 and 1.5 minutes on such a graph per RANKING-NOTES).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import timedelta
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
    parser.add_argument("--naive", action="store_true", help="also time the naive networkx pipeline")
    options = parser.parse_args(argv)
    with migrated_postgresql("crm_rankbench"):
        run(options)


def run(options):
    from generate_reddit_dump import import_generated

    import graph.adapter as adapter
    from graph.scoring import rank
    from influencers.models import Interaction

    community, seconds = import_generated("rankbench", comments=options.comments)
    total = Interaction.objects.filter(community=community).count()
    members = community.memberships.count()
    print(f"imported {total:,} interactions by {members:,} members in {seconds:.0f} s\n")

    _, end = adapter.ranking_window(community)
    first = Interaction.objects.filter(community=community).order_by("posted_at").first().posted_at
    span_days = (end - first).total_seconds() / 86400
    print(
        f"{'window':>10} {'interactions':>12} {'ranked':>8} {'load':>6} {'rank':>6} {'write':>6} {'total':>6}  peak RSS"
    )
    for share in (0.25, 0.5, 1.0):
        days = max(1, round(span_days * share + 0.5)) if share < 1 else 365
        start = end - timedelta(days=days)
        timings = {}
        t0 = time.monotonic()
        data = adapter.load_community(community, start=start, end=end)
        timings["load"] = time.monotonic() - t0
        t1 = time.monotonic()
        ranking = rank(data)
        timings["rank"] = time.monotonic() - t1
        t2 = time.monotonic()
        ranking_run = adapter.RankingRun.objects.create(
            community=community, algorithm_version="bench", window_start=start, window_end=end
        )
        adapter._write_snapshot(ranking_run, community, ranking, data)
        timings["write"] = time.monotonic() - t2
        print(
            f"{days:>6} days {data.interactions:>12,} {len(ranking.results):>8,} {timings['load']:6.1f} "
            f"{timings['rank']:6.1f} {timings['write']:6.1f} {sum(timings.values()):6.1f}  {peak_mib():.0f} MiB"
        )
    # The same, through the one call the command and the task make.
    t0 = time.monotonic()
    adapter.rank_community(community)
    print(f"\nrank_community (as `manage.py rank` runs it), whole window: {time.monotonic() - t0:.1f} s, "
          f"peak RSS {peak_mib():.0f} MiB")  # fmt: skip
    if options.naive:
        naive(community, Interaction)


def naive(community, Interaction):
    import networkx as nx

    print("\nnaive networkx pipeline on the same interactions:")
    t0 = time.monotonic()
    graph = nx.DiGraph()
    for author, target in Interaction.objects.filter(
        community=community, author__isnull=False, target__isnull=False
    ).values_list("author_id", "target_id").iterator(chunk_size=10_000):  # fmt: skip
        if graph.has_edge(author, target):
            graph[author][target]["weight"] += 1
        else:
            graph.add_edge(author, target, weight=1)
    steps = [("build the DiGraph edge by edge", time.monotonic() - t0)]
    t0 = time.monotonic()
    nx.pagerank(graph, weight="weight")
    steps.append(("PageRank", time.monotonic() - t0))
    t0 = time.monotonic()
    nx.reciprocity(graph, list(graph.nodes))
    steps.append(("reciprocity per member", time.monotonic() - t0))
    t0 = time.monotonic()
    undirected = graph.to_undirected()
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    nx.core_number(undirected)
    steps.append(("core numbers", time.monotonic() - t0))
    print(f"  graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")
    for step, seconds in steps:
        print(f"  {step:32} {seconds:6.1f} s")
    print(f"  {'total (no text, no snapshot)':32} {sum(s for _, s in steps):6.1f} s, peak RSS {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
