"""The combined ranking on small hand-built communities (no database)."""

import random
from dataclasses import replace

import pytest

from graph.scoring import CommunityData, Member, rank

JARGON = "nib sheen shimmer converter feed tines swatch flex piston ebonite".split()
PLAIN = "the a is was it that this to and of for in on with have just really think".split()


def _text(rng, jargon_share=0.4, words=20, extra=""):
    chosen = [rng.choice(JARGON) if rng.random() < jargon_share else rng.choice(PLAIN) for _ in range(words)]
    return " ".join(chosen) + extra


def community(*, weeks=40, regulars=12, seed=3, **extra_members) -> CommunityData:
    """Regulars who talk with each other most weeks; ``extra_members`` are added by the caller."""
    rng = random.Random(seed)
    names = [f"regular{i}" for i in range(regulars)]
    members = {name: Member(name) for name in names}
    days = {name: [] for name in names}
    ties, texts = [], {name: [] for name in names}
    for week in range(weeks):
        for name in names:
            if rng.random() < 0.8:
                day = week * 7 + rng.randrange(7)
                days[name].append(day)
                texts[name].append(_text(rng))
                other = rng.choice([n for n in names if n != name])
                ties.append((name, other, "comment", day))
                ties.append((other, name, "comment", day + 1))
    data = CommunityData(members, days, ties, texts, first_day=0, last_day=weeks * 7 - 1, interactions=10_000)
    return data


def _by_handle(ranking):
    return {r.handle: r for r in ranking.results}


def test_reach_never_raises_a_score():
    data = community()
    before = _by_handle(rank(data))
    data.members["regular3"] = replace(data.members["regular3"], reach=10_000_000, reach_kind="followers")
    after = _by_handle(rank(data))
    assert after["regular3"].score == before["regular3"].score
    assert after["regular3"].reach == 10_000_000  # shown, beside the score


def test_bots_and_deleted_accounts_never_rank_and_are_not_ties():
    data = community()
    data.members["helperbot"] = Member("helperbot", can_rank=False)
    data.members["[deleted]"] = Member("[deleted]", can_rank=False)
    for name in ("helperbot", "[deleted]"):
        data.active_days[name] = list(range(0, 280, 3))
        data.ties += [(name, f"regular{i}", "comment", 5) for i in range(12)]
        data.ties += [(f"regular{i}", name, "comment", 6) for i in range(12)]
    results = _by_handle(rank(data))
    assert "helperbot" not in results and "[deleted]" not in results
    assert all(r.details["network"]["heard_from"] <= 11 for r in results.values())


def test_promotion_lowers_alignment():
    data = community()
    clean = _by_handle(rank(data))["regular5"]
    data.texts["regular5"] = [t + " buy at https://myshop.example/deal" for t in data.texts["regular5"]]
    promoted = _by_handle(rank(data))["regular5"]
    assert promoted.alignment < clean.alignment / 2
    assert promoted.score < clean.score
    assert any("myshop.example" in reason for reason in promoted.reasons)


def test_a_member_who_stops_posting_ranks_lower_than_before():
    data = community()
    before = _by_handle(rank(data))["regular7"]
    data.active_days["regular7"] = [d for d in data.active_days["regular7"] if d < 100]
    after = _by_handle(rank(data))["regular7"]
    assert after.consistency < before.consistency
    assert after.rank > before.rank


def test_a_member_with_no_text_still_gets_the_components_that_need_none():
    data = community()
    data.texts["regular2"] = []
    result = _by_handle(rank(data))["regular2"]
    assert result.consistency > 0.5 and result.embeddedness > 0.5
    # No evidence either way: typical, as aligned as the members whose texts are ordinary.
    assert result.alignment == _by_handle(rank(data))["regular3"].alignment
    assert "No text to judge their language by (counted as typical)." in result.reasons


def test_one_strong_signal_cannot_hide_a_missing_one():
    data = community()
    # A broadcaster: present every week with on-topic posts, answered by many, never answers.
    data.members["broadcaster"] = Member("broadcaster")
    data.active_days["broadcaster"] = list(range(0, 280, 7))
    data.texts["broadcaster"] = [_text(random.Random(i), 0.6) for i in range(30)]
    data.ties += [(f"regular{i}", "broadcaster", "comment", 7 * i) for i in range(12)]
    results = _by_handle(rank(data))
    assert results["broadcaster"].consistency > 0.8 and results["broadcaster"].embeddedness < 0.3
    assert results["broadcaster"].rank == len(results)  # last, despite the most regular presence
    assert any("never answers back" in reason for reason in results["broadcaster"].reasons)


