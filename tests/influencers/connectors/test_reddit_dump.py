"""Reddit dump lines of every era, plain and zstandard-compressed, good and bad."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import zstandard

from influencers.connectors.records import InteractionRecord, Skipped, SourceError
from influencers.connectors.reddit_dump import read_dump
from influencers.connectors.reddit_things import thing_to_record
from tests.influencers.connectors import split

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reddit"
COMMENTS = FIXTURES / "RC_fountainpens_2024-01.ndjson"


def compress(source: Path, target: Path) -> Path:
    # Real dumps are written with a long window; reading them needs max_window_size=2**31.
    params = zstandard.ZstdCompressionParameters.from_level(19, window_log=27)
    target.write_bytes(zstandard.ZstdCompressor(compression_params=params).compress(source.read_bytes()))
    return target


def test_comments_of_every_era_become_records_and_bad_lines_are_counted_with_line_numbers():
    communities, records, skipped = split(read_dump(COMMENTS))
    assert [c.key for c in communities] == ["reddit:fountainpens", "reddit:pens"]
    assert set(records) == {"t1_k00001", "t1_k00002", "t1_k00003", "t1_k00004", "t1_k00008"}
    reasons = {s.location: s.reason for s in skipped}
    assert reasons.keys() == {f"{COMMENTS.name} line {n}" for n in (5, 7, 8, 11)}
    assert reasons[f"{COMMENTS.name} line 5"].startswith("not valid JSON")
    assert "bad field value" in reasons[f"{COMMENTS.name} line 7"]
    assert reasons[f"{COMMENTS.name} line 8"] == "no subreddit"
    assert reasons[f"{COMMENTS.name} line 11"] == "line is not a JSON object"


def test_fields_of_old_and_new_dumps_are_read_alike():
    _, records, _ = split(read_dump(COMMENTS))
    modern, old = records["t1_k00001"], records["t1_k00002"]
    assert modern.posted_at == datetime(2024, 1, 1, 11, 0, tzinfo=UTC)
    assert old.posted_at == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)  # created_utc as a string
    assert old.edited_at == datetime(2024, 1, 1, 13, 0, tzinfo=UTC)  # edited as a time
    assert modern.edited_at is None  # edited: false
    assert (old.author.external_id, old.author.handle) == ("nibmeister", "nibmeister")  # no author_fullname
    assert (old.parent_external_id, old.thread_external_id) == ("t1_k00001", "t3_1a2b3c")
    # A top-level comment answers the submission's author, named by newer dumps as link_author.
    assert modern.target.handle == "nibmeister"


def test_deleted_authors_and_bots_are_flagged():
    _, records, _ = split(read_dump(COMMENTS))
    assert records["t1_k00003"].author.is_deleted and records["t1_k00003"].is_removed
    assert records["t1_k00004"].author.is_bot


def test_submissions_keep_titles_and_link_posts_keep_their_link():
    _, records, _ = split(read_dump(FIXTURES / "RS_fountainpens_2024-01.ndjson"))
    guide = records["t3_1a2b3c"]
    assert (guide.kind, guide.title, guide.thread_external_id) == (
        "post",
        "A beginner's guide to nib tuning",
        "t3_1a2b3c",
    )
    assert records["t3_1a2b9z"].text == "https://cheap-pens-outlet.example/deals"
    assert records["t3_1a2c00"].is_removed and records["t3_1a2c00"].community_key == "reddit:fountainpens"


def test_zstandard_dumps_with_a_long_window_read_the_same(tmp_path):
    plain = list(read_dump(COMMENTS))
    compressed = list(read_dump(compress(COMMENTS, tmp_path / "RC.ndjson.zst")))
    assert [type(i) for i in compressed] == [type(i) for i in plain]
    assert [getattr(i, "external_id", None) for i in compressed] == [getattr(i, "external_id", None) for i in plain]


def test_a_truncated_compressed_dump_keeps_what_came_before_and_reports_the_damage(tmp_path):
    # Distinct lines, so the compressed file has many blocks and a cut leaves complete ones behind.
    template = COMMENTS.read_text().splitlines()[0]
    source = tmp_path / "big.ndjson"
    source.write_text("".join(template.replace("k00001", f"x{n:06d}") + "\n" for n in range(30_000)))
    whole = compress(source, tmp_path / "big.ndjson.zst").read_bytes()
    cut = tmp_path / "cut.ndjson.zst"
    cut.write_bytes(whole[: len(whole) // 2])
    items = list(read_dump(cut))
    records = [i for i in items if isinstance(i, InteractionRecord)]
    assert 0 < len(records) < 30_000
    assert isinstance(items[-1], Skipped)
    assert "ends in the middle" in items[-1].reason
    assert items[-1].location == f"cut.ndjson.zst after line {len(records)}"


def test_invalid_utf8_and_overlong_lines_are_skipped_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setattr("influencers.connectors.reddit_dump.MAX_LINE_BYTES", 2000)
    good = COMMENTS.read_bytes().splitlines()[0]
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(
        good + b"\n" + b'{"body": "\xff\xfe bad bytes"}\n' + b'{"x": "' + b"a" * 5000 + b'"}\n' + good + b"\n"
    )
    _, records, skipped = split(read_dump(path))
    assert list(records) == ["t1_k00001"]
    assert [s.reason for s in skipped] == ["not valid UTF-8", "line longer than 2000 bytes"]


def test_a_file_that_is_not_a_dump_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(f"meeting notes line {n}" for n in range(50)))
    with pytest.raises(SourceError, match="not a Reddit dump"):
        list(read_dump(path))
    with pytest.raises(SourceError, match="no such file"):
        list(read_dump(tmp_path / "missing.ndjson"))


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [
        ("Nice nib.", None, ""),
        ("[deleted]", None, "author"),  # the author deleted it
        ("[removed]", None, "community"),  # moderators removed it
        ("[removed]", "moderator", "community"),
        ("[removed]", "automod_filtered", "community"),
        ("[ Removed by Reddit ]", "reddit", "community"),
        ("[deleted]", "deleted", "author"),
        ("", "author", "author"),
    ],
)
def test_a_removal_says_whether_the_author_or_the_community_removed_it(text, category, expected):
    line = {"id": "k1", "subreddit": "fountainpens", "created_utc": 1700000000, "author": "ann", "body": text,
            "parent_id": "t3_a", "link_id": "t3_a", "removed_by_category": category}  # fmt: skip
    _, record = thing_to_record(line)
    assert (record.removed_by, record.is_removed) == (expected, bool(expected))
