"""Recurring questions as a partnership manager reads them: themes with counts per month, a trend,
examples to read and the share left unanswered.

``question_themes`` runs detection (``detection.py``) and grouping (``clustering.py``) over the
posts of a window of months and describes each theme; its label names what its questions ask about
in their own words (``labels.py``).
Everything is deterministic (input sorted first). Cost: about linear in the number of posts; 50,000
posts (20,000 questions) take a few seconds on two cores (benchmarks/question_grouping.py measures it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from insight.analysis.questions.clustering import group_questions
from insight.analysis.questions.detection import clean, is_question, question_text
from insight.analysis.questions.labels import theme_label

NOT_A_QUESTION = "not a question"
UNGROUPED = "ungrouped"

TREND_WINDOW = 3  # months: the last three full months against the three before
SETTLED = timedelta(days=7)  # a question younger than this may still be answered
TREND_MIN = 3  # questions: fewer in both windows together than twice this is "steady" (too few to tell)
TREND_RATIO = 1.5  # one window must hold half as many again as the other …
TREND_STEP = 3  # … and at least this many more questions


@dataclass(frozen=True)
class Post:
    """A thread-starting post."""

    thread_id: str  # external id, to link example threads
    title: str  # "" on chat platforms
    text: str  # body; only the first READ_CHARS are read
    posted_at: datetime  # aware, UTC
    replies: int  # replies the thread got
    url: str = ""  # permalink if known
    answered: bool | None = None  # someone other than the asker replied (None: judged by ``replies``)

    @property
    def was_answered(self) -> bool:
        return self.replies > 0 if self.answered is None else self.answered


@dataclass(frozen=True)
class Theme:
    """A recurring question, as a partnership manager reads it."""

    label: str  # what it asks about, in members' words, e.g. "piston filler" (see labels.py)
    terms: list[str]  # distinctive terms, 3–8, most distinctive first
    count: int  # questions in it
    share: float  # of all questions in the window
    monthly: list[tuple[str, int]]  # ("2026-05", n) for each month of the window, oldest first
    trend: str  # "rising" | "steady" | "falling" | "new" (see theme_trend)
    examples: list[dict]  # up to 3 threads: thread_id, title, replies, posted_at (ISO), url
    unanswered_share: float | None  # of its questions a week old or more, those no one else replied to


@dataclass(frozen=True)
class QuestionGrouping:
    themes: list[Theme]
    info: dict
    assignment: dict[str, str] = field(default_factory=dict)  # thread_id → theme label, UNGROUPED or NOT_A_QUESTION


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def month_keys(end: datetime, months: int) -> list[str]:
    """The ``months`` calendar months ending with the month of ``end``, oldest first: ["2025-06", …]."""
    end = _utc(end)
    index = end.year * 12 + end.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _month_in_progress(end: datetime) -> bool:
    """Whether ``end`` falls before the last days of its month: that month's count is partial, and a
    trend read from it would call every steady theme "falling"."""
    end = _utc(end)
    following = datetime(end.year + end.month // 12, end.month % 12 + 1, 1, tzinfo=UTC)
    return following - end > timedelta(days=3)


def theme_trend(counts: Sequence[int]) -> str:
    """Rising, falling, steady or new, from a theme's monthly counts (oldest first).

    The last ``TREND_WINDOW`` months are compared with the ``TREND_WINDOW`` before them. "new": none
    before the last window and at least ``TREND_MIN`` in it. "rising"/"falling": one window has at least
    ``TREND_RATIO`` times the questions of the other and ``TREND_STEP`` more; fewer than
    2 × ``TREND_MIN`` questions in the two windows together is too few to tell, and "steady".
    """
    window = min(TREND_WINDOW, len(counts) // 2) or len(counts)
    recent = sum(counts[-window:])
    before = sum(counts[-2 * window : -window]) if len(counts) >= 2 * window else 0
    if recent >= TREND_MIN and sum(counts[:-window]) == 0 and len(counts) > window:
        return "new"
    if recent + before < 2 * TREND_MIN:
        return "steady"
    if recent >= TREND_RATIO * before and recent - before >= TREND_STEP:
        return "rising"
    if before >= TREND_RATIO * recent and before - recent >= TREND_STEP:
        return "falling"
    return "steady"


def _example(post: Post) -> dict:
    title = post.title.strip()
    if not title:
        words = " ".join(clean(post.text).split()).split(" ")
        title = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    return {
        "thread_id": post.thread_id,
        "title": title,
        "replies": post.replies,
        "posted_at": _utc(post.posted_at).isoformat(),
        "url": post.url,
    }


def question_grouping(
    posts: Iterable[Post], *, end: datetime, months: int = 12, max_themes: int = 15, min_size: int = 3
) -> QuestionGrouping:
    """``question_themes`` with the theme of every post as well (``assignment``), for evaluation."""
    if months < 1:
        raise ValueError("months must be at least 1")
    keys = month_keys(end, months)
    end = _utc(end)
    start = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=UTC)
    in_window = [p for p in posts if start <= _utc(p.posted_at) <= end]
    # Sorted so that the same posts in another order give the same themes.
    in_window.sort(key=lambda p: (_utc(p.posted_at), p.thread_id, p.title, p.text))
    questions = [p for p in in_window if is_question(p.title, p.text)]
    texts = [question_text(p.title, p.text) for p in questions]
    grouping = group_questions(texts, max_themes=max_themes, min_size=min_size)
    members: dict[int, list[tuple[Post, float]]] = {}
    texts_of: dict[int, list[str]] = {}
    for post, text, label, fit in zip(
        questions, texts, grouping.labels, grouping.fit or [0.0] * len(questions), strict=True
    ):
        if label >= 0:
            members.setdefault(label, []).append((post, fit))
            texts_of.setdefault(label, []).append(text)
    themes: list[Theme] = []
    for number, terms in enumerate(grouping.terms):
        group = [post for post, _ in members[number]]
        label = theme_label(terms, texts_of[number], taken=frozenset(theme.label for theme in themes))
        per_month = Counter(_utc(p.posted_at).strftime("%Y-%m") for p in group)
        counts = [per_month.get(key, 0) for key in keys]
        # Examples a reader can trust to show the theme: from its more typical half (closest to the rest),
        # those that got replies first, the most recent first.
        middle = float(np.median([fit for _, fit in members[number]]))
        typical = [post for post, fit in members[number] if fit >= middle]
        answered_first = sorted(typical, key=lambda p: (p.was_answered, _utc(p.posted_at), p.thread_id), reverse=True)
        # Unanswered: among questions old enough to have been answered (a week), as the formats say it.
        settled = [p for p in group if _utc(p.posted_at) <= end - SETTLED]
        themes.append(
            Theme(
                label=label,
                terms=terms,
                count=len(group),
                share=round(len(group) / len(questions), 4),
                monthly=list(zip(keys, counts, strict=True)),
                trend=theme_trend(counts[:-1] if _month_in_progress(end) else counts),
                examples=[_example(p) for p in answered_first[:3]],
                unanswered_share=round(sum(1 for p in settled if not p.was_answered) / len(settled), 4)
                if settled
                else None,
            )
        )
    assignment = {p.thread_id: NOT_A_QUESTION for p in in_window}
    for post, label in zip(questions, grouping.labels, strict=True):
        assignment[post.thread_id] = themes[label].label if label >= 0 else UNGROUPED
    grouped = sum(theme.count for theme in themes)
    info = {
        "posts": len(in_window),
        "questions": len(questions),
        "grouped": grouped,
        "ungrouped": len(questions) - grouped,
        "method": grouping.method,
        "window": [keys[0], keys[-1]],
    }
    return QuestionGrouping(themes=themes, info=info, assignment=assignment)


def question_themes(
    posts: Iterable[Post], *, end: datetime, months: int = 12, max_themes: int = 15, min_size: int = 3
) -> tuple[list[Theme], dict]:
    """The recurring questions among thread-starting posts, best first.

    In: posts (any order); only those posted in the ``months`` calendar months ending with ``end`` count.
    Out: up to ``max_themes`` themes sorted by count, and a dict saying what the grouping rests on:
    {"posts", "questions", "grouped", "ungrouped", "method", "window"}. Fewer than ``min_size``
    questions, or questions with nothing in common, give no themes.
    """
    result = question_grouping(posts, end=end, months=months, max_themes=max_themes, min_size=min_size)
    return result.themes, result.info
