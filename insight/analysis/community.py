"""A community's insight in one pass over its messages: language, formats, rhythms, recurring
questions and norms, with what the figures rest on and a few plain sentences for a newcomer.

Pure: the adapter hands over plain ``Message`` values (newest first) and a ``Context``; nothing
here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from insight.analysis.conversations import InferredReplies, rebuild_conversations
from insight.analysis.formats import FormatsReader
from insight.analysis.language import LanguageReader
from insight.analysis.messages import TEXT_CHARS, Message
from insight.analysis.norms import NormsReader
from insight.analysis.questions import Post, question_themes
from insight.analysis.rhythms import RhythmsReader

DOCUMENT_VERSION = 1
SMALL_MEMBERS = 50  # fewer members (or messages) than this: figures are first impressions
SMALL_MESSAGES = 1000
QUESTION_TEXT = 600
FOREIGN = 0.5  # more words than this unknown to general language: probably measured in the wrong language


@dataclass(frozen=True)
class Context:
    key: str  # platform:external_id
    name: str
    platform: str
    start: int  # the window read, in seconds since 1970 (UTC)
    end: int
    timezone: str = "UTC"
    monthly: list[dict] = field(default_factory=list)  # all history: month, interactions, active and new members
    guidelines: list[dict] = field(default_factory=list)
    own_sites: frozenset = frozenset()
    language: str = "en"
    bots_left_out: int = 0
    future_left_out: int = 0  # messages dated after the computation: a broken clock or export


def build_insight(messages: Iterable[Message], context: Context) -> dict:
    formats = FormatsReader()
    rhythms = RhythmsReader()
    language = LanguageReader(end=context.end, language=context.language)
    norms = NormsReader(own_sites=context.own_sites, has_downvotes=context.platform == "reddit")
    posts: list[tuple[int, str, str, int, str, str]] = []
    authors: set[int] = set()
    count = 0
    inferred = InferredReplies(context.platform)
    for message in rebuild_conversations(messages, platform=context.platform, tally=inferred):
        count += 1
        number = formats.add(message)
        norms.add(message, number)
        rhythms.add(message.posted_at, message.author if message.person else None)
        if message.person and message.author is not None:
            authors.add(message.author)
            language.add(message)
        if message.is_post:
            posts.append((number, message.title, message.text[:QUESTION_TEXT], message.posted_at, message.url,
                          message.external_id or message.thread))  # fmt: skip

    end = datetime.fromtimestamp(context.end, tz=UTC)
    shapes = formats.result(end=context.end)
    shapes["conversations"] = inferred.result()
    vocabulary, words = language.result()
    answered = formats.answered[formats.conversation_of]  # by message: its conversation was answered by another
    replies = formats.reply_counts[formats.conversation_of]
    question_posts = [
        Post(
            thread_id=name, title=title, text=text, posted_at=datetime.fromtimestamp(posted_at, tz=UTC),
            replies=int(replies[number]), url=url, answered=bool(answered[number]),
        )
        for number, title, text, posted_at, url, name in posts
    ]  # fmt: skip
    themes, questions_basis = question_themes(question_posts, end=end)
    document = {
        "version": DOCUMENT_VERSION,
        "community": {"key": context.key, "name": context.name, "platform": context.platform},
        "window": {
            "start": datetime.fromtimestamp(context.start, tz=UTC).isoformat(),
            "end": end.isoformat(),
            "days": round((context.end - context.start) / 86400),
        },
        "basis": _basis(count, shapes, authors, words, context),
        **words,
        "formats": shapes,
        "rhythms": rhythms.result(timezone=context.timezone, monthly=context.monthly, end=end.date()),
        "questions": {"themes": [_theme(t) for t in themes], "basis": questions_basis},
        "norms": norms.result(
            answered=answered,
            vocabulary=vocabulary,
            end=context.end,
            guidelines=context.guidelines,
            questions=formats.question_posts,
        ),  # fmt: skip
    }
    unknown = words["language_basis"].get("unknown_words_share")
    if unknown is not None and unknown > FOREIGN and words["language_basis"]["tokens"] >= 200:
        document["basis"]["language_warning"] = (
            f"{unknown:.0%} of the words written here are unknown to general language ({context.language}): if members "
            "write in another language, set it on the community, or its own words will be everyday ones."
        )
    document["highlights"] = highlights(document)
    return document


def _theme(theme) -> dict:
    return {
        "label": theme.label,
        "terms": list(theme.terms),
        "count": theme.count,
        "share": theme.share,
        "monthly": [{"month": month, "questions": n} for month, n in theme.monthly],
        "trend": theme.trend,
        "examples": list(theme.examples),
        "unanswered_share": theme.unanswered_share,
    }


def _basis(count: int, shapes: dict, authors: set, words: dict, context: Context) -> dict:
    members = len(authors)
    small = members < SMALL_MEMBERS or count < SMALL_MESSAGES
    caution = None
    if small:
        caution = (
            f"Only {members:,} member{'' if members == 1 else 's'} and {count:,} message{'' if count == 1 else 's'} "
            "in this window: read these figures as first "
            "impressions, not as the community's habits."
        )
    return {
        "messages": count,
        "posts": shapes["posts"]["count"],
        "replies": shapes["replies"]["count"],
        "members": members,
        "members_with_text": words["language_basis"]["members_with_text"],
        "bots_left_out": context.bots_left_out,
        "future_dated_left_out": context.future_left_out,
        "language": context.language,
        "small": small,
        "caution": caution,
        "text_read": f"the first {TEXT_CHARS:,} characters of each message; longer texts' word counts are estimated",
    }


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def highlights(document: dict) -> list[str]:
    """What a newcomer should know first, in plain sentences."""
    said = []
    if document["basis"]["caution"]:
        said.append(document["basis"]["caution"])
    if document["basis"].get("language_warning"):
        said.append(document["basis"]["language_warning"])
    terms = [t["term"] for t in document["vocabulary"][:8]]
    if terms:
        said.append("Its own words: " + ", ".join(terms) + ".")
    posts, replies = document["formats"]["posts"], document["formats"]["replies"]
    if posts["count"] and posts["words"]:
        title = posts.get("title_words")
        title_part = f"{_a(round(title['median']))}-word title and " if title else ""
        said.append(
            f"A typical post: {title_part}{_words(posts['words']['median'])}; {_percent(posts['questions_share'])} "
            f"ask something, {_percent(posts['links_share'])} carry a link, {_percent(posts['images_share'])} an image."
        )
    if replies["count"] and replies["words"]:
        said.append(f"A typical reply: {_words(replies['words']['median'])}.")
    answer = document["formats"]["first_answer"]
    never = answer.get("never_answered_share")
    if answer.get("minutes"):
        unanswered = f"; {_percent(never)} are never answered" if never is not None else ""
        said.append(f"Questions get a first answer in {_duration(answer['minutes']['median'])} (median){unanswered}.")
    elif answer.get("questions") and not answer.get("answered"):
        said.append(f"None of the {answer['questions']:,} questions asked here was answered by another member.")
    busiest = document["rhythms"]["busiest"]
    if busiest:
        cell = busiest[0]
        said.append(f"Busiest hour: {cell['weekday']}s at {cell['hour']:02d}:00 ({document['rhythms']['timezone']}).")
    growth = document["rhythms"].get("growth")
    if growth and growth.get("direction"):
        said.append(f"Active members: {growth['active_members_per_month']:,} a month, {growth['direction']}.")
    themes = document["questions"]["themes"][:3]
    if themes:
        said.append("Asked again and again: " + "; ".join(f"{t['label']} ({t['count']})" for t in themes) + ".")
    said.extend(document["norms"]["findings"][:3])
    return said


def _words(median: float) -> str:
    n = round(median)
    return f"{n:,} word" + ("" if n == 1 else "s")


def _a(number: int) -> str:
    """ "a 9", "an 8", "an 11", "an 18": the article as a title's length is spoken."""
    return f"{'an' if str(number).startswith('8') or number in (11, 18) else 'a'} {number}"


def _duration(minutes: float) -> str:
    if minutes < 0.5:
        return "under a minute"
    if minutes < 90:
        return f"{minutes:.0f} minute" + ("" if round(minutes) == 1 else "s")
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"
