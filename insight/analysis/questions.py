"""The questions members ask when they start threads, grouped into recurring themes.

Plain values in, plain values out (no Django, no ORM). Two steps:

1. ``is_question`` decides from the title and the first sentences of a thread-starting post whether the
   member asks something: a "?" (after links, code and quoted speech are removed), an interrogative
   opener ("how do I…", "is it…", "anyone know…", "ELI5"), a request ("looking for advice",
   "recommendations", "not sure which…") or a question flair ("[Question]", "Q:"). Flairs of sales,
   reviews and announcements, rhetorical questions ("Isn't this the prettiest pen?") and engagement
   closers ("…Thoughts?") do not count. It reads at most the title and the first ``READ_CHARS``
   characters of the body: a question deep inside a long statement is not what the post is about.
2. ``group_questions`` turns each question into TF-IDF features over its title and first sentences
   (words and word pairs, English stop words and request filler removed, plurals and -ing/-ed
   folded), reduces them with TruncatedSVD (latent semantic analysis), and clusters them with k-means,
   k chosen by the silhouette over 2…max_themes on a sample. Questions that share little with the rest
   of their cluster, and clusters that are small or incoherent, are left ungrouped rather than forced
   into a theme. A theme's terms are the words its questions use more than the others do; its label is
   the first two. Limits, measured by benchmarks/question_grouping.py: grouping is good when themes have
   fifteen or more questions (ARI ≈ 0.6 on the labelled sample) and weak in communities with a handful
   per theme (ARI ≈ 0.35 held out); on large inputs the silhouette tends to the top of the range, so
   a big theme may come out as two. Words only: "grinder" and "mill" are not known to be alike.

``question_themes`` runs both over the posts of a window of months and describes each theme: counts
per month, a trend, examples to read and the share left unanswered. Everything is deterministic
(fixed random state, input sorted first). Cost: about linear in the number of posts; 50,000 posts
(20,000 questions) take a few seconds on two cores (benchmarks/question_grouping.py measures it).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

READ_CHARS = 600  # of a post's body: the ask of a thread is at its start
NOT_A_QUESTION = "not a question"
UNGROUPED = "ungrouped"
MISSED = "(missed by detection)"  # grouping_quality's cluster for the true questions detection missed

TREND_WINDOW = 3  # months: the last three full months against the three before
SETTLED = timedelta(days=7)  # a question younger than this may still be answered
TREND_MIN = 3  # questions: fewer in both windows together than twice this is "steady" (too few to tell)
TREND_RATIO = 1.5  # one window must hold half as many again as the other …
TREND_STEP = 3  # … and at least this many more questions

QUESTIONS_PER_DIMENSION = 15
MIN_DIMENSIONS, MAX_DIMENSIONS = 5, 100
SAMPLE_FOR_K = 2000  # questions on which k is chosen (silhouette is quadratic in its input)
SAMPLE_FOR_SVD = 5000  # questions on which the reduction is fitted
# Judged on TF-IDF, each question against the mean of the other questions of its cluster:
MIN_COSINE = 0.1  # a question sharing less than this with the rest of its cluster is left ungrouped
MIN_COHERENCE = 0.2  # a cluster whose questions share less than this on average is no theme

# --- detection ------------------------------------------------------------------------------------

_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.DOTALL)
_LINK = re.compile(r"https?://\S+|www\.\S+|<[@#!:a-z/][^>\s]*(?:\|[^>]*)?>", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"\n]{0,300}"|“[^”\n]{0,300}”|^\s*>.*$', re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:()]|\s[-–—]\s)\s*")
_LEADING_NOISE = re.compile(
    r"^(?:[^\w\[]+|(?:so|ok|okay|hi|hey|hello|all|everyone|guys|folks|quick|also|and|but|um|edit)\b[\s,!.:-]*)+",
    re.IGNORECASE,
)

_QUESTION_FLAIR = re.compile(
    r"^\s*(?:[\[(](?:question|q|help|advice|eli5|noob|beginner)[\])]|q\s*:|question\s*:)", re.I
)
_STATEMENT_FLAIR = re.compile(
    r"^\s*(?:[\[(](?:wts|wtb|wtt|fs|for sale|sale|sold|review|psa|giveaway|announcement|meta|show|haul|guide|"
    r"tutorial|news|update|mod post)[\])]|(?:psa|review|giveaway|announcement|tip|update|til|reminder)\b\s*:?)",
    re.IGNORECASE,
)
_WH = r"how|what|which|why|where|when|who|whom|whose"
_AUX = r"can|could|should|would|will|is|are|am|was|were|does|do|did|has|have|may|might|shall"
_SUBJECT = r"i|we|you|u|it|this|that|they|he|she|there|my|your|people|ppl|anyone|someone"
# A sentence opening like these asks something …
_OPENER = re.compile(
    rf"^(?:(?:{_WH})(?:'s|s)?\b|(?:{_AUX})\b(?!['’]|\s+not\b)|any\b|anyone|anybody|anyon\w|some(?:one|body) "
    rf"(?:please|pls|help|explain|tell|know)|help\b|eli5|rec+om+end(?:ations?)?\b|suggestions?\b|advice\b|"
    rf"tips? (?:for|on)\b|need (?:help|advice|some|a rec|suggestions?|tips?)\b|i wonder|wondering\b|"
    rf"looking for (?:a |an |some )?(?:rec|advice|help|suggestion|tips?|input)|help me\b|thoughts on\b)",
    re.IGNORECASE,
)
# … unless it is a statement that happens to start with a question word.
_NOT_OPENER = re.compile(
    rf"^(?:(?:{_WH}) (?:i|we|my|our|a|an)\b|what a\b|how (?:cool|nice|pretty|beautiful|lovely)\b|"
    rf"have (?:a|fun)\b|will (?:post|update|report)\b|(?:do|does|did)n?'?t\b|anyway)",
    re.IGNORECASE,
)
# Inside a sentence, after a comma or a dash, only an unmistakable question counts.
_CLAUSE_QUESTION = re.compile(
    rf"^(?:(?:{_WH})(?: \w+){{0,2}}? (?:(?:{_AUX}) (?:{_SUBJECT})\b|to\b|causes\b|happened\b|is (?:it|this|that)\b)|"
    rf"(?:what|how|where|who)'s\b|which (?:one|is (?:easier|better|best))\b|(?:should|do|can|could|would) "
    rf"(?:i|we)\b|is (?:it|this|that|there)\b|any (?:fix|idea|ideas|tips?|advice|suggestions?|recs?)\b|"
    rf"anyone know|help\b)",
    re.IGNORECASE,
)
# Uncertainty or a request anywhere in a sentence: "not sure which one works", "no idea if …".
_UNCERTAIN = re.compile(
    r"\b(?:not sure (?:if|whether|which|what|how|why|where)|no idea (?:if|whether|why|how|what)|"
    r"can'?t figure out|trying to (?:figure out|decide|understand|choose))\b",
    re.IGNORECASE,
)
# Title phrases of a request: "Grinder upgrade advice", "first pen reccomendation pls", "Best ink for …".
_TITLE_REQUEST = re.compile(
    r"\b(?:help|advice|rec+om+end(?:ations?)?|suggestions?|eli5|(?:quick |noob |beginner |dumb )?question "
    r"(?:about|on|for|re|regarding))\b|^(?:looking for|best [\w'+ -]{1,40}? (?:for|to)\b)",
    re.IGNORECASE,
)
_RHETORICAL = re.compile(
    r"^(?:(?:isn'?t|aren'?t|wasn'?t|ain'?t) (?:this|it|that|she|he|they|these|those)\b|who else (?:loves?|wants?)\b)",
    re.IGNORECASE,
)
_CLOSER = re.compile(r"^(?:thoughts|opinions|what do (?:you|y'all|u)(?: guys| all)? think|any thoughts)\b", re.I)


def _clean(text: str, *, quotes: bool = True) -> str:
    """A post's words without code, links and (``quotes``) quoted speech: they carry other people's
    question marks ("?" in a URL's query string, in a snippet, in "she asked me 'why…?'")."""
    if "`" in text:
        text = _CODE.sub(" ", text)
    if "http" in text or "www." in text or "<" in text:
        text = _LINK.sub(" ", text)
    if quotes and ('"' in text or "“" in text or ">" in text):
        text = _QUOTED.sub(" … ", text)
    return text


def _sentences(text: str) -> list[str]:
    return [s for s in (_LEADING_NOISE.sub("", part.strip()) for part in _SENTENCE_END.split(text)) if s]


def _asks(sentence: str, *, closing: bool = False) -> bool:
    """Whether one sentence asks something. ``closing``: the last sentence of a body, where a bare
    "Thoughts?" or "What do you think?" invites praise rather than asks."""
    if _RHETORICAL.match(sentence) or (closing and _CLOSER.match(sentence)):
        return False
    if "?" in sentence:
        return True
    if _UNCERTAIN.search(sentence):
        return True
    if _OPENER.match(sentence) and not _NOT_OPENER.match(sentence):
        return True
    clauses = _CLAUSE_BREAK.split(sentence)
    return any(_CLAUSE_QUESTION.match(clause) for clause in clauses[1:])


def is_question(title: str, text: str) -> bool:
    """Whether a thread-starting post asks something (see the module docstring for the rules).

    Reads the title and the first two sentences of the body, plus its last sentence when the body is
    short enough to read whole (``READ_CHARS``); chat messages have no title and are read the same way.
    """
    title = (title or "").strip()
    if title and _STATEMENT_FLAIR.match(title):
        return False
    if title and _QUESTION_FLAIR.match(title):
        return True
    body = (text or "")[: READ_CHARS + 1]
    whole = len(body) <= READ_CHARS
    if not title and _STATEMENT_FLAIR.match(body):
        return False
    if not title and _QUESTION_FLAIR.match(body):
        return True
    if title:
        clean_title = _LEADING_NOISE.sub("", _clean(title).strip())
        if clean_title and not _RHETORICAL.match(clean_title):
            if _TITLE_REQUEST.search(clean_title) or any(_asks(s) for s in _sentences(clean_title)):
                return True
    sentences = _sentences(_clean(body))
    if any(_asks(s) for s in sentences[:2]):
        return True
    return whole and len(sentences) > 2 and _asks(sentences[-1], closing=True)


def question_text(title: str, text: str) -> str:
    """What a question is about, for grouping: its title and the first two sentences of its body."""
    body = _sentences(_clean((text or "")[:READ_CHARS], quotes=False))[:2]
    return " ".join([_clean(title or "", quotes=False), *body]).strip()


# --- grouping -------------------------------------------------------------------------------------

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


# --- themes ---------------------------------------------------------------------------------------


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

    label: str  # the first two terms, e.g. "scratchy nib / micromesh"
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
        words = " ".join(_clean(post.text).split()).split(" ")
        title = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    return {
        "thread_id": post.thread_id,
        "title": title,
        "replies": post.replies,
        "posted_at": _utc(post.posted_at).isoformat(),
        "url": post.url,
    }


def _label(terms: list[str], *, taken: set[str], number: int) -> str:
    """The first two terms, or three if two are another theme's label already."""
    for size in (2, 3):
        label = " / ".join(terms[:size])
        if label and label not in taken:
            return label
    return f"{label or 'theme'} ({number + 1})"


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
    for post, label, fit in zip(questions, grouping.labels, grouping.fit or [0.0] * len(questions), strict=True):
        if label >= 0:
            members.setdefault(label, []).append((post, fit))
    themes: list[Theme] = []
    for number, terms in enumerate(grouping.terms):
        group = [post for post, _ in members[number]]
        label = _label(terms, taken={theme.label for theme in themes}, number=number)
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


# --- quality --------------------------------------------------------------------------------------


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
