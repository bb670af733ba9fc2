"""Reddit submissions and comments (as JSON dicts) to plain records.

One implementation for every way Reddit data arrives: dump lines (Pushshift, Arctic Shift) and
objects fetched live through praw (whose attributes are the same JSON fields). Fields vary by
era: ``created_utc`` is a number or a string, ``author_fullname`` may be missing, authors may be
``[deleted]``, ``edited`` is false or a time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

from influencers.connectors.records import (
    AuthorRecord,
    CommunityRecord,
    Guideline,
    InteractionRecord,
    utc_from_timestamp,
    without_lone_surrogates,
)

PLATFORM = "reddit"
DELETED_AUTHORS = {"[deleted]", "[removed]", ""}
REMOVED_TEXTS = {"[removed]", "[deleted]", "[ Removed by Reddit ]", "[removed by reddit]"}
# What Reddit writes in a text, or names in removed_by_category, when the author took it down; every
# other removal (moderators, AutoModerator's filter, Reddit itself) is the community's.
AUTHOR_REMOVALS = {"[deleted]", "deleted", "author"}
# Well-known automated accounts; anything else named like a bot (FooBot, foo_bot, foo-bot) too.
KNOWN_BOTS = {
    "automoderator",
    "remindmebot",
    "wikisummarizerbot",
    "sneakpeekbot",
    "repostsleuthbot",
    "savevideo",
    "stabbot",
    "vredditdownloader",
    "converter-bot",
    "b0trank",
    "bot-sleuth-bot",
}
BOT_NAME = re.compile(r"(?:[-_][Bb]ot|Bot|BOT)\d*$")


# Every field thing_to_record reads: a dump reader may decode only these (the rest of a line is skipped).
THING_FIELDS = (
    "subreddit", "id", "created_utc", "edited", "score", "author", "permalink", "body", "parent_id", "link_id",
    "link_author", "removed_by_category", "title", "selftext", "url", "is_self",
)  # fmt: skip


def removed_by(text: str, category) -> str:
    """ "author", "community" or "" (not removed), from a thing's text and ``removed_by_category``."""
    if category and isinstance(category, str):
        return "author" if category in AUTHOR_REMOVALS else "community"
    if category or text in REMOVED_TEXTS:
        return "author" if text in AUTHOR_REMOVALS else "community"
    return ""


class RedditRecordError(ValueError):
    """A thing that cannot become an interaction; the message is the reason reported."""


def is_bot_name(name: str) -> bool:
    return name.lower() in KNOWN_BOTS or bool(BOT_NAME.search(name))


def author_record(name: str | None, *, karma: int | None = None) -> AuthorRecord | None:
    """Reddit identities are keyed on the lower-cased account name (stable across dump eras, where
    ``author_fullname`` is often missing); ``[deleted]`` is one shared, flagged identity."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise RedditRecordError(f"author is not a name: {name!r}")
    if karma is None:
        return _author_without_reach(name)
    return _author(name, karma)


@lru_cache(maxsize=100_000)
def _author_without_reach(name: str) -> AuthorRecord:
    # Records are immutable: one per account, however many of its comments a dump holds.
    return _author(name, None)


def _author(name: str, karma: int | None) -> AuthorRecord:
    if name in DELETED_AUTHORS:
        return AuthorRecord(platform=PLATFORM, external_id="[deleted]", handle="[deleted]", is_deleted=True)
    return AuthorRecord(
        platform=PLATFORM,
        external_id=name.lower(),
        handle=name,
        profile_url=f"https://www.reddit.com/user/{name}/",
        reach=karma,
        reach_kind="karma" if karma is not None else "",
        is_bot=is_bot_name(name),
    )


@lru_cache(maxsize=10_000)
def community_record(subreddit: str) -> CommunityRecord:
    return CommunityRecord(
        platform=PLATFORM,
        external_id=subreddit.lower(),
        name=f"r/{subreddit}",
        url=f"https://www.reddit.com/r/{subreddit}/",
    )


def rules_to_guidelines(rules: Iterable) -> tuple[Guideline, ...]:
    """A subreddit's rules (``/r/{name}/about/rules``: objects with ``short_name``, ``description``
    in Markdown, ``kind`` link/comment/all and ``priority``) as guidelines, in the subreddit's own
    order: by priority, where Reddit gives one, else as listed. Anything that is not a rule with a
    name is passed over (the record drops a guideline without a title, and keeps at most
    ``MAX_GUIDELINES``); reddit-wide ``site_rules`` are not the community's own and are not read."""

    def priority(rule: dict):
        value = rule.get("priority")
        return value if isinstance(value, int) and not isinstance(value, bool) else math.inf

    rules = sorted((rule for rule in rules if isinstance(rule, dict)), key=priority)  # stable: ties keep their order
    return tuple(Guideline("rule", rule.get("short_name"), rule.get("description")) for rule in rules)


