"""Benchmark: does the ranking find the planted embedded members, and stay clear of the traps?

    .venv/bin/python benchmarks/ranking_quality.py [--seeds 1 2 3] [--sizes 300 600 1500] \\
        [--mixes default adversarial tight] [--show N]

For each generated community (benchmarks/generate_community.py: a Reddit dump with planted roles)
the dump is imported through `manage.py ingest reddit-dump`, ranked through the same adapter as
`manage.py rank`, and the ranking is scored against the planted roles beside four baselines:
post volume, karma earned in the community (sum of scores), distinct repliers, and PageRank on
the reply graph. Relevance: embedded 2, regular 1, everyone else 0; traps are the celebrity,
spammer, broadcaster, newcomer, ring and bot accounts. NDCG uses exponential gain
(2^rel − 1)/log2(i + 1). Runs on a throw-away SQLite database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RELEVANCE = {"embedded": 2, "regular": 1}
TRAPS = {"celebrity", "spammer", "broadcaster", "newcomer", "ring", "bot"}


def ndcg(ranked_roles: list[str], all_roles: list[str], k: int) -> float:
    gains = [2 ** RELEVANCE.get(role, 0) - 1 for role in ranked_roles[:k]]
    ideal = sorted((2 ** RELEVANCE.get(role, 0) - 1 for role in all_roles), reverse=True)[:k]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def evaluate(order: list[str], labels: dict[str, str]) -> dict:
    roles = [labels.get(handle, "deleted") for handle in order]
    k = sum(1 for role in labels.values() if role == "embedded")
    return {
        "precision@k": sum(1 for role in roles[:k] if role == "embedded") / k,
        "ndcg@50": ndcg(roles, list(labels.values()), 50),
        "traps@50": sum(1 for role in roles[:50] if role in TRAPS),
        "trap_roles": dict(Counter(role for role in roles[:50] if role in TRAPS)),
    }


def baselines(community) -> dict[str, list[str]]:
    """The four baselines (benchmarks/ranking_evaluation.py) over the ranking's window and members."""
    from ranking_evaluation import BASELINES, baseline_values, order_by_value

    from graph.adapter import ranking_window
    from influencers.models import Interaction

    start, end = ranking_window(community)
    names = dict(
        Interaction.objects.filter(
            community=community, posted_at__gte=start, posted_at__lte=end,
            author__is_bot=False, author__is_deleted=False,
        ).values_list("author", "author__handle").distinct()
    )  # fmt: skip
    values = baseline_values(community, start=start, end=end, members=set(names))
    return {name: [names[m] for m in order_by_value(values[name], names, names)] for name in BASELINES}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 600, 1500])
    parser.add_argument("--mixes", nargs="+", default=["default", "adversarial", "tight"])
    parser.add_argument("--show", type=int, default=0, help="print the top N of each community")
    parser.add_argument(
        "--leave-out", nargs="+", default=[], metavar="PART",
        help="also rank without each of these components or measures (graph.scoring.MEASURES), e.g. consistency.rhythm",
    )  # fmt: skip
    options = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ranking_quality_"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'quality.sqlite3'}")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from generate_community import generate

    from graph.adapter import load_community, rank_community, ranking_window
    from graph.scoring import rank
    from influencers.models import Community

    call_command("migrate", verbosity=0)
    table: dict[str, list[dict]] = {}
    print(f"{'community':34} {'interactions':>12}  {'method':40} {'P@k':>5} {'NDCG@50':>8} {'traps@50':>8}")
    for mix in options.mixes:
        for size in options.sizes:
            for seed in options.seeds:
                made = generate(work, members=size, seed=seed, mix=mix)
                call_command("ingest", "reddit-dump", *made["files"], "--json", stdout=io.StringIO())
                community = Community.objects.get(platform="reddit", external_id=made["community"].split(":", 1)[1])
                _, ranking = rank_community(community)
                orders = {"embedded ranking": [r.handle for r in ranking.results]}
                if options.leave_out:
                    start, end = ranking_window(community)
                    data = load_community(community, start=start, end=end)
                    for part in options.leave_out:
                        left = rank(data, leave_out=frozenset({part}))
                        orders[f"without {part}"] = [r.handle for r in left.results]
                orders |= baselines(community)
                for method, order in orders.items():
                    figures = evaluate(order, made["labels"])
                    table.setdefault(method, []).append(figures)
                    print(
                        f"{made['community'][7:]:34} {made['interactions']:>12,}  {method:40} "
                        f"{figures['precision@k']:5.2f} {figures['ndcg@50']:8.3f} {figures['traps@50']:8d}"
                        + (f"  {figures['trap_roles']}" if figures["traps@50"] else "")
                    )
                for r in ranking.results[: options.show]:
                    print(f"    {r.rank:3} {made['labels'].get(r.handle, '?'):11} {r.handle:16} {r.score:.3g} "
                          f"C{r.consistency:.2f} E{r.embeddedness:.2f} A{r.alignment:.2f}  "
                          + " ".join(f"{k}={v:.2f}" for c in r.details.get("measures", {}).values()
                                     for k, v in c.items()))  # fmt: skip
    print("\nover all communities (mean, worst):")
    for method, rows in table.items():
        p = [r["precision@k"] for r in rows]
        n = [r["ndcg@50"] for r in rows]
        t = [r["traps@50"] for r in rows]
        print(
            f"  {method:40} P@k {statistics.fmean(p):.3f} (worst {min(p):.2f})   NDCG@50 {statistics.fmean(n):.3f} "
            f"(worst {min(n):.3f})   traps@50 {statistics.fmean(t):.1f} (worst {max(t)})"
        )


if __name__ == "__main__":
    main()
