"""Combine participation, network position and alignment into one ranking, with reasons.

What a trusted, embedded regular is, and so what the three components measure:

- **Consistency**: they keep coming back, week after week, over years, and are still here.
  *Presence*: how many weeks they took part in, before the window too, older weeks fading (trust
  is built over years); *tenure*: how long since they first appeared; *currency*: whether they are
  still here (a member gone for half a long window is not embedded now). Rhythm (regular rather
  than bursty) is said in the reasons but not scored: it moved no benchmark figure, real or
  generated, once presence and tenure were counted.
- **Embeddedness**: they take part in many conversations, with many members who answer them and
  whom they answer back, in ties that reach across the community rather than one circle.
  *Conversations*: threads they replied in (Discourse's "Regular" counts topics replied to);
  *partners*: members with two-way ties (none: not embedded, whatever the volume); *answers back*:
  a guard, 1 for anyone who answers at least half of those who answer them (near zero for a
  broadcaster or a celebrity); *openness*: their partners' ties lead outside their own circle
  (near zero for a closed ring), against the community's median (in a community that is one
  circle, being closed says nothing).
- **Alignment**: how the community receives what they write, and nothing it would hold against
  them. *Received*: how often others appreciated (liked, upvoted, reacted to) their contributions
  against others' of the same kind at the same time — counted by contribution, never by votes,
  since the size of a crowd is reach. Guards, 1 for ordinary members: *promotion* (a site of their
  own, the same text pasted again and again), *removals* (what the community took down),
  *language* (words far from the community's own). How *much* jargon someone uses lifts no one:
  on real communities that rewarded whoever's few texts were jargon-heavy over the members who
  answer every day.

A member's score is the product of every measure raised to its weight (``MEASURES``): counts enter
as they are (1 + count), so 300 weeks stays well ahead of 60, and a measure near zero — no two-way
ties, a shop linked in everything, a ring's closed circle — cannot be made up by any other (one
strong signal cannot hide a missing one). Scores and components are shown within the community
against its best member (1.0), as roots of the product that keep the order. Reach is carried along to be shown and
never enters a formula.

``rank(data, leave_out={"consistency.currency"})`` ranks without a measure or a component
(benchmarks/ranking_real.py prints that ablation on real communities; docs/ranking.md the figures).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.consistency import ReturnEngagement, observed_weeks, participation, return_engagement
from graph.language import Corpus, Fluency, community_vocabulary, fluency, tokenize
from graph.network import Position, positions, tie_weights
from graph.promotion import Promotion, promotion, shared_sites
from graph.reasons import reasons

ALGORITHM_VERSION = "embedded-2.0"
DEFAULT_WEIGHTS = {"consistency": 1.0, "embeddedness": 1.0, "alignment": 1.0}
# Each measure is a positive number, and a member's score the product of all of them, each raised
# to its weight: doubling someone's weighted active weeks multiplies their score by 2 ** 1,
# halving how often their contributions are appreciated divides it by 2 ** 2, linking a shop of
# their own in half of what they write divides it by 2 ** 4. The weights are round numbers chosen by
# what each measure is evidence of, then checked on real communities (docs/ranking.md): a weight is
# not fitted to a label.
MEASURES: dict[str, dict[str, float]] = {
    "consistency": {"presence": 1.0, "tenure": 1.0, "currency": 1.0},
    "embeddedness": {"conversations": 1.0, "partners": 0.5, "answers back": 1.0, "openness": 2.0},
    "alignment": {"received": 2.0, "promotion": 4.0, "removals": 2.0, "language": 1.0},
}
FLOOR = 1e-6  # a zero measure makes a score tiny, and members with one still order by the rest
# Below these a community is ranked, but the result says how little it rests on.
MIN_MEMBERS, MIN_INTERACTIONS, MIN_WEEKS = 10, 100, 4


@dataclass(frozen=True)
class Member:
    handle: str
    can_rank: bool = True  # bots and deleted accounts never rank
    reach: int | None = None
    reach_kind: str = ""


@dataclass
class CommunityData:
    """Everything the ranking needs about one community's window, as plain values.

    ``active_days``: member → days (since the epoch) on which they posted, commented or mentioned;
    ``ties``: (source, target, kind, day), one per day and kind; ``texts``: member → a sample of
    their texts (titles and bodies); ``conversations``: member → how many different threads they
    wrote in; ``written`` and ``removed``: member → how many posts and comments they wrote in the
    window, and how many of those the community took down (moderators, members' flags).
    """

    members: dict[object, Member]
    active_days: dict[object, list[int]]
    ties: list[tuple[object, object, str, int]]
    texts: dict[object, list[str]]
    first_day: int
    last_day: int
    interactions: int = 0
    language: str = "en"
    own_sites: frozenset = frozenset()  # the community's own site (a forum's host): links there are not promotion
    first_seen: dict[object, int] = field(default_factory=dict)  # member → day first seen, maybe before the window
    earlier_days: dict[object, list[int]] = field(default_factory=dict)  # member → active days before the window
    conversations: dict[object, int] = field(default_factory=dict)
    written: dict[object, int] = field(default_factory=dict)
    removed: dict[object, int] = field(default_factory=dict)
    appreciated: dict[object, int] = field(default_factory=dict)  # member → contributions others liked or upvoted
    # member → how many of their contributions would have been, at the rate the community appreciated
    # others' contributions of the same kind and time
    expected_appreciation: dict[object, float] = field(default_factory=dict)
    # The texts once read (read_texts): the adapter reads them while they stream from the database.
    texts_read: tuple[Corpus, dict[object, Promotion]] | None = None


NO_TEXT = Promotion(0, "", 0.0, 0.0, 0.0)


class TextReader:
    """Reads members' texts one member at a time: their words (as ids) and their promotion."""

    def __init__(self, own_sites: frozenset = frozenset()):
        self.corpus = Corpus()
        self.promotions: dict[object, Promotion] = {}
        self.own_sites = own_sites

    def add(self, member, texts: list[str]) -> None:
        texts_tokens = [tokenize(text) for text in texts]
        self.corpus.add(member, texts_tokens)
        self.promotions[member] = promotion(texts, texts_tokens, self.own_sites)


def read_texts(
    texts_by_member: Mapping[object, list[str]], own_sites: frozenset = frozenset()
) -> tuple[Corpus, dict[object, Promotion]]:
    reader = TextReader(own_sites)
    for member, texts in texts_by_member.items():
        reader.add(member, texts)
    return reader.corpus, reader.promotions


@dataclass
class MemberResult:
    member: object
    handle: str
    rank: int
    score: float
    consistency: float
    embeddedness: float
    alignment: float
    reasons: list[str]
    details: dict
    reach: int | None  # shown beside the score as a contrast; never an input
    reach_kind: str = ""


@dataclass
class Ranking:
    results: list[MemberResult]
    parameters: dict
    message: str = ""
    vocabulary: list = field(default_factory=list)


def openness(pos: Position) -> float:
    """How much their ties reach across the community rather than one circle: of the ties their
    partners have (other than with them), the share that lead to members outside the circle of
    their own partners. A ring of accounts that answer only one another scores near 0 however busy
    it is; a core of regulars who talk among themselves *and* with everyone else does not, which
    plain closure (do my partners know each other?) would penalise."""
    inside = 2 * pos.triangles
    return (pos.reach_across + 1) / (pos.reach_across + inside + 1)  # the ranking reads it against the median


def answers_back(pos: Position) -> float:
    """Whether they answer the members who answer them: 1 for anyone who answered at least half of
    them back, less for fewer, near 0 for whoever is answered by many and answers none (a
    broadcaster, a celebrity). A guard rather than a scale: a member whose proposals draw seventy
    people does not owe each an answer, and counting that against them would rank the most
    discussed members lowest (networkx's reciprocity also counts the askers *they* answered who
    never answered back, which would make the members who answer every newcomer the least
    reciprocal of all)."""
    return min(1.0, 2 * (pos.mutual + 1) / (pos.heard_from + 1))


def language_guard(fluent: Fluency, typical: float) -> float:
    """1 for anyone who uses the community's own words at least half as much as its typical member
    (no evidence either way counts as typical); less, down to 0.3, for words far from the
    community's (an outsider posting off-topic). Vocabulary is weak evidence: plain speech is no
    fault, so it never takes more than that."""
    if typical <= 0:
        return 1.0
    return 0.3 + 0.7 * min(1.0, fluent.shrunk / (0.5 * typical))


def removal_guard(written: int, removed: int) -> tuple[float, float]:
    """(guard, share): the share of what they wrote that the community took down, shrunk as if
    they had written two more posts that stayed (one removal in a hundred posts says little, one in
    one says a lot); the guard is what stayed."""
    share = removed / (written + 2) if written else 0.0
    return 1 - share, share


RECEIVED_PRIOR = 2  # as if two more contributions had been received as others' are
RECEIVED_CAP = 2.0  # twice as often appreciated as others' is as well received as it gets


def well_received(appreciated: int, expected: float) -> float:
    """How often the community appreciated their contributions (liked, upvoted, reacted to) against
    how often it appreciated others' of the same kind at the same time: 0.5 as often as others', 1
    twice as often or more. Counted by contribution, never by votes: one post a crowd upvoted is
    one appreciated post (the size of a crowd is reach, not trust). Shrunk towards typical."""
    ratio = (appreciated + RECEIVED_PRIOR) / (expected + RECEIVED_PRIOR)
    return min(ratio, RECEIVED_CAP) / RECEIVED_CAP


def _component(values: dict[str, float], weights: dict[str, float], component: str, leave_out: frozenset) -> float:
    """The product of a component's measures, each raised to its weight (in logs: their weighted
    sum), leaving out what ``leave_out`` names."""
    if component in leave_out:
        return 0.0
    return sum(
        weight * math.log(max(values[measure], FLOOR))
        for measure, weight in weights.items()
        if f"{component}.{measure}" not in leave_out
    )


def rank(
    data: CommunityData,
    *,
    weights: Mapping[str, float] | None = None,
    top: int | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> Ranking:
    """Rank the members of one community's window, best first.

    ``weights`` of the components (DEFAULT_WEIGHTS); ``leave_out``: components ("alignment") or
    measures ("consistency.currency") to rank without, for the ablation. Costs: the network's
    triangles on the graph of two-way ties, and one pass over the texts read.
    """
    weights = dict(DEFAULT_WEIGHTS | dict(weights or {}))
    known = set(MEASURES) | {f"{c}.{m}" for c, measures in MEASURES.items() for m in measures}
    if unknown := set(leave_out) - known:
        raise ValueError(
            f"nothing called {', '.join(sorted(unknown))} to leave out (known: {', '.join(sorted(known))})"
        )
    rankable = {m for m, info in data.members.items() if info.can_rank and data.active_days.get(m)}
    part = {
        m: participation(data.active_days[m], first_day=data.first_day, last_day=data.last_day,
                         first_seen=data.first_seen.get(m), earlier_days=data.earlier_days.get(m, ()))
        for m in rankable
    }  # fmt: skip
    kept_ties = [(s, t, d) for s, t, _kind, d in data.ties if s in rankable and t in rankable]
    back = return_engagement(kept_ties, first_day=data.first_day)
    ties = tie_weights(((s, t, k) for s, t, k, _ in data.ties), rankable)
    pos = positions(ties, rankable)
    everyone, promotions = data.texts_read or read_texts(data.texts, data.own_sites)
    corpus = everyone.subset(rankable)  # bots' templates must not become the community's language
    vocabulary = community_vocabulary(corpus, language=data.language)
    fluent = fluency(corpus, vocabulary)
    with_text = sorted(f.shrunk for f in fluent.values() if f.tokens)
    typical = with_text[len(with_text) // 2] if with_text and vocabulary.terms else 0.0
    # Openness against the community's own: where everyone is one circle (a twelve-person chat)
    # being closed is how it is, and says nothing of anyone.
    circles = sorted(openness(p) for p in pos.values() if p.mutual > 1)
    typical_openness = max(circles[len(circles) // 2], FLOOR) if circles else 1.0
    shared = shared_sites({m: promotions.get(m) or NO_TEXT for m in rankable})
    promo = {m: (promotions.get(m) or NO_TEXT).without(shared) for m in rankable}

    measures, logs = {}, {}
    for m in rankable:
        p, n = part[m], pos[m]
        removals, _ = removal_guard(data.written.get(m, 0), data.removed.get(m, 0))
        measures[m] = {
            "consistency": {
                "presence": 1 + p.weighted_weeks, "tenure": p.tenure, "currency": p.recency,
            },
            "embeddedness": {
                "conversations": 1 + data.conversations.get(m, 0), "partners": n.mutual,
                "answers back": answers_back(n), "openness": min(1.0, openness(n) / typical_openness),
            },
            "alignment": {
                "received": well_received(data.appreciated.get(m, 0), data.expected_appreciation.get(m, 0.0)),
                "promotion": 1 - promo[m].promotion, "removals": removals,
                "language": language_guard(fluent[m], typical),
            },
        }  # fmt: skip
        logs[m] = {c: _component(measures[m][c], MEASURES[c], c, leave_out) for c in MEASURES}
    # Shown within the community against its best member (1.0): a component as its product over the
    # best's, to the power one over its number of measures; the score as the whole product over the
    # best member's, to the power one third (one per component). The product itself spans orders of
    # magnitude, which orders members but reads badly; the roots keep the order.
    spread = {c: sum(1 for k in MEASURES[c] if f"{c}.{k}" not in leave_out) or 1 for c in MEASURES}
    tops = {c: max((value[c] for value in logs.values()), default=0.0) for c in MEASURES}
    scored = []
    for m, value in logs.items():
        scaled = {c: math.exp((value[c] - tops[c]) / spread[c]) for c in MEASURES}
        scored.append((sum(weights[c] * value[c] for c in MEASURES), m, scaled))
    best = max((s[0] for s in scored), default=0.0)
    total_spread = sum(weights[c] for c in MEASURES if c not in leave_out) or 1.0
    scored = [(round(math.exp((total - best) / total_spread), 6), m, scaled) for total, m, scaled in scored]
    scored.sort(key=lambda s: (-s[0], data.members[s[1]].handle.lower()))
    if top is not None:
        scored = scored[:top]

    results = []
    for place, (score, m, scaled) in enumerate(scored, start=1):
        info = data.members[m]
        details = {
            "participation": _plain(part[m]),
            "return_engagement": _plain(back.get(m) or ReturnEngagement(0, 0, 0.0)),
            "network": _plain(pos[m]) | {"conversations": data.conversations.get(m, 0)},
            "language": _plain(fluent[m]) | {"typical": typical},
            "promotion": _plain(promo[m]),
            "removals": {
                "written": data.written.get(m, 0),
                "removed": data.removed.get(m, 0),
                "share": removal_guard(data.written.get(m, 0), data.removed.get(m, 0))[1],
            },  # fmt: skip
            "appreciation": {
                "appreciated": data.appreciated.get(m, 0),
                "expected": round(data.expected_appreciation.get(m, 0.0), 2),
            },
            "measures": measures[m],
        }
        results.append(
            MemberResult(
                member=m, handle=info.handle, rank=place, score=score,
                consistency=round(scaled["consistency"], 6), embeddedness=round(scaled["embeddedness"], 6),
                alignment=round(scaled["alignment"], 6),
                reasons=reasons(
                    part[m], back.get(m), pos[m], data.conversations.get(m, 0), fluent[m],
                    measures[m]["alignment"]["language"] < 1, promo[m], data.removed.get(m, 0),
                    data.written.get(m, 0), data.appreciated.get(m, 0), data.expected_appreciation.get(m, 0.0),
                    bool(vocabulary.terms),
                ),
                details=details, reach=info.reach, reach_kind=info.reach_kind,
            )
        )  # fmt: skip
    return Ranking(
        results=results,
        parameters={
            "weights": weights,
            "measures": MEASURES,
            "algorithm_version": ALGORITHM_VERSION,
            "language": data.language,
            **({"left_out": sorted(leave_out)} if leave_out else {}),
        },  # fmt: skip
        message=_thin_data_message(len(rankable), data),
        vocabulary=[t.term for t in vocabulary.best(25)],
    )


def _thin_data_message(members: int, data: CommunityData) -> str:
    weeks = observed_weeks(data.first_day, data.last_day)
    thin = []
    if members < MIN_MEMBERS:
        thin.append(_count(members, "member") + " who can rank")
    if data.interactions and data.interactions < MIN_INTERACTIONS:
        thin.append(_count(data.interactions, "interaction"))
    if weeks < MIN_WEEKS:
        thin.append(_count(weeks, "week") + " of activity")
    if not thin:
        return ""
    return "Too little activity to rank with confidence (" + ", ".join(thin) + "): the order is indicative only."


def _plain(record) -> dict:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
