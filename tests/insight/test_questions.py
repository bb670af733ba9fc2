"""Question detection and grouping (insight/analysis/questions/): plain values, no database.

The quality floors are set a little below what benchmarks/question_grouping.py measures on the
hand-labelled samples under tests/fixtures/insight/, so that a change that makes grouping worse fails.
"""

import json
import random
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insight.analysis.questions import (
    NOT_A_QUESTION,
    UNGROUPED,
    Post,
    is_question,
    month_keys,
    question_grouping,
    question_themes,
    theme_trend,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from grouping_quality import grouping_quality  # noqa: E402  (the benchmark's scorer: the floors below use it)

FIXTURES = ROOT / "tests" / "fixtures" / "insight"
END = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)


def post(thread_id, title, text="", *, days_ago=10, replies=1, url=""):
    return Post(str(thread_id), title, text, END - timedelta(days=days_ago), replies, url)


def labelled(name, seed=0):
    rng = random.Random(seed)
    rows = json.loads((FIXTURES / name).read_text())["posts"]
    return [
        (post(i, row["title"], row["text"], days_ago=rng.randrange(360), replies=rng.choice([0, 1, 4])), row)
        for i, row in enumerate(rows)
    ]


def grouped_per_community(rows):
    """As the product does it: each community grouped on its own; theme names made unique per community."""
    by_community = defaultdict(list)
    for item in rows:
        by_community[item[1]["community"]].append(item)
    truth, predicted = [], []
    for community, items in by_community.items():
        assignment = question_grouping([p for p, _ in items], end=END).assignment
        for p, row in items:
            guess = assignment[p.thread_id]
            truth.append(row["label"])
            predicted.append(guess if guess in (NOT_A_QUESTION, UNGROUPED) else f"{community}: {guess}")
    return truth, predicted


# --- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Which ink for cheap copy paper?", "Everything feathers at work."),
        ("Scratchy nib on my new Jinhao", "It feels like sandpaper. Is there a way to smooth it at home?"),
        ("How to clean a piston filler", ""),
        ("[Question] converters", "Do all Lamy converters fit the Safari"),
        ("Q: shimmer in a gold nib", "Worth the risk"),
        ("Grinder upgrade advice", "Currently on a Mignon. Thinking about flat burrs."),
        ("first pen reccomendation pls", "budget 25 euro"),
        ("ELI5: why does everyone say grind finer", "I don't get it."),
        ("Anyone else get ghosting with Iroshizuku", "Love the colours but it bleeds through."),
        ("Milk steaming sounds like a jet engine", "No idea if it's supposed to sound like that."),
        ("Baby's bottom - what is it and can I fix it", "Skips on the first stroke."),
    ],
)
def test_clear_questions_are_detected(title, text):
    assert is_question(title, text)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("My new pen arrived!", "After three weeks of waiting it finally showed up. The nib is incredible."),
        ("Review: Niche Zero after two years", "Still the best purchase I've made. Is it perfect? No."),
        ("[WTS] Pilot Custom 74 bundle", "Prices in the comments. Questions? DM me."),
        ("How I fixed my scratchy nib (guide)", "Check the alignment first, then micromesh."),
        ("Why I stopped buying shimmer inks", "They clogged two pens."),
        ("Isn't this the prettiest pen ever made?", "My new demonstrator in amber."),
        ("Bought my first espresso machine today!", "Went with the Gaggia. Can't wait to pull shots."),
        (
            "Finished restoring my Parker 51",
            "Took three evenings. A new sac and polishing. It writes like new. Thoughts?",
        ),
    ],
)
def test_statements_show_offs_and_sales_are_not_questions(title, text):
    assert not is_question(title, text)


def test_a_question_mark_in_a_link_is_not_a_question():
    text = "Here it is: https://inkdb.example.org/search?color=blue&sheen=high you can filter by sheen."
    assert not is_question("Link to the ink database I mentioned", text)
    assert not is_question("", "hydration calculator I use <https://bread.example.net/calc?flour=500|here>")
    assert is_question("", "is this calculator right? https://bread.example.net/calc?flour=500")


