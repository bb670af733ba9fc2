"""Combine participation, network position and language into one ranking, with reasons.

Each family is a component in [0, 1], normalised within the community; the score is their
weighted *geometric* mean, so a member missing one family cannot make up for it with another
(a loud broadcaster without two-way ties, a closed ring that promotes a shop, a burst of a
newcomer). Reach is carried along to be shown and never enters a formula.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.consistency import Participation, ReturnEngagement, observed_weeks, participation, return_engagement
from graph.language import Corpus, Fluency, community_vocabulary, fluency, tokenize
from graph.network import Position, positions, tie_weights
from graph.promotion import Promotion, promotion

ALGORITHM_VERSION = "embedded-1.0"
DEFAULT_WEIGHTS = {"consistency": 0.4, "embeddedness": 0.35, "alignment": 0.25}
FLOOR = 0.01  # a zero component makes a score small, and members with one still order by the rest
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
    their texts (titles and bodies), most recent first.
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


def _geometric(parts: list[tuple[float, float]]) -> float:
    total = sum(weight for _, weight in parts)
    return math.exp(sum(weight * math.log(max(value, FLOOR)) for value, weight in parts) / total)


def _percentiles(values: Mapping[object, float]) -> dict[object, float]:
    """Share of the other members with a lower value (tied ones count half): 1.0 for the best,
    0.0 for the lowest; zero stays zero."""
    ordered = sorted(values.values())
    n = len(ordered)
    result = {}
    for member, value in values.items():
        if value <= 0 or n == 0:
            result[member] = 0.0
            continue
        below = bisect.bisect_left(ordered, value)
        equal = bisect.bisect_right(ordered, value) - below
        result[member] = (below + (equal - 1) / 2) / (n - 1) if n > 1 else 1.0
    return result


def consistency_of(p: Participation, back: ReturnEngagement | None) -> float:
    rate = back.rate if back else 0.0
    return _geometric(
        [
            (p.presence, 0.35),
            (p.tenure, 0.25),
            (p.recency, 0.15),
            (0.5 + 0.5 * p.regularity, 0.1),
            (0.5 + 0.5 * rate, 0.15),
        ]
    )


def openness(pos: Position) -> float:
    """1 − closure, with closure discounted for members with few partners (two partners who know
    each other say little), and never below 0.1 (in a small close-knit community everyone is closed)."""
    closure = pos.closure * (pos.mutual - 1) / (pos.mutual + 1) if pos.mutual > 1 else 0.0
    return max(0.1, 1 - closure)


def embeddedness_of(pos: Position, breadth: float, standing: float, across: float) -> float:
    if pos.mutual == 0:
        return 0.0
    return _geometric([(breadth, 0.25), (pos.reciprocity, 0.2), (standing, 0.2), (openness(pos), 0.15), (across, 0.2)])


def alignment_of(fluent: float, promo: Promotion) -> float:
    """Fluency, cut by promotion: linking one's own shop in half of what one writes quarters it.

    Vocabulary is weaker evidence than behaviour (plain English is not a fault), so the least
    fluent member keeps 30% of the language part; promotion can take everything.
    """
    return (0.3 + 0.7 * fluent) * (1 - promo.promotion) ** 2


def rank(data: CommunityData, *, weights: Mapping[str, float] | None = None, top: int | None = None) -> Ranking:
    weights = dict(DEFAULT_WEIGHTS | dict(weights or {}))
    rankable = {m for m, info in data.members.items() if info.can_rank and data.active_days.get(m)}
    part = {m: participation(data.active_days[m], first_day=data.first_day, last_day=data.last_day) for m in rankable}
    kept_ties = [(s, t, d) for s, t, _kind, d in data.ties if s in rankable and t in rankable]
    back = return_engagement(kept_ties, first_day=data.first_day)
    pos = positions(tie_weights(((s, t, k) for s, t, k, _ in data.ties), rankable), rankable)
    breadth = _percentiles({m: p.mutual for m, p in pos.items()})
    standing = _percentiles({m: p.centrality if p.mutual else 0.0 for m, p in pos.items()})
    across = _percentiles({m: p.reach_across for m, p in pos.items()})
    everyone, promotions = data.texts_read or read_texts(data.texts, data.own_sites)
    corpus = everyone.subset(rankable)  # bots' templates must not become the community's language
    vocabulary = community_vocabulary(corpus, language=data.language)
    fluent = fluency(corpus, vocabulary)
    fluent_pct = _percentiles({m: f.shrunk for m, f in fluent.items()})
    promo = {m: promotions.get(m) or NO_TEXT for m in rankable}

    raw = {
        m: (
            consistency_of(part[m], back.get(m)),
            embeddedness_of(pos[m], breadth[m], standing[m], across[m]),
            alignment_of(fluent_pct[m], promo[m]),
        )
        for m in rankable
    }
    # Normalised within the community: the strongest member on each component sets its 1.0.
    tops = [max((r[i] for r in raw.values()), default=0.0) or 1.0 for i in range(3)]
    scored = []
    for m, (c, e, a) in raw.items():
        c, e, a = c / tops[0], e / tops[1], a / tops[2]
        score = _geometric([(c, weights["consistency"]), (e, weights["embeddedness"]), (a, weights["alignment"])])
        scored.append((round(score, 6), m, c, e, a))
    scored.sort(key=lambda s: (-s[0], data.members[s[1]].handle.lower()))
    if top is not None:
        scored = scored[:top]

    results = []
    for place, (score, m, c, e, a) in enumerate(scored, start=1):
        info = data.members[m]
        details = {
            "participation": _plain(part[m]),
            "return_engagement": _plain(back.get(m) or ReturnEngagement(0, 0, 0.0)),
            "network": _plain(pos[m])
            | {"breadth_percentile": breadth[m], "standing_percentile": standing[m], "across_percentile": across[m]},
            "language": _plain(fluent[m]) | {"percentile": fluent_pct[m]},
            "promotion": _plain(promo[m]),
        }
        results.append(
            MemberResult(
                member=m, handle=info.handle, rank=place, score=score,
                consistency=round(c, 6), embeddedness=round(e, 6), alignment=round(a, 6),
                reasons=reasons(
                    part[m], back.get(m), pos[m], fluent[m], fluent_pct[m], promo[m], bool(vocabulary.terms)
                ),
                details=details, reach=info.reach, reach_kind=info.reach_kind,
            )
        )  # fmt: skip
    return Ranking(
        results=results,
        parameters={"weights": weights, "algorithm_version": ALGORITHM_VERSION, "language": data.language},
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


def _members(count: int) -> str:
    return "1 member" if count == 1 else f"{count:,} different members"


def _share(value: float) -> str:
    return f"{value:.0%}"


def reasons(
    p: Participation,
    back: ReturnEngagement | None,
    pos: Position,
    fluent: Fluency,
    fluent_pct: float,
    promo: Promotion,
    has_vocabulary: bool = True,
) -> list[str]:
    """Sentences a partnership manager can read, strengths and warnings alike."""
    said = []
    presence = f"Active in {p.active_weeks} of the {p.weeks_observed} weeks observed"
    if p.weeks_since_last >= 5:
        presence += f", but not in the last {math.floor(p.weeks_since_last)} weeks"
    if p.burstiness is not None and p.burstiness > 0.5:
        presence += "; activity comes in bursts"
    said.append(presence + ".")
    # Ties are replies, mentions and reactions alike: the sentences say so.
    if pos.heard_from and pos.mutual:
        said.append(
            f"Answered by {_members(pos.heard_from)} (replies, mentions, reactions) and answers "
            f"{pos.mutual} of them back ({_share(pos.mutual / pos.heard_from)})."
        )
    elif pos.heard_from:
        said.append(f"Answered by {_members(pos.heard_from)} (replies, mentions, reactions) but never answers back.")
    elif pos.reaches_out:
        said.append(f"Replies or reacts to {_members(pos.reaches_out)}; none of them answers back.")
    else:
        said.append("Has not interacted with other members in this window.")
    if back and back.returning:
        said.append(f"{back.returning} of the {back.visitors} members who talked with them came back in another week.")
    if pos.mutual >= 3 and pos.closure >= 0.6:
        said.append(
            f"Talks mostly within a closed group ({_share(pos.closure)} of their partners also talk to each other)."
        )
    elif pos.mutual >= 5 and pos.closure < 0.3:
        said.append("Their ties reach across the community rather than one circle.")
    if fluent.tokens == 0:
        said.append("No text to judge their language by (counted as average).")
    elif not has_vocabulary:
        pass  # too few writers for the community to have a vocabulary of its own yet
    elif fluent_pct >= 0.5:
        said.append(
            f"Uses the community's vocabulary more than {min(95, math.floor(fluent_pct * 20) * 5)}% of members."
        )
    else:
        said.append(
            f"Uses the community's vocabulary less than {min(95, math.floor((1 - fluent_pct) * 20) * 5)}% of members."
        )
    if promo.self_promotion:
        said.append(f"Links to {promo.top_site} in {_share(promo.self_promotion)} of what they write.")
    if promo.duplicate_share >= 0.2:
        said.append(f"Repeats the same text in {_share(promo.duplicate_share)} of what they write.")
    return said
