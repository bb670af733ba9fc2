"""Helping or promoting: does a member keep linking the same outside site, or post the same text?

Both are measured on the member's own texts and need no model: a member who links many different
resources while answering is not flagged; one who links the same shop in most of what they write,
or pastes the same message into thread after thread, is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

LINK = re.compile(r"(?:https?://|www\.)(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)
# Links to the platforms themselves (threads, images, profiles) are conversation, not promotion;
# subdomains too (preview.redd.it, m.imgur.com, cdn.discordapp.com).
PLATFORM_DOMAINS = frozenset(
    {"reddit.com", "redd.it", "imgur.com", "discord.com", "discord.gg", "discordapp.com", "discordapp.net",
     "slack.com", "slack-edge.com", "giphy.com", "tenor.com"}
)  # fmt: skip
REPEATED_LINKS = 3  # a site linked in at least this many texts...
REPEATED_SHARE = 0.2  # ...and in at least this share of them is the member's "own" site
MIN_TEXTS_FOR_DUPLICATES = 3
MIN_WORDS_FOR_DUPLICATES = 4


@dataclass(frozen=True)
class Promotion:
    texts: int
    top_site: str  # the outside site they link most ("" if none)
    top_site_share: float  # share of their texts linking it
    self_promotion: float  # top_site_share when it is repeated enough to count, else 0
    duplicate_share: float  # share of their texts that repeat another of their texts

    @property
    def promotion(self) -> float:
        return max(self.self_promotion, self.duplicate_share)


def host(url: str) -> str:
    """The site of a URL, without "www." ("" if it has none)."""
    match = LINK.match(url or "")
    return _site(match.group(1)) if match else ""


def _site(domain: str) -> str:
    domain = domain.lower().rstrip(".")
    return domain[4:] if domain.startswith("www.") else domain


def _is_platform(domain: str, own_sites: frozenset) -> bool:
    parts = domain.split(".")
    suffixes = {".".join(parts[i:]) for i in range(len(parts) - 1)}
    return not suffixes.isdisjoint(PLATFORM_DOMAINS) or not suffixes.isdisjoint(own_sites)


def sites(text: str, own_sites: frozenset = frozenset()) -> set[str]:
    """Outside sites a text links to; the platforms and the community's own site (``own_sites``,
    e.g. a forum's host: links to its threads are conversation) are left out."""
    if "http" not in text and "www." not in text:
        return set()
    found = set()
    for match in LINK.finditer(text):
        domain = _site(match.group(1))
        if not _is_platform(domain, own_sites):
            found.add(domain)
    return found


def promotion(
    texts: Sequence[str], texts_tokens: Sequence[list[str]] | None = None, own_sites: frozenset = frozenset()
) -> Promotion:
    """``texts_tokens``: each text's words (graph.language.tokenize), if already at hand; texts
    are compared by their first 30 words, so a template with a changing link or number still
    counts as the same text."""
    if texts_tokens is None:
        from graph.language import tokenize

        texts_tokens = [tokenize(text) for text in texts]
    pairs = [(text, tokens) for text, tokens in zip(texts, texts_tokens, strict=True) if text]
    if not pairs:
        return Promotion(0, "", 0.0, 0.0, 0.0)
    linked = Counter()
    for text, _ in pairs:
        linked.update(sites(text, own_sites))
    top_site, top_count = linked.most_common(1)[0] if linked else ("", 0)
    share = top_count / len(pairs)
    self_promotion = share if top_count >= REPEATED_LINKS and share >= REPEATED_SHARE else 0.0
    prints = [" ".join(tokens) for _, tokens in pairs if len(tokens) >= MIN_WORDS_FOR_DUPLICATES]
    duplicates = 0.0
    if len(prints) >= MIN_TEXTS_FOR_DUPLICATES:
        duplicates = (len(prints) - len(set(prints))) / len(pairs)
    return Promotion(len(pairs), top_site, round(share, 4), round(self_promotion, 4), round(duplicates, 4))
