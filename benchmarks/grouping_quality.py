"""The scorer of benchmarks/question_grouping.py: how well question detection and grouping match
hand labels. It grades the product's output against a labelled sample, so it lives here rather than
in insight/ (the product never scores itself); tests/insight/test_questions.py holds the product to
floors with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from insight.analysis.questions import NOT_A_QUESTION, UNGROUPED

MISSED = "(missed by detection)"  # the cluster of the true questions detection missed


def grouping_quality(true_labels: Sequence[str], predicted_labels: Sequence[str | None]) -> dict:
    """How well detection and grouping match hand labels.

    ``true_labels``: a theme name, or ``NOT_A_QUESTION``. ``predicted_labels``: a theme, ``UNGROUPED``,
    or ``NOT_A_QUESTION``/None for a post not taken as a question. Detection precision and recall are
    of "is a question". ARI, NMI and purity are over the true questions, scored strictly: the ungrouped
    questions count as one cluster, and the questions detection missed as another.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if len(true_labels) != len(predicted_labels):
        raise ValueError("one predicted label per true label")
    truly = [label != NOT_A_QUESTION for label in true_labels]
    taken = [label not in (None, NOT_A_QUESTION) for label in predicted_labels]
    hits = sum(t and p for t, p in zip(truly, taken, strict=True))
    true_q = [label for label, question in zip(true_labels, truly, strict=True) if question]
    pred_q = [
        label if label not in (None, NOT_A_QUESTION) else MISSED
        for label, question in zip(predicted_labels, truly, strict=True)
        if question
    ]
    purity = 0.0
    if true_q:
        by_cluster: dict[str, Counter] = {}
        for t, p in zip(true_q, pred_q, strict=True):
            by_cluster.setdefault(p, Counter())[t] += 1
        purity = sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(true_q)
    grouped = sum(1 for label in pred_q if label not in (UNGROUPED, MISSED))
    return {
        "detection_precision": round(hits / sum(taken), 4) if any(taken) else 0.0,
        "detection_recall": round(hits / sum(truly), 4) if any(truly) else 0.0,
        "ari": round(float(adjusted_rand_score(true_q, pred_q)), 4) if true_q else 0.0,
        "nmi": round(float(normalized_mutual_info_score(true_q, pred_q)), 4) if true_q else 0.0,
        "purity": round(purity, 4),
        "questions": len(true_q),
        "grouped_share": round(grouped / len(true_q), 4) if true_q else 0.0,
    }
