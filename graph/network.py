"""Embeddedness in the reply, mention and reaction network.

The measures, and why these:
- **Two-way ties.** Who answers whom is aggregated into weighted directed ties; a tie is *mutual*
  when both answered the other. Celebrities (answered, never answering), spammers and bots
  (answering, never answered) and broadcasters have no mutual ties, whatever their volume.
- **Reciprocity** per member, networkx's definition: 2·|in ∩ out| / (|in| + |out|) (shown; the
  ranking's "answers back" reads only the members who answered them, graph/scoring.py).
- PageRank was dropped (it was computed on the mutual graph, weighted by the weaker side): on real
  communities it ranked nobody better than counting partners did, and on the directed graph it
  rewards attention received (reach) or whoever replies to everyone (RANKING-NOTES).
- **Closure** = local clustering of the mutual graph: the share of a member's partners who also
  talk to each other (said in the reasons; a core of regulars who all know each other is closed
  too, so the ranking reads openness from reach across instead).
- **Reach across** = the ties of a member's partners that lead to members outside the member's
  own circle: Σ over partners u of (deg(u) − 1), minus the two ends of every triangle. Zero for a
  closed ring however busy it is; large for a member whose partners connect them onward (the
  non-redundant second-order contacts of Burt's structural holes, counted from the triangles; a
  cheap stand-in for Burt's constraint, which costs weeks at 50,000 members in networkx).
- k-core was left out: closed groups sit in high shells without influence (Liu et al. 2015), and
  it cost 59 s at the target size.
Working on the aggregated mutual graph rather than every interaction keeps networkx fast enough.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

# How much one day's tie of each kind counts; a reaction is a lighter touch than an answer.
TIE_WEIGHT = {"comment": 1.0, "mention": 1.0, "post": 1.0, "reaction": 0.25}


def tie_weights(ties: Iterable[tuple[object, object, str]], members: set | None = None) -> dict[tuple, float]:
    """Aggregate (source, target, kind) ties, one per day and kind, into weights; self-ties and
    ties with anyone outside ``members`` (bots, deleted accounts) are dropped."""
    weights: dict[tuple, float] = defaultdict(float)
    for source, target, kind in ties:
        if source == target or (members is not None and (source not in members or target not in members)):
            continue
        weights[(source, target)] += TIE_WEIGHT.get(kind, 1.0)
    return dict(weights)


def reply_graph(weights: dict[tuple, float]) -> nx.DiGraph:
    """The directed network itself (for inspection and the naive baseline)."""
    graph = nx.DiGraph()
    graph.add_weighted_edges_from((s, t, w) for (s, t), w in weights.items())
    return graph


def mutual_graph(weights: dict[tuple, float], members: Iterable = ()) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(members)
    for (source, target), weight in weights.items():
        back = weights.get((target, source))
        if back is not None:
            graph.add_edge(source, target, weight=min(weight, back))
    return graph


@dataclass(frozen=True)
class Position:
    heard_from: int  # distinct members who answered, mentioned or reacted to them
    reaches_out: int  # distinct members they answered, mentioned or reacted to
    mutual: int  # distinct members with ties both ways
    reciprocity: float
    closure: float  # share of their mutual partners' pairs that are tied themselves
    reach_across: int  # ties from their partners to members outside their own circle
    triangles: int  # pairs of their partners who have two-way ties with each other


def positions(weights: dict[tuple, float], members: Iterable) -> dict[object, Position]:
    members = list(members)
    heard_from: dict[object, int] = defaultdict(int)
    reaches_out: dict[object, int] = defaultdict(int)
    for source, target in weights:
        reaches_out[source] += 1
        heard_from[target] += 1
    graph = mutual_graph(weights, members)
    triangles = nx.triangles(graph)
    degree = dict(graph.degree())
    result = {}
    for member in members:
        mutual = degree[member]
        ins, outs = heard_from.get(member, 0), reaches_out.get(member, 0)
        onward = sum(degree[partner] - 1 for partner in graph[member]) - 2 * triangles[member]
        result[member] = Position(
            heard_from=ins,
            reaches_out=outs,
            mutual=mutual,
            reciprocity=2 * mutual / (ins + outs) if ins + outs else 0.0,
            closure=2 * triangles[member] / (mutual * (mutual - 1)) if mutual > 1 else 0.0,
            reach_across=onward,
            triangles=triangles[member],
        )
    return result
