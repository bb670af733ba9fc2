import zipfile
from pathlib import Path

import pytest

from influencers.connectors.records import SourceError
from influencers.connectors.slack import read_export
from tests.influencers.connectors import split

EXPORT_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "slack"


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "trail-runners.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in EXPORT_DIR.rglob("*.json"):
            archive.write(file, file.relative_to(EXPORT_DIR).as_posix())
    return path


def read(path):
    return split(read_export(path))


def test_threads_mentions_and_reactions(export):
    communities, records, _ = read(export)
    assert [c.key for c in communities] == ["slack:T03TRAILRUN"]
    question = records["general:1712048400.000200"]
    answer = records["general:1712049000.000300"]
    assert (question.kind, answer.kind) == ("post", "comment")
    assert answer.parent_external_id == question.external_id == answer.thread_external_id
    assert answer.author.handle == "maya.vert" and answer.edited_at is not None
    mention = records["general:1712049000.000300:mention:U02JONAS"]
    assert (mention.author.handle, mention.target.external_id) == ("maya.vert", "U02JONAS")
    reaction = records["general:1712048400.000200:reaction:eyes:U01MAYA"]
    assert (reaction.author.external_id, reaction.target.external_id) == ("U01MAYA", "U02JONAS")


def test_joins_are_not_interactions_and_bots_and_departed_members_are_flagged(export):
    _, records, _ = read(export)
    assert "general:1712044800.000100" not in records
    assert records["general:1712050000.000500"].author.is_bot
    assert records["general:1712051000.000600"].author.is_deleted


def test_broken_files_and_messages_are_skipped_and_reported(export):
    _, _, skipped = read(export)
    assert {s.location: s.reason for s in skipped} == {
        "general/2024-04-02.json message 7": "unusable message (could not convert string to float: 'not-a-ts')",
        "gear/2024-04-03.json": "not a list of messages",
    }


def test_path_traversal_in_the_archive_is_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.json", "[]")
        archive.writestr("../../etc/cron.d/evil.json", "[]")
    with pytest.raises(SourceError, match="points outside the export"):
        read(path)


def test_a_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.json", "[]")
        archive.writestr("general/2024-01-01.json", b"[" + b" " * (64 * 1024 * 1024) + b"]")
    with pytest.raises(SourceError, match="inflates"):
        read(path)


def test_something_that_is_not_a_slack_export_is_one_clear_error(tmp_path):
    not_zip = tmp_path / "export.zip"
    not_zip.write_text("hello")
    with pytest.raises(SourceError, match="not a zip archive"):
        read(not_zip)
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("cat.jpg", b"\xff\xd8")
    with pytest.raises(SourceError, match="not a Slack export"):
        read(other)


def test_a_file_share_keeps_the_members_words_not_slacks_sentence(tmp_path):
    import json

    path = tmp_path / "export.zip"
    shares = [
        {"type": "message", "subtype": "file_share", "user": "U1", "ts": "1712048400.000100",
         "text": "<@U1|ann> uploaded a file: <https://x.slack.com/files/ann/F1/chart.png|chart.png> and commented: "
                 "the d3 version of last month's chart"},
        {"type": "message", "subtype": "file_share", "user": "U1", "ts": "1712048500.000100",
         "text": "<@U1|ann> uploaded a file: <https://x.slack.com/files/ann/F2/notes.pdf|notes.pdf>"},
        {"type": "message", "subtype": "file_share", "user": "U1", "ts": "1712048600.000100",
         "text": "Here is the deck from tonight"},  # newer exports: the member's own text
    ]  # fmt: skip
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.json", json.dumps([{"id": "U1", "name": "ann", "team_id": "T1"}]))
        archive.writestr("channels.json", json.dumps([{"id": "C1", "name": "general"}]))
        archive.writestr("general/2024-04-02.json", json.dumps(shares))
    _, records, skipped = read(path)
    texts = [records[f"general:{m['ts']}"].text for m in shares]
    assert texts == [
        "the d3 version of last month's chart\n<https://x.slack.com/files/ann/F1/chart.png|chart.png>",
        "<https://x.slack.com/files/ann/F2/notes.pdf|notes.pdf>",
        "Here is the deck from tonight",
    ]
    assert not skipped
