"""Flat chat channels: replies the source did not thread, rebuilt by quote, mention and time, and what
that changes in the insight ("never answered" only when no one answered). Pure, no database."""

from insight.analysis.community import Context, build_insight
from insight.analysis.conversations import (
    ADJACENT_SECONDS,
    RULE,
    InferredReplies,
    quoted,
    rebuild_conversations,
)
from insight.analysis.formats import FormatsReader
from insight.analysis.messages import Message

T0 = 1_767_225_600  # 2026-01-01 00:00 UTC
MINUTE = 60
ANN, BEN, CAT = 1, 2, 3


def _chat(id_, author, at, text, *, channel="general", mentions=(), post=True, parent=None):
    """A Slack message as the adapter reads it: its own thread "<channel>:<ts>" unless threaded."""
    return Message(id_, post, author, True, at, parent, f"{channel}:{at}", "", text, len(text), "", 0, False,
                   f"{channel}:{at}", mentions)  # fmt: skip


def _flat_channel():
    """Oldest first; the adapter hands them over newest first."""
    return [
        _chat(1, ANN, T0, "How do I export a chart as SVG from the notebook?"),
        _chat(2, BEN, T0 + 3 * MINUTE, "plt.savefig with format svg works"),  # time: answers Ann
        _chat(3, ANN, T0 + 4 * MINUTE, "perfect, thanks"),  # time: answers Ben
        _chat(4, CAT, T0 + 2 * 3600, "Which projector does the meetup venue have?"),  # a question, nobody near
        _chat(5, ANN, T0 + 5 * 3600, "Is the data jam on Saturday?"),  # a question …
        _chat(6, BEN, T0 + 9 * 3600, "yes, from ten", mentions=(ANN,)),  # … answered hours later, naming Ann
        _chat(7, CAT, T0 + 20 * 3600, "> Is the data jam on Saturday?\nand is there food?"),  # quotes 5
        _chat(8, BEN, T0 + 20 * 3600 + 2 * MINUTE, "hello", channel="random"),  # another channel: not adjacent
    ]


def _rebuilt(messages, platform="slack"):
    tally = InferredReplies(platform)
    out = list(rebuild_conversations(reversed(messages), platform=platform, tally=tally))
    return {m.id: m for m in out}, tally, [m.id for m in out]


def test_replies_are_inferred_by_time_mention_and_quote():
    rebuilt, tally, order = _rebuilt(_flat_channel())
    assert order == [8, 7, 6, 5, 4, 3, 2, 1]  # newest first, as read
    parents = {id_: (m.parent, m.is_post) for id_, m in rebuilt.items()}
    assert parents[2] == (1, False)  # within 10 minutes, another member: an answer to the question
    assert parents[3] == (2, False)
    assert parents[4] == (None, True)  # nobody wrote within 10 minutes before it
    assert parents[5] == (None, True)  # a question opens its own conversation
    assert parents[6] == (5, False)  # names Ann: answers her latest message, 4 hours earlier
    assert parents[7] == (5, False)  # quotes message 5, 15 hours later (and asks: quoting links it all the same)
    assert parents[8] == (None, True)  # the only message of #random
    assert tally.result() == {"applies": True, "rule": RULE, "inferred_replies": 4, "by_quote": 1,
                              "by_mention": 1, "by_time": 2}  # fmt: skip


def test_the_same_member_writing_twice_is_not_an_answer_and_the_source_s_replies_stay():
    messages = [
        _chat(1, ANN, T0, "I made a map of flood gauges"),
        _chat(2, ANN, T0 + MINUTE, "it updates every hour"),  # Ann again: looks further back, finds nothing
        _chat(3, BEN, T0 + 2 * MINUTE, "nice"),  # Ben: answers Ann's latest, message 2
        _chat(4, CAT, T0 + 3 * MINUTE, "threaded", post=False, parent=1),  # Slack's own thread reply
    ]
    rebuilt, tally, _ = _rebuilt(messages)
    assert (rebuilt[2].parent, rebuilt[2].is_post) == (None, True)
    assert rebuilt[3].parent == 2
    assert rebuilt[4].parent == 1 and rebuilt[4].is_post is False
    assert tally.result()["by_time"] == 1


def test_forums_and_reddit_are_left_as_they_are():
    messages = _flat_channel()
    rebuilt, tally, _ = _rebuilt(messages, platform="reddit")
    assert all(m.is_post and m.parent is None for m in rebuilt.values())
    assert tally.result() == {"applies": False, "rule": None, "inferred_replies": 0, "by_quote": 0,
                              "by_mention": 0, "by_time": 0}  # fmt: skip


def test_a_reply_later_than_the_adjacency_window_needs_a_mention():
    late = [_chat(1, ANN, T0, "anyone going tonight?"), _chat(2, BEN, T0 + ADJACENT_SECONDS + 1, "me")]
    rebuilt, _, _ = _rebuilt(late)
    assert rebuilt[2].parent is None


def test_quoted_text():
    assert quoted("&gt; the venue has a projector\nthanks") == "the venue has a projector"
    assert quoted("> ok") == ""  # too short to point at one message
    assert quoted("no quote here") == ""


def test_questions_answered_in_a_flat_channel_are_answered_in_the_formats():
    reader = FormatsReader()
    rebuilt, _, order = _rebuilt(_flat_channel())
    for id_ in order:
        reader.add(rebuilt[id_])
    answer = reader.result(end=T0 + 60 * 86400)["first_answer"]
    # Questions that open conversations: 1 (answered by Ben in 3 minutes), 4 (nobody), 5 (Ben, 4 hours).
    assert answer["questions"] == 3 and answer["answered"] == 2
    assert answer["never_answered_share"] == round(1 / 3, 3)
    assert answer["minutes"]["median"] == round((3 + 240) / 2, 1)


def test_the_document_states_the_rule_and_no_longer_says_nothing_was_answered():
    context = Context(key="slack:T1", name="Data viz", platform="slack", start=T0 - 86400, end=T0 + 60 * 86400)
    document = build_insight(reversed(_flat_channel()), context)
    conversations = document["formats"]["conversations"]
    assert conversations["inferred_replies"] == 4 and conversations["rule"].startswith("replies in flat channels")
    assert document["formats"]["threads"]["count"] == 4  # conversations opened: messages 1, 4, 5 and 8
    assert not any(line.startswith("None of the") for line in document["highlights"])
    assert any("33% are never answered" in line for line in document["highlights"])
