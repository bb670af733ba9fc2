"""Whether a thread-starting post asks something, and what it asks about.

Plain values in, plain values out. ``is_question`` decides from the title and the first sentences of
a thread-starting post whether the member asks something: a "?" (after links, code and quoted speech
are removed), an interrogative opener ("how do I…", "is it…", "anyone know…", "ELI5"), a request
("looking for advice", "recommendations", "not sure which…") or a question flair ("[Question]",
"Q:"). Flairs of sales, reviews and announcements, rhetorical questions ("Isn't this the prettiest
pen?") and engagement closers ("…Thoughts?") do not count. It reads at most the title and the first
``READ_CHARS`` characters of the body: a question deep inside a long statement is not what the post
is about. ``question_text`` is the part of a question that grouping reads.
"""

from __future__ import annotations

import re

READ_CHARS = 600  # of a post's body: the ask of a thread is at its start

_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.DOTALL)
_LINK = re.compile(r"https?://\S+|www\.\S+|<[@#!:a-z/][^>\s]*(?:\|[^>]*)?>", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"\n]{0,300}"|“[^”\n]{0,300}”|^\s*>.*$', re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:()]|\s[-–—]\s)\s*")
_LEADING_NOISE = re.compile(
    r"^(?:[^\w\[]+|(?:so|ok|okay|hi|hey|hello|all|everyone|guys|folks|quick|also|and|but|um|edit)\b[\s,!.:-]*)+",
    re.IGNORECASE,
)

_QUESTION_FLAIR = re.compile(
    r"^\s*(?:[\[(](?:question|q|help|advice|eli5|noob|beginner)[\])]|q\s*:|question\s*:)", re.I
)
_STATEMENT_FLAIR = re.compile(
    r"^\s*(?:[\[(](?:wts|wtb|wtt|fs|for sale|sale|sold|review|psa|giveaway|announcement|meta|show|haul|guide|"
    r"tutorial|news|update|mod post)[\])]|(?:psa|review|giveaway|announcement|tip|update|til|reminder)\b\s*:?)",
    re.IGNORECASE,
)
_WH = r"how|what|which|why|where|when|who|whom|whose"
_AUX = r"can|could|should|would|will|is|are|am|was|were|does|do|did|has|have|may|might|shall"
_SUBJECT = r"i|we|you|u|it|this|that|they|he|she|there|my|your|people|ppl|anyone|someone"
# A sentence opening like these asks something …
_OPENER = re.compile(
    rf"^(?:(?:{_WH})(?:'s|s)?\b|(?:{_AUX})\b(?!['’]|\s+not\b)|any\b|anyone|anybody|anyon\w|some(?:one|body) "
    rf"(?:please|pls|help|explain|tell|know)|help\b|eli5|rec+om+end(?:ations?)?\b|suggestions?\b|advice\b|"
    rf"tips? (?:for|on)\b|need (?:help|advice|some|a rec|suggestions?|tips?)\b|i wonder|wondering\b|"
    rf"looking for (?:a |an |some )?(?:rec|advice|help|suggestion|tips?|input)|help me\b|thoughts on\b)",
    re.IGNORECASE,
)
# … unless it is a statement that happens to start with a question word.
_NOT_OPENER = re.compile(
    rf"^(?:(?:{_WH}) (?:i|we|my|our|a|an)\b|what a\b|how (?:cool|nice|pretty|beautiful|lovely)\b|"
    rf"have (?:a|fun)\b|will (?:post|update|report)\b|(?:do|does|did)n?'?t\b|anyway)",
    re.IGNORECASE,
)
# Inside a sentence, after a comma or a dash, only an unmistakable question counts.
_CLAUSE_QUESTION = re.compile(
    rf"^(?:(?:{_WH})(?: \w+){{0,2}}? (?:(?:{_AUX}) (?:{_SUBJECT})\b|to\b|causes\b|happened\b|is (?:it|this|that)\b)|"
    rf"(?:what|how|where|who)'s\b|which (?:one|is (?:easier|better|best))\b|(?:should|do|can|could|would) "
    rf"(?:i|we)\b|is (?:it|this|that|there)\b|any (?:fix|idea|ideas|tips?|advice|suggestions?|recs?)\b|"
    rf"anyone know|help\b)",
    re.IGNORECASE,
)
# Uncertainty or a request anywhere in a sentence: "not sure which one works", "no idea if …".
_UNCERTAIN = re.compile(
    r"\b(?:not sure (?:if|whether|which|what|how|why|where)|no idea (?:if|whether|why|how|what)|"
    r"can'?t figure out|trying to (?:figure out|decide|understand|choose))\b",
    re.IGNORECASE,
)
# Title phrases of a request: "Grinder upgrade advice", "first pen reccomendation pls", "Best ink for …".
_TITLE_REQUEST = re.compile(
    r"\b(?:help|advice|rec+om+end(?:ations?)?|suggestions?|eli5|(?:quick |noob |beginner |dumb )?question "
    r"(?:about|on|for|re|regarding))\b|^(?:looking for|best [\w'+ -]{1,40}? (?:for|to)\b)",
    re.IGNORECASE,
)
_RHETORICAL = re.compile(
    r"^(?:(?:isn'?t|aren'?t|wasn'?t|ain'?t) (?:this|it|that|she|he|they|these|those)\b|who else (?:loves?|wants?)\b)",
    re.IGNORECASE,
)
_CLOSER = re.compile(r"^(?:thoughts|opinions|what do (?:you|y'all|u)(?: guys| all)? think|any thoughts)\b", re.I)


def clean(text: str, *, quotes: bool = True) -> str:
    """A post's words without code, links and (``quotes``) quoted speech: they carry other people's
    question marks ("?" in a URL's query string, in a snippet, in "she asked me 'why…?'")."""
    if "`" in text:
        text = _CODE.sub(" ", text)
    if "http" in text or "www." in text or "<" in text:
        text = _LINK.sub(" ", text)
    if quotes and ('"' in text or "“" in text or ">" in text):
        text = _QUOTED.sub(" … ", text)
    return text


def _sentences(text: str) -> list[str]:
    return [s for s in (_LEADING_NOISE.sub("", part.strip()) for part in _SENTENCE_END.split(text)) if s]


def _asks(sentence: str, *, closing: bool = False) -> bool:
    """Whether one sentence asks something. ``closing``: the last sentence of a body, where a bare
    "Thoughts?" or "What do you think?" invites praise rather than asks."""
    if _RHETORICAL.match(sentence) or (closing and _CLOSER.match(sentence)):
        return False
    if "?" in sentence:
        return True
    if _UNCERTAIN.search(sentence):
        return True
    if _OPENER.match(sentence) and not _NOT_OPENER.match(sentence):
        return True
    clauses = _CLAUSE_BREAK.split(sentence)
    return any(_CLAUSE_QUESTION.match(clause) for clause in clauses[1:])


def is_question(title: str, text: str) -> bool:
    """Whether a thread-starting post asks something (see the module docstring for the rules).

    Reads the title and the first two sentences of the body, plus its last sentence when the body is
    short enough to read whole (``READ_CHARS``); chat messages have no title and are read the same way.
    """
    title = (title or "").strip()
    if title and _STATEMENT_FLAIR.match(title):
        return False
    if title and _QUESTION_FLAIR.match(title):
        return True
    body = (text or "")[: READ_CHARS + 1]
    whole = len(body) <= READ_CHARS
    if not title and _STATEMENT_FLAIR.match(body):
        return False
    if not title and _QUESTION_FLAIR.match(body):
        return True
    if title:
        clean_title = _LEADING_NOISE.sub("", clean(title).strip())
        if clean_title and not _RHETORICAL.match(clean_title):
            if _TITLE_REQUEST.search(clean_title) or any(_asks(s) for s in _sentences(clean_title)):
                return True
    sentences = _sentences(clean(body))
    if any(_asks(s) for s in sentences[:2]):
        return True
    return whole and len(sentences) > 2 and _asks(sentences[-1], closing=True)


def question_text(title: str, text: str) -> str:
    """What a question is about, for grouping: its title and the first two sentences of its body."""
    body = _sentences(clean((text or "")[:READ_CHARS], quotes=False))[:2]
    return " ".join([clean(title or "", quotes=False), *body]).strip()
