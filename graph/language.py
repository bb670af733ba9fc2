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

import itertools
import math
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Links and chat markup are not language: Slack and Discord mentions, channels and links
# (<@U061A2UFL>, <#C024BE7LR|general>, <https://x|label>, <:blobwave:123>) and emoji shortcodes.
NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|<[@#!:a-z/][^>\s]*(?:\|[^>]*)?>|:[a-z0-9_+-]+:", re.IGNORECASE)
# A word starts with a letter (not inside "2x"); inner apostrophes and hyphens stay ("don't").
WORD = re.compile(r"(?<!\w)[^\W\d_][\w'’-]*(?<![-'’])")
ASCII_WORD = re.compile(r"(?<![a-z0-9_])[a-z][a-z0-9_'-]*(?<![-'])")
GENERAL_FLOOR = 1e-8  # general-language frequency of a word wordfreq has never seen
TOKENS_PER_TEXT = 30  # "the first 30 words" of each post, as No Country for Old Members: length does not decide
MAX_TOKENS_PER_MEMBER = 450
SPECIFIC = 1.0  # log10 ratio: at least ten times more frequent here than in general language
SHRINK_TOKENS = 150  # a member's share counts half when they have written this many tokens


def tokenize(text: str, limit: int = TOKENS_PER_TEXT) -> list[str]:
    """Lower-cased words of a text, links removed, at most ``limit`` of them."""
    if not text:
        return []
    text = text[: limit * 10].lower()
    if "http" in text or "www." in text or "<" in text or ":" in text:
        text = NOT_WORDS.sub(" ", text)
    if text.isascii():  # most text: a simpler pattern, a third faster
        return ASCII_WORD.findall(text)[:limit]
    if "’" in text:  # a typographic apostrophe ("I’ll") is the same word as "I'll" in general language
        text = text.replace("’", "'")
        if text.isascii():
            return ASCII_WORD.findall(text)[:limit]
    return WORD.findall(text)[:limit]


@lru_cache(maxsize=8)
def general_frequencies(language: str = "en") -> Mapping[str, float]:
    """wordfreq's frequencies for a language (a few hundred thousand words, loaded once)."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict(language)


def general_frequency(term: str, language: str = "en") -> float:
    """How often general language uses a word or a phrase. A phrase ("fountain pen") is combined
    from its words as wordfreq combines them (1/f = 1/f1 + 1/f2 + ...: below its rarest word's
    frequency, an estimate that errs towards common), so a phrase counts as the community's own only
    when it is used far more than its words would allow."""
    frequencies = general_frequencies(language)
    if " " not in term:
        return frequencies.get(term, 0.0)
    inverse = 0.0
    for word in term.split(" "):
        frequency = frequencies.get(word, 0.0)
        if not frequency:
            return 0.0
        inverse += 1.0 / frequency
    return 1.0 / inverse


def phrases(tokens: list[str]) -> list[str]:
    """A text's two-word phrases, in order ("fountain pen", "pen ink", ...)."""
    return [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)]


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


class Corpus:
    """Members' words, stored as integer ids (4 bytes a token instead of a string object each: a
    million interactions hold about ten million tokens)."""

    def __init__(self):
        # A new word gets the next id, inside the dict's own C code (no Python call per token).
        self.ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self.members: dict[object, np.ndarray] = {}
        self._words: list[str] = []

    @property
    def words(self) -> list[str]:
        """Words by id."""
        if len(self._words) != len(self.ids):
            self._words = sorted(self.ids, key=self.ids.__getitem__)
        return self._words

    def add(self, member, texts_tokens: Iterable[list[str]], max_tokens: int = MAX_TOKENS_PER_MEMBER) -> None:
        """A member's tokens, text after text (each already tokenized), at most ``max_tokens``."""
        tokens = list(itertools.chain.from_iterable(texts_tokens))[:max_tokens]
        self.members[member] = np.fromiter(map(self.ids.__getitem__, tokens), dtype=np.int32, count=len(tokens))

    def subset(self, members: Iterable) -> Corpus:
        """The same words, for these members only (no text: an empty array)."""
        part = Corpus()
        part.ids, part._words = self.ids, self._words
        empty = np.zeros(0, dtype=np.int32)
        part.members = {member: self.members.get(member, empty) for member in members}
        return part

    @classmethod
    def from_tokens(cls, tokens_by_member: Mapping[object, list[str]]) -> Corpus:
        corpus = cls()
        for member, tokens in tokens_by_member.items():
            corpus.add(member, [tokens], max_tokens=len(tokens))
        return corpus


