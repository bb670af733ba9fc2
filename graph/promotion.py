"""Helping or promoting: does a member keep linking a site of their own, or post the same text?

Both are measured on the member's own texts and need no model: a member who links many different
resources while answering is not flagged; one who links the same shop in most of what they write,
or pastes the same message into thread after thread, is.

A site is "their own" only if it is not the community's: a site many different members link (the
project's code host, the papers and references a field cites) is a shared resource there, linked
as part of helping, never promotion (on a Bitcoin developers' forum half the members link GitHub;
on Quantum Computing Stack Exchange a third link arXiv). ``shared_sites`` finds them; the
community's own site (a forum's host) and the platforms themselves never count either.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

LINK = re.compile(r"(?:https?://|www\.)(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)
# Links to the platforms themselves (threads, images, profiles) are conversation, not promotion;
# subdomains too (preview.redd.it, m.imgur.com, cdn.discordapp.com).
PLATFORM_DOMAINS = frozenset(
    {"reddit.com", "redd.it", "imgur.com", "discord.com", "discord.gg", "discordapp.com", "discordapp.net",
     "slack.com", "slack-edge.com", "giphy.com", "tenor.com", "stackexchange.com", "stackoverflow.com",
     "mathoverflow.net", "superuser.com", "serverfault.com", "askubuntu.com", "sstatic.net", "discourse-cdn.com"}
)  # fmt: skip
REPEATED_LINKS = 3  # a site linked in at least this many texts...
REPEATED_SHARE = 0.2  # ...and in at least this share of them is the member's "own" site
MIN_TEXTS_FOR_DUPLICATES = 3
MIN_WORDS_FOR_DUPLICATES = 4


# A site linked by at least this many members, and this share of the members who wrote anything,
# is the community's shared resource. Five members and 2%: a closed ring of accounts pointing at
# one shop can reach that in a small community, and it is the network (ties only inside the ring)
# that gives a ring away, not its links alone.
SHARED_MIN_MEMBERS = 5
SHARED_MIN_SHARE = 0.02
SITES_KEPT = 8  # per member, the sites they link most: enough to find their own among the shared


@dataclass(frozen=True)
class Promotion:
    texts: int
    top_site: str  # the outside site they link most, shared resources left out ("" if none)
    top_site_share: float  # share of their texts linking it
    self_promotion: float  # top_site_share when it is repeated enough to count, else 0
    duplicate_share: float  # share of their texts that repeat another of their texts
    linked: tuple[tuple[str, int], ...] = ()  # sites they link, with how many texts link each, most first

    @property
    def promotion(self) -> float:
        return max(self.self_promotion, self.duplicate_share)

    def without(self, shared: frozenset) -> Promotion:
        """The same member judged again with the community's shared sites not counting as theirs."""
        top_site, top_count = next(((site, count) for site, count in self.linked if site not in shared), ("", 0))
        share = top_count / self.texts if self.texts else 0.0
        self_promotion = share if top_count >= REPEATED_LINKS and share >= REPEATED_SHARE else 0.0
        return replace(self, top_site=top_site, top_site_share=round(share, 4), self_promotion=round(self_promotion, 4))


def shared_sites(promotions: Mapping[object, Promotion]) -> frozenset:
    """Sites linked by at least SHARED_MIN_MEMBERS members and SHARED_MIN_SHARE of those who wrote,
    most of whom link it in under half of what they write: a resource is linked now and then, as
    part of answering. A shop that a handful of accounts link in everything they write (spammers
    working together, a ring) is not made the community's by their number."""
    writers = sum(1 for p in promotions.values() if p.texts)
    shares: dict[str, list[float]] = {}
    for p in promotions.values():
        for site, count in p.linked:
            shares.setdefault(site, []).append(count / p.texts)
    needed = max(SHARED_MIN_MEMBERS, SHARED_MIN_SHARE * writers)
    return frozenset(
        site for site, linked in shares.items() if len(linked) >= needed and statistics.median(linked) < 0.5
    )


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
    prints = [" ".join(tokens) for _, tokens in pairs if len(tokens) >= MIN_WORDS_FOR_DUPLICATES]
    duplicates = 0.0
    if len(prints) >= MIN_TEXTS_FOR_DUPLICATES:
        duplicates = (len(prints) - len(set(prints))) / len(pairs)
    measured = Promotion(len(pairs), "", 0.0, 0.0, round(duplicates, 4), tuple(linked.most_common(SITES_KEPT)))
    return measured.without(frozenset())
