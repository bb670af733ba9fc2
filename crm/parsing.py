"""Ids, numbers and times as people type them into pages, filters and files, read strictly.

Python is generous where the database is not: ``int()`` reads '٣' (3), '1_000' and ' +7 ';
``str.isdigit()`` passes '²', which ``int()`` then refuses; ``float()`` reads '1e400' as infinity;
a time in year 1 with a positive offset (or in 9999 with a negative one) exists in Python but not
in UTC, where it must be converted before SQLite or PostgreSQL can store or compare it. Each of
these answered 500 somewhere (issue 17). The pages, the API's filters and the importers read ids,
numbers and times through here, so that an input is either what it plainly says or refused with a
reason naming the field.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

MAX_ID = 2**63 - 1  # a bigint column's largest value
_ID = re.compile(r"[0-9]{1,30}")  # ASCII digits only (``\d`` would match every script's digits)
# A decimal number in ASCII: digits, at most one point, an optional exponent. Not '٣', '1_0',
# 'NaN', 'Infinity' or '0x1p3', all of which float() reads.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")


def parse_id(text: str) -> int:
    """The object id ``text`` spells in the digits 0-9 (1 to 2**63-1); ValueError for anything else."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise ValueError(f"{text!r} is not an id: a whole number written in the digits 0-9")
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{text!r} is not an id: ids run from 1 to {MAX_ID}")
    return number


def is_id(text) -> bool:
    """Does ``text`` spell an id (see ``parse_id``)?"""
    try:
        parse_id(text)
    except ValueError:
        return False
    return True


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is taken in the site's time zone); ValueError when UTC has
    no such time (the first hours of year 1 east of Greenwich, the last of 9999 west of it)."""
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"{moment.isoformat()} is outside the years 1 to 9999 once in UTC") from None


class IdField(forms.IntegerField):
    """A form field for an object's id: ASCII digits, 1 to 2**63-1 (see ``parse_id``)."""

    default_error_messages = {"invalid": "Enter an id: a whole number written in the digits 0-9."}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if not _ID.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)  # the range is the validators' (min_value, max_value): their message names it


class NumberField(forms.FloatField):
    """A form field for a finite number written in ASCII (see ``_NUMBER``)."""

    default_error_messages = {"invalid": "Enter a number written in the digits 0-9 (e.g. 0.5 or -1)."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            text = str(value).strip()
            if not _NUMBER.fullmatch(text):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            number = float(text)
        if not math.isfinite(number):  # '1e999' matches the pattern and is infinity as a float
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class InUtcMixin:
    """For a form field reading a moment (forms.DateTimeField or a subclass): the moment in UTC,
    written in ASCII; a moment UTC cannot hold is refused with the field's error (see ``in_utc``)."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():  # Django's ISO pattern matches '٢٠٢٦' as 2026
            raise ValidationError("Enter a date and time written in the digits 0-9.", code="invalid")
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return in_utc(moment)
        except ValueError as error:
            raise ValidationError(
                f"Enter a date and time between the years 1 and 9999 ({error}).", code="invalid"
            ) from None


class UtcDateTimeField(InUtcMixin, forms.DateTimeField):
    """A form field for a moment, in UTC."""