def test_a_question_deep_inside_a_long_statement_does_not_make_a_question():
    text = (
        "I started using fountain pens during lockdown because I was bored of my phone. At first it was just "
        "a Preppy and a bottle of cheap blue. Then I found this sub and things escalated quickly. My friends "
        "keep asking me what's the point when everyone types anyway? The point, for me, is slowing down. "
        "Anyway, thanks to everyone here for the help over the years."
    )
    assert not is_question("Some thoughts on why I love this hobby", text)
    # … but the same question as the post's opening is one.
    assert is_question("", "What's the point of fountain pens when everyone types anyway? " + text)


def test_quoted_questions_and_code_are_other_peoples_question_marks():
    assert not is_question("Overheard at the roaster", 'A customer asked "do you really need that grinder?" and left.')
    assert not is_question("", 'lol my kid asked me "why do you talk to the jar?" and honestly fair')
    code = '```\nif (p > 9.0) { printf("why is pressure so high?"); }\n```\nHere is the snippet for the mod.'
    assert not is_question("Shot timer code", code)


def test_chat_messages_without_a_title_are_read_from_their_text():
    assert is_question("", "my starter isnt rising at all, day 6. whole wheat and water 1:1. is it dead?")
    assert is_question("", "anyone know why my starter has gone runny")
    assert is_question("", "Starter doubled on day 2 then nothing since. help")
    assert not is_question("", "first loaf out of the oven!! look at that ear")
    assert not is_question("", "Tip: rice flour in the banneton changed my life")


def test_detection_on_the_labelled_sample_is_precise_and_finds_nearly_all_questions():
    rows = labelled("questions_labelled.json")
    truth = [row["label"] for _, row in rows]
    guesses = [UNGROUPED if is_question(p.title, p.text) else NOT_A_QUESTION for p, _ in rows]
    figures = grouping_quality(truth, guesses)
    assert figures["detection_precision"] >= 0.95  # measured 1.000
    assert figures["detection_recall"] >= 0.95  # measured 0.996


# --- quality of the grouping ----------------------------------------------------------------------


def test_grouping_reaches_its_floor_on_the_labelled_sample():
    figures = grouping_quality(*grouped_per_community(labelled("questions_labelled.json")))
    # measured: ARI 0.611, NMI 0.768, purity 0.814 (benchmarks/question_grouping.py)
    assert figures["ari"] >= 0.55
    assert figures["nmi"] >= 0.70
    assert figures["purity"] >= 0.75
    assert figures["grouped_share"] >= 0.85


def test_grouping_reaches_its_floor_on_the_held_out_sample():
    figures = grouping_quality(*grouped_per_community(labelled("questions_holdout.json")))
    # measured: P 1.000, R 0.958, ARI 0.353, NMI 0.685 on communities of 20–27 questions
    assert figures["detection_precision"] >= 0.9
    assert figures["detection_recall"] >= 0.9
    assert figures["ari"] >= 0.3
    assert figures["nmi"] >= 0.6


def test_the_metric_scores_a_degenerate_grouping_low():
    truth, predicted = grouped_per_community(labelled("questions_labelled.json"))
    everything_in_one = [label if label == NOT_A_QUESTION else "one theme" for label in predicted]
    figures = grouping_quality(truth, everything_in_one)
    assert figures["ari"] == pytest.approx(0.0, abs=0.01)
    assert figures["nmi"] == pytest.approx(0.0, abs=0.01)
    assert figures["purity"] < 0.15  # the largest theme's share
    assert grouping_quality(truth, predicted)["ari"] > figures["ari"] + 0.5


def test_the_metric_counts_detection_and_scores_ungrouped_and_missed_questions_strictly():
    truth = ["ink", "ink", "nib", "nib", NOT_A_QUESTION, NOT_A_QUESTION]
    perfect = grouping_quality(truth, ["a", "a", "b", "b", NOT_A_QUESTION, None])
    assert perfect == {
        "detection_precision": 1.0,
        "detection_recall": 1.0,
        "ari": 1.0,
        "nmi": 1.0,
        "purity": 1.0,
        "questions": 4,
        "grouped_share": 1.0,
    }
    sloppy = grouping_quality(truth, ["a", UNGROUPED, "b", NOT_A_QUESTION, "c", NOT_A_QUESTION])
    assert sloppy["detection_precision"] == pytest.approx(3 / 4)
    assert sloppy["detection_recall"] == pytest.approx(3 / 4)
    assert sloppy["grouped_share"] == pytest.approx(2 / 4)
    assert sloppy["ari"] < 1.0
    with pytest.raises(ValueError):
        grouping_quality(truth, ["a"])


