"""Whether a post discloses a partnership: pure text matching, no network (issue 21).

``find_disclosure(text, phrase)`` answers the words that disclose it, as they are written in the
post, or None. With the agreement's own phrase, only that phrase counts; without one, any of the
common disclosures below does.

Matched as words, case-insensitive: "#ad" counts in "Inks I like #Ad" but not in "#adventure",
"sponsored" not in "unsponsored", "ad:" not in "bad:". A disclosure that is denied does not count:
"not sponsored", "non-sponsored", "this isn't sponsored", "never paid" — a negation among the three
words before it, in the same sentence, cancels that occurrence (a later one in the post may still
count: "Not sponsored, but gifted by Inkwell" is disclosed by "gifted"). The cost of that rule is
a rare miss ("no regrets: sponsored by Inkwell" reads as denied), which the manager sees as "No
disclosure found" and can ask about; a false "Disclosed" would hide a real omission, so the
matching leans that way. For the same reason phrases that ordinary sentences use ("sent me",
"paid by") are not on the list; "gifted" is (creators use it more than anyone calls a writer gifted).

Reddit's editor writes a typed "#" as "\\#" and bold as "**…**": both are plain non-word
characters here, so "\\#ad" and "**Sponsored**" count. Text is NFKC-normalised and zero-width
characters are taken out first, so a full-width "＃ａｄ" or an "a\u200bd" reads as typed.
"""

from __future__ import annotations

import re
import unicodedata

# The common ways creators say it, as phrases (matched as words, any whitespace between words).
COMMON_DISCLOSURES = (
    "#ad", "#advert", "#advertisement", "#sponsored", "#spon", "#sponsor", "#partner", "#paidpartnership",
    "#brandpartner", "#gifted", "#affiliate", "#prsample", "#collab",
    "ad:", "[ad]", "(ad)", "advertisement", "sponsored", "sponsored by", "sponsoring", "paid partnership",
    "paid promotion", "partnered with", "in partnership with", "in collaboration with", "I was sent",
    "was sent to me", "were sent to me", "sent to me by", "gifted", "gifted by", "affiliate link",
    "affiliate links", "I was paid", "I'm being paid", "I am being paid", "I got paid",
    "PR sample", "press sample", "review sample", "provided free of charge",
)  # fmt: skip
# Words that deny what follows ("not sponsored", "non-sponsored", "isn't an ad").
NEGATIONS = frozenset({"not", "never", "no", "non", "nor", "without", "cannot"})
NEGATION_REACH = 3  # words before the disclosure, within its sentence
# A negation reaches no further than its sentence or a "but": "Not sponsored, but gifted" is disclosed.
SCOPE_END = re.compile(r"[.!?;\n]|\b(?:but|however|though|although|yet)\b", re.IGNORECASE)
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _pattern(phrase: str) -> str:
    """A phrase as a regular expression matching it as words: not inside a longer word on either
    side ("#ad" not in "#adventure" nor "x#ad"; "ad:" may run on into "Ad:Inkwell", as its colon
    already ends it), whitespace of any kind and length between its words, a straight or curly
    apostrophe alike."""
    words = [re.escape(word).replace("'", "['’]") for word in phrase.split()]
    if not words:
        return ""
    lead = r"(?<![\w#])" if re.match(r"[\w#]", phrase) else ""
    trail = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return lead + r"\s+".join(words) + trail


COMMON = re.compile("|".join(_pattern(p) for p in sorted(COMMON_DISCLOSURES, key=len, reverse=True)), re.IGNORECASE)


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").translate(ZERO_WIDTH)


def _denied(text: str, start: int) -> bool:
    """Whether a negation stands among the few words before ``start``, in the same sentence
    ("not", "never", "non-", any "…n't")."""
    before = SCOPE_END.split(text[:start])[-1]
    for word in [word.lower().replace("’", "'") for word in WORD.findall(before)][-NEGATION_REACH:]:
        if word in NEGATIONS or word.endswith("n't"):
            return True
    return False


def find_disclosure(text: str, phrase: str = "") -> str | None:
    """The words in ``text`` that disclose the partnership, as written there, or None: the
    agreement's ``phrase`` if one is set, else any common disclosure (see the module)."""
    text = normalised(text)
    phrase = " ".join(normalised(phrase).split())
    pattern = re.compile(_pattern(phrase), re.IGNORECASE) if phrase else COMMON
    for found in pattern.finditer(text):
        if not _denied(text, found.start()):
            return " ".join(found.group(0).split())
    return None
