"""Depth measures on hand-built timelines whose answers are worked out by hand."""

from partnerships.measurement.depth import (
    DAY,
    Contact,
    Message,
    compare_counts,
    compare_means,
    conversations,
    return_engagement,
    return_engagement_split,
    thread_depths,
)

CREATOR = 1


def test_thread_depth_is_the_longest_reply_chain_under_each_post():
    messages = [
        Message("p1", "", "p1", CREATOR, 0, "post"),
        Message("a", "p1", "p1", 2, 1), Message("b", "a", "p1", CREATOR, 2), Message("c", "b", "p1", 3, 3),
        Message("d", "p1", "p1", 4, 4),
        Message("p2", "", "p2", CREATOR, 5, "post"),
        Message("x", "missing", "p1", 5, 6),  # its parent never arrived: it belongs to no thread
        Message("loop1", "loop2", "p1", 6, 7), Message("loop2", "loop1", "p1", 6, 8),  # damaged data
    ]  # fmt: skip
    assert thread_depths(messages, {"p1", "p2"}) == {"p1": 3, "p2": 0}


def test_conversations_count_distinct_answerers_and_answers_the_creator_returned():
    own = [
        Message("p1", "", "p1", CREATOR, 0, "post"),
        Message("r1", "a1", "p1", CREATOR, 10),  # answers a1
        Message("r2", "a3", "p9", CREATOR, 20),  # answers a3, elsewhere
    ]
    received = [
        Message("a1", "p1", "p1", 2, 5), Message("a2", "p1", "p1", 2, 6), Message("a3", "q", "p9", 3, 7),
        Message("like", "p1", "p1", 4, 8, "reaction"),  # a reaction is not an answer
    ]  # fmt: skip
    threads = own[:2] + received[:2]
    quality = conversations({CREATOR}, own, received, threads)
    assert (quality.posts, quality.answers, quality.answered_by, quality.answered_back) == (1, 3, 2, 2)
    assert quality.deepest_thread == 2 and quality.answered_back_share == 2 / 3


def test_return_engagement_on_a_hand_built_timeline_with_censoring():
    day = lambda d: d * DAY  # noqa: E731
    contacts = [
        Contact(10, day(1)), Contact(10, day(5)),   # back after 4 days
        Contact(11, day(2)), Contact(11, day(40)),  # back after 38 days (and in period 2, never again)
        Contact(12, day(3)), Contact(12, day(3.5)), # the same conversation later that day: not a return
        Contact(13, day(25)),                       # never back; its 90 days are not over when the data ends
    ]  # fmt: skip
    first, second = return_engagement(contacts, start=0, end=day(60), data_end=day(100), period_days=30)
    assert first.members == 4 and second.members == 1
    shares = {s.days: (s.eligible, s.returned) for s in first.curve}
    assert shares[7] == (4, 1) and shares[30] == (4, 1)
    assert shares[60] == (4, 2)
    assert shares[90] == (3, 2)  # member 13 (day 25) has had only 75 days: left out, not counted as gone
    assert [s.share for s in first.curve] == [0.25, 0.25, 0.25, 0.5, 0.6667]
    # member 11 first seen in period 2 on day 40, data ends on day 100: eligible up to 60 days
    assert {s.days: s.eligible for s in second.curve} == {7: 1, 14: 1, 30: 1, 60: 1, 90: 0}


def test_return_engagement_before_and_after_a_partnership_starts():
    day = lambda d: d * DAY  # noqa: E731
    contacts = [Contact(m, day(d)) for m, d in ((1, 1), (1, 3), (2, 2), (3, 40), (3, 45), (4, 41), (4, 44))]

    def split():
        return return_engagement_split(
            contacts, split_at=day(30), start=0, end=day(60), data_end=day(200), horizons=(7,)
        )

    before, after = split()
    assert (before.members, before.curve[0].returned, before.curve[0].eligible) == (2, 1, 2)
    assert (after.members, after.curve[0].share) == (2, 1.0)
    contacts += [Contact(2, day(2.5)), Contact(2, day(12))]  # same day, then 10 days later: not within 7
    assert split()[0].curve[0].share == 0.5
    contacts.append(Contact(2, day(8)))
    assert split()[0].curve[0].share == 1.0


def test_counts_before_and_after_say_when_numbers_are_too_small():
    clear = compare_counts(before=40, after=120, days_before=60, days_after=60)
    assert clear.verdict == "up" and clear.ratio == 3.0 and clear.low > 1
    assert compare_counts(before=100, after=40, days_before=60, days_after=60).verdict == "down"
    assert compare_counts(before=50, after=55, days_before=60, days_after=60).verdict == "no clear change"
    small = compare_counts(before=2, after=6, days_before=60, days_after=60)
    assert small.verdict == "too few to say (2 before, 6 after)" and small.ratio == 3.0
    assert compare_counts(before=0, after=30, days_before=60, days_after=30).ratio is not None  # no division by zero
    assert compare_counts(before=3, after=3, days_before=60, days_after=0).verdict == "no window to compare"


def test_means_before_and_after_with_their_interval():
    up = compare_means([0.1, 0.2, 0.0, 0.1, 0.15] * 4, [0.6, 0.5, 0.7, 0.55, 0.65] * 4)
    assert up.verdict == "up" and up.low > 0 and round(up.difference, 2) == 0.49
    assert compare_means([0.1] * 3, [0.9] * 3).verdict.startswith("too few to say")
    assert compare_means([], [0.5]).verdict == "nothing to compare"
