"""Question texts grouped into themes: TF-IDF, latent semantic analysis, k-means.

Plain values in, plain values out. ``group_questions`` turns each question into TF-IDF features over
its title and first sentences (words and word pairs, English stop words and request filler removed,
plurals and -ing/-ed folded), reduces them with TruncatedSVD (latent semantic analysis), and clusters
them with k-means, k chosen by the silhouette over 2…max_themes on a sample. Questions that share
little with the rest of their cluster, and clusters that are small or incoherent, are left ungrouped
rather than forced into a theme. A theme's terms are the words its questions use more than the
others do. Limits, measured by benchmarks/question_grouping.py: grouping is good when themes have
fifteen or more questions (ARI ≈ 0.6 on the labelled sample) and weak in communities with a handful
per theme (ARI ≈ 0.35 held out); on large inputs the silhouette tends to the top of the range, so a
big theme may come out as two. Words only: "grinder" and "mill" are not known to be alike.
Deterministic (fixed random state).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

QUESTIONS_PER_DIMENSION = 15
MIN_DIMENSIONS, MAX_DIMENSIONS = 5, 100
SAMPLE_FOR_K = 2000  # questions on which k is chosen (silhouette is quadratic in its input)
SAMPLE_FOR_SVD = 5000  # questions on which the reduction is fitted
# Judged on TF-IDF, each question against the mean of the other questions of its cluster:
MIN_COSINE = 0.1  # a question sharing less than this with the rest of its cluster is left ungrouped
MIN_COHERENCE = 0.2  # a cluster whose questions share less than this on average is no theme

_TOKEN = re.compile(r"[a-z][a-z0-9'’]*[a-z0-9]|[a-z]")
# Words every question uses whatever it asks about: request filler and chat noise, on top of
# scikit-learn's English stop words. Without them "help" and "recommendation" become themes.
_FILLER = frozenset(
    """
    anyone anybody anyon help helps advice tip tips suggest suggestion suggestions recommend recommendation
    recommendations recomend reccomendation recomendations rec recs idea ideas thought thoughts question questions
    know just really thanks thank hi hey guys pls please ok okay im ive dont doesnt cant wont isnt didnt got get
    getting use using used want wanted need needs like good best better way thing things lol tho ppl eli5 does did
    doing make makes actually new worth try tried trying bit lot sure normal wrong right say said people
    """.split()
)


def _stem(word: str) -> str:
    """Folds plurals and -ing/-ed forms: "nibs" → "nib", "steaming" → "steam", "descaled" → "descal"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        word = word[:-1]
    elif word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("eed"):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _FILLER


def _words(text: str, stop: frozenset[str]) -> list[tuple[str, str, int]]:
    """(stem, word, position) of each word of a text, stop words out."""
    words = (w.replace("’", "'") for w in _TOKEN.findall(text.lower()))
    return [
        (_stem(w), w, i) for i, w in enumerate(words) if len(w) > 1 and w not in stop and w.replace("'", "") not in stop
    ]


def _pairs(words: list[tuple[str, str, int]]):
    """Neighbouring words (no stop word between them): "piston filler", not "straight … fridge"."""
    return [(a, b) for a, b in zip(words, words[1:], strict=False) if b[2] == a[2] + 1 and a[0] != b[0]]


@dataclass(frozen=True)
class Grouping:
    """Questions grouped: ``labels[i]`` is the cluster of text i (0 = the largest), or -1 if ungrouped."""

    labels: list[int]
    terms: list[list[str]]  # per cluster, its distinctive terms, most distinctive first
    method: str
    fit: list[float] = field(default_factory=list)  # per text, its cosine with the rest of its cluster
    k: int = 0
    silhouette: float = 0.0


def _analyzer(stop: frozenset[str]):
    def analyze(text: str) -> list[str]:
        words = _words(text, stop)
        return [w[0] for w in words] + [f"{a[0]} {b[0]}" for a, b in _pairs(words)]

    return analyze


