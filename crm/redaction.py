"""Taking a person's names out of stored copies: documents, payloads, answers kept for replay.

When a creator is erased, their names were also copied into JSON the product stored along the
way — a brand's measurement names its partners, a webhook delivery names the creator moved, an
API answer kept for its Idempotency-Key holds what it returned. Those copies keep their figures
(they are how past reports add up) but lose the names, replaced wherever they occur.

A name is matched as a whole word, case-insensitively; names shorter than three characters or made
only of digits are not matched (they would match counts and ordinary words in the same documents;
an account id of digits alone does not name anyone outside its platform's own records, which the
erasure itself rewrites).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import models
from django.db.models.functions import Cast


def _usable(names: Iterable[str]) -> list[str]:
    """The names worth matching, longest first (so a longer name is replaced whole)."""
    stripped = {name.strip() for name in names}
    return sorted({n for n in stripped if len(n) >= 3 and not n.isdigit()}, key=len, reverse=True)


def names_pattern(names: Iterable[str]) -> re.Pattern | None:
    """One pattern for every name worth matching, or None if none is."""
    usable = _usable(names)
    if not usable:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in usable) + r")(?!\w)", re.IGNORECASE)


def redacted(value, pattern: re.Pattern, replacement: str):
    """``value`` (JSON: dicts, lists, strings, numbers) with every name replaced, keys included."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [redacted(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {redacted(k, pattern, replacement): redacted(v, pattern, replacement) for k, v in value.items()}
    return value


def redact_column(queryset: models.QuerySet, field: str, names: Iterable[str], replacement: str) -> int:
    """Replace the names in ``field`` (a text or JSON column) of the rows of ``queryset`` holding
    any of them; returns how many rows changed. The database narrows the rows (a text search on
    the column), Python rewrites each: JSON keeps its shape."""
    names = _usable(names)
    pattern = names_pattern(names)
    if pattern is None:
        return 0
    holding = models.Q()
    for name in names:
        holding |= models.Q(_as_text__icontains=name)
    changed = 0
    rows = queryset.annotate(_as_text=Cast(field, models.TextField())).filter(holding)
    for pk, value in rows.values_list("pk", field):
        new = redacted(value, pattern, replacement)
        if new != value:
            queryset.model._default_manager.filter(pk=pk).update(**{field: new})
            changed += 1
    return changed
