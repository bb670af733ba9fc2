"""A community's own language, measured against general language: one implementation, used by
the ranking (does a member speak it?) and by community insight (what is it?).

Specificity of a word is ``log10(P_community(w) / P_general(w))`` (Zhang et al., ICWSM 2017); the
general frequencies are wordfreq's list for the community's language, which ships with the
package and works offline. Two choices keep the measure honest on real communities:

- A word belongs to the community's vocabulary only if many *members* use it (document frequency
  over members), so one prolific account, a spammer's shop name or a bot's template cannot
  become "the community's language".
- Every member contributes at most ``max_tokens`` tokens to the community model, and a member's
  fluency is shrunk towards the community mean by their number of tokens (RANKING-NOTES: raw
  per-member scores made members with few words extreme and ranked worse than random).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# Chat markup is not language: Slack and Discord mentions, channels and links (<@U061A2UFL>,
# <#C024BE7LR|general>, <https://x|label>, <:blobwave:123>) and emoji shortcodes (:tada:).
MARKUP = re.compile(r"<[@#!:a-z/][^>\s]*(?:\|[^>]*)?>|:[a-z0-9_+-]+:", re.IGNORECASE)
# A word starts with a letter (not inside "2x"); inner apostrophes and hyphens stay ("don't", "pre-war").
WORD = re.compile(r"(?<!\w)[^\W\d_](?:[\w'’-]*[^\W_])?")
GENERAL_FLOOR = 1e-8  # general-language frequency of a word wordfreq has never seen
TOKENS_PER_TEXT = 60  # like "the first 30 words" of No Country for Old Members, a little longer
MAX_TOKENS_PER_MEMBER = 600
SPECIFIC = 1.0  # log10 ratio: at least ten times more frequent here than in general language
SHRINK_TOKENS = 150  # a member's share counts half when they have written this many tokens


def tokenize(text: str, limit: int = TOKENS_PER_TEXT) -> list[str]:
    """Lower-cased words of a text, links removed, at most ``limit`` of them."""
    if not text:
        return []
    words = WORD.findall(URL.sub(" ", MARKUP.sub(" ", text[: limit * 12])).lower())
    return words[:limit]


@lru_cache(maxsize=8)
def general_frequencies(language: str = "en") -> Mapping[str, float]:
    """wordfreq's frequencies for a language (a few hundred thousand words, loaded once)."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict(language)


@dataclass(frozen=True)
class Term:
    term: str
    specificity: float  # log10 of how much more frequent here than in general language
    members: int  # how many members used it
    count: int  # tokens, counting each member at most MAX_TOKENS_PER_MEMBER tokens in all


@dataclass(frozen=True)
class Vocabulary:
    """The words that make a community's language, with what they rest on."""

    terms: dict[str, Term]
    members_with_text: int
    tokens: int
    min_members: int

    def best(self, n: int = 50) -> list[Term]:
        """Most distinctive first, weighted by how widely they are used."""
        return sorted(self.terms.values(), key=lambda t: (-t.specificity * math.log1p(t.members), t.term))[:n]


def member_tokens(texts: Iterable[str], max_tokens: int = MAX_TOKENS_PER_MEMBER) -> list[str]:
    tokens: list[str] = []
    for text in texts:
        tokens.extend(tokenize(text))
        if len(tokens) >= max_tokens:
            return tokens[:max_tokens]
    return tokens


def community_vocabulary(
    tokens_by_member: Mapping[object, list[str]], *, language: str = "en", min_members: int | None = None
) -> Vocabulary:
    """Distinctive words: specific to this community and used by at least ``min_members`` members
    (by default 3, or 2% of the members who wrote anything, whichever is more)."""
    counts: Counter[str] = Counter()
    members_using: Counter[str] = Counter()
    writers = 0
    for tokens in tokens_by_member.values():
        if not tokens:
            continue
        writers += 1
        counts.update(tokens)
        members_using.update(set(tokens))
    total = sum(counts.values())
    if min_members is None:
        min_members = max(3, math.ceil(0.02 * writers))
    general = general_frequencies(language)
    terms = {}
    for word, used_by in members_using.items():
        if used_by < min_members:
            continue
        specificity = math.log10((counts[word] / total) / max(general.get(word, 0.0), GENERAL_FLOOR))
        if specificity >= SPECIFIC:
            terms[word] = Term(word, round(specificity, 3), used_by, counts[word])
    return Vocabulary(terms=terms, members_with_text=writers, tokens=total, min_members=min_members)


@dataclass(frozen=True)
class Fluency:
    tokens: int  # how many of the member's tokens were read
    share: float  # raw share of their tokens in the community vocabulary
    shrunk: float  # share shrunk towards the community mean by the number of tokens


def fluency(tokens_by_member: Mapping[object, list[str]], vocabulary: Vocabulary) -> dict[object, Fluency]:
    """How much of each member's language is the community's own (members without text get the
    community mean: no evidence either way)."""
    raw = {}
    for member, tokens in tokens_by_member.items():
        hits = sum(1 for token in tokens if token in vocabulary.terms)
        raw[member] = (len(tokens), hits / len(tokens) if tokens else 0.0)
    with_text = [share for n, share in raw.values() if n]
    mean = sum(with_text) / len(with_text) if with_text else 0.0
    return {
        member: Fluency(n, share, (n * share + SHRINK_TOKENS * mean) / (n + SHRINK_TOKENS))
        for member, (n, share) in raw.items()
    }
