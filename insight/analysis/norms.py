"""What the community does not welcome, read from what happened to posts: removed, voted below
zero, or left without a single answer — for posts linking an outside site, self-promotion, posts
in none of the community's own words, against all posts. And the rules the source states.

A group's figures are compared only when it holds enough posts (``MIN_GROUP``); a finding is said
only when a group fares clearly worse than posts in general.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict

import numpy as np

from graph.language import Vocabulary, tokenize
from graph.promotion import REPEATED_LINKS, REPEATED_SHARE, sites
from insight.analysis import messages as m

MIN_GROUP = 20
WORSE = 2.0  # "clearly worse": at least twice the rate of all posts
OFF_TOPIC_WORDS = 8  # a post needs this many words before "none of them is the community's" means anything
RECENT_SECONDS = 7 * 86400  # too young to call ignored


class NormsReader:
    def __init__(self, *, own_sites: frozenset = frozenset(), has_downvotes: bool = True):
        self.own_sites = own_sites
        self.has_downvotes = has_downvotes
        # posts: message number, time, removed, below zero, the site it links (or ""), flags
        self.post_number, self.post_time = array("q"), array("q")
        self.post_removed, self.post_below, self.post_image = array("b"), array("b"), array("b")
        self.post_author: list[int | None] = []
        self.post_sites: list[frozenset] = []
        self.post_words: list[str] = []  # the first words of each post, to judge against the vocabulary
        self.reply_removed, self.reply_below, self.reply_linked = array("b"), array("b"), array("b")
        self.messages_by_author: Counter = Counter()
        self.sites_by_author: defaultdict[int, Counter] = defaultdict(Counter)

    def add(self, message: m.Message, number: int) -> None:
        """``number``: the message's number in the reading (``FormatsReader.add``)."""
        linked = frozenset()
        if m.has_link(message):
            linked = frozenset(sites(f"{message.text}\n{message.url}", self.own_sites))
        if message.author is not None:
            self.messages_by_author[message.author] += 1
            if linked:
                self.sites_by_author[message.author].update(linked)
        if message.is_post:
            self.post_number.append(number)
            self.post_time.append(message.posted_at)
            self.post_removed.append(message.removed)
            self.post_below.append(message.score < 0)
            self.post_image.append(m.has_image(message))
            self.post_author.append(message.author)
            self.post_sites.append(linked)
            self.post_words.append(f"{message.title}\n{message.text[:300]}")
        else:
            self.reply_removed.append(message.removed)
            self.reply_below.append(message.score < 0)
            self.reply_linked.append(bool(linked))

    def _promoters(self) -> dict[int, str]:
        """Authors who link one outside site in many of their texts (graph.promotion's rule)."""
        promoters = {}
        for author, linked in self.sites_by_author.items():
            site, count = linked.most_common(1)[0]
            if count >= REPEATED_LINKS and count / self.messages_by_author[author] >= REPEATED_SHARE:
                promoters[author] = site
        return promoters

    def result(self, *, answered: np.ndarray, vocabulary: Vocabulary, end: int, guidelines: list, questions=()) -> dict:
        """``answered``: by message number, whether someone other than the poster answered in its
        conversation; ``questions``: the numbers of the posts that ask something (as the formats
        found them: not detected twice)."""
        n = len(self.post_number)
        removed = np.frombuffer(self.post_removed, dtype=np.int8).astype(bool)
        below = np.frombuffer(self.post_below, dtype=np.int8).astype(bool)
        numbers = np.frombuffer(self.post_number, dtype=np.int64)
        settled = np.frombuffer(self.post_time, dtype=np.int64) <= end - RECENT_SECONDS
        ignored = ~answered[numbers] if n else np.zeros(0, dtype=bool)
        promoters = self._promoters()
        groups = {
            "All posts": np.ones(n, dtype=bool),
            "Posts linking an outside site": np.array([bool(s) for s in self.post_sites], dtype=bool),
            "Self-promotion (the poster's own site, linked again and again)": np.array(
                [a in promoters and promoters[a] in s for a, s in zip(self.post_author, self.post_sites, strict=True)],
                dtype=bool,
            ),
            "Posts in none of the community's own words": self._off_topic(vocabulary),
            "Questions": np.isin(numbers, np.fromiter(questions, dtype=np.int64, count=len(questions))),
            "Posts with an image": np.frombuffer(self.post_image, dtype=np.int8).astype(bool),
        }
        rows = []
        for name, member in groups.items():
            count = int(member.sum()) if n else 0
            rows.append({
                "group": name,
                "posts": count,
                "removed_share": _rate(removed, member),
                "below_zero_share": _rate(below, member) if self.has_downvotes else None,
                "ignored_share": _rate(ignored, member & settled),
                "old_enough": int((member & settled).sum()) if n else 0,  # a week old: could have been answered
                "enough": count >= MIN_GROUP,
            })  # fmt: skip
        replies = self._replies()
        removed_sites = Counter()
        for site_set, gone in zip(self.post_sites, removed.tolist(), strict=True):
            if gone:
                removed_sites.update(site_set)
        return {
            "guidelines": guidelines,
            "posts": rows,
            "replies": replies,
            "sites_in_removed_posts": [{"site": s, "posts": c} for s, c in removed_sites.most_common(8)],
            "self_promoters": len(promoters),
            "has_downvotes": self.has_downvotes,
            "findings": _findings(rows, replies),
        }

    def _off_topic(self, vocabulary: Vocabulary) -> np.ndarray:
        own = vocabulary.terms.keys()
        flags = np.zeros(len(self.post_words), dtype=bool)
        if not own:
            return flags
        for i, text in enumerate(self.post_words):
            tokens = tokenize(text)
            flags[i] = len(tokens) >= OFF_TOPIC_WORDS and own.isdisjoint(tokens)
        return flags

    def _replies(self) -> list[dict]:
        removed = np.frombuffer(self.reply_removed, dtype=np.int8).astype(bool)
        below = np.frombuffer(self.reply_below, dtype=np.int8).astype(bool)
        linked = np.frombuffer(self.reply_linked, dtype=np.int8).astype(bool)
        rows = []
        everyone = np.ones(len(removed), dtype=bool)
        for name, member in (("All replies", everyone), ("Replies linking an outside site", linked)):
            count = int(member.sum())
            rows.append({
                "group": name,
                "replies": count,
                "removed_share": _rate(removed, member),
                "below_zero_share": _rate(below, member) if self.has_downvotes else None,
                "enough": count >= MIN_GROUP,
            })  # fmt: skip
        return rows


