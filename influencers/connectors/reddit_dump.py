"""Reddit dumps (Pushshift, Arctic Shift): NDJSON of submissions (RS) and comments (RC).

Plain or zstandard-compressed (with the 2 GiB window real dumps need), read line by line as a
stream, so memory stays flat whatever the file size. One dump may hold several subreddits: each
becomes its own community ``reddit:<subreddit>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import zstandard

from influencers.connectors.records import Skipped, SourceError, count_bytes
from influencers.connectors.reddit_things import THING_FIELDS, RedditRecordError, thing_to_record

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Lines that fail before the first good one: after this many the file is not a dump at all.
GIVE_UP_AFTER = 20
MAX_LINE_BYTES = 4 * 1024 * 1024


# A dump line holds 50-90 fields of which we read 16: decoding only those (msgspec skips the rest
# without building them) parses a line in half the time orjson.loads takes to build the whole dict.
# Fields absent from the line stay absent from the dict, as thing_to_record expects.
_Line = msgspec.defstruct("_Line", [(name, Any, msgspec.UNSET) for name in THING_FIELDS], omit_defaults=True)
_decode_line = msgspec.json.Decoder(_Line).decode


def _parse(line: bytes) -> dict:
    return msgspec.to_builtins(_decode_line(line))


class _Damaged(Exception):
    pass


def _zstd_chunks(raw) -> Iterator[bytes]:
    """Decompressed chunks of every frame; a file cut short raises _Damaged instead of ending quietly
    (zstandard's stream reader returns a truncated frame's data as if it were the whole file)."""
    context = zstandard.ZstdDecompressor(max_window_size=2**31)
    frame, fed = context.decompressobj(), False
    while True:
        data = raw.read(1 << 20)
        count_bytes(len(data))
        if not data:
            if fed and not frame.eof:
                raise _Damaged("the compressed file ends in the middle of a frame (incomplete download?)")
            return
        while data:
            try:
                out = frame.decompress(data)
            except zstandard.ZstdError as error:
                raise _Damaged(f"compressed data is damaged ({error})") from None
            fed = True
            if out:
                yield out
            if frame.eof:
                data, frame, fed = frame.unused_data, context.decompressobj(), False
            else:
                data = b""


def _plain_chunks(raw) -> Iterator[bytes]:
    while data := raw.read(1 << 20):
        count_bytes(len(data))
        yield data


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes | None]:
    """Lines without holding more than one line in memory; None stands for an overlong line."""
    buffer = b""
    overlong = False  # inside a line already longer than the limit: drop it up to its newline
    for chunk in chunks:
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            line = buffer[start:end]
            start = end + 1
            if overlong or len(line) > MAX_LINE_BYTES:
                overlong = False
                yield None
            else:
                yield line
        buffer = buffer[start:]
        if len(buffer) > MAX_LINE_BYTES:
            buffer, overlong = b"", True
    if buffer or overlong:
        yield None if overlong or len(buffer) > MAX_LINE_BYTES else buffer


def read_dump(path: str | Path) -> Iterator:
    """Yield CommunityRecord (once per subreddit), InteractionRecord and Skipped for one file."""
    path = Path(path)
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except (IsADirectoryError, PermissionError) as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror})") from None
    compressed = raw.read(4) == ZSTD_MAGIC
    raw.seek(0)
    lines = _lines(_zstd_chunks(raw) if compressed else _plain_chunks(raw))
    seen_communities: set[str] = set()
    good = bad = 0
    number = 0
    try:
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except _Damaged as damage:
                yield Skipped(f"{path.name} after line {number}", str(damage))
                return
            number += 1
            if line is None:
                bad += 1
                yield Skipped(f"{path.name} line {number}", f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            try:
                community, record = thing_to_record(_parse(line))
            except UnicodeDecodeError:
                reason = "not valid UTF-8"
            except msgspec.ValidationError:  # valid JSON, but an array, a string, a number...
                reason = "line is not a JSON object"
            except msgspec.DecodeError as error:
                reason = f"not valid JSON ({error})"
            except RecursionError:  # msgspec's answer to [[[[... thousands deep
                reason = "nested too deeply to read"
            except RedditRecordError as error:
                reason = str(error)
            else:
                good += 1
                if community.key not in seen_communities:
                    seen_communities.add(community.key)
                    yield community
                yield record
                continue
            bad += 1
            if good == 0 and bad >= GIVE_UP_AFTER:
                raise SourceError(
                    f"{path}: not a Reddit dump (the first {bad} lines are not Reddit submissions or comments; "
                    f"last problem: {reason})"
                )
            yield Skipped(f"{path.name} line {number}", reason)
    finally:
        raw.close()
