"""Reading a source in a child process gives exactly the records read here, errors included."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from influencers.connectors import open_source
from influencers.connectors.records import (
    AuthorRecord,
    Checkpoint,
    CommunityRecord,
    InteractionRecord,
    ReadProgress,
    Skipped,
    SourceError,
    TemporarySourceError,
    read_progress,
)  # fmt: skip
from influencers.ingest.child import Decoder, encode, read_in_child

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_every_record_kind_survives_the_trip_exactly():
    author = AuthorRecord("reddit", "nibmeister", "NibMeister", "N. M.", "https://x/u", 1234, "karma", False, False)
    records = [
        CommunityRecord("reddit", "fountainpens", "r/fountainpens", "https://www.reddit.com/r/fountainpens/", "Pens"),
        InteractionRecord(
            "reddit:fountainpens",
            "t1_a",
            "comment",
            author,
            datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            "t3_x",
            "t3_x",
            AuthorRecord("reddit", "[deleted]", "[deleted]", is_deleted=True),
            "",
            "tab\\there ✓",
            "",
            -3,
            datetime(2024, 1, 3, tzinfo=timezone(timedelta(hours=5))),
            True,
        ),
        InteractionRecord("reddit:fountainpens", "t1_b", "comment", None, datetime(2024, 1, 2, 3, 4, 5)),  # naive
        Skipped("RC.ndjson line 7", "not valid JSON"),
        author,
        Checkpoint({"after": "t3_x", "seen": [1, 2]}),
    ]
    decoder = Decoder()
    back = [decoder.decode(encode(record)) for record in records]
    assert back == records
    assert back[2].posted_at.tzinfo is None  # still refused by the ingest service as before
    assert back[1].edited_at == records[1].edited_at


def test_a_dump_read_in_a_child_gives_the_same_records_and_reports_bytes_read():
    paths = [
        str(FIXTURES / "reddit" / "RS_fountainpens_2024-01.ndjson"),
        str(FIXTURES / "reddit" / "RC_fountainpens_2024-01.ndjson"),
    ]
    here = list(open_source("reddit-dump", {"paths": paths}))
    progress = ReadProgress()
    token = read_progress.set(progress)
    try:
        there = list(read_in_child(lambda: open_source("reddit-dump", {"paths": paths})))
    finally:
        read_progress.reset(token)
    assert there == here and len(here) > 10
    assert progress.bytes == sum(Path(p).stat().st_size for p in paths)


@pytest.mark.parametrize("error", [SourceError("not a Reddit dump"), TemporarySourceError("try later")])
def test_a_source_error_in_the_child_is_raised_here_with_its_kind_and_message(error):
    def failing():
        yield CommunityRecord("reddit", "x", "r/x")
        raise error

    items = read_in_child(failing)
    assert isinstance(next(items), CommunityRecord)
    with pytest.raises(type(error), match=str(error)):
        next(items)


def test_an_unexpected_crash_in_the_child_is_not_taken_for_the_end_of_the_source():
    def crashing():
        yield Skipped("a", "b")
        raise KeyError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(read_in_child(crashing))