def _rate(outcome: np.ndarray, member: np.ndarray) -> float | None:
    count = int(member.sum())
    return round(float(outcome[member].sum()) / count, 3) if count else None


OUTCOMES = {"removed_share": "removed", "below_zero_share": "voted below zero", "ignored_share": "left unanswered"}


def _findings(posts: list[dict], replies: list[dict]) -> list[str]:
    """Plain sentences for groups that fare clearly worse than the whole."""
    said = []
    for rows in (posts, replies):
        everyone = rows[0]
        for row in rows[1:]:
            if not row["enough"] or row["group"] == "Questions":
                continue
            for field, outcome in OUTCOMES.items():
                rate, base = row.get(field), everyone.get(field)
                if rate is None or base is None or rate < 0.05:
                    continue
                if field == "ignored_share" and row.get("old_enough", 0) < MIN_GROUP:
                    continue  # most of the group is too young to say whether it was ignored
                if rate >= WORSE * base:
                    if base < 0.01:  # a ratio to almost nothing would be a meaningless "200 times"
                        compared = " (under 1% overall)."
                    else:
                        compared = (
                            f" ({base:.0%} overall) — {rate / base:.1f} times as often as {everyone['group'].lower()}."
                        )
                    said.append(f"{row['group']} are {outcome} {rate:.0%} of the time{compared}")
    return said
