"""Benchmark: does question detection and grouping recover the hand-labelled themes, and how fast is it?

    .venv/bin/python benchmarks/question_grouping.py [--sample tests/fixtures/insight/questions_labelled.json]
        [--holdout tests/fixtures/insight/questions_holdout.json] [--posts 50000] [--seed 7] [--show 3]

1. Quality, on the hand-written labelled sample (tests/fixtures/insight/questions_labelled.json; its
   "about" says who wrote it and how it was labelled). Each community is grouped on its own, as the
   product does; the figures over all communities pool those per-community groupings. Detection
   precision/recall are of "is a question"; ARI, NMI and purity are over the true questions, strictly
   scored (the ungrouped questions form one cluster, the questions detection missed another; the scorer
   is benchmarks/grouping_quality.py). Then the
   same on the held-out sample, written after the method's rules and thresholds were frozen.
2. Speed, on a GENERATED input of --posts posts made by recombining the sample's posts and sentences
   within each label (about 40 % questions), with random dates over twelve months and random reply
   counts; one theme is made to rise. Times ``question_themes`` end to end (detection + grouping +
   themes), which is what the product calls. Its grouping is scored too, optimistically (it reuses the
   sample's own sentences, and mixes all communities in one call).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from grouping_quality import grouping_quality  # noqa: E402

from insight.analysis.questions import NOT_A_QUESTION, UNGROUPED, Post, question_grouping, question_themes  # noqa: E402

END = datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
SAMPLE = ROOT / "tests/fixtures/insight/questions_labelled.json"
HOLDOUT = ROOT / "tests/fixtures/insight/questions_holdout.json"
ONE_OFF = "one-off question"  # a question asked once: it belongs to no theme
RISING = "shimmer ink safety"  # in the generated input, this theme's questions crowd into recent months


def labelled_posts(path: Path, seed: int = 0) -> list[tuple[Post, str, str]]:
    """(post, true label, community) for each labelled post, dated at random over the last year."""
    rng = random.Random(seed)
    rows = json.loads(path.read_text())["posts"]
    return [
        (
            Post(
                thread_id=f"s{i}",
                title=row["title"],
                text=row["text"],
                posted_at=END - timedelta(minutes=rng.randrange(360 * 24 * 60)),
                replies=rng.choice([0, 1, 2, 3, 5, 8]),
            ),
            row["label"],
            row["community"],
        )
        for i, row in enumerate(rows)
    ]


def evaluate(rows: list[tuple[Post, str, str]], show: int) -> dict:
    """Groups each community on its own and scores the pooled predictions."""
    truth, predicted = [], []
    confusion: dict[str, Counter] = defaultdict(Counter)
    by_community: dict[str, list] = defaultdict(list)
    for row in rows:
        by_community[row[2]].append(row)
    for community, members in by_community.items():
        result = question_grouping([post for post, _, _ in members], end=END)
        labels = [label for _, label, _ in members]
        guesses = [result.assignment[post.thread_id] for post, _, _ in members]
        figures = grouping_quality(labels, guesses)
        print(
            f"  {community:28} posts {len(members):3}  questions {result.info['questions']:3}  "
            f"themes {len(result.themes):2}  P {figures['detection_precision']:.3f}  "
            f"R {figures['detection_recall']:.3f}  ARI {figures['ari']:.3f}  NMI {figures['nmi']:.3f}  "
            f"purity {figures['purity']:.3f}  grouped {figures['grouped_share']:.0%}"
        )
        truth += labels
        predicted += [guess if guess in (NOT_A_QUESTION, UNGROUPED) else f"{community}: {guess}" for guess in guesses]
        for label, guess in zip(labels, guesses, strict=True):
            if label != NOT_A_QUESTION:
                confusion[f"{community}: {guess}" if guess not in (NOT_A_QUESTION, UNGROUPED) else guess][label] += 1
    figures = grouping_quality(truth, predicted)
    print(
        f"  {'all communities':28} posts {len(rows):3}  questions {figures['questions']:3} (true)"
        f"{'':11}P {figures['detection_precision']:.3f}  R {figures['detection_recall']:.3f}  "
        f"ARI {figures['ari']:.3f}  NMI {figures['nmi']:.3f}  purity {figures['purity']:.3f}  "
        f"grouped {figures['grouped_share']:.0%}"
    )
    if show:
        print("\n  themes found (label, size) → the true labels of their questions:")
        for found, labels in sorted(confusion.items(), key=lambda item: -sum(item[1].values())):
            top = ", ".join(f"{label} {n}" for label, n in labels.most_common(show))
            print(f"    {found[:64]:64} {sum(labels.values()):3}  → {top}")
    return figures


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def generate(rows: list[tuple[Post, str, str]], count: int, seed: int) -> list[tuple[Post, str, str]]:
    """``count`` (post, label, community) recombined from the sample: a post of a label, its body
    followed by a sentence of another post of the same label and community, so every generated post is
    of a known kind yet few repeat exactly. One-off questions are left out: repeated thousands of times
    they would become themes."""
    rng = random.Random(seed)
    pools: dict[tuple[str, str], list[Post]] = defaultdict(list)
    for post, label, community in rows:
        if label != ONE_OFF:
            pools[(community, label)].append(post)
    questions = [key for key in pools if key[1] != NOT_A_QUESTION]
    statements = [key for key in pools if key[1] == NOT_A_QUESTION]
    posts = []
    for i in range(count):
        community, label = rng.choice(questions) if rng.random() < 0.4 else rng.choice(statements)
        head, other = rng.choice(pools[(community, label)]), rng.choice(pools[(community, label)])
        extra = rng.choice(sentences(other.text) or [""])
        text = f"{head.text} {extra}".strip() if head is not other else head.text
        if label == RISING:  # three quarters of them in the last quarter of the year
            age = rng.randrange(90 * 24 * 60) if rng.random() < 0.75 else rng.randrange(360 * 24 * 60)
        else:
            age = rng.randrange(360 * 24 * 60)
        replies = 0 if rng.random() < 0.2 else int(rng.expovariate(1 / 4)) + 1
        post = Post(f"g{i}", head.title, text, END - timedelta(minutes=age), replies, f"https://example.org/t/g{i}")
        posts.append((post, label, community))
    return posts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--posts", type=int, default=50_000, help="size of the generated input timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=3, help="true labels listed per theme found (0: none)")
    options = parser.parse_args(argv)

    rows = labelled_posts(options.sample, options.seed)
    print(f"labelled sample ({options.sample.relative_to(ROOT)}, hand-written):")
    evaluate(rows, options.show)
    if options.holdout.exists():
        print(f"\nheld-out sample ({options.holdout.relative_to(ROOT)}, written after the rules were frozen):")
        evaluate(labelled_posts(options.holdout, options.seed), options.show)

    generated = generate(rows, options.posts, options.seed)
    posts = [post for post, _, _ in generated]
    started, cpu = time.perf_counter(), time.process_time()
    themes, info = question_themes(posts, end=END)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nGENERATED input (recombined from the sample, not real posts): {info['posts']:,} posts, "
        f"{info['questions']:,} questions, {info['grouped']:,} grouped into {len(themes)} themes "
        f"in {seconds:.2f} s ({cpu:.2f} s of CPU)"
    )
    print(f"  method: {info['method']}")
    # The same posts through question_grouping, to score the large-input path (sampled SVD, mini-batch
    # k-means) on known labels. Optimistic: every generated question reuses the sample's own sentences.
    assignment = question_grouping(posts, end=END).assignment
    figures = grouping_quality([label for _, label, _ in generated], [assignment[p.thread_id] for p in posts])
    print(
        f"  against the labels they were generated from: P {figures['detection_precision']:.3f}  "
        f"R {figures['detection_recall']:.3f}  ARI {figures['ari']:.3f}  NMI {figures['nmi']:.3f}  "
        f"purity {figures['purity']:.3f}  grouped {figures['grouped_share']:.0%}"
    )
    for theme in themes:
        print(
            f"    {theme.label[:40]:40} {theme.count:6,}  {theme.share:6.1%}  {theme.trend:8}"
            f"  unanswered {theme.unanswered_share:.0%}  e.g. {theme.examples[0]['title'][:50]!r}"
        )


if __name__ == "__main__":
    main()
