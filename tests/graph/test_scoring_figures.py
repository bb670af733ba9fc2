"""What the ranking reports, figure by figure: scores and components recomputed from the measures it
shows, the details behind each measure, the parameters, the vocabulary and the thin-data message.

These pin what a partnership manager reads beside a score (and what a mutation of graph/scoring.py
changed without a test noticing: docs/testing.md).
"""

import math
import random
import re

import pytest

from graph.language import Fluency, community_vocabulary
from graph.network import Position
from graph.scoring import (
    ALGORITHM_VERSION,
    DEFAULT_WEIGHTS,
    FLOOR,
    MEASURES,
    MIN_INTERACTIONS,
    MIN_MEMBERS,
    MIN_WEEKS,
    CommunityData,
    Member,
    language_guard,
    openness,
    rank,
    read_texts,
    removal_guard,
    well_received,
)
from tests.graph.test_scoring import _by_handle, community


def _varied() -> CommunityData:
    """The regulars of test_scoring's community, each written, appreciated and taken down differently,
    so that every measure differs between members."""
    data = community()
    for name in data.members:
        i = int(name.removeprefix("regular"))
        data.written[name] = 20 + 3 * i
        data.appreciated[name] = 4 + i
        data.expected_appreciation[name] = 6.0 + 0.5 * i
        data.removed[name] = i % 3
        data.conversations[name] = 2 + i
    return data


def _logs(result, leave_out=frozenset()) -> dict[str, float]:
    """A member's components as logs of products of measures raised to their weights, recomputed."""
    measures = result.details["measures"]
    return {
        component: 0.0
        if component in leave_out
        else sum(
            weight * math.log(max(measures[component][measure], FLOOR))
            for measure, weight in MEASURES[component].items()
            if f"{component}.{measure}" not in leave_out
        )
        for component in MEASURES
    }


@pytest.mark.parametrize(
    "leave_out", [frozenset(), frozenset({"embeddedness.openness"}), frozenset({"alignment"})], ids=str
)
def test_scores_and_components_are_roots_of_products_of_measures_against_the_best_member(leave_out):
    """A component is its product over the best member's, to the power one over its number of
    measures; the score the whole product over the best's, to the power one over the components."""
    results = rank(_varied(), leave_out=leave_out).results
    logs = {r.handle: _logs(r, leave_out) for r in results}
    tops = {c: max(log[c] for log in logs.values()) for c in MEASURES}
    counted = {c: sum(1 for m in MEASURES[c] if f"{c}.{m}" not in leave_out) or 1 for c in MEASURES}
    totals = {handle: sum(log.values()) for handle, log in logs.items()}
    best = max(totals.values())
    components = len([c for c in MEASURES if c not in leave_out])
    for r in results:
        for c in MEASURES:
            assert getattr(r, c) == round(math.exp((logs[r.handle][c] - tops[c]) / counted[c]), 6), (r.handle, c)
        assert r.score == round(math.exp((totals[r.handle] - best) / components), 6), r.handle
    assert results[0].score == 1.0 and len({r.score for r in results}) == len(results)


def test_the_details_show_the_figures_each_measure_is_made_of():
    data = _varied()
    data.expected_appreciation["regular4"] = 10.126
    data.members["quiet"] = Member("quiet", reach=120, reach_kind="followers")
    data.active_days["quiet"] = [3, 40, 90]  # posts now and then; nobody answers, they answer nobody
    results = _by_handle(rank(data))
    r = results["regular4"]
    assert set(r.details) == {
        "participation", "return_engagement", "network", "language", "promotion", "removals", "appreciation",
        "measures",
    }  # fmt: skip
    assert r.details["removals"] == {"written": 32, "removed": 1, "share": 1 / 34}
    assert r.details["appreciation"] == {"appreciated": 8, "expected": 10.13}
    assert r.details["network"]["conversations"] == 6
    measures, part, net = r.details["measures"], r.details["participation"], r.details["network"]
    assert measures["consistency"] == {
        "presence": 1 + part["weighted_weeks"], "tenure": part["tenure"], "currency": part["recency"]
    }  # fmt: skip
    assert measures["embeddedness"]["conversations"] == 7 and measures["embeddedness"]["partners"] == net["mutual"]
    assert measures["alignment"]["received"] == well_received(8, 10.126)
    assert measures["alignment"]["removals"] == 1 - 1 / 34
    back = r.details["return_engagement"]
    assert back["visitors"] == net["heard_from"] and 0 < back["returning"] <= back["visitors"]
    assert f"{back['returning']} of the {back['visitors']} members who talked with them came back" in " ".join(
        r.reasons
    )
    assert "Replied in 6 different threads." in r.reasons

    # A member the data says nothing about: nothing written, taken down, appreciated, nobody answering.
    quiet = results["quiet"]
    assert quiet.details["removals"] == {"written": 0, "removed": 0, "share": 0.0}
    assert quiet.details["appreciation"] == {"appreciated": 0, "expected": 0.0}
    assert quiet.details["network"]["conversations"] == 0
    assert quiet.details["return_engagement"] == {"visitors": 0, "returning": 0, "rate": 0.0}
    assert quiet.details["measures"]["embeddedness"]["conversations"] == 1
    assert quiet.details["measures"]["alignment"]["received"] == 0.5  # as often as others'
    assert quiet.details["measures"]["alignment"]["removals"] == 1.0
    assert not any("came back" in reason or "different threads" in reason for reason in quiet.reasons)
    assert not any(reason.startswith("Members liked") for reason in quiet.reasons)
    assert (quiet.reach, quiet.reach_kind) == (120, "followers")  # carried to be shown, never scored