def test_scores_and_components_are_in_0_1_and_ranks_are_dense():
    ranking = rank(community())
    assert [r.rank for r in ranking.results] == list(range(1, 13))
    for r in ranking.results:
        assert all(0 <= value <= 1 for value in (r.score, r.consistency, r.embeddedness, r.alignment))
    assert [r.score for r in ranking.results] == sorted((r.score for r in ranking.results), reverse=True)


def test_a_community_with_too_little_activity_says_so_and_ranks_what_it_can():
    data = community(weeks=2, regulars=3)
    data.interactions = 12
    ranking = rank(data)
    assert ranking.message.startswith("Too little activity to rank with confidence")
    assert "3 members who can rank" in ranking.message and "12 interactions" in ranking.message
    assert len(ranking.results) == 3
    assert rank(community()).message == ""


def test_reasons_are_sentences_about_the_member():
    result = rank(community()).results[0]
    assert result.reasons[0].startswith("Active in ")
    assert any(reason.startswith("Answered by ") for reason in result.reasons)
    assert all(reason.endswith(".") for reason in result.reasons)


def test_words_far_from_the_communitys_lower_alignment_and_are_said_and_left_out_without_a_vocabulary():
    data = community()
    typical = _by_handle(rank(data))["regular0"]
    rng = random.Random(5)
    data.texts["regular0"] = [_text(rng, jargon_share=0.0, words=30) for _ in range(15)]  # no jargon at all
    result = _by_handle(rank(data))["regular0"]
    assert result.alignment < typical.alignment
    assert any(reason.startswith("Uses few of the community's own words (") for reason in result.reasons)
    assert not any("community's own words" in reason for reason in typical.reasons)  # ordinary: nothing to say
    tiny = community(regulars=2)  # two writers: too few for a vocabulary of the community's own
    for member in rank(tiny).results:
        assert not any("vocabulary" in reason for reason in member.reasons)


def test_inactivity_is_said_in_whole_weeks_never_rounded_up():
    data = community()  # the window's last day is day 279
    early = [d for d in data.active_days["regular4"] if d < 200]
    data.active_days["regular4"] = early + [279 - 36]  # five weeks and a day ago
    assert any(r.endswith("but not in the last 5 weeks.") for r in _by_handle(rank(data))["regular4"].reasons)
    data.active_days["regular4"] = early + [279 - 34]  # four weeks and six days ago: not five
    assert not any("but not in the last" in r for r in _by_handle(rank(data))["regular4"].reasons)


def test_contributions_the_community_appreciates_more_often_lift_a_member_and_the_reason_says_so():
    data = community()
    for name in data.members:
        data.written[name] = 30
        data.expected_appreciation[name] = 10.0
        data.appreciated[name] = 10
    before = rank(data).results[-1]  # the last, all else being equal
    data.appreciated[before.member] = 25
    after = _by_handle(rank(data))[before.handle]
    assert after.rank < before.rank
    assert "Members liked or upvoted 25 of the 30 posts and comments they wrote, 2.5 times as often" in " ".join(
        after.reasons
    )


def test_what_the_community_took_down_lowers_alignment_and_is_said():
    data = community()
    for name in data.members:
        data.written[name] = 40
    clean = _by_handle(rank(data))["regular4"]
    data.removed["regular4"] = 20
    flagged = _by_handle(rank(data))["regular4"]
    assert flagged.details["measures"]["alignment"]["removals"] == pytest.approx(1 - 20 / 42, abs=1e-3)
    assert flagged.alignment < clean.alignment and flagged.rank > clean.rank
    assert "The community took down 20 of the 40 posts and comments they wrote." in flagged.reasons


def test_a_part_left_out_changes_the_ranking_and_an_unknown_name_is_refused():
    data = community()
    for name in data.members:
        data.written[name], data.expected_appreciation[name] = 30, 10.0
        data.appreciated[name] = 5 + 2 * int(name.removeprefix("regular"))
    whole = [r.handle for r in rank(data).results]
    assert [r.handle for r in rank(data, leave_out=frozenset({"alignment.received"})).results] != whole
    assert rank(data, leave_out=frozenset({"alignment"})).parameters["left_out"] == ["alignment"]
    with pytest.raises(ValueError, match="nothing called alignment.vocabulary"):
        rank(data, leave_out=frozenset({"alignment.vocabulary"}))


def test_no_reason_contradicts_the_figures_beside_it():
    data = community()
    data.active_days["regular9"] = [0]  # once, at the very start of the window
    for result in rank(data).results:
        p = result.details["participation"]
        first = result.reasons[0]
        assert first.startswith(f"Active in {p['active_weeks']} of the {p['weeks_observed']} weeks observed")
        assert 1 <= p["active_weeks"] <= p["weeks_observed"]
        if "but not in the last" in first:
            silent = int(first.split("but not in the last ")[1].split(" weeks")[0])
            assert silent < p["weeks_observed"] and silent <= p["weeks_since_last"]
