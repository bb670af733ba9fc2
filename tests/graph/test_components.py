"""Each measure moves the way its definition says, on small hand-built inputs (no database)."""

import networkx as nx
import pytest

from graph.consistency import burstiness, participation, return_engagement
from graph.language import Corpus, community_vocabulary, fluency, tokenize
from graph.network import mutual_graph, positions, tie_weights
from graph.promotion import promotion, sites

# --- participation -----------------------------------------------------------------------------


def test_a_member_who_stops_posting_loses_presence_and_recency():
    weekly = list(range(0, 364, 7))
    stopped = [d for d in weekly if d < 180]
    still = participation(weekly, first_day=0, last_day=363)
    gone = participation(stopped, first_day=0, last_day=363)
    assert still.presence > gone.presence
    assert still.recency == 1.0 and gone.recency < 0.5
    assert gone.weeks_since_last > 25


def test_weeks_are_counted_from_when_the_community_was_first_observed():
    # A community imported with 10 weeks of history: a member present every week is fully present.
    assert participation(list(range(0, 70, 7)), first_day=0, last_day=69).presence == 1.0


def test_burstiness_is_minus_one_for_clockwork_and_high_for_bursts():
    assert burstiness([7.0] * 20) == pytest.approx(-1.0)
    bursts = [1, 1, 1, 1, 60, 1, 1, 1, 1, 90, 1, 1, 1]
    assert burstiness(bursts) > 0.5
    assert burstiness([3.0]) is None  # two events say nothing about rhythm


def test_regular_beats_bursty_with_the_same_number_of_days():
    regular = participation(list(range(0, 360, 30)), first_day=0, last_day=363)
    bursty = participation([0, 1, 2, 3, 4, 5, 200, 201, 202, 203, 204, 205], first_day=0, last_day=363)
    assert regular.active_days == bursty.active_days
    assert regular.regularity > bursty.regularity


def test_return_engagement_counts_members_who_come_back_in_another_week():
    ties = [("a", "x", 0), ("a", "x", 14), ("b", "x", 0), ("c", "x", 1), ("c", "x", 2), ("x", "x", 30)]
    back = return_engagement(ties, first_day=0)["x"]
    assert (back.visitors, back.returning) == (3, 1)  # c came twice but in the same week; x is not a visitor
    assert back.rate == pytest.approx(1 / 5)


# --- network -----------------------------------------------------------------------------------


def _ring(prefix, size):
    return [(f"{prefix}{i}", f"{prefix}{j}", "comment") for i in range(size) for j in range(size) if i != j]


def test_a_closed_clique_is_less_embedded_than_a_member_with_as_many_ties_across_the_community():
    ties = _ring("ring", 6)  # ring0 has 5 two-way ties, all inside a closed group
    # bridge has 5 two-way ties too, with members of five different circles
    for circle in range(5):
        ties += _ring(f"c{circle}_", 4)
        ties += [("bridge", f"c{circle}_0", "comment"), (f"c{circle}_0", "bridge", "comment")]
    members = {m for s, t, _ in ties for m in (s, t)}
    pos = positions(tie_weights(ties), members)
    assert pos["ring0"].mutual == pos["bridge"].mutual == 5
    assert pos["ring0"].closure == 1.0 and pos["bridge"].closure == 0.0
    assert pos["ring0"].reach_across == 0 and pos["bridge"].reach_across == 15  # 5 partners × 3 onward ties
    from graph.scoring import openness

    assert openness(pos["bridge"]) == 1.0 and openness(pos["ring0"]) < 0.1


def test_one_way_attention_is_not_a_tie():
    ties = [(f"fan{i}", "celebrity", "comment") for i in range(30)]
    ties += [("spammer", f"fan{i}", "comment") for i in range(30)]
    ties += [("a", "b", "comment"), ("b", "a", "reaction")]
    members = {m for s, t, _ in ties for m in (s, t)}
    pos = positions(tie_weights(ties), members)
    assert pos["celebrity"].heard_from == 30 and pos["celebrity"].mutual == 0
    assert pos["celebrity"].reciprocity == 0.0
    assert pos["spammer"].reaches_out == 30 and pos["spammer"].mutual == 0
    assert pos["a"].mutual == 1 and pos["a"].reciprocity == 1.0


def test_ties_with_bots_and_deleted_accounts_and_self_replies_are_dropped():
    weights = tie_weights([("a", "bot", "comment"), ("a", "a", "comment"), ("a", "b", "reaction")], {"a", "b"})
    assert weights == {("a", "b"): 0.25}


def test_mutual_graph_keeps_the_weaker_side():
    graph = mutual_graph({("a", "b"): 5.0, ("b", "a"): 1.0, ("a", "c"): 3.0})
    assert isinstance(graph, nx.Graph)
    assert list(graph.edges(data="weight")) == [("a", "b", 1.0)]


