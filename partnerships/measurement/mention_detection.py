"""A brand in members' own words: finding its names, telling recommendations, scoring the tone.

Pure functions on text. Matching is on whole words and case-insensitive ("Apple" never matches
"pineapple"), with the plural and possessive forms members write ("Apples", "Apple's", "Apples'",
"Apple’s"); several-word names allow any spacing ("Noodler's  Ink"). Links count only when they
point at the brand's own site: a brand name inside a link to somewhere else (a path, another
site's subdomain) is not a member speaking about the brand.

Sentiment is VADER's compound score (a lexicon and rules tuned for social media, shipped with
the package, offline) over the sentences that name the brand, not the whole text: a long post
praising one ink and complaining about the brand in one line is a complaint about the brand.
Known limit: sarcasm ("Oh great, another leaking bottle. Love it.") reads as praise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Plural and possessive endings members attach to a name.
SUFFIX = r"(?:(?:e?s)?['’]s?|e?s)?"


@dataclass(frozen=True)
class BrandMatcher:
    pattern: re.Pattern
    names: tuple[str, ...]  # group i+1 of ``pattern`` is names[i]
    hosts: tuple[str, ...]  # the brand's own sites, lower case, without "www."


def _host(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def brand_matcher(names: Iterable[str], websites: Iterable[str] = ()) -> BrandMatcher | None:
    """A matcher for the brand's names (name, aliases, product terms) and its own sites; None if
    it has no usable name."""
    unique = {}
    for name in names:
        cleaned = " ".join((name or "").split())
        if len(cleaned) >= 2:
            unique.setdefault(cleaned.lower(), cleaned)
    hosts = tuple(sorted({h for h in (_host(w) for w in websites if w) if h}))
    if not unique:
        return None
    # Longest first: "Inkwell Pens" is matched as itself, not as "Inkwell".
    ordered = sorted(unique.values(), key=len, reverse=True)
    parts = [r"\s+".join(re.escape(word) for word in name.split()) for name in ordered]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(f"({part}){SUFFIX}" for part in parts) + r")(?!\w)", re.IGNORECASE)
    return BrandMatcher(pattern=pattern, names=tuple(ordered), hosts=hosts)


@dataclass(frozen=True)
class Match:
    name: str  # the brand name as configured (or the brand's site)
    start: int  # where in the text, for the sentence around it
    end: int


def find_mentions(text: str, matcher: BrandMatcher) -> list[Match]:
    """Every place ``text`` names the brand or links to its site."""
    if not text:
        return []
    found: list[Match] = []
    # Links first: to the brand's own site they are mentions; elsewhere they are blanked out so a
    # name inside them does not count (the offsets of the rest stay the same).
    if "http" in text or "www." in text:
        chars = list(text)
        for link in URL.finditer(text):
            host = _host(link.group())
            own = next((own for own in matcher.hosts if host == own or host.endswith("." + own)), None)
            if own:
                found.append(Match(own, link.start(), link.end()))
            chars[link.start() : link.end()] = " " * (link.end() - link.start())
        text = "".join(chars)
    for match in matcher.pattern.finditer(text):
        found.append(Match(matcher.names[match.lastindex - 1], match.start(), match.end()))
    found.sort(key=lambda m: m.start)
    return found


def sentences_around(text: str, matches: list[Match]) -> list[str]:
    """The sentences of ``text`` that contain a mention, in order, each once."""
    sentences, start = [], 0
    bounds = []
    for separator in SENTENCE_END.finditer(text):
        bounds.append((start, separator.start()))
        start = separator.end()
    bounds.append((start, len(text)))
    for begin, end in bounds:
        if any(begin <= m.start < end or (m.start < begin < m.end) for m in matches):
            sentence = text[begin:end].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()  # loads its lexicon once (about 0.1 s)


def sentiment(sentences: list[str]) -> float:
    """Mean VADER compound score of the sentences, from -1 to 1 (0 for none)."""
    if not sentences:
        return 0.0
    analyzer = _analyzer()
    return sum(analyzer.polarity_scores(s)["compound"] for s in sentences) / len(sentences)


# Said of the brand, in the sentence that names it. "B" stands where the name was.
_RECOMMEND = [
    r"\brecommend(?:s|ed|ing)?\b[^.!?]{0,40}\bB\b",
    r"\bB\b[^.!?]{0,30}\b(?:is|are|was|were)\s+(?:really\s+|so\s+|absolutely\s+)?(?:great|excellent|fantastic|amazing|"
    r"awesome|brilliant|solid|reliable|worth\s+it|worth\s+(?:every|the)\b|the\s+best|my\s+favou?rite|my\s+go-to)",
    r"\b(?:try|get|buy|pick|grab|check\s+out|go\s+(?:with|for)|look\s+at|stick\s+with|swear\s+by|vote\s+for)\s+"
    r"(?:the\s+|an?\s+|some\s+|one\s+of\s+the\s+|a\s+bottle\s+of\s+)?B\b",
    r"\bcan(?:no|')t\s+go\s+wrong\s+with\s+(?:the\s+|an?\s+)?B\b",
    r"\+1\s+(?:for|on|to)\s+(?:the\s+)?B\b",
    r"\bB\b[^.!?]{0,20}\b(?:every\s+time|hands\s+down|all\s+the\s+way|is\s+the\s+way\s+to\s+go|never\s+(?:let|lets)\s+me\s+down)",
    r"\b(?:love|loving|adore)\s+(?:my\s+|the\s+|their\s+)?B\b",
]
_AGAINST = re.compile(
    r"\b(?:(?:don'?t|do\s+not|wouldn'?t|would\s+not|can'?t|cannot|never|not)\s+(?:\w+\s+){0,2}(?:recommend|buy|try|get|"
    r"go\s+with|love)|avoid|stay\s+away\s+from|steer\s+clear|not\s+worth|overpriced|returned)\b",
    re.IGNORECASE,
)


def is_recommendation(sentences: list[str], matches: list[Match], text: str) -> bool:
    """Does a sentence that names the brand recommend it (and not warn against it)?

    Patterns, not a model: "I'd recommend B", "B is great", "try B", "can't go wrong with B",
    "+1 for B", "love my B". A sentence that also warns ("don't buy", "avoid", "not worth") is not
    a recommendation. Tested on hand-written phrases; it will miss recommendations phrased
    otherwise, and that undercounts rather than inflates.
    """
    if not sentences:
        return False
    names = sorted({re.escape(text[m.start : m.end]) for m in matches}, key=len, reverse=True)
    brand = "(?:" + "|".join(names) + ")"
    for sentence in sentences:
        if _AGAINST.search(sentence):
            continue
        for pattern in _RECOMMEND:  # "B" (the only capital letter in them) stands for the names
            if re.search(pattern.replace("B", brand), sentence, re.IGNORECASE):
                return True
    return False


@dataclass(frozen=True)
class MentionReading:
    name: str
    sentiment: float
    is_recommendation: bool


def read_mention(text: str, matcher: BrandMatcher) -> MentionReading | None:
    """None if ``text`` does not name the brand; else what it says of it."""
    matches = find_mentions(text, matcher)
    if not matches:
        return None
    sentences = sentences_around(text, matches)
    return MentionReading(
        name=matches[0].name,
        sentiment=round(max(-1.0, min(1.0, sentiment(sentences))), 4),
        is_recommendation=is_recommendation(sentences, matches, text),
    )
