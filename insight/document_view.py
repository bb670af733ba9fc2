"""An insight document turned into plain values a template only prints (heat levels, bar and
sparkline coordinates, quotes split around their term), and figures turned into sentences a
manager reads first (the figures and the method stay one click away on the page). The community
insight page (discovery.pages) shows it beside the user's brands' readiness: it passes the names of
those brands (``brand_names``), which are the brand's words, not the community's, and are left out
of its vocabulary here (the document is shared by every organization; brands are each one's own).

The document comes from ``insight.analysis``. Any part of it may be missing, null or empty (a
small community, an older document version), so every reader here takes what is there and says
"—" or a sentence for the rest. No text from the document is marked safe: the template escapes it.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from insight.analysis.language import term_pattern, tokenize
from insight.charts import heatmap, messages_said, monthly_chart, sparkline

BAR = 100  # a share bar's full width (SVG units)
EXAMPLES_SHOWN = 2  # quotes per term
TERMS_SHOWN, PHRASES_SHOWN = 15, 10  # the rest of the vocabulary is one click away
TREND_ARROWS = {"rising": "↑ rising", "falling": "↓ falling", "steady": "→ steady", "new": "new"}


LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
             "pt": "Portuguese", "sv": "Swedish", "pl": "Polish", "ja": "Japanese"}  # fmt: skip
OWN_WORDS = "Its own words: "  # the highlight the analysis writes from the vocabulary


def document_view(document: dict, *, brand_names=()) -> dict:
    """Every section of an insight document, ready to print; ``brand_names`` (the user's brands'
    names and aliases) are left out of the community's words."""
    brand = _brand_words(brand_names)
    language = _language(document, brand)
    formats = _formats(document.get("formats") or {})
    return {
        "basis": _basis(document),
        "highlights": _highlights(document, language, formats),
        "language": language,
        "formats": formats,
        "rhythms": _rhythms(document.get("rhythms") or {}),
        "questions": _questions(document.get("questions") or {}),
        "norms": _norms(document.get("norms") or {}),
    }


def _brand_words(names) -> tuple[frozenset, list]:
    """A brand's names as the vocabulary reads them: single words, and names of several words."""
    words, phrases = set(), []
    for name in names or ():
        tokens = tokenize(str(name or "").lower(), limit=20)
        if len(tokens) == 1:
            words.add(tokens[0])
        elif tokens:
            phrases.append(" ".join(tokens))
    return frozenset(words), phrases


def _is_brand(term: str, brand: tuple[frozenset, list]) -> bool:
    """The term names a brand: one of its names, or a phrase holding one ("lamy safari")."""
    words, phrases = brand
    term = term.lower()
    return bool(words.intersection(term.split())) or any(
        term == phrase or f" {phrase} " in f" {term} " for phrase in phrases
    )


def _highlights(document: dict, language: dict, formats: dict) -> list[str]:
    """The analysis' sentences, its own words without the brand's, and how replies were counted
    where they had to be inferred."""
    said = []
    shown_terms = [t["term"] for t in language["vocabulary"][:8]]
    for line in document.get("highlights") or []:
        line = str(line)
        if line.startswith(OWN_WORDS):
            if shown_terms:
                said.append(OWN_WORDS + ", ".join(shown_terms) + ".")
            continue
        if formats["conversations"] and ("answer" in line and "Questions" in line or line.startswith("None of the")):
            line += " Replies in flat channels are inferred (see Formats)."
        said.append(line)
    return said


# --- numbers as a manager reads them ------------------------------------------------------------
def percent(share) -> str:
    return "—" if share is None else f"{share:.0%}"


