"""Does a reply ask us to stop writing? Read from the creator's own words, not the quoted mail."""

from __future__ import annotations

import re

# Asked plainly. "Not interested" is a no to the offer, not to being written to, so it is not here:
# the manager reads it and declines the partnership.
STOP_PHRASES = re.compile(
    r"\b(unsubscribe|stop (?:messaging|emailing|mailing|contacting|writing to|sending)|"
    r"(?:do not|don'?t|dont|please never) (?:contact|message|email|e-mail|write to|dm|pm) me|"
    r"remove me from|take me off|leave me alone|no more (?:messages|emails))\b",
    re.IGNORECASE,
)
# Where quoted mail starts: "> …" lines, "On … wrote:", Outlook's "-----Original Message-----".
QUOTE_START = re.compile(r"^(>|On .{1,200} wrote:\s*$|-{2,}\s*Original Message\s*-{2,}|From: )", re.IGNORECASE)


def own_words(text: str) -> str:
    """The reply without the quoted message under it."""
    lines = []
    for line in (text or "").splitlines():
        if QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def asks_not_to_be_contacted(text: str) -> str | None:
    """The sentence in which the writer asks not to be contacted again, or None."""
    words = own_words(text)
    match = STOP_PHRASES.search(words)
    if match is None:
        return None
    start = max(words.rfind(".", 0, match.start()), words.rfind("\n", 0, match.start())) + 1
    end_candidates = [i for i in (words.find(".", match.end()), words.find("\n", match.end())) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(words)
    return words[start:end].strip()[:300]
