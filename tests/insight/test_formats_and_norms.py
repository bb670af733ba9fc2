"""Formats (length, questions, links, images, code, lists, thread depth, time to first answer) and
norms (what is removed, voted down or ignored) on hand-built threads. Pure, no database."""

import numpy as np

from graph.language import Term, Vocabulary
from insight.analysis.formats import MAX_DEPTH, FormatsReader
from insight.analysis.messages import Message, asks, has_code, has_image, has_link, has_list, words
from insight.analysis.norms import NormsReader

T0 = 1_767_225_600  # 2026-01-01 00:00 UTC
END = T0 + 60 * 86400
MINUTE = 60


def _m(id_, author, at, *, post=False, parent=None, thread="p1", title="", text="", score=1, removed=False, url=""):
    return Message(id_, post, author, True, at, parent, thread, title, text, len(text), url, score, removed)


def _threads():
    return [
        # A question, answered first by its own poster (not an answer), then by B after 10 minutes.
        _m(1, 10, T0, post=True, thread="p1", title="How do I flush a piston filler?", text="It stains."),
        _m(2, 10, T0 + MINUTE, parent=1, thread="p1", text="Forgot: it is a TWSBI."),
        _m(3, 11, T0 + 10 * MINUTE, parent=1, thread="p1", text="Use a bulb syringe?\n- water\n- soap"),
        _m(4, 12, T0 + 30 * MINUTE, parent=3, thread="p1", text="```\nrinse until clear\n```"),
        _m(5, 10, T0 + 40 * MINUTE, parent=4, thread="p1", text="Thanks, that worked"),
        # A statement with a shop link and an image, never answered.
        _m(
            6,
            11,
            T0 + 86400,
            post=True,
            thread="p2",
            title="My new haul",
            text="https://shop.example/p i.redd.it/x.jpg",
        ),
        # A question nobody answered.
        _m(7, 12, T0 + 2 * 86400, post=True, thread="p3", title="Which ink for cheap paper?", text=""),
    ]


def test_what_each_text_looks_like():
    post, _, listed, code, _, linked, _ = _threads()
    assert has_list(listed) and not has_list(post)
    assert has_code(code) and not has_code(listed)
    assert has_link(linked) and has_image(linked) and not has_link(post)
    assert asks("Use a bulb syringe?") and not asks("see https://example.org/?q=1 for more")
    long = Message(9, False, 1, True, T0, None, "p", "", "word " * 400, 20_000, "", 0, False)
    assert words(long) == 10 * 400  # 400 words read in 2,000 characters of 20,000: about 4,000


def test_formats_of_posts_replies_threads_and_first_answers():
    reader = FormatsReader()
    numbers = [reader.add(message) for message in _threads()]
    assert numbers == list(range(7))  # messages, in the order read
    result = reader.result(end=END)
    assert list(reader.conversation_of) == [0, 0, 0, 0, 0, 1, 2]  # the trees under the three posts
    posts, replies, threads, answer = result["posts"], result["replies"], result["threads"], result["first_answer"]
    assert posts["count"] == 3 and posts["questions_share"] == round(2 / 3, 3)
    assert posts["links_share"] == round(1 / 3, 3) and posts["images_share"] == round(1 / 3, 3)
    assert replies["count"] == 4 and replies["questions_share"] == 0.25
    assert replies["code_share"] == 0.25 and replies["lists_share"] == 0.25
    assert threads["count"] == 3 and threads["deepest"] == 3  # 1 ← 3 ← 4 ← 5
    assert threads["depth"]["median"] == 0 and threads["without_replies_share"] == round(2 / 3, 3)
    # Questions: thread 1 answered by someone else after 10 minutes (its poster's own reply does not
    # count), thread 3 never.
    assert (answer["questions"], answer["answered"]) == (2, 1)
    assert answer["minutes"]["median"] == 10
    assert answer["within_hour_share"] == 0.5 and answer["never_answered_share"] == 0.5
    assert list(reader.answered) == [True, False, False]


