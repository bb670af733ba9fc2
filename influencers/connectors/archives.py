"""Archives handed to connectors (a Slack export, a Stack Exchange dump): what is checked before
anything in them is unpacked or read, and what a damaged zip raises."""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from influencers.connectors.records import SourceError

# What zipfile raises on a damaged archive or entry: headers or CRC that do not match (BadZipFile),
# a damaged deflate, bzip2 or lzma stream (zlib.error, OSError, LZMAError, EOFError), a version or
# feature it cannot read (NotImplementedError), an entry flagged encrypted (RuntimeError: it asks
# for a password), a name flagged UTF-8 that is not (UnicodeDecodeError).
ZIP_DAMAGE = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, NotImplementedError, RuntimeError,
    UnicodeDecodeError,
)  # fmt: skip
# Below this an entry's ratio is not judged: small, highly repetitive files compress very well.
RATIO_FREE_BYTES = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What an archive of one kind must respect; real archives stay far below."""

    entry_bytes: int  # one entry, unpacked
    total_bytes: int  # every entry checked, unpacked
    ratio: int  # unpacked size over compressed size, for one entry


def check_entries(entries: Iterable[tuple[str, int, int | None]], path: Path, limits: Limits, *, what: str) -> None:
    """Refuse (SourceError) an archive whose entries could write outside a folder (path traversal)
    or inflate without bound (decompression bombs). ``entries`` are (name, unpacked size, compressed
    size or None when the format does not tell); ``what`` names the content in the messages
    ("export", "dump"). Only the sizes the archive declares are read: nothing is unpacked."""
    total = 0
    for name, size, compressed in entries:
        parts = PurePosixPath(name.replace("\\", "/"))
        if parts.is_absolute() or ".." in parts.parts:
            raise SourceError(f"{path}: refused, entry {name!r} points outside the {what}")
        if size > limits.entry_bytes:
            raise SourceError(f"{path}: refused, entry {name!r} is larger than {limits.entry_bytes} bytes")
        if compressed and size / compressed > limits.ratio and size > RATIO_FREE_BYTES:
            raise SourceError(f"{path}: refused, entry {name!r} inflates {limits.ratio}× or more")
        total += size
    if total > limits.total_bytes:
        raise SourceError(f"{path}: refused, the {what} unpacks to more than {limits.total_bytes} bytes")