# --- language ----------------------------------------------------------------------------------


def test_tokens_are_lower_case_words_without_links():
    assert tokenize("Loving the NIB! See https://x.example/a?b=1 — it's 2x smoother") == [
        "loving", "the", "nib", "see", "it's", "smoother",  # no "x" from "2x"
    ]  # fmt: skip


def test_chat_markup_is_not_language():
    text = (
        "<@U061A2UFL> see <#C024BE7LR|general> and <https://x.example|the docs> :slightly_smiling_face: <:blob:123> ok"
    )
    assert tokenize(text) == ["see", "and", "ok"]


def test_the_vocabulary_is_what_many_members_say_that_general_language_does_not():
    tokens = {f"m{i}": ["the", "nib", "sheen", "and", "ink"] for i in range(10)}
    tokens["spammer"] = ["inkdealz"] * 50
    vocabulary = community_vocabulary(Corpus.from_tokens(tokens))
    assert {"nib", "sheen"} <= set(vocabulary.terms)
    assert "the" not in vocabulary.terms and "and" not in vocabulary.terms  # frequent everywhere
    assert "inkdealz" not in vocabulary.terms  # one member's word is not the community's
    assert vocabulary.best(1)[0].term in {"nib", "sheen"}


def test_fluency_is_shrunk_towards_the_mean_for_members_with_few_words():
    tokens = {f"m{i}": ["nib", "sheen", "the", "a"] * 50 for i in range(5)}
    tokens["fluent_but_brief"] = ["nib"]
    tokens["silent"] = []
    corpus = Corpus.from_tokens(tokens)
    vocabulary = community_vocabulary(corpus, min_members=2)
    result = fluency(corpus, vocabulary)
    mean = sum(r.share for r in result.values() if r.tokens) / 6
    assert result["fluent_but_brief"].share == 1.0
    assert result["fluent_but_brief"].shrunk - mean < 0.01  # one word is barely evidence of fluency
    m0 = result["m0"]
    low, high = sorted((m0.share, mean))
    assert low < m0.shrunk < high  # pulled towards the mean...
    assert abs(m0.share - m0.shrunk) < abs(m0.share - mean) / 2  # ...but 200 words mostly speak for themselves
    assert result["silent"].tokens == 0 and result["silent"].shrunk == pytest.approx(mean)


# --- promotion ---------------------------------------------------------------------------------


def test_repeatedly_linking_one_outside_site_is_self_promotion_and_varied_links_are_not():
    shop = [f"Great pen, get it at https://www.myshop.example/p/{i}" for i in range(4)] + ["I like ink"] * 4
    helper = [f"See https://site{i}.example/guide for the {i} step" for i in range(8)]
    assert promotion(shop).self_promotion == 0.5 and promotion(shop).top_site == "myshop.example"
    assert promotion(helper).self_promotion == 0.0


def test_copy_paste_is_counted_and_short_replies_are_not():
    pasted = ["Reminder: please flair your post and read the rules"] * 6
    assert promotion(pasted).duplicate_share == pytest.approx(5 / 6, abs=1e-4)
    assert promotion(["thanks!"] * 6).duplicate_share == 0.0


def test_links_to_the_platform_itself_are_conversation():
    assert sites("see https://www.reddit.com/r/x/comments/1 and https://i.imgur.com/a.png") == set()
    assert sites("https://old.reddit.com/r/x and www.Example.ORG/page") == {"example.org"}
    assert sites("https://preview.redd.it/a.png https://external-preview.redd.it/b https://m.imgur.com/c") == set()


def test_photos_and_links_to_the_forums_own_threads_are_not_self_promotion():
    photos = [f"my new pen https://preview.redd.it/photo{i}.jpg" for i in range(6)] + ["nice ink"] * 4
    assert promotion(photos).self_promotion == 0.0
    forum = [f"as said in https://forum.pens.example/t/nibs/{i}/3" for i in range(5)]
    assert promotion(forum, own_sites=frozenset({"forum.pens.example"})).self_promotion == 0.0
    assert promotion(forum).self_promotion == 1.0  # without knowing the forum it would look like one


# --- the measures added for real communities ------------------------------------------------------