def _edited(value):
    if value in (None, False, 0, "false", ""):
        return None
    if value is True:  # very old dumps: edited, time unknown
        return None
    return utc_from_timestamp(value)


def _score(value) -> int:
    if value is None or isinstance(value, bool):
        return 0
    return int(value)


def _text(value) -> str:
    if not isinstance(value, str):
        return ""
    # Lone surrogates: dumps cannot hold one (msgspec refuses them), but praw's JSON can.
    return value if value.isascii() else without_lone_surrogates(value)


def thing_to_record(data: dict) -> tuple[CommunityRecord, InteractionRecord]:
    """A submission (has ``title``) or comment (has ``body``/``parent_id``) to records.

    Raises RedditRecordError with a short reason for anything unusable.
    """
    try:
        return _thing_to_record(data)
    except RedditRecordError:
        raise
    except ValueError as error:  # a name or id no database column can hold (records.check_id)
        raise RedditRecordError(str(error)) from None


def _thing_to_record(data: dict) -> tuple[CommunityRecord, InteractionRecord]:
    if not isinstance(data, dict):
        raise RedditRecordError("line is not a JSON object")
    subreddit = data.get("subreddit")
    if not isinstance(subreddit, str) or not subreddit.strip():
        raise RedditRecordError("no subreddit")
    thing_id = data.get("id")
    if not isinstance(thing_id, str) or not thing_id or len(thing_id) > 20:
        raise RedditRecordError("no valid id")
    try:
        posted_at = utc_from_timestamp(data.get("created_utc"))
        edited_at = _edited(data.get("edited"))
        score = _score(data.get("score"))
    # OverflowError: a number past what a float holds (a 400-digit created_utc), or int() of inf.
    except (TypeError, ValueError, OverflowError) as error:
        raise RedditRecordError(f"bad field value ({error})") from None
    community = community_record(subreddit.strip())
    author = author_record(data.get("author"))
    permalink = _text(data.get("permalink"))
    url = f"https://www.reddit.com{permalink}" if permalink.startswith("/") else ""

    is_comment = "body" in data or str(data.get("parent_id", "")).startswith(("t1_", "t3_"))
    if is_comment:
        parent_id = data.get("parent_id")
        link_id = data.get("link_id")
        if not isinstance(parent_id, str) or not isinstance(link_id, str):
            raise RedditRecordError("comment without parent_id or link_id")
        body = _text(data.get("body"))
        # A top-level comment answers the submission's author, whom newer dumps name directly.
        target = None
        if parent_id == link_id and isinstance(data.get("link_author"), str):
            target = author_record(data["link_author"])
        return community, InteractionRecord(
            community_key=community.key,
            external_id=f"t1_{thing_id}",
            kind="comment",
            author=author,
            posted_at=posted_at,
            parent_external_id=parent_id,
            thread_external_id=link_id,
            target=target,
            text=body,
            url=url,
            score=score,
            edited_at=edited_at,
            removed_by=removed_by(body, data.get("removed_by_category")),
        )

    title = data.get("title")
    if not isinstance(title, str):
        raise RedditRecordError("submission without a title")
    title = _text(title)
    selftext = _text(data.get("selftext"))
    link = _text(data.get("url"))
    fullname = f"t3_{thing_id}"
    return community, InteractionRecord(
        community_key=community.key,
        external_id=fullname,
        kind="post",
        author=author,
        posted_at=posted_at,
        thread_external_id=fullname,
        title=title,
        # A link post's text is its link: what it promotes matters to alignment.
        text=selftext if selftext or data.get("is_self") else link,
        url=url or link,
        score=score,
        edited_at=edited_at,
        removed_by=removed_by(selftext, data.get("removed_by_category")),
    )