def test_a_member_without_appreciation_figures_is_received_as_typical_and_nothing_is_said():
    data = community()
    for name in data.members:
        data.written[name] = 30
    data.appreciated["regular1"], data.expected_appreciation["regular1"] = 2, 8.0  # a quarter as often
    data.expected_appreciation["regular2"] = 8.0  # none of theirs appreciated, where others' would have been
    results = _by_handle(rank(data))
    assert any(reason.startswith("Members liked or upvoted 2 of the 30") for reason in results["regular1"].reasons)
    assert any(reason.startswith("Members liked or upvoted 0 of the 30") for reason in results["regular2"].reasons)
    for name in ("regular3", "regular4"):
        assert results[name].details["measures"]["alignment"]["received"] == 0.5
        assert not any(reason.startswith("Members liked") for reason in results[name].reasons)
        # Written, none taken down: nothing held against them.
        assert results[name].details["measures"]["alignment"]["removals"] == 1.0
        assert results[name].details["removals"] == {"written": 30, "removed": 0, "share": 0.0}


def test_the_typical_member_is_the_median_one_for_language_and_openness():
    data = community()
    # Many members with one partner (open by construction: no pair of partners to be closed) and many
    # with two partners who also talk to each other and to everyone else: the regulars' close circle
    # is the minority. One partner says nothing of a circle, so the typical member is among the others.
    for i in range(20):
        for count, name in ((1, f"single{i}"), (2, f"pair{i}")):
            data.members[name] = Member(name)
            data.active_days[name] = [10, 50, 120]
            for partner in range(count):
                data.ties += [(name, f"regular{(i + partner) % 12}", "comment", 10)]
                data.ties += [(f"regular{(i + partner) % 12}", name, "comment", 11)]
    results = rank(data).results
    shrunk = sorted(r.details["language"]["shrunk"] for r in results if r.details["language"]["tokens"])
    assert {r.details["language"]["typical"] for r in results} == {shrunk[len(shrunk) // 2]}

    def position(r):
        return Position(**{k: v for k, v in r.details["network"].items() if k != "conversations"})

    circles = sorted(openness(position(r)) for r in results if r.details["network"]["mutual"] > 1)
    typical = max(circles[len(circles) // 2], FLOOR)
    for r in results:
        assert r.details["measures"]["embeddedness"]["openness"] == min(1.0, openness(position(r)) / typical)
    assert max(r.details["measures"]["embeddedness"]["openness"] for r in results) == 1.0
    # Nobody with two partners: nothing to compare with, and nobody is held closed.
    two = _thin(2, 8, 200)
    two.ties = [("member0", "member1", "comment", 3), ("member1", "member0", "comment", 4)]
    assert {r.details["measures"]["embeddedness"]["openness"] for r in rank(two).results} == {1.0}


def test_without_a_vocabulary_no_one_is_judged_by_their_words():
    results = rank(community(regulars=2)).results  # two writers: too few for words of the community's own
    assert results and all(r.details["language"]["typical"] == 0.0 for r in results)
    assert all(r.details["measures"]["alignment"]["language"] == 1.0 for r in results)


def test_the_guards_at_their_edges():
    # Two partners who answer each other (one triangle) and two ties beyond: half of it reaches out.
    position = Position(heard_from=3, reaches_out=3, mutual=3, reciprocity=1.0, closure=1 / 3, reach_across=1,
                        triangles=1)  # fmt: skip
    assert openness(position) == (1 + 1) / (1 + 2 + 1)
    assert language_guard(Fluency(tokens=0, share=0.0, shrunk=0.0), 0.0) == 1.0  # no typical member: no judgement
    assert language_guard(Fluency(tokens=50, share=0.1, shrunk=0.1), 0.4) == 0.3 + 0.7 * 0.5
    assert removal_guard(0, 0) == (1.0, 0.0)  # nothing written, nothing held against them
    assert removal_guard(8, 2) == (0.8, 0.2)


def test_before_the_window_counts_for_tenure_and_presence():
    data = community()
    data.active_days["regular3"] = [day for day in data.active_days["regular3"] if day >= 224]  # the last 8 weeks
    plain = _by_handle(rank(data))["regular3"].details["participation"]
    data.first_seen["regular3"] = -700
    data.earlier_days["regular3"] = list(range(-700, 0, 7))
    seasoned = _by_handle(rank(data))["regular3"].details["participation"]
    assert seasoned["tenure"] > plain["tenure"] and seasoned["weighted_weeks"] > plain["weighted_weeks"]


def test_ties_with_members_who_cannot_rank_are_not_return_engagement():
    data = community()
    before = {r.handle: r.details["return_engagement"] for r in rank(data).results}
    data.members["helperbot"] = Member("helperbot", can_rank=False)
    data.active_days["helperbot"] = list(range(0, 280, 7))
    data.ties += [("helperbot", "regular1", "comment", day) for day in range(0, 280, 7)]
    data.ties += [("regular2", "helperbot", "comment", day) for day in range(0, 280, 7)]
    assert {r.handle: r.details["return_engagement"] for r in rank(data).results} == before


def test_the_communitys_own_site_and_a_site_many_members_link_are_not_promotion():
    data = community()
    data.own_sites = frozenset({"forum.example"})
    data.texts["regular1"] = [t + " see https://forum.example/t/42" for t in data.texts["regular1"]]
    for name in [f"regular{i}" for i in range(4, 10)]:  # six members, now and then, the same manual
        data.texts[name] = [
            t + " https://docs.inks.example/page" * (n % 3 == 0) for n, t in enumerate(data.texts[name])
        ]
    results = _by_handle(rank(data))
    for name in ["regular1", *(f"regular{i}" for i in range(4, 10))]:
        assert results[name].details["measures"]["alignment"]["promotion"] == 1.0, name
        assert not any(reason.startswith("Links to") for reason in results[name].reasons), name
    data.own_sites = frozenset()
    assert _by_handle(rank(data))["regular1"].details["measures"]["alignment"]["promotion"] < 1.0


def test_the_vocabulary_is_the_communitys_25_best_terms_in_its_own_language():
    rng = random.Random(8)
    jargon = [f"{stem}{suffix}" for stem in ("nib", "feed", "sac", "cap", "barrel", "tine") for suffix in "xyzqkw"]
    data = community()
    for name in data.members:
        data.texts[name] = [" ".join(rng.choice(jargon + ["the", "and", "is"]) for _ in range(30)) for _ in range(20)]
    ranking = rank(data)
    corpus, _ = read_texts(data.texts)
    best = community_vocabulary(corpus, language="en").best(25)
    assert len(ranking.vocabulary) == 25 and ranking.vocabulary == [term.term for term in best]

    french = community(regulars=8)
    words = "les plumes sont belles et la encre est bleue avec une pointe fine pour écrire".split()
    for name in french.members:
        french.texts[name] = [" ".join(rng.choice(words) for _ in range(25)) for _ in range(10)]
    french.language = "fr"
    vocabulary = rank(french).vocabulary
    assert not {"les", "et", "la", "est", "une", "pour"} & set(vocabulary)  # general French, not the community's
    assert rank(french).parameters["language"] == "fr"


def test_the_parameters_say_how_the_ranking_was_made_and_top_keeps_the_best():
    data = _varied()
    ranking = rank(data)
    assert ranking.parameters == {
        "weights": DEFAULT_WEIGHTS, "measures": MEASURES, "algorithm_version": ALGORITHM_VERSION, "language": "en"
    }  # fmt: skip
    left = rank(data, leave_out=frozenset({"alignment.received", "consistency"})).parameters["left_out"]
    assert left == ["alignment.received", "consistency"]
    assert [r.handle for r in rank(data, top=3).results] == [r.handle for r in ranking.results[:3]]
    assert len(ranking.results) == len(data.members)


def test_an_unknown_name_to_leave_out_is_refused_naming_every_known_one():
    known = sorted(set(MEASURES) | {f"{c}.{m}" for c, measures in MEASURES.items() for m in measures})
    message = f"nothing called alignment.size, reach to leave out (known: {', '.join(known)})"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        rank(community(), leave_out=frozenset({"reach", "alignment.size"}))


def _thin(members: int, weeks: int, interactions: int) -> CommunityData:
    names = [f"member{i}" for i in range(members)]
    return CommunityData(
        members={name: Member(name) for name in names},
        active_days={name: [0] for name in names},
        ties=[],
        texts={},
        first_day=0,
        last_day=7 * weeks - 1,
        interactions=interactions,
    )


def test_thin_data_is_said_below_each_threshold_and_not_at_it():
    assert rank(_thin(MIN_MEMBERS, MIN_WEEKS, MIN_INTERACTIONS)).message == ""
    assert rank(_thin(MIN_MEMBERS - 1, MIN_WEEKS - 1, MIN_INTERACTIONS - 1)).message == (
        f"Too little activity to rank with confidence ({MIN_MEMBERS - 1} members who can rank, "
        f"{MIN_INTERACTIONS - 1} interactions, {MIN_WEEKS - 1} weeks of activity): the order is indicative only."
    )
    assert rank(_thin(1, 1, 1)).message == (
        "Too little activity to rank with confidence (1 member who can rank, 1 interaction, 1 week of activity): "
        "the order is indicative only."
    )


def test_a_community_with_no_one_to_rank_ranks_no_one_and_says_why():
    ranking = rank(_thin(0, 1, 0))
    assert ranking.results == [] and ranking.vocabulary == []
    assert ranking.message == (
        "Too little activity to rank with confidence (0 members who can rank, 1 week of activity): "
        "the order is indicative only."
    )
