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
    assert pos["bridge"].centrality > pos["ring0"].centrality


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
