"""The questions members ask when they start threads, grouped into recurring themes.

Plain values in, plain values out (no Django, no ORM), in three steps a reader finds in their own
modules:

1. ``detection``: whether a thread-starting post asks something (``is_question``), and the part of
   it that says what (``question_text``).
2. ``clustering``: question texts grouped into themes (``group_questions``: TF-IDF, latent semantic
   analysis, k-means, with the loose questions and clusters left ungrouped).
3. ``themes``: the themes of a window of months described for a partnership manager
   (``question_themes``: counts per month, trend, examples, the share left unanswered).

How well this recovers hand-labelled themes is measured outside the product, by
benchmarks/question_grouping.py (its scorer is benchmarks/grouping_quality.py).
"""

from insight.analysis.questions.clustering import Grouping, group_questions
from insight.analysis.questions.detection import READ_CHARS, is_question, question_text
from insight.analysis.questions.themes import (
    NOT_A_QUESTION,
    UNGROUPED,
    Post,
    QuestionGrouping,
    Theme,
    month_keys,
    question_grouping,
    question_themes,
    theme_trend,
)

__all__ = [
    "NOT_A_QUESTION",
    "READ_CHARS",
    "UNGROUPED",
    "Grouping",
    "Post",
    "QuestionGrouping",
    "Theme",
    "group_questions",
    "is_question",
    "month_keys",
    "question_grouping",
    "question_text",
    "question_themes",
    "theme_trend",
]
