import math
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model
from django.db.models.constants import LOOKUP_SEP
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from crm.parsing import in_utc


class CursorPage(CursorPagination):
    """Stable pages however fast the data grows: ``next`` and ``previous`` links carry a cursor.
    ``page_size`` up to 200 (default 50).

    A cursor is opaque to clients but readable by anyone (base64 of ``o=…&r=…&p=…``), and DRF
    hands the position ``p`` to the database as it finds it: a hand-edited ``p=abc``, ``p=1e400``
    or a time UTC cannot hold answered 500. The position is read here as a value of the ordering
    column, and any cursor that is not one this API wrote is a 400 naming ``cursor``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    invalid_cursor_message = "Not a cursor of this list: follow the next and previous links as they are given."

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # decode_cursor reads the position as a value of its ordering column
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:  # DRF's answer to an undecodable cursor: the list exists, the cursor is wrong
            raise self._invalid() from None
        if cursor is None or cursor.position is None:
            return cursor
        model = getattr(self, "_model", None)
        field = _ordering_column(model, self.ordering[0].lstrip("-")) if model is not None else None
        if field is None:
            return cursor
        try:
            return cursor._replace(position=_position(field, cursor.position))
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise self._invalid() from None

    def _invalid(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})


def _ordering_column(model: type[Model], path: str) -> Field | None:
    """The column ``path`` (``id``, ``latest_score__rank``) orders by; None when it is not a model
    field (an annotation), whose values the database alone knows how to compare."""
    try:
        for name in path.split(LOOKUP_SEP):
            field = model._meta.get_field(name)
            model = field.related_model
        return field.target_field if field.is_relation else field
    except (FieldDoesNotExist, AttributeError):  # AttributeError: a reverse relation has no column of its own
        return None


def _position(field: Field, text: str):
    """The cursor's position as a value of ``field``: raises when it is none (or not a finite
    number, or a time outside UTC's years 1 to 9999)."""
    if "\x00" in text:  # PostgreSQL refuses NUL in any text it is given
        raise ValueError("NUL in the position")
    value = field.to_python(text)
    if not isinstance(value, str) and not text.isascii():  # int() reads '٣' as 3: not a position we wrote
        raise ValueError("not written in ASCII")
    if isinstance(value, datetime):
        value = in_utc(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    elif isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("not a finite number")
    field.get_prep_value(value)
    return value
