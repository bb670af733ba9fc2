"""The measurement's comparisons said as a manager reads them: a sentence first ("mentions came
about 1.8 times as often after the start — likely between 1.0 and 3.1 times"), the ratio and its
interval kept for the figures one click away. Pure: the comparisons' dicts (``depth.compare_counts``
and ``depth.compare_means`` as stored in a measurement document) in, a string out.
"""

from __future__ import annotations

VERDICTS = {
    "up": "a clear rise",
    "down": "a clear fall",
    "no clear change": "no clear change",
}


def times(value: float) -> str:
    """A ratio as a person says it: one decimal ("1.8"), two below 0.1 ("0.05")."""
    return f"{value:.1f}" if value >= 0.1 else f"{value:.2f}"


def signed(value: float) -> str:
    return f"{value:+.2f}".replace("-", "−")


def count_change_said(change: dict | None, *, what: str, when: str = "after") -> str:
    """A change in a count per day (``what``: "mentions") as a sentence."""
    if not change:
        return "Nothing to compare."
    verdict = change.get("verdict") or ""
    before, after = change.get("before"), change.get("after")
    if change.get("ratio") is None:
        return f"{what.capitalize()}: {verdict or 'nothing to compare'}."
    if verdict.startswith("too few"):
        return (
            f"Too few {what} to say whether they changed: {before} in the days before, {after} {when} "
            "(at least 20 together are needed)."
        )
    return (
        f"{what.capitalize()} came about {times(change['ratio'])} times as often {when} as before — likely "
        f"between {times(change['low'])} and {times(change['high'])} times: {VERDICTS.get(verdict, verdict)} "
        f"({_counted(change, when)})."
    )


def _counted(change: dict, when: str) -> str:
    """ "23 in the 60 days before, 28 in the 41 days after": the windows differ while one is not over."""
    days_before, days_after = change.get("days_before"), change.get("days_after")
    if days_before is None or days_after is None:
        return f"{change.get('before')} before, {change.get('after')} {when}"
    return (
        f"{change.get('before')} in the {days_before:.0f} days before, {change.get('after')} in the "
        f"{days_after:.0f} days {when}"
    )


def tone_change_said(change: dict | None, *, when: str = "after") -> str:
    """A change in the tone of mentions in the brand's absence (a difference of means, −1 to +1)."""
    if not change or change.get("difference") is None:
        return "Too few mentions in the brand's absence to compare their tone."
    verdict = change.get("verdict") or ""
    if verdict.startswith("too few"):
        return (
            f"Too few mentions in the brand's absence to say whether their tone changed ({change.get('before_n')} "
            f"before, {change.get('after_n')} {when})."
        )
    difference = change["difference"]
    direction = "more warmly" if difference > 0 else "less warmly" if difference < 0 else "as warmly"
    return (
        f"Members spoke of the brand in its absence {direction} {when} than before ({signed(difference)} on a "
        f"scale from −1 to +1) — likely between {signed(change['low'])} and {signed(change['high'])}: "
        f"{VERDICTS.get(verdict, verdict)}."
    )


def absence_said(change: dict | None) -> str:
    """How members speak of the brand when it is absent compared with when it or its partners are
    there (``compare_means(present, absent)``: the difference is absent − present)."""
    if not change or change.get("difference") is None:
        return "Not enough mentions both with and without the brand in the conversation to compare their tone."
    verdict = change.get("verdict") or ""
    if verdict.startswith("too few"):
        return (
            f"Too few mentions to compare the tone with the brand there ({change.get('before_n')}) and without it "
            f"({change.get('after_n')})."
        )
    if verdict in ("up", "down"):
        lead = (
            f"Members speak {'more' if verdict == 'up' else 'less'} warmly of the brand when it is not in the "
            "conversation than when it or its partners are"
        )
    else:
        lead = "Members speak of the brand about as warmly whether or not it or its partners are in the conversation"
    return (
        f"{lead}: {signed(change['difference'])} on a scale from −1 to +1, likely between {signed(change['low'])} "
        f"and {signed(change['high'])}."
    )
