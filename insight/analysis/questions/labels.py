"""A theme's label: words a person would use to name what its questions ask about.

The clustering's terms are the words a theme's questions use more than other questions do; the
first two of them joined ("nib sorry / times") read as a list of tokens, not as a name. The label
is instead, the first that exists of:

1. a phrase among its two most distinctive terms ("shimmer ink", "milk drinks");
2. two of its three most distinctive words, written side by side in two of its questions at least
   ("scratchy nib", "fountain pen");
3. the phrase its questions most often write around its most distinctive word (two neighbouring
   words, in at least a quarter of its questions and in two at least: "data jam");
4. its one or two most distinctive words that name a thing, joined ("grinder and budget");
5. with no such word, a phrase among its four most distinctive terms.

Words that name no subject are never part of a label: stop words and request filler (as the
clustering drops them), chat filler ("sorry", "cool", "sounds"), time words ("times", "tonight"),
common verbs and adverbs; words ending in -ing/-ed come after the others (nouns name a theme best).
Pure; cost: one pass over the theme's question texts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from insight.analysis.questions.clustering import _pairs, _stop_words, _words

# Words that say how, when or how much, not what about.
LABEL_FILLER = frozenset(
    """
    sorry times time going go goes gone went come coming came seen see saw look looking looks sound sounds
    cool awesome great nice neat interesting interested glad happy hope hoping fun yeah yes yep nope maybe
    probably definitely exactly pretty little big quick able free sure fine true real today tonight tomorrow
    yesterday week weeks weekend day days morning evening night year years month months guess think thinking
    feel feeling wonder wondering anything something everything nothing stuff kind sort lot lots else
    gonna wanna let lets check checking find found start started share sharing link links post posted
    welcome hello folks everyone friend friends different same other another first last next hmm hmmm
    what's where's how's that's there's it's let's
    """.split()
)
PHRASE_SHARE = 0.25  # of a theme's questions that must write a phrase for it to name the theme


def _names_something(word: str) -> bool:
    return word not in LABEL_FILLER and not (len(word) > 4 and word.endswith("ly")) and len(word) > 1


def _verb_like(word: str) -> bool:
    return len(word) > 5 and word.endswith(("ing", "ed"))


def _written_phrases(texts: Sequence[str], heads: set[str]) -> Counter:
    """Two neighbouring words (no stop word between) around one of ``heads``, counted once a question."""
    stop = _stop_words()
    written: Counter = Counter()
    for text in texts:
        written.update({
            f"{a[1]} {b[1]}" for a, b in _pairs(_words(text, stop))
            if (a[1] in heads or b[1] in heads) and _names_something(a[1]) and _names_something(b[1])
        })  # fmt: skip
    return written


def theme_label(terms: Sequence[str], texts: Sequence[str], *, taken: frozenset[str] = frozenset()) -> str:
    """The label of a theme with these distinctive ``terms`` (most distinctive first, as members
    write them) and these question ``texts``; never one of ``taken`` (another theme's label)."""

    def free(phrase: str) -> bool:
        return phrase not in taken and all(map(_names_something, phrase.split()))

    phrases = [t for t in terms[:4] if " " in t and free(t)]
    if phrases and phrases[0] in terms[:2]:
        return phrases[0]  # its most distinctive terms hold a phrase: "shimmer ink"
    topic = sorted((t for t in terms if " " not in t and _names_something(t)), key=_verb_like)  # stable
    written = _written_phrases(texts, set(topic[:3])) if topic else Counter()
    ranked = sorted(written.items(), key=lambda item: (-item[1], item[0]))
    # Two of its most distinctive words, written together: "scratchy nib", "fountain pen".
    for phrase, count in ranked:
        if count >= 2 and set(phrase.split()) <= set(topic[:3]) and free(phrase):
            return phrase
    # The phrase its questions write most around its most distinctive word.
    least = max(2, math.ceil(PHRASE_SHARE * len(texts)))
    for phrase, count in ranked:
        if count >= least and topic[0] in phrase.split() and free(phrase):
            return phrase
    if phrases and not topic:
        return phrases[0]
    for label in (" and ".join(topic[:2]), ", ".join(topic[:3])):
        if label and label not in taken:
            return label
    fallback = " / ".join(terms[:2]) or "theme"
    number = 2
    label = fallback
    while label in taken:
        label, number = f"{fallback} ({number})", number + 1
    return label
