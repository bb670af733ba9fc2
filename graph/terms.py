"""The words and two-word phrases of a member's texts, as Discover's "talks about" looks them up.

Pure: texts in, counts out (no Django). The same tokenizer as the community-language measure
(``graph.language.tokenize``), so "I’ll" and "i'll" are one word everywhere; the query a manager
types is normalised by ``query_terms`` the same way, so what is stored and what is asked match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from graph.language import tokenize

WORDS_PER_TEXT = 400  # a long post is read to about 4,000 characters: enough to know what it is about
TERMS_PER_MEMBER = 300  # the most used, so a prolific member's rows stay bounded (ties: alphabetical)
STOP_WORDS_PER_LANGUAGE = 100  # "the", "and", "i'm", ...: a language's most frequent words say nothing
MAX_TERM_LENGTH = 64
# A phrase is kept when the member used it at least twice: two words that met once are mostly a
# coincidence of neighbours, and every member has hundreds of them (they tripled the rows kept).
PHRASE_MIN_USES = 2


@lru_cache(maxsize=8)
def stop_words(language: str = "en") -> frozenset[str]:
    """The language's most frequent words (wordfreq's list, offline): function words and the
    like, which match everybody. A language wordfreq does not know has none."""
    from wordfreq import top_n_list

    try:
        return frozenset(top_n_list(language, STOP_WORDS_PER_LANGUAGE))
    except LookupError:
        return frozenset()


def text_terms(text: str, stop: frozenset[str]) -> list[str]:
    """A text's words (stop words out, at least two letters) and its phrases: two neighbouring
    words of the text, neither a stop word ("a burr grinder is" → burr, grinder, "burr grinder")."""
    tokens = tokenize(text, limit=WORDS_PER_TEXT)
    kept = [t if len(t) > 1 and t not in stop and len(t) <= MAX_TERM_LENGTH else None for t in tokens]
    terms = [t for t in kept if t is not None]
    for first, second in zip(kept, kept[1:], strict=False):
        if first is not None and second is not None and len(first) + len(second) < MAX_TERM_LENGTH:
            terms.append(f"{first} {second}")
    return terms


def member_terms(texts: Iterable[str], *, language: str = "en", limit: int = TERMS_PER_MEMBER) -> dict[str, int]:
    """Each term of a member's texts with how many times it was used, the ``limit`` most used.
    Words count from their first use, phrases from their second (PHRASE_MIN_USES)."""
    stop = stop_words(language)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text_terms(text, stop))
    counts = Counter({t: n for t, n in counts.items() if n >= PHRASE_MIN_USES or " " not in t})
    if len(counts) <= limit:
        return dict(counts)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit])


def query_terms(typed: str, *, language: str = "en") -> tuple[list[str], list[str]]:
    """What a manager typed in "talks about" (comma-separated words or phrases) as stored terms,
    and the parts that cannot match, each with why (for the message on the page).

    ``"Grinder, burr grinder"`` → (["grinder", "burr grinder"], []). A phrase is at most two words;
    a stop word alone matches nobody, since nobody's stop words are kept."""
    stop = stop_words(language)
    terms, refused = [], []
    for part in typed.split(","):
        part = part.strip()
        if not part:
            continue
        words = tokenize(part, limit=10)
        if not words:
            refused.append(f"“{part}” has no words")
        elif len(words) > 2:
            refused.append(f"“{part}”: phrases of one or two words only")
        elif any(word in stop or len(word) < 2 for word in words):
            refused.append(f"“{part}” is too common a word to tell anyone apart")
        elif (term := " ".join(words)) not in terms:
            terms.append(term)
    return terms, refused
