"""The community's own words and phrases, with example uses, and how they shifted lately.

Measured by ``graph.language`` — the same measure (and code) the ranking's alignment uses: a term
belongs to the community when it is far more frequent here than in general language and many
members use it. Members' texts are read newest first, each member keeping at most as many words
as the ranking keeps, so one prolific account cannot make the vocabulary.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from graph.language import (
    CorpusBuilder,
    Term,
    Vocabulary,
    community_vocabulary,
    general_frequencies,
    general_frequency,
    phrases,
    tokenize,
)
from insight.analysis.messages import Message

RECENT_DAYS = 90  # "lately": the last three months, against the nine before
EXAMPLE_POOL = 30_000  # texts kept (a fair sample) to find example uses in
EXAMPLE_CHARS = 220
TERMS_SHOWN = 40
PHRASES_SHOWN = 25
SHIFT_SHOWN = 12
FUNCTION_WORD = 1e-3  # "the", "of", "my", "for": more frequent than one word in a thousand
# Chat markup shown as people read it: <@U061A2UFL> → @member, <#C024BE7LR|general> → #general,
# <https://x|label> → label, <https://x> → https://x.
MARKUP = re.compile(r"<([@#!])[^>|\s]*(?:\|([^>]*))?>|<(https?://[^>|\s]+)(?:\|([^>]*))?>")
SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


@dataclass(frozen=True)
class Example:
    interaction: int
    thread: str
    text: str  # a sentence around the term, cut to EXAMPLE_CHARS


class LanguageReader:
    def __init__(self, *, end: int, language: str = "en", seed: int = 0):
        self.language = language
        self.recent_from = end - RECENT_DAYS * 86400
        self.words, self.phrases = CorpusBuilder(), CorpusBuilder()
        self.recent, self.earlier = CorpusBuilder(), CorpusBuilder()
        self.pool: list[tuple[int, str, str]] = []
        self.seen = 0
        self.random = random.Random(seed)

    def add(self, message: Message) -> None:
        """A person's message (bots and deleted accounts are left out, as the ranking leaves them)."""
        member = message.author
        period = self.recent if message.posted_at >= self.recent_from else self.earlier
        whole, lately = self.words.wants(member), period.wants(member)
        if whole or lately:  # a member's words are read only until they have given enough
            tokens = tokenize(f"{message.title}\n{message.text}" if message.title else message.text)
            if whole:
                self.words.add(member, tokens)
                self.phrases.add(member, phrases(tokens))
            if lately:
                period.add(member, tokens)
        if message.removed or message.score < 0 or not message.text or "http" in message.text:
            return  # quoted as the community's voice: not what it removed, voted down, or an ad's link
        # A fair sample of texts to quote from (reservoir sampling: every text has the same chance).
        self.seen += 1
        entry = (message.id, message.thread, message.text[:1000])
        if len(self.pool) < EXAMPLE_POOL:
            self.pool.append(entry)
        elif (slot := self.random.randrange(self.seen)) < EXAMPLE_POOL:
            self.pool[slot] = entry

    def result(self) -> tuple[Vocabulary, dict]:
        corpus = self.words.build()
        vocabulary = community_vocabulary(corpus, language=self.language)
        phrase_vocabulary = community_vocabulary(
            self.phrases.build(),
            language=self.language,
            min_members=vocabulary.min_members,
            general=lambda term: general_frequency(term, self.language),
        )
        best = vocabulary.best(TERMS_SHOWN)
        best_phrases = _phrases_worth_showing(phrase_vocabulary, vocabulary, self.language)[:PHRASES_SHOWN]
        examples = self._examples([t.term for t in best] + [t.term for t in best_phrases])
        return vocabulary, {
            "vocabulary": [_term(t, examples) for t in best],
            "phrases": [_term(t, examples) for t in best_phrases],
            "vocabulary_shift": self._shift(),
            "language_basis": {
                "members_with_text": vocabulary.members_with_text,
                "tokens": vocabulary.tokens,
                "min_members": vocabulary.min_members,
                "terms": len(vocabulary.terms),
                "unknown_words_share": _unknown_share(corpus, self.language),
            },
        }

    def _examples(self, terms: list[str], per_term: int = 2) -> dict[str, list[Example]]:
        """For each term, sentences from the sample that use it, from different threads; a text
        already quoted for another term is used again only when nothing else uses the term."""
        wanted: dict[str, list[Example]] = {term: [] for term in terms}
        single = {term for term in terms if " " not in term}
        pairs = {term for term in terms if " " in term}
        candidates: dict[str, list[tuple[int, str, str]]] = {term: [] for term in terms}
        for interaction, thread, text in self.pool:
            tokens = tokenize(text, limit=200)
            present = single.intersection(tokens)
            if pairs:
                present |= pairs.intersection(phrases(tokens))
            for term in present:
                if len(candidates[term]) < per_term * 4:
                    candidates[term].append((interaction, thread, text))
        quoted: set[int] = set()
        for reuse in (False, True):
            for term in terms:
                found = wanted[term]
                for interaction, thread, text in candidates[term]:
                    if len(found) >= per_term:
                        break
                    if any(e.thread == thread or e.interaction == interaction for e in found):
                        continue
                    if interaction in quoted and not reuse:
                        continue
                    if sentence := _sentence_with(text, term):
                        found.append(Example(interaction, thread, sentence))
                        quoted.add(interaction)
        return wanted

    def _shift(self) -> dict:
        """Terms members took up or left in the last three months, against the nine before: the
        share of writing members using each term of either period's vocabulary."""
        recent = self.recent.build()
        earlier = self.earlier.build()
        recent_vocabulary = community_vocabulary(recent, language=self.language)
        earlier_vocabulary = community_vocabulary(earlier, language=self.language)
        basis = {
            "recent_days": RECENT_DAYS,
            "recent_members": recent_vocabulary.members_with_text,
            "earlier_members": earlier_vocabulary.members_with_text,
        }
        if recent_vocabulary.members_with_text < 10 or earlier_vocabulary.members_with_text < 10:
            note = "Too few members wrote in one of the periods to compare."
            return {**basis, "rising": [], "fading": [], "note": note}
        recent_share = _member_shares(recent, set(recent_vocabulary.terms) | set(earlier_vocabulary.terms))
        earlier_share = _member_shares(earlier, set(recent_share))
        changes = []
        for term in recent_share:
            now, before = recent_share.get(term, 0.0), earlier_share.get(term, 0.0)
            # Smoothed by one member's share, so a term going from 0 to 1 member is no "infinite" rise.
            floor = 1 / max(recent_vocabulary.members_with_text, earlier_vocabulary.members_with_text)
            changes.append((math.log2((now + floor) / (before + floor)), term, now, before))
        # At least twice (or half) the share of members, and part of that period's vocabulary.
        rising = [
            c for c in sorted(changes, key=lambda c: (-c[0], c[1])) if c[0] >= 1 and c[1] in recent_vocabulary.terms
        ]
        fading = [
            c for c in sorted(changes, key=lambda c: (c[0], c[1])) if c[0] <= -1 and c[1] in earlier_vocabulary.terms
        ]
        return {
            **basis,
            "rising": [_change(c) for c in rising[:SHIFT_SHOWN]],
            "fading": [_change(c) for c in fading[:SHIFT_SHOWN]],
        }