def test_a_reply_chain_that_loops_does_not_hang():
    reader = FormatsReader()
    reader.add(_m(1, 1, T0, parent=2, thread="x"))  # two replies answering each other, no post
    reader.add(_m(2, 2, T0 + 1, parent=1, thread="x"))
    depths, tops = reader._trees()
    assert len(depths) == 2 and depths.max() >= MAX_DEPTH  # climbed until the bound, then stopped
    assert reader.result(end=END)["threads"]["count"] == 0  # no post: no conversation to describe


def test_chat_conversations_are_the_trees_under_each_message_not_the_channel():
    """Discord gives every message of a channel one thread id: conversations are found by parents."""
    reader = FormatsReader()
    channel = "channel-1"
    messages = [
        _m(1, 10, T0, post=True, thread=channel, text="Which starter flour do you use?"),
        _m(2, 11, T0 + 300, parent=1, thread=channel, text="rye, always"),
        _m(3, 12, T0 + 600, post=True, thread=channel, text="Is it normal for my starter to smell of acetone?"),
        _m(4, 12, T0 + 700, post=True, thread=channel, text="look at this loaf"),
        _m(5, 13, T0 + 800, parent=99, thread=channel, text="answering something not in the export"),
    ]
    for message in messages:
        reader.add(message)
    result = reader.result(end=END)
    assert result["threads"]["count"] == 3 and result["threads"]["without_replies_share"] == round(2 / 3, 3)
    assert (result["first_answer"]["questions"], result["first_answer"]["answered"]) == (2, 1)
    assert result["first_answer"]["never_answered_share"] == 0.5
    conversations = list(reader.conversation_of)
    assert conversations[0] == conversations[1] and len(set(conversations)) == 4  # the orphan reply: its own


def test_empty_formats():
    result = FormatsReader().result(end=END)
    assert result["posts"]["count"] == 0 and result["posts"]["words"] is None
    assert result["first_answer"]["questions"] == 0


def _vocabulary(*words_):
    return Vocabulary({w: Term(w, 2.0, 10, 100) for w in words_}, members_with_text=50, tokens=1000, min_members=3)


def test_norms_compare_promotion_and_off_topic_posts_with_all_posts():
    reader = NormsReader(has_downvotes=True)
    messages, thread = [], 0
    # 40 ordinary posts about nibs and ink: 1 removed, 8 unanswered.
    for i in range(40):
        messages.append(_m(100 + i, 1000 + i, T0 + i * 3600, post=True, thread=f"o{i}",
                           title="Nib question", text="my nib and ink are fine", removed=i == 0))  # fmt: skip
    # 25 posts by one shop linking its site again and again: 10 removed, 20 below zero.
    for i in range(25):
        sale = "great deals at https://inkshop.example/sale"
        messages.append(
            _m(200 + i, 7, T0 + i * 3600, post=True, thread=f"s{i}", title="Sale", text=sale,
               removed=i < 10, score=-2 if i < 20 else 0)
        )  # fmt: skip
    # 20 posts about something else entirely.
    for i in range(20):
        messages.append(_m(300 + i, 2000 + i, T0 + i * 3600, post=True, thread=f"x{i}", title="Crypto",
                           text="anyone here want to talk about the stock market and my car today"))  # fmt: skip
    for message in messages:
        reader.add(message, thread)
        thread += 1
    answered = np.array([i % 5 != 0 for i in range(40)] + [True] * 25 + [False] * 20)  # someone bit
    result = reader.result(answered=answered, vocabulary=_vocabulary("nib", "ink"), end=END, guidelines=[])
    rows = {row["group"]: row for row in result["posts"]}
    everyone = rows["All posts"]
    assert everyone["posts"] == 85 and everyone["removed_share"] == round(11 / 85, 3)
    promotion = rows["Self-promotion (the poster's own site, linked again and again)"]
    assert promotion["posts"] == 25 and promotion["removed_share"] == 0.4 and promotion["below_zero_share"] == 0.8
    assert rows["Posts linking an outside site"]["posts"] == 25
    off_topic = rows["Posts in none of the community's own words"]
    assert off_topic["posts"] == 20 and off_topic["ignored_share"] == 1.0  # the sales posts are too short to judge
    assert everyone["ignored_share"] == round(28 / 85, 3)
    assert result["self_promoters"] == 1
    assert result["sites_in_removed_posts"] == [{"site": "inkshop.example", "posts": 10}]
    said = " ".join(result["findings"])
    assert "Self-promotion (the poster's own site, linked again and again) are removed 40% of the time" in said
    assert "voted below zero 80% of the time" in said
    assert "Posts in none of the community's own words are left unanswered 100% of the time (33% overall)" in said
    assert not any(f.startswith("Questions") for f in result["findings"])  # questions are not a norm