def number(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def duration(minutes) -> str:
    if minutes is None:
        return "—"
    if minutes < 0.5:
        return "under a minute"
    if minutes < 90:
        return f"{minutes:.0f} minute" + ("" if round(minutes) == 1 else "s")
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"


def _day(iso: str | None) -> date | None:
    try:
        return datetime.fromisoformat(iso).date() if iso else None
    except (TypeError, ValueError):
        return None


def _bar(share) -> int:
    """A share's bar width: at least 1 unit when above zero, so "a few" is not drawn as none."""
    if not share:
        return 0
    return max(1, round(BAR * min(float(share), 1.0)))


def _platform_url(url) -> str | None:
    """Only links to web pages: a document's URL comes from imported data."""
    return url if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") else None


# --- the sections ---------------------------------------------------------------------------------
def _basis(document: dict) -> dict:
    basis = document.get("basis") or {}
    window = document.get("window") or {}
    return {
        "messages": number(basis.get("messages")),
        "posts": number(basis.get("posts")),
        "replies": number(basis.get("replies")),
        "members": number(basis.get("members")),
        "bots_left_out": basis.get("bots_left_out") or 0,
        "small": bool(basis.get("small")),
        "caution": basis.get("caution"),
        "text_read": basis.get("text_read"),
        "start": _day(window.get("start")),
        "end": _day(window.get("end")),
        "days": window.get("days"),
    }


def quote(text: str, term: str) -> dict:
    """An example split around the first use of ``term`` (as the analysis finds it: whole words,
    any case, any spacing), so the template can mark it without marking anything else safe."""
    match = term_pattern(term).search(text) if term.strip() else None
    if match is None:
        return {"before": text, "term": "", "after": ""}
    return {"before": text[: match.start()], "term": match.group(0), "after": text[match.end() :]}


def how_specific(times, language: str = "en") -> str:
    """How much more a term is used here than in everyday language, as a sentence: the ratio itself
    is for the figures."""
    everyday = f"everyday {LANGUAGES[language]}" if language in LANGUAGES else "everyday language"
    if not times:
        return f"not heard in {everyday}: a word of its own"
    if times >= 1000:
        return f"almost never heard in {everyday}"
    if times >= 100:
        return f"used far more here than in {everyday}"
    if times >= 10:
        return f"used much more here than in {everyday}"
    return f"used more here than in {everyday}"


def _terms(rows, *, language: str, brand, quoted: set) -> list[dict]:
    """The terms to show, the brand's names left out, each quote shown once on the page (``quoted``:
    the texts shown so far, filled as it goes)."""
    terms = []
    for row in rows or []:
        term = str(row.get("term") or "")
        if not term or _is_brand(term, brand):
            continue
        times = row.get("times_more_than_general")
        examples = []
        for example in row.get("examples") or []:
            text = str(example.get("text") or "")
            key = " ".join(text.lower().split())
            if not key or key in quoted or len(examples) == EXAMPLES_SHOWN:
                continue
            quoted.add(key)
            examples.append(quote(text, term))
        terms.append({
            "term": term,
            "plainly": how_specific(times, language),
            "times": f"{times:,}× as often as in general language" if times else "not found in general language",
            "members": number(row.get("members")),
            "count": number(row.get("count")),
            "examples": examples,
        })  # fmt: skip
    return terms


def _language(document: dict, brand=(frozenset(), [])) -> dict:
    shift = document.get("vocabulary_shift") or {}

    def changes(rows):
        return [
            {"term": r.get("term"), "recent": percent(r.get("members_share_recent")),
             "earlier": percent(r.get("members_share_earlier"))}
            for r in rows or []
        ]  # fmt: skip

    basis = document.get("language_basis") or {}
    code = (document.get("basis") or {}).get("language") or "en"
    quoted: set[str] = set()
    vocabulary = _terms(document.get("vocabulary"), language=code, brand=brand, quoted=quoted)
    phrases = _terms(document.get("phrases"), language=code, brand=brand, quoted=quoted)
    return {
        "everyday": f"everyday {LANGUAGES[code]}" if code in LANGUAGES else "everyday language",
        "vocabulary": vocabulary[:TERMS_SHOWN],
        "more_vocabulary": vocabulary[TERMS_SHOWN:],
        "phrases": phrases[:PHRASES_SHOWN],
        "more_phrases": phrases[PHRASES_SHOWN:],
        "rising": [c for c in changes(shift.get("rising")) if not _is_brand(str(c["term"] or ""), brand)],
        "fading": [c for c in changes(shift.get("fading")) if not _is_brand(str(c["term"] or ""), brand)],
        "shift_note": shift.get("note"),
        "recent_days": shift.get("recent_days"),
        "min_members": basis.get("min_members"),
        "members_with_text": number(basis.get("members_with_text")),
    }


KINDS = ("posts", "replies")
FORMAT_MEASURES = [
    ("questions_share", "ask something"),
    ("links_share", "carry a link"),
    ("images_share", "carry an image"),
    ("code_share", "carry code"),
    ("lists_share", "carry a list"),
]


def _formats(formats: dict) -> dict:
    posts, replies = formats.get("posts") or {}, formats.get("replies") or {}
    words = [(kind.get("words") or {}).get("median") for kind in (posts, replies)]
    longest = max((w for w in words if w), default=0)
    rows = [{
        "label": "median words",
        "cells": [
            {"kind": kind, "value": number(w), "width": _bar(w / longest) if w and longest else 0}
            for kind, w in zip(KINDS, words, strict=True)
        ],
    }]  # fmt: skip
    for key, label in FORMAT_MEASURES:
        rows.append({
            "label": label,
            "cells": [
                {"kind": kind, "value": percent(shape.get(key)), "width": _bar(shape.get(key))}
                for kind, shape in zip(KINDS, (posts, replies), strict=True)
            ],
        })  # fmt: skip
    threads = formats.get("threads") or {}
    answer = formats.get("first_answer") or {}
    minutes = answer.get("minutes") or {}
    inferred = formats.get("conversations") or {}
    return {
        "conversations": {
            "rule": inferred["rule"],
            "inferred": number(inferred.get("inferred_replies")),
            "by_quote": number(inferred.get("by_quote")),
            "by_mention": number(inferred.get("by_mention")),
            "by_time": number(inferred.get("by_time")),
        }
        if inferred.get("applies") and inferred.get("rule")
        else None,
        "posts": number(posts.get("count")),
        "replies": number(replies.get("count")),
        "title_words": _median(posts.get("title_words")),
        "rows": rows if posts.get("count") or replies.get("count") else [],
        "threads": {
            "count": number(threads.get("count")),
            "replies": _median(threads.get("replies")),
            "replies_range": _range(threads.get("replies")),
            "depth": _median(threads.get("depth")),
            "deepest": number(threads.get("deepest")),
            "without_replies": percent(threads.get("without_replies_share")),
        },
        "first_answer": {
            "questions": number(answer.get("questions")),
            "answered": number(answer.get("answered")),
            "median": duration(minutes.get("median")),
            "range": f"{duration(minutes.get('p25'))} to {duration(minutes.get('p75'))}" if minutes else "—",
            "within_hour": percent(answer.get("within_hour_share")),
            "within_day": percent(answer.get("within_day_share")),
            "never": percent(answer.get("never_answered_share")),
        },
    }


def _median(spread) -> str:
    return number((spread or {}).get("median"))


def _range(spread) -> str:
    spread = spread or {}
    return f"{number(spread.get('p25'))}–{number(spread.get('p75'))}" if spread else "—"


def _rhythms(rhythms: dict) -> dict:
    zone = rhythms.get("timezone") or "UTC"
    mix = rhythms.get("timezone_mix") or {}
    weekend = rhythms.get("weekend_share")
    return {
        "timezone": zone,
        "heatmap": heatmap(rhythms.get("heatmap")),
        "busiest": [_hour(cell) for cell in rhythms.get("busiest") or []],
        "quietest": [_hour(cell) for cell in rhythms.get("quietest") or []],
        "weekend": percent(weekend) if weekend is not None else None,
        "regions": [
            {
                "region": r.get("region"),
                "offsets": r.get("utc_offsets"),
                "members": number(r.get("members")),
                "share": percent(r.get("share")),
                "width": _bar(r.get("share")),
            }
            for r in mix.get("regions") or []
        ],
        "placed": mix.get("members_placed") or 0,
        "considered": mix.get("members_considered") or 0,
        "method": mix.get("method"),
        "monthly": monthly_chart(rhythms.get("monthly")),
        "growth": growth_sentence(rhythms.get("growth")),
        "seasonality": seasonality_sentence(rhythms.get("seasonality")),
    }


def _hour(cell: dict) -> str:
    hour, count = cell.get("hour") or 0, cell.get("messages") or 0
    return f"{cell.get('weekday')}s {hour:02d}:00–{hour + 1:02d}:00 ({messages_said(count)})"


def growth_sentence(growth) -> str:
    if not growth or growth.get("active_members_per_month") is None:
        return "Too little history to say whether it grows: that needs six full months."
    said = f"{growth['active_members_per_month']:,} active members a month over the last three full months"
    comparisons = []
    if growth.get("change_from_three_months_before") is not None:
        comparisons.append(
            f"{growth['change_from_three_months_before']:+.0%} on the three months before "
            f"({number(growth.get('three_months_before'))})"
        )
    if growth.get("change_from_a_year_before") is not None:
        comparisons.append(
            f"{growth['change_from_a_year_before']:+.0%} on a year before ({number(growth.get('a_year_before'))})"
        )
    if comparisons:
        said += ", " + " and ".join(comparisons)
    return said + (f": {growth['direction']}." if growth.get("direction") else ".")


def seasonality_sentence(seasonality) -> str:
    if not seasonality:
        return "—"
    if not seasonality.get("known"):
        return seasonality.get("note") or "Seasonality is not known yet."
    years = ", ".join(seasonality.get("years") or [])
    return (
        f"Busiest month of the year: {seasonality.get('busiest_month')}; quietest: "
        f"{seasonality.get('quietest_month')}" + (f" (over {years})." if years else ".")
    )


def _questions(questions: dict) -> dict:
    themes = []
    for theme in questions.get("themes") or []:
        monthly = [m for m in theme.get("monthly") or [] if m.get("month")]
        counts = [m.get("questions") or 0 for m in monthly]
        themes.append({
            "label": theme.get("label") or "—",
            "terms": ", ".join(str(t) for t in theme.get("terms") or []),
            "count": number(theme.get("count")),
            "share": percent(theme.get("share")),
            "trend": TREND_ARROWS.get(theme.get("trend"), "—"),
            "spark": sparkline(counts, [str(m["month"]) for m in monthly]),
            "spark_title": " · ".join(f"{m['month']}: {c}" for m, c in zip(monthly, counts, strict=True)),
            "unanswered": percent(theme.get("unanswered_share")),
            "examples": [
                {"title": e.get("title") or "(untitled)", "url": _platform_url(e.get("url")),
                 "replies": e.get("replies") or 0, "posted_on": _day(e.get("posted_at"))}
                for e in (theme.get("examples") or [])[:3]
            ],
        })  # fmt: skip
    basis = questions.get("basis") or {}
    window = basis.get("window") or []
    return {
        "themes": themes,
        "posts": number(basis.get("posts")),
        "questions": number(basis.get("questions")),
        "grouped": number(basis.get("grouped")),
        "ungrouped": number(basis.get("ungrouped")),
        "method": basis.get("method"),
        "window": f"{window[0]} to {window[-1]}" if window else None,
    }


def _norms(norms: dict) -> dict:
    def outcomes(rows, count_key):
        return [
            {"group": r.get("group"), "count": number(r.get(count_key)), "enough": bool(r.get("enough")),
             "removed": percent(r.get("removed_share")), "below_zero": percent(r.get("below_zero_share")),
             "ignored": percent(r.get("ignored_share"))}
            for r in rows or []
        ]  # fmt: skip

    return {
        "guidelines": [
            {"kind": g.get("kind") or "rule", "title": g.get("title") or "", "description": g.get("description") or ""}
            for g in norms.get("guidelines") or []
            if isinstance(g, dict)
        ],
        "findings": [str(f) for f in norms.get("findings") or []],
        "posts": outcomes(norms.get("posts"), "posts"),
        "replies": outcomes(norms.get("replies"), "replies"),
        "has_downvotes": norms.get("has_downvotes", True),
        "removed_sites": [
            {"site": s.get("site"), "posts": number(s.get("posts"))} for s in norms.get("sites_in_removed_posts") or []
        ],
        "self_promoters": norms.get("self_promoters") or 0,
    }