def _unknown_share(corpus, language: str) -> float | None:
    """Of the words members wrote, the share general language does not know: most of them unknown
    means the community writes in another language than the one it is measured against."""
    import numpy as np

    written = [ids for ids in corpus.members.values() if len(ids)]
    if not written:
        return None
    counts = np.bincount(np.concatenate(written), minlength=len(corpus.ids))
    known = general_frequencies(language)
    unknown = sum(int(counts[i]) for i, word in enumerate(corpus.words) if counts[i] and word not in known)
    return round(unknown / int(counts.sum()), 3)


def _member_shares(corpus, terms: set[str]) -> dict[str, float]:
    """Of the members who wrote, the share using each term."""
    import numpy as np

    written = [ids for ids in corpus.members.values() if len(ids)]
    if not written:
        return dict.fromkeys(terms, 0.0)
    members_using = np.bincount(np.concatenate([np.unique(ids) for ids in written]), minlength=len(corpus.ids))
    return {
        term: float(members_using[corpus.ids[term]]) / len(written) if term in corpus.ids else 0.0 for term in terms
    }


def _change(change: tuple) -> dict:
    ratio, term, now, before = change
    return {"term": term, "members_share_recent": round(now, 4), "members_share_earlier": round(before, 4),
            "change": round(ratio, 2)}  # fmt: skip


def _phrases_worth_showing(phrase_vocabulary: Vocabulary, vocabulary: Vocabulary, language: str) -> list[Term]:
    """Phrases of content words holding at least one of the community's own: "tomoe river", not
    "the nib" (a function word beside a community word says nothing the word alone does not)."""
    common = general_frequencies(language)
    return [
        t
        for t in phrase_vocabulary.best(PHRASES_SHOWN * 4)
        if any(w in vocabulary.terms for w in t.term.split())
        and all(common.get(w, 0.0) < FUNCTION_WORD for w in t.term.split())
    ]


def _score(term: Term) -> float:
    """How high a term is placed: its specificity weighted by how many members use it (the order
    of ``Vocabulary.best``)."""
    return round(term.specificity * math.log1p(term.members), 3)


def _term(term: Term, examples: dict[str, list[Example]]) -> dict:
    return {
        "term": term.term,
        "score": _score(term),
        "specificity": term.specificity,
        "times_more_than_general": round(10**term.specificity) if term.specificity < 9 else None,
        "members": term.members,
        "count": term.count,
        "examples": [{"interaction": e.interaction, "thread": e.thread, "text": e.text} for e in examples[term.term]],
    }


def term_pattern(term: str) -> re.Pattern:
    """A term as the measure reads it in a text: whole words, any case, any spacing between the
    words of a phrase, either apostrophe ("I'll", "I’ll")."""
    words = r"\s+".join(re.escape(word).replace("'", "['’]") for word in term.split())
    return re.compile(r"(?<![\w'’-])" + words + r"(?![\w'’-])", re.IGNORECASE)


def _readable(match: re.Match) -> str:
    sigil, label, link, link_label = match.groups()
    if link:
        return link_label or link
    return {"@": "@", "#": "#", "!": "@"}[sigil] + (label or ("member" if sigil == "@" else "channel"))


def _sentence_with(text: str, term: str) -> str:
    """The sentence of ``text`` that uses ``term``, cut around it to EXAMPLE_CHARS."""
    if "<" in text:
        text = MARKUP.sub(_readable, text)
    pattern = term_pattern(term)
    for sentence in SENTENCE.findall(text):
        match = pattern.search(sentence)
        if not match:
            continue
        sentence = " ".join(sentence.split())
        if len(sentence) <= EXAMPLE_CHARS:
            return sentence
        match = pattern.search(sentence)
        start = max(0, match.start() - EXAMPLE_CHARS // 2)
        cut = sentence[start : start + EXAMPLE_CHARS]
        return ("…" if start else "") + cut + ("…" if start + EXAMPLE_CHARS < len(sentence) else "")
    return ""
