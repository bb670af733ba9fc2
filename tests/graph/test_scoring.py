"""The combined ranking on small hand-built communities (no database)."""

import random
from dataclasses import replace

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
    assert 0 < result.alignment < 1  # the community average: no evidence either way
    assert "No text to judge their language by (counted as average)." in result.reasons


def test_one_strong_signal_cannot_hide_a_missing_one():
    data = community()
    # A broadcaster: present every week with on-topic posts, answered by many, never answers.
    data.members["broadcaster"] = Member("broadcaster")
    data.active_days["broadcaster"] = list(range(0, 280, 7))
    data.texts["broadcaster"] = [_text(random.Random(i), 0.6) for i in range(30)]
    data.ties += [(f"regular{i}", "broadcaster", "comment", 7 * i) for i in range(12)]
    results = _by_handle(rank(data))
    assert results["broadcaster"].consistency > 0.8 and results["broadcaster"].embeddedness == 0
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


def test_language_sentences_place_members_among_the_others_and_are_left_out_without_a_vocabulary():
    data = community()
    data.texts["regular0"] = ["the and of it is was that this to with"] * 10  # no jargon at all
    result = _by_handle(rank(data))["regular0"]
    assert "Uses the community's vocabulary less than 95% of members." in result.reasons
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
