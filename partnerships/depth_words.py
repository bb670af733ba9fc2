"""The partnership page's depth figures as sentences a manager reads first; the figures themselves
stay one click away (the page puts them in a <details>).

Pure functions over the stored measurement document (plain dicts, see
``partnerships.measurement.depth``): no database, no templates. A share is only stated as a share
when enough members are behind it; below that the sentence says how many there were and that it is
too early, so "100 % of 1" never reads as a result.
"""

from __future__ import annotations

from datetime import datetime

ENOUGH_MEMBERS = 10  # members whose days are over: below this a share is not read as one
SAME_WITHIN = 0.05  # return shares closer than 5 points are "about as often"

METRIC_NAMES = {
    "mentions": "mentions of the brand",
    "organic_recommendations": "organic recommendations",
    "interactions": "posts and replies",
}


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def readable_point(curve: list[dict], days: int | None = None) -> dict | None:
    """The longest wait (7 to 90 days), or the wait ``days``, for which enough members' days are
    over to read a share; None if there is none."""
    enough = [point for point in curve if point["eligible"] >= ENOUGH_MEMBERS and point["share"] is not None]
    if days is not None:
        enough = [point for point in enough if point["days"] == days]
    return max(enough, key=lambda point: point["days"]) if enough else None


def return_sentence(when: str, cohort: dict | None, days: int | None = None) -> str:
    """One side of the return curves (``when``: "before the start", "since the start") as a sentence:
    "Since the start, 4 of 12 members came back within 14 days (33 %)."; or, with too few members
    yet, how many there were and that it is too early to read a share. ``days``: the wait to read
    it at (the one both sides share, so that the two sentences compare), else the longest readable."""
    lead = when[0].upper() + when[1:]
    curve = (cohort or {}).get("curve") or []
    point = readable_point(curve, days) or readable_point(curve)
    if point is not None:
        return (
            f"{lead}, {point['returned']} of {_members(point['eligible'])} came back within "
            f"{point['days']} days ({_percent(point['share'])})."
        )
    counted = [p for p in curve if p["eligible"]]
    if not counted:
        if not (cohort or {}).get("members"):
            return f"{lead}: no conversations with members yet."
        return f"{lead}: not enough data yet — {_members(cohort['members'])}, none followed for a full week yet."
    longest = max(counted, key=lambda p: p["days"])
    return (
        f"{lead}, {longest['returned']} of {_members(longest['eligible'])} came back within {longest['days']} "
        f"days — not enough data yet to read a share (that takes {ENOUGH_MEMBERS} members)."
    )


def common_wait(before: dict | None, after: dict | None) -> int | None:
    """The longest wait at which both sides of the return curves can be read, if any."""
    before_curve = {p["days"]: p for p in (before or {}).get("curve") or []}
    after_curve = {p["days"]: p for p in (after or {}).get("curve") or []}
    for days in sorted(set(before_curve) & set(after_curve), reverse=True):
        if all(
            side[days]["eligible"] >= ENOUGH_MEMBERS and side[days]["share"] is not None
            for side in (before_curve, after_curve)
        ):
            return days
    return None


def return_comparison(before: dict | None, after: dict | None) -> str:
    """Whether members come back more often since the start than before it, at the longest wait both
    sides can be read at; empty when one side cannot be read yet."""
    days = common_wait(before, after)
    if days is None:
        return ""
    was = readable_point(before["curve"], days)["share"]
    now = readable_point(after["curve"], days)["share"]
    if abs(now - was) < SAME_WITHIN:
        how = "about as often as"
    else:
        how = "more often than" if now > was else "less often than"
    return f"Members come back {how} before the start."


def _per_day(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def change_sentence(metric: str, change: dict) -> str:
    """A before/after change of a count (``partnerships.measurement.depth.CountChange`` as stored)
    in words: "mentions of the brand rose from 0.38 to 0.68 a day"."""
    name = METRIC_NAMES.get(metric, metric.replace("_", " "))
    verdict = change.get("verdict", "")
    before, after = change.get("per_day_before"), change.get("per_day_after")
    if verdict == "up":
        return f"{name} rose from {_per_day(before)} to {_per_day(after)} a day"
    if verdict == "down":
        return f"{name} fell from {_per_day(before)} to {_per_day(after)} a day"
    if verdict == "no clear change":
        return f"no clear change in {name}"
    if verdict.startswith("too few to say"):
        return f"too few {name} to tell ({change.get('before', 0)} before, {change.get('after', 0)} since)"
    return f"{name}: nothing to compare yet"


def event_sentence(event: dict) -> str:
    """What changed around one event (the start, a published deliverable) in one community."""
    parts = [change_sentence(metric, event[metric]) for metric in ("mentions", "organic_recommendations")]
    active = event.get("active_members") or {}
    text = f"{'; '.join(parts)}. {_members(active.get('before', 0))} took part in the 60 days before"
    days_after = event.get("days_after")
    since = f"in the {round(days_after)} days since" if days_after is not None else "since"
    text += f", {active.get('after', 0)} {since}"
    if event.get("note"):
        text += f" ({event['note']})"
    sentence = text + "."
    return sentence[0].upper() + sentence[1:]


def month_name(month: str) -> str:
    """ "2026-11" as "November 2026"."""
    try:
        return datetime.strptime(month, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return month


def conversation_sentence(creator: str, months: list[dict]) -> str:
    """The latest month of conversations with the creator as a sentence."""
    if not months:
        return ""
    last = months[-1]
    when = month_name(last["month"])
    answered_by, answers, back = last["answered_by"], last["answers"], last["answered_back"]
    if not answers:
        return f"In {when} nobody answered {creator}."
    answered = f"{_members(answered_by)} answered {creator}" + (
        f" ({answers} answers)" if answers != answered_by else ""
    )
    if not back:
        return f"In {when}, {answered}; {creator} did not answer back."
    return f"In {when}, {answered}; {creator} answered back {back} of {'them' if answers > 1 else 'it'}."


def depth_in_words(depth: dict, *, creator: str, community_labels: dict[str, str]) -> dict:
    """The sentences of the depth panel: return engagement before and since the start (and how they
    compare), the latest month of conversations, and each before/after event. ``community_labels``
    maps the document's community keys (``reddit:fountainpens``) to the names pages use."""
    engagement = depth.get("return_engagement") or {}
    before, after = engagement.get("before_start"), engagement.get("after_start")
    days = common_wait(before, after)
    events = [
        {
            "event": event["event"],
            "at": event["at"][:10],
            "community": community_labels.get(event["community"], event["community"]),
            "sentence": event_sentence(event),
            "figures": event,
        }
        for event in depth.get("before_after") or []
    ]
    return {
        "returns": [return_sentence("before the start", before, days), return_sentence("since the start", after, days)]
        if (before or after)
        else [],
        "comparison": return_comparison(before, after),
        "conversations": conversation_sentence(creator, depth.get("conversations_by_month") or []),
        "events": events,
    }