# --- themes ---------------------------------------------------------------------------------------


def sample_posts():
    return [p for p, row in labelled("questions_labelled.json") if row["community"] == "r/fountainpens"]


def test_themes_carry_their_words_counts_that_add_up_and_examples():
    posts = sample_posts()
    themes, info = question_themes(posts, end=END)
    assert 3 <= len(themes) <= 15
    assert info["posts"] == len(posts)
    assert info["grouped"] + info["ungrouped"] == info["questions"]
    assert sum(theme.count for theme in themes) == info["grouped"]
    assert [theme.count for theme in themes] == sorted((theme.count for theme in themes), reverse=True)
    assert "TruncatedSVD" in info["method"] and "silhouette" in info["method"]
    assert len({theme.label for theme in themes}) == len(themes)
    shimmer = next(theme for theme in themes if "shimmer" in theme.label)
    assert 3 <= len(shimmer.terms) <= 8
    by_id = {p.thread_id: p for p in posts}
    for theme in themes:
        assert theme.share == pytest.approx(theme.count / info["questions"], abs=1e-4)
        assert 1 <= len(theme.examples) <= 3
        for example in theme.examples:
            source = by_id[example["thread_id"]]
            assert example["title"] == source.title
            assert example["replies"] == source.replies
            assert example["posted_at"] == source.posted_at.isoformat()
        answered = [example["replies"] > 0 for example in theme.examples]
        assert answered == sorted(answered, reverse=True)  # the answered ones first
        assert 0 <= theme.unanswered_share <= 1
    shimmer_ids = {example["thread_id"] for example in shimmer.examples}
    assert all("shimmer" in (by_id[i].title + by_id[i].text).lower() for i in shimmer_ids)


def test_examples_prefer_answered_threads_most_recent_first_and_chat_messages_get_their_first_words():
    texts = [
        "how do I clean shimmer ink out of my pen feed",
        "cleaning shimmer ink from a pen feed, how?",
        "how to clean shimmer ink out of a pen feed",
        "best way to clean shimmer ink from my pen feed?",
    ]
    posts = [
        post("old-answered", "", texts[0], days_ago=40, replies=3),
        post("new-unanswered", "", texts[1], days_ago=10, replies=0),
        post("new-answered", "", texts[2], days_ago=2, replies=1),
        post("mid-answered", "", texts[3], days_ago=20, replies=2),
    ]
    (theme,), info = question_themes(posts, end=END)
    assert theme.count == 4 and theme.unanswered_share == round(1 / 3, 4)  # of the three a week old
    younger = [*posts[:1], post("just-asked", "", texts[1], days_ago=1, replies=0), *posts[2:]]
    (theme_now,), _ = question_themes(younger, end=END)
    assert theme_now.unanswered_share == 0.0  # a day-old question is not "unanswered" yet
    ids = [example["thread_id"] for example in theme.examples]
    assert [example["replies"] > 0 for example in theme.examples] == [True] * len(ids)
    assert ids == sorted(ids, key=lambda i: next(p.posted_at for p in posts if p.thread_id == i), reverse=True)
    assert theme.examples[0]["title"].startswith(("how", "cleaning", "best"))


def test_monthly_counts_cover_the_window_ending_at_end_and_posts_outside_it_are_left_out():
    posts = [
        post("may", "How do I clean shimmer ink from my pen?", days_ago=3),
        post("april", "Best way to clean shimmer ink from a pen?", days_ago=40),
        post("april-2", "Cleaning shimmer ink out of a pen, how?", days_ago=45),
        post("june-last-year", "How to clean shimmer ink out of a pen?", days_ago=360),
        post("too-old", "How to clean shimmer ink from an old pen?", days_ago=400),
        Post("future", "How to clean shimmer ink from a pen?", "", END + timedelta(days=2), 0),
    ]
    (theme,), info = question_themes(posts, end=END, months=12)
    assert [month for month, _ in theme.monthly] == month_keys(END, 12)
    assert theme.monthly[0][0] == "2025-06" and theme.monthly[-1][0] == "2026-05"
    expected = dict.fromkeys(month_keys(END, 12), 0) | {"2025-06": 1, "2026-04": 2, "2026-05": 1}
    assert dict(theme.monthly) == expected
    assert info["posts"] == 4 and info["window"] == ["2025-06", "2026-05"]
    assert sum(n for _, n in theme.monthly) == theme.count == 4