def _cosine_to_the_others(rows) -> np.ndarray:
    """For each row (L2-normalized TF-IDF), its cosine with the mean of the other rows. Leaving the row
    out matters in small clusters: five questions with no word in common would otherwise each sit at
    cosine 1/√5 ≈ 0.45 of their mean, as close as a real theme's questions."""
    total = np.asarray(rows.sum(axis=0)).ravel()
    dot = np.asarray(rows @ total).ravel()  # x·S
    norm = np.sqrt(np.maximum(total @ total - 2 * dot + 1, 1e-12))  # ‖S − x‖
    return (dot - 1) / norm


def _pick_k(points: np.ndarray, ks: range, random_state: int) -> tuple[int, float]:
    """The k in ``ks`` whose k-means clustering of ``points`` has the best silhouette (ties: the smaller)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best = (ks.start, -1.0)
    for k in ks:
        model = KMeans(n_clusters=k, n_init=2, random_state=random_state).fit(points)
        if len(set(model.labels_)) < 2:
            continue
        score = float(silhouette_score(points, model.labels_))
        if score > best[1] + 1e-9:
            best = (k, score)
    return best


def group_questions(
    texts: Sequence[str], *, max_themes: int = 15, min_size: int = 3, random_state: int = 0
) -> Grouping:
    """Groups question texts (see ``question_text``) into themes.

    In: the texts, in a fixed order. Out: a cluster number per text (-1: ungrouped), clusters ordered
    by size, at most ``max_themes`` of them, each with at least ``min_size`` texts, and each cluster's
    distinctive terms. Cost: TF-IDF and SVD are linear in the texts (the SVD is fitted on at most
    ``SAMPLE_FOR_SVD``); k is chosen on at most ``SAMPLE_FOR_K``; 20,000 questions take about 2 s.
    """
    from threadpoolctl import threadpool_limits

    # One thread: on small dense matrices BLAS/OpenMP threads cost more than they bring (measured six
    # times slower with two threads on a busy two-core machine), and the other core stays free.
    with threadpool_limits(limits=1):
        return _group_questions(texts, max_themes=max_themes, min_size=min_size, random_state=random_state)


def _group_questions(texts: Sequence[str], *, max_themes: int, min_size: int, random_state: int) -> Grouping:
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    n = len(texts)
    nothing = Grouping(labels=[-1] * n, terms=[], method="too few questions to group")
    if n < max(min_size, 2):
        return nothing
    stop = _stop_words()
    vectorizer = TfidfVectorizer(
        analyzer=_analyzer(stop), min_df=2 if n >= 20 else 1, max_df=0.5 if n >= 20 else 1.0, sublinear_tf=True
    )
    try:
        tfidf = vectorizer.fit_transform(texts)
    except ValueError:  # no term left (all stop words, or each term in one text only)
        return nothing
    vocabulary = vectorizer.get_feature_names_out()
    # Latent semantic analysis needs far fewer dimensions than questions: about one per
    # QUESTIONS_PER_DIMENSION questions (measured on the labelled sample: 100 dimensions for 85 questions
    # split every theme into near-duplicates, 5 recovered them).
    dims = min(MAX_DIMENSIONS, max(MIN_DIMENSIONS, n // QUESTIONS_PER_DIMENSION), tfidf.shape[1] - 1, n - 1)
    if dims >= 2:
        svd = TruncatedSVD(n_components=dims, random_state=random_state)
        with warnings.catch_warnings():  # explained_variance_ratio_ of repeated questions: 0/0, unused
            warnings.simplefilter("ignore", RuntimeWarning)
            if n > SAMPLE_FOR_SVD:  # the topics of a few thousand questions are those of all of them
                fit_on = np.sort(np.random.default_rng(random_state).choice(n, SAMPLE_FOR_SVD, replace=False))
                points = svd.fit(tfidf[fit_on]).transform(tfidf)
            else:
                points = svd.fit_transform(tfidf)
    else:
        points = tfidf.toarray()
    points = normalize(points)
    has_words = tfidf.getnnz(axis=1) > 0

    rng = np.random.default_rng(random_state)
    sample = np.sort(rng.choice(n, SAMPLE_FOR_K, replace=False)) if n > SAMPLE_FOR_K else np.arange(n)
    distinct = len(np.unique(points[sample].round(6), axis=0))  # the same question asked word for word
    most = min(max_themes, len(sample) // max(min_size, 2), distinct)
    if most >= 2:
        k, silhouette = _pick_k(points[sample], range(2, most + 1), random_state)
        if n > SAMPLE_FOR_K:
            model = MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=2048, random_state=random_state).fit(points)
        else:
            model = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(points)
        raw = model.labels_
    else:  # a handful of questions: one candidate theme, kept only if coherent
        k, silhouette, raw = 1, 0.0, np.zeros(n, dtype=int)

    labels = np.full(n, -1)
    fit = np.zeros(n)
    kept = []
    for cluster in range(k):
        members = np.flatnonzero((raw == cluster) & has_words)
        if len(members) < min_size:
            continue
        # Judged on the words themselves (TF-IDF), not in the reduced space where every question is close
        # to some centroid: a question sharing almost nothing with the rest of its cluster is left out, and
        # a cluster whose questions share little with each other is no theme.
        cosine = _cosine_to_the_others(tfidf[members])
        members, cosine = members[cosine >= MIN_COSINE], cosine[cosine >= MIN_COSINE]
        if len(members) >= min_size and cosine.mean() >= MIN_COHERENCE:
            kept.append(members)
            fit[members] = cosine
    kept.sort(key=lambda members: (-len(members), members[0]))
    kept = kept[:max_themes]
    for number, members in enumerate(kept):
        labels[members] = number
    terms = [_distinctive_terms(tfidf, vocabulary, members, texts, stop) for members in kept]
    chosen = f"k-means with k={k} chosen by silhouette" if k > 1 else "all questions as one candidate theme"
    method = (
        f"TF-IDF of each question's title and first sentences (words and word pairs, stop words removed, "
        f"plurals folded) reduced to {points.shape[1]} dimensions by TruncatedSVD, {chosen}, then questions "
        f"sharing little with the rest of their cluster (cosine < {MIN_COSINE}) and clusters smaller than "
        f"{min_size} or looser than {MIN_COHERENCE} left ungrouped."
    )
    return Grouping(
        labels=labels.tolist(), terms=terms, method=method, k=k, silhouette=round(silhouette, 3), fit=fit.tolist()
    )


def _distinctive_terms(tfidf, vocabulary, members: np.ndarray, texts: Sequence[str], stop, limit: int = 8) -> list:
    """The terms a cluster's questions use more than all questions do, written as members write them.

    A term's weight is p·log(p/q), p the share of the cluster's questions that use it and q the share of
    all questions: frequent in the theme, and rarer elsewhere. A word pair replaces its word when at
    least half the questions with the word use the pair ("fountain pen" rather than "pen").
    """
    used = tfidf > 0
    inside = np.asarray(used[members].sum(axis=0)).ravel()
    p = inside / len(members)
    q = np.asarray(used.sum(axis=0)).ravel() / tfidf.shape[0]
    if len(members) == tfidf.shape[0]:  # one theme holds every question: its terms are its most used
        score = np.where(inside >= 2, p, 0.0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where((inside >= 2) & (p > q), p * np.log(p / q), 0.0)
    chosen: list[str] = []
    for index in np.argsort(-score, kind="stable"):
        if score[index] <= 0 or len(chosen) == limit:
            break
        term = vocabulary[index]
        words = set(term.split())
        covered = [other for other in chosen if words <= set(other.split())]
        if covered:
            continue  # "shimmer" beside "shimmer ink"
        parts = [other for other in chosen if set(other.split()) < words]
        if parts:
            if inside[index] >= 0.5 * max(inside[np.flatnonzero(vocabulary == part)[0]] for part in parts):
                chosen[chosen.index(parts[0])] = term
                chosen = [other for other in chosen if other not in parts[1:]]
            continue
        chosen.append(term)
    return _surface(chosen, [texts[i] for i in members[:400]], stop)


def _surface(terms: list[str], texts: list[str], stop) -> list[str]:
    """Each stemmed term as the members most often wrote it ("descal" → "descaling")."""
    seen: dict[str, Counter] = {term: Counter() for term in terms}
    for text in texts:
        words = _words(text, stop)
        for stem, word, _ in words:
            if stem in seen:
                seen[stem][word] += 1
        for a, b in _pairs(words):
            if f"{a[0]} {b[0]}" in seen:
                seen[f"{a[0]} {b[0]}"][f"{a[1]} {b[1]}"] += 1
    return [seen[term].most_common(1)[0][0] if seen[term] else term for term in terms]
