"""Reddit dumps (Pushshift, Arctic Shift): NDJSON of submissions (RS) and comments (RC).

Plain or zstandard-compressed (with the 2 GiB window real dumps need), read line by line as a
stream, so memory stays flat whatever the file size. One dump may hold several subreddits: each
becomes its own community ``reddit:<subreddit>``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import zstandard

from influencers.connectors.records import Skipped, SourceError
from influencers.connectors.reddit_things import RedditRecordError, thing_to_record

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Lines that fail before the first good one: after this many the file is not a dump at all.
GIVE_UP_AFTER = 20
MAX_LINE_BYTES = 4 * 1024 * 1024


def _open_lines(path: Path):
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except (IsADirectoryError, PermissionError) as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror})") from None
    if raw.read(4) == ZSTD_MAGIC:
        raw.seek(0)
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw, read_size=1 << 20)
        return io.BufferedReader(reader, buffer_size=1 << 20), raw
    raw.seek(0)
    return raw, raw


def read_dump(path: str | Path) -> Iterator:
    """Yield CommunityRecord (once per subreddit), InteractionRecord and Skipped for one file."""
    path = Path(path)
    lines, raw = _open_lines(path)
    seen_communities: set[str] = set()
    good = bad = 0
    number = 0
    try:
        while True:
            try:
                line = lines.readline(MAX_LINE_BYTES + 1)
            except zstandard.ZstdError as error:
                yield Skipped(f"{path.name} after line {number}", f"compressed data is damaged: {error}")
                return
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                # Skip the rest of an overlong line without holding it in memory.
                while line and not line.endswith(b"\n"):
                    line = lines.readline(MAX_LINE_BYTES)
                bad += 1
                yield Skipped(f"{path.name} line {number}", f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                community, record = thing_to_record(data)
            except UnicodeDecodeError:
                reason = "not valid UTF-8"
            except json.JSONDecodeError as error:
                reason = f"not valid JSON ({error.msg})"
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