def test_month_keys_cross_year_boundaries():
    assert month_keys(datetime(2026, 2, 10, tzinfo=UTC), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize(
    ("counts", "trend"),
    [
        ([2, 2, 2, 2, 2, 2, 1, 2, 1, 5, 6, 7], "rising"),  # 18 in the last three months against 4
        ([3, 3, 3, 3, 3, 3, 6, 7, 6, 2, 1, 1], "falling"),  # 4 against 19
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4], "new"),  # nothing before the last three months
        ([4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5], "steady"),
        ([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2], "steady"),  # too few to tell
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], "steady"),  # not new: asked a year ago; 3 against 0 is too few
    ],
)
def test_trend_of_a_hand_built_monthly_series(counts, trend):
    assert theme_trend(counts) == trend


def test_a_theme_asked_more_lately_is_reported_rising():
    rng = random.Random(3)
    titles = ["How do I clean shimmer ink from my pen?", "Best way to clean shimmer ink out of a pen?"]
    posts = [post(f"old{i}", rng.choice(titles), days_ago=rng.randrange(100, 180)) for i in range(4)]
    posts += [post(f"new{i}", rng.choice(titles), days_ago=rng.randrange(0, 80)) for i in range(12)]
    (theme,), _ = question_themes(posts, end=END)
    assert theme.trend == "rising"


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_small_inputs_give_no_theme_or_one_without_errors(count):
    alike = [
        "How do I clean shimmer ink out of my pen?",
        "Best way to clean shimmer ink from a pen?",
        "Cleaning shimmer ink out of a converter?",
        "How to clean shimmer ink from my pen feed?",
        "shimmer ink stuck in my pen, how to clean it?",
    ]
    unrelated = [
        "How do I change my username?",
        "When is the next pen show?",
        "Which grinder for espresso?",
        "Why is my starter not rising?",
        "Is the forum down today?",
    ]
    themes, info = question_themes([post(i, t) for i, t in enumerate(alike[:count])], end=END)
    assert len(themes) == (1 if count >= 3 else 0)
    assert info["questions"] == count and info["grouped"] + info["ungrouped"] == count
    if themes:
        assert "shimmer" in themes[0].label and themes[0].count == count
    themes, info = question_themes([post(i, t) for i, t in enumerate(unrelated[:count])], end=END)
    assert themes == [] and info["ungrouped"] == count


def test_the_same_posts_give_the_same_themes_whatever_their_order():
    posts = sample_posts()
    first = question_themes(posts, end=END)
    again = question_themes(list(posts), end=END)
    shuffled = list(posts)
    random.Random(5).shuffle(shuffled)
    assert first == again == question_themes(shuffled, end=END)


def test_max_themes_and_min_size_are_respected():
    posts = [p for p, _ in labelled("questions_labelled.json")]
    themes, info = question_themes(posts, end=END, max_themes=4, min_size=5)
    assert 1 <= len(themes) <= 4
    assert all(theme.count >= 5 for theme in themes)
    with pytest.raises(ValueError):
        question_themes(posts, end=END, months=0)


def test_the_month_in_progress_does_not_make_a_steady_theme_fall():
    """Six questions a month for a year, read on the 2nd of December: December holds two days."""
    end = datetime(2026, 12, 2, 12, tzinfo=UTC)
    posts = []
    for month in range(12):
        for k in range(6):
            at = datetime(2025 + (month + 11) // 12, (month + 11) % 12 + 1, 3 + 4 * k, 10, tzinfo=UTC)
            title = ["How do I flush shimmer ink from a converter?", "Shimmer ink stuck in my converter, how to flush?",
                     "Best way to flush shimmer ink out of a converter?"][k % 3]  # fmt: skip
            posts.append(Post(f"q{month}-{k}", title, "", at, 2))
    (theme,), _ = question_themes(posts, end=end)
    assert theme.monthly[-1] == ("2026-12", 0) and theme.trend == "steady"
    (theme,), _ = question_themes(posts, end=datetime(2026, 11, 30, 12, tzinfo=UTC))
    assert theme.trend == "steady"
