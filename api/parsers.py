"""JSON bodies as RFC 8259 has them, within limits the rest of the API can take.

DRF's parser reads ``1e400`` as infinity (an id of infinity was an OverflowError deep in the ORM:
a 500) and recurses once per level of nesting (``[[[[…`` 100,000 deep was a RecursionError: a
500). Here a number outside a double's range, NaN and Infinity are a 400 naming the field, and
a body nested deeper than MAX_DEPTH is a 400; nothing else changes.
"""

from __future__ import annotations

import json
import math

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

# Our bodies are two levels deep (an object holding lists of ids); 32 leaves room for any client's
# envelope and stays far below Python's recursion limit (1,000) wherever the data goes next.
MAX_DEPTH = 32


class _NotFinite(str):
    """A number JSON spelled but a double cannot hold (``1e400``) or that JSON has not (NaN,
    Infinity): kept as its text until the field holding it is known, to name it in the 400."""


def _finite_float(text: str) -> float | _NotFinite:
    number = float(text)
    return number if math.isfinite(number) else _NotFinite(text)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing non-finite numbers and deep nesting with a 400 (see the module)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})  # text codecs only (DRF's guard against bz2 bombs)
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_float=_finite_float, parse_constant=_NotFinite)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        except ValueError as error:  # UnicodeDecodeError too
            raise ParseError(f"JSON parse error - {error}") from None
        _check(data)
        return data


def _check(data) -> None:
    """Walk the parsed body without recursion: ParseError past MAX_DEPTH, ValidationError naming
    the field (``partnership``, ``items.0.id``) of the first non-finite number."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, _NotFinite):
            field = path or api_settings.NON_FIELD_ERRORS_KEY
            why = f"{value} is not a finite number: numbers here lie within ±1.8e308; NaN and Infinity are not JSON."
            raise ValidationError({field: [why]})
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((item, depth + 1, f"{path}.{key}" if path else str(key)) for key, item in items)
