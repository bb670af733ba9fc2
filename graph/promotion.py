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
# Links to the platform itself (threads, images, profiles) are conversation, not promotion.
PLATFORM_DOMAINS = {
    "reddit.com", "redd.it", "i.redd.it", "v.redd.it", "old.reddit.com", "np.reddit.com", "imgur.com",
    "i.imgur.com", "discord.com", "discord.gg", "discordapp.com", "cdn.discordapp.com", "slack.com",
    "files.slack.com",
}  # fmt: skip
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


def sites(text: str) -> set[str]:
    if "http" not in text and "www." not in text:
        return set()
    found = set()
    for match in LINK.finditer(text):
        domain = match.group(1).lower().rstrip(".")
        if domain.startswith("www."):
            domain = domain[4:]
        if domain not in PLATFORM_DOMAINS and not domain.endswith((".reddit.com", ".slack.com")):
            found.add(domain)
    return found


def promotion(texts: Sequence[str], texts_tokens: Sequence[list[str]] | None = None) -> Promotion:
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
        linked.update(sites(text))
    top_site, top_count = linked.most_common(1)[0] if linked else ("", 0)
    share = top_count / len(pairs)
    self_promotion = share if top_count >= REPEATED_LINKS and share >= REPEATED_SHARE else 0.0
    prints = [" ".join(tokens) for _, tokens in pairs if len(tokens) >= MIN_WORDS_FOR_DUPLICATES]
    duplicates = 0.0
    if len(prints) >= MIN_TEXTS_FOR_DUPLICATES:
        duplicates = (len(prints) - len(set(prints))) / len(pairs)
    return Promotion(len(pairs), top_site, round(share, 4), round(self_promotion, 4), round(duplicates, 4))
