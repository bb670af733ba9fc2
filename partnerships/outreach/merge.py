"""Merge fields in a message template: ``{{ first_name }}`` and the like, filled from what the
brand knows and observed.

Hand-written rather than Django's template language on purpose: a template is typed by a manager
and filled with a creator's data, and Django's tags ({% include %}, {% debug %}, attribute lookups)
would let a template read more than these fields. Here a field is a name from ``FIELDS`` and
nothing else; an unknown one is an error when the template is saved, not a blank in a sent mail.
"""

from __future__ import annotations

import re

FIELDS = {
    "first_name": "The creator's first name (their handle when no name is known)",
    "handle": "Their handle on the platform you write on, e.g. inkwell_anna",
    "community": "The community you found them in, e.g. r/fountainpens",
    "their_thread": "The title of their thread you read",
    "their_thread_link": "The link to that thread",
    "observation": "Your latest observation note about that community",
    "brand": "Your brand's name",
    "manager_name": "Your name",
}
FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def unknown_fields(text: str) -> list[str]:
    """Fields in ``text`` that are not merge fields, in order of appearance."""
    return [name for name in dict.fromkeys(FIELD.findall(text)) if name not in FIELDS]


def fields_used(text: str) -> list[str]:
    return [name for name in dict.fromkeys(FIELD.findall(text)) if name in FIELDS]


def merge(text: str, values: dict[str, str]) -> str:
    """``text`` with every field replaced by its value ("" when the brand does not know it)."""
    return FIELD.sub(lambda match: values.get(match.group(1), "") if match.group(1) in FIELDS else match.group(0), text)


def missing_values(text: str, values: dict[str, str]) -> list[str]:
    """Fields the text uses for which nothing is known (the preview warns before sending)."""
    return [name for name in fields_used(text) if not values.get(name)]