def test_weeks_before_the_window_count_towards_presence_fading_and_tenure_runs_from_first_seen():
    this_year = list(range(300, 364, 21))  # four days in the window
    newcomer = participation(this_year, first_day=0, last_day=363)
    old_hand = participation(this_year, first_day=0, last_day=363, first_seen=-700,
                             earlier_days=list(range(-700, 0, 7)))  # fmt: skip
    assert old_hand.active_weeks == newcomer.active_weeks == 4  # what is said is the window's
    assert old_hand.weighted_weeks > 3 * newcomer.weighted_weeks
    assert old_hand.tenure == 1.0 and newcomer.tenure < 0.5
    # Two years back counts less than last year: trust fades by half a year after year.
    two_years_ago = participation([363], first_day=0, last_day=363, earlier_days=[363 - 728])
    last_year = participation([363], first_day=0, last_day=363, earlier_days=[363 - 364])
    assert two_years_ago.weighted_weeks < last_year.weighted_weeks


def test_currency_halves_over_a_quarter_of_the_window_after_four_quiet_weeks_never_faster_than_a_quarter_year():
    assert participation([363 - 27], first_day=0, last_day=363).recency == 1.0  # under four weeks: current
    left = participation([363 - 7 * (4 + 13)], first_day=0, last_day=363)  # 13 weeks more, a quarter of 52
    assert left.recency == pytest.approx(0.5, abs=0.01)
    long_window = participation([3000 - 7 * (4 + 13)], first_day=0, last_day=3000)  # 13 weeks of 428
    assert long_window.recency > 0.9
    short_window = participation([167 - 7 * (4 + 13)], first_day=0, last_day=167)  # a 24-week window
    assert short_window.recency == pytest.approx(0.5, abs=0.01)  # not a quarter of 24 weeks: too quick


def test_every_active_day_falls_in_a_week_observed():
    # A window of 10 days: one whole week and three odd days, which belong to it.
    p = participation([0], first_day=0, last_day=9)
    assert (p.active_weeks, p.weeks_observed) == (1, 1)


def test_a_closed_ring_is_not_open_and_a_core_that_also_talks_to_everyone_is():
    from graph.scoring import openness

    ring = _ring("ring", 8)
    core = _ring("core", 4) + [(f"core{i}", f"asker{i}{j}", "comment") for i in range(4) for j in range(6)]
    core += [(f"asker{i}{j}", f"core{i}", "comment") for i in range(4) for j in range(6)]
    members = {m for s, t, _ in ring + core for m in (s, t)}
    pos = positions(tie_weights(ring + core), members)
    assert openness(pos["ring0"]) < 0.05
    assert openness(pos["core0"]) > 0.5  # its partners (the other core members) talk to their own askers


def test_answering_back_is_the_share_of_those_who_answered_them_that_they_answer():
    from graph.scoring import answers_back

    ties = [(f"fan{i}", "star", "comment") for i in range(9)]  # answered by nine, answers none
    ties += [("helper", f"asker{i}", "comment") for i in range(9)] + [("asker0", "helper", "comment")]
    members = {m for s, t, _ in ties for m in (s, t)}
    pos = positions(tie_weights(ties), members)
    assert answers_back(pos["star"]) == pytest.approx(0.2)  # (0 + 1) / (9 + 1), doubled
    # Answering nine askers of whom one answered back is not a lack of reciprocity.
    assert answers_back(pos["helper"]) == 1.0
    ties += [(f"fan{i}", "speaker", "comment") for i in range(10)]
    ties += [("speaker", f"fan{i}", "comment") for i in range(4)]
    pos = positions(tie_weights(ties), members | {"speaker"})
    assert answers_back(pos["speaker"]) == pytest.approx(10 / 11)  # answers four of ten: nearly enough


def test_a_site_many_members_link_now_and_then_is_the_communitys_and_a_shop_several_accounts_push_is_not():
    from graph.promotion import shared_sites

    helpers = {f"dev{i}": promotion([f"see https://github.com/x/{i}", "agreed", "thanks, merged", "ok"])
               for i in range(6)}  # fmt: skip
    shop = {f"spam{i}": promotion([f"buy {i} at https://shop.example/x", "deal https://shop.example/y",
                                   "https://shop.example/z sale"]) for i in range(6)}  # fmt: skip
    lurkers = {f"lurker{i}": promotion(["hello there"]) for i in range(40)}
    shared = shared_sites(helpers | shop | lurkers)
    assert shared == {"github.com"}
    assert helpers["dev0"].without(shared).self_promotion == 0
    assert shop["spam0"].without(shared).self_promotion == 1.0


def test_well_received_counts_contributions_not_votes_and_is_shrunk_towards_typical():
    from graph.scoring import well_received

    assert well_received(appreciated=10, expected=10.0) == 0.5  # as often as others': typical
    assert well_received(appreciated=0, expected=0.0) == 0.5  # no votes anywhere: no evidence
    assert well_received(appreciated=40, expected=10.0) == 1.0  # capped at twice as often
    assert well_received(appreciated=0, expected=20.0) < 0.1
    assert well_received(appreciated=1, expected=0.2) < 0.7  # one liked post says little
