"""The sentences beside a member's score: what a partnership manager can read and check, strengths
and warnings alike. Every figure in them is one of the figures the score was computed from."""

from __future__ import annotations

import math

from graph.consistency import Participation, ReturnEngagement
from graph.language import Fluency
from graph.network import Position
from graph.promotion import Promotion


def _members(count: int) -> str:
    return "1 member" if count == 1 else f"{count:,} different members"


def _share(value: float) -> str:
    return f"{value:.0%}"


def presence_sentence(p: Participation) -> str:
    """Active weeks, and how long ago the last one was when it matters. Never says more weeks of
    absence than the window holds, nor absence from weeks the member was active in."""
    said = f"Active in {p.active_weeks:,} of the {p.weeks_observed:,} weeks observed"
    silent = math.floor(p.weeks_since_last)
    if p.active_weeks and 5 <= silent < p.weeks_observed:
        said += f", but not in the last {silent:,} weeks"
    if p.burstiness is not None and p.burstiness > 0.5:
        said += "; activity comes in bursts"
    return said + "."


def appreciation_sentences(appreciated: int, expected: float, kept: int) -> list[str]:
    """Said when the community appreciated what they wrote clearly more or less often than others'
    (at least half as often again, or half as often), with enough of it to tell."""
    if kept < 5 or expected < 1:
        return []
    ratio = appreciated / expected
    if ratio >= 1.5:
        how = f"{ratio:.1f} times as often as others'"
    elif ratio <= 0.5:
        how = "half as often as others' or less"
    else:
        return []
    return [
        f"Members liked or upvoted {appreciated:,} of the {kept:,} posts and comments they wrote, {how} "
        "of the same kind at the same time."
    ]


def reasons(
    p: Participation,
    back: ReturnEngagement | None,
    pos: Position,
    conversations: int,
    fluent: Fluency,
    language_low: bool,
    promo: Promotion,
    removed: int,
    written: int,
    appreciated: int = 0,
    expected: float = 0.0,
    has_vocabulary: bool = True,
) -> list[str]:
    said = [presence_sentence(p)]
    # Ties are replies, mentions and reactions alike: the sentences say so.
    if pos.heard_from and pos.mutual:
        said.append(
            f"Answered by {_members(pos.heard_from)} (replies, mentions, reactions) and answers "
            f"{pos.mutual} of them back ({_share(pos.mutual / pos.heard_from)})."
        )
    elif pos.heard_from:
        said.append(f"Answered by {_members(pos.heard_from)} (replies, mentions, reactions) but never answers back.")
    elif pos.reaches_out:
        said.append(f"Replies or reacts to {_members(pos.reaches_out)}; none of them answers back.")
    else:
        said.append("Has not interacted with other members in this window.")
    if conversations > 1:
        said.append(f"Replied in {conversations:,} different threads.")
    if back and back.returning:
        said.append(f"{back.returning} of the {back.visitors} members who talked with them came back in another week.")
    if pos.mutual >= 3 and pos.closure >= 0.6:
        said.append(
            f"Talks mostly within a closed group ({_share(pos.closure)} of their partners also talk to each other)."
        )
    elif pos.mutual >= 5 and pos.closure < 0.3:
        said.append("Their ties reach across the community rather than one circle.")
    said += appreciation_sentences(appreciated, expected, written - removed)
    if fluent.tokens == 0:
        said.append("No text to judge their language by (counted as typical).")
    elif has_vocabulary and language_low:
        said.append(
            f"Uses few of the community's own words ({_share(fluent.share)} of what they write, "
            "far less than a typical member)."
        )
    if promo.self_promotion:
        said.append(f"Links to {promo.top_site} in {_share(promo.self_promotion)} of what they write.")
    if promo.duplicate_share >= 0.2:
        said.append(f"Repeats the same text in {_share(promo.duplicate_share)} of what they write.")
    if removed:
        said.append(f"The community took down {removed:,} of the {written:,} posts and comments they wrote.")
    return said