def test_groups_too_small_to_judge_say_nothing():
    reader = NormsReader(has_downvotes=False)
    for i in range(5):
        reader.add(_m(i, 7, T0, post=True, thread=f"s{i}", text="https://shop.example/a", removed=True), i)
    for i in range(5, 30):
        reader.add(_m(i, i, T0, post=True, thread=f"o{i}", text="nib talk"), i)
    result = reader.result(answered=np.ones(30, dtype=bool), vocabulary=_vocabulary("nib"), end=END, guidelines=[])
    rows = {row["group"]: row for row in result["posts"]}
    assert rows["Posts linking an outside site"]["enough"] is False
    assert rows["All posts"]["below_zero_share"] is None  # the platform has no downvotes
    assert result["findings"] == []


def test_a_whole_document_from_almost_nothing():
    """No messages, or a handful with lost authors and empty texts: a document that says how little
    it rests on, never an exception."""
    from insight.analysis.community import Context, build_insight

    context = Context(key="reddit:tiny", name="r/tiny", platform="reddit", start=T0 - 365 * 86400, end=END)
    empty = build_insight(iter([]), context)
    assert empty["basis"]["messages"] == 0 and empty["basis"]["small"] is True
    assert empty["vocabulary"] == [] and empty["questions"]["themes"] == []
    assert empty["rhythms"]["heatmap"] == [[0] * 24] * 7 and empty["rhythms"]["busiest"] == []
    few = [
        _m(1, None, T0, post=True, thread="a", title="", text=""),
        _m(2, None, T0 + 5, parent=1, thread="a", text="?"),
        _m(3, 4, T0 + 9, parent=99, thread="b", text="an answer to something never imported"),
    ]
    document = build_insight(iter(few), context)
    assert document["basis"]["messages"] == 3 and "Only 1 member and 3 messages" in document["basis"]["caution"]
    assert document["formats"]["replies"]["count"] == 2 and document["highlights"]


def test_a_finding_never_rests_on_posts_too_young_or_on_a_rate_of_almost_nothing():
    reader = NormsReader(has_downvotes=False)
    n = 0
    for i in range(1000):  # ordinary posts, a month old, answered; one removed
        reader.add(_m(n, 1000 + i, END - 30 * 86400, post=True, thread=f"o{i}", text="nib talk", removed=i == 0), n)
        n += 1
    for i in range(25):  # link posts: 24 of them from the last days; 5 removed
        at = END - (2 if i else 30) * 86400
        link = "see https://shop.example/x"
        reader.add(_m(n, 5000 + i, at, post=True, thread=f"l{i}", text=link, removed=i < 5), n)
        n += 1
    answered = np.array([True] * 1000 + [False] * 25)
    result = reader.result(answered=answered, vocabulary=_vocabulary("nib"), end=END, guidelines=[])
    linking = {row["group"]: row for row in result["posts"]}["Posts linking an outside site"]
    assert linking["ignored_share"] == 1.0 and linking["old_enough"] == 1
    assert not any("left unanswered" in finding for finding in result["findings"])
    assert result["findings"] == ["Posts linking an outside site are removed 20% of the time (under 1% overall)."]
