"""What the ranking benchmarks share: the simple baselines a partnership manager could compute
without us, and the figures that compare an order of members with who is relevant.

Baselines are read from the same imported rows and the same window as the ranking, over the same
members (those the ranking ranks: active in the window, not bots or deleted accounts):
- post volume: posts and comments written;
- distinct repliers: how many different members answered them (replies only);
- karma: the platform's score summed over what they wrote (likes, votes);
- PageRank on the reply graph (who answers whom, weighted by how often), as RANKING-NOTES
  describes the naive graph approach.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

BASELINES = ("post volume", "distinct repliers", "karma", "PageRank")


def order_by_value(values: Mapping[object, float], members: Iterable, name_of: Mapping[object, str]) -> list:
    """Members best first by value (missing = 0), ties by name: the order a sorted column gives."""
    return sorted(members, key=lambda m: (-values.get(m, 0.0), name_of[m].lower(), str(m)))


def baseline_values(community, *, start, end, members: set) -> dict[str, dict]:
    """Each baseline's value per member (identity id), from the window's rows."""
    import networkx as nx
    from django.db.models import Count, F, Sum

    from influencers.models import Interaction, InteractionKind

    rows = Interaction.objects.filter(
        community=community, posted_at__gte=start, posted_at__lte=end, author__in=members
    ).order_by()
    written = rows.filter(kind__in=[InteractionKind.POST, InteractionKind.COMMENT])
    volume = dict(written.values_list("author").annotate(n=Count("id")))
    karma = dict(written.values_list("author").annotate(n=Sum("score")))
    replies = written.filter(kind=InteractionKind.COMMENT, target__in=members).exclude(target=F("author"))
    repliers = dict(replies.values_list("target").annotate(n=Count("author", distinct=True)))
    graph = nx.DiGraph()
    graph.add_nodes_from(members)
    for source, target, weight in replies.values_list("author", "target").annotate(n=Count("id")):
        graph.add_edge(source, target, weight=weight)
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {}
    return {"post volume": volume, "distinct repliers": repliers, "karma": karma, "PageRank": pagerank}


def figures(order: list, relevant: set) -> dict:
    """precision@k (k = relevant members in the order), recall@20 and @50, NDCG@50 (binary
    relevance, exponential gain) and the mean rank of the relevant members (1 = first)."""
    present = relevant & set(order)
    k = len(present)
    if not k:
        return {"k": 0, "P@k": 0.0, "R@20": 0.0, "R@50": 0.0, "NDCG@50": 0.0, "mean rank": float("nan")}
    hits = [member in present for member in order]
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits[:50]) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, 50)))
    return {
        "k": k,
        "P@k": sum(hits[:k]) / k,
        "R@20": sum(hits[:20]) / k,
        "R@50": sum(hits[:50]) / k,
        "NDCG@50": dcg / ideal,
        "mean rank": sum(i + 1 for i, hit in enumerate(hits) if hit) / k,
    }
