"""The plain values insight reads: one ``Message`` per post or reply, and what each text looks like.

Texts arrive cut at ``TEXT_CHARS`` with their full length beside them, so a million interactions
never bring their whole bodies into memory; a longer text's word count is estimated from the part
that was read (``words``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

TEXT_CHARS = 1000

LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
IMAGE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|heic)\b|i\.redd\.it/|preview\.redd\.it/|i\.imgur\.com/|imgur\.com/a/|"
    r"cdn\.discordapp\.com/attachments/|media\.discordapp\.net/|!\[[^\]]*\]\(",
    re.IGNORECASE,
)
CODE = re.compile(r"```|(?:^|\n)(?: {4}|\t)\S|`[^`\n]{2,}`")
LIST_ITEM = re.compile(r"(?:^|\n)\s*(?:[-*•]|\d{1,2}[.)])\s+\S")


class Message(NamedTuple):
    """A post (starts a thread) or a reply, as the adapter loads it."""

    id: int
    is_post: bool
    author: int | None  # an identity id; None when the source lost it
    person: bool  # the author is a person: not a bot, not a deleted account
    posted_at: int  # seconds since 1970-01-01 UTC
    parent: int | None  # the interaction it answers, when known
    thread: str  # external id of the thread's first post
    title: str
    text: str  # the first TEXT_CHARS characters
    length: int  # characters of the whole text
    url: str  # a link post's link ("" for most)
    score: int  # the platform's votes or reactions
    removed: bool  # removed by moderators or the author
    external_id: str = ""  # the source's own id (a question's example thread is named by it)
    mentions: tuple[int, ...] = ()  # identity ids the text names (@name): who it may answer in a flat channel


def words(message: Message) -> int:
    """Words of the text (not the title); estimated for texts longer than what was read."""
    read = len(message.text.split())
    if message.length > len(message.text) and message.text:
        return round(read * message.length / len(message.text))
    return read


def has_link(message: Message) -> bool:
    """A link in the text (a message's ``url`` is usually its own permalink; a link post's link is
    its text)."""
    return "http" in message.text or "www." in message.text


# What every image link holds, in the cases links are written in: the regular expression runs only
# where one is found (its alternation costs several microseconds on every text).
IMAGE_HINTS = (".jp", ".JP", ".png", ".PNG", ".gif", ".GIF", ".webp", ".heic", "redd.it/", "imgur.com/",
               "discordapp.", "![")  # fmt: skip


def _image(text: str) -> bool:
    return any(map(text.__contains__, IMAGE_HINTS)) and bool(IMAGE.search(text))


def has_image(message: Message) -> bool:
    return _image(message.text) or bool(message.url) and _image(message.url)


def has_code(message: Message) -> bool:
    text = message.text
    if "`" not in text and "    " not in text and "\t" not in text:
        return False
    return bool(CODE.search(text))


def has_list(message: Message) -> bool:
    return "\n" in message.text and bool(LIST_ITEM.search(message.text))


def asks(text: str) -> bool:
    """A reply that asks something: a question mark outside links."""
    if "?" not in text:
        return False
    return "?" in LINK.sub(" ", text)