class CorpusBuilder:
    """A corpus read text by text (for a stream of messages, newest first), each member keeping at
    most ``max_tokens`` tokens, as ``Corpus.add`` keeps them."""

    def __init__(self, max_tokens: int = MAX_TOKENS_PER_MEMBER):
        self.max_tokens = max_tokens
        self._corpus = Corpus()
        self._members: dict[object, array] = {}

    def wants(self, member) -> bool:
        """Whether the member still has room (tokenizing a full member's text is wasted work)."""
        ids = self._members.get(member)
        return ids is None or len(ids) < self.max_tokens

    def add(self, member, tokens: list[str]) -> None:
        ids = self._members.get(member)
        if ids is None:
            ids = self._members[member] = array("i")
        room = self.max_tokens - len(ids)
        if room > 0:
            ids.extend(map(self._corpus.ids.__getitem__, tokens[:room]))

    def build(self) -> Corpus:
        self._corpus.members = {member: np.frombuffer(ids, dtype=np.int32) for member, ids in self._members.items()}
        return self._corpus


def community_vocabulary(
    corpus: Corpus,
    *,
    language: str = "en",
    min_members: int | None = None,
    general: Callable[[str], float] | None = None,
) -> Vocabulary:
    """Distinctive words: specific to this community and used by at least ``min_members`` members
    (by default 3, or 2% of the members who wrote anything, whichever is more). ``general``: how
    often general language uses a term, by default wordfreq's list (``general_frequency`` for
    corpora of phrases)."""
    size = len(corpus.ids)
    written = [ids for ids in corpus.members.values() if len(ids)]
    if not written:
        return Vocabulary(terms={}, members_with_text=0, tokens=0, min_members=min_members or 3)
    counts = np.bincount(np.concatenate(written), minlength=size)
    members_using = np.bincount(np.concatenate([np.unique(ids) for ids in written]), minlength=size)
    total = int(counts.sum())
    if min_members is None:
        min_members = max(3, math.ceil(0.02 * len(written)))
    general = general or general_frequencies(language).get
    terms = {}
    for word_id in np.flatnonzero(members_using >= min_members):
        word = corpus.words[word_id]
        specificity = math.log10((counts[word_id] / total) / max(general(word) or 0.0, GENERAL_FLOOR))
        if specificity >= SPECIFIC:
            terms[word] = Term(word, round(specificity, 3), int(members_using[word_id]), int(counts[word_id]))
    return Vocabulary(terms=terms, members_with_text=len(written), tokens=total, min_members=min_members)


@dataclass(frozen=True)
class Fluency:
    tokens: int  # how many of the member's tokens were read
    share: float  # raw share of their tokens in the community vocabulary
    shrunk: float  # share shrunk towards the community mean by the number of tokens


def fluency(corpus: Corpus, vocabulary: Vocabulary) -> dict[object, Fluency]:
    """How much of each member's language is the community's own (members without text get the
    community mean: no evidence either way)."""
    in_vocabulary = np.zeros(len(corpus.ids) + 1, dtype=bool)
    for word in vocabulary.terms:
        in_vocabulary[corpus.ids[word]] = True
    raw = {}
    for member, ids in corpus.members.items():
        raw[member] = (len(ids), float(in_vocabulary[ids].mean()) if len(ids) else 0.0)
    with_text = [share for n, share in raw.values() if n]
    mean = sum(with_text) / len(with_text) if with_text else 0.0
    return {
        member: Fluency(n, share, (n * share + SHRINK_TOKENS * mean) / (n + SHRINK_TOKENS))
        for member, (n, share) in raw.items()
    }
