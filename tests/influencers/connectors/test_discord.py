from pathlib import Path

import pytest

from influencers.connectors.discord import read_export
from influencers.connectors.records import CommunityRecord, InteractionRecord, Skipped, SourceError

EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "discord" / "sourdough_general.json"


def read(path=EXPORT):
    items = list(read_export(path))
    return (
        [i for i in items if isinstance(i, CommunityRecord)],
        {i.external_id: i for i in items if isinstance(i, InteractionRecord)},
        [i for i in items if isinstance(i, Skipped)],
    )


def test_the_guild_is_the_community_and_system_messages_are_not_interactions():
    communities, records, _ = read()
    assert [c.key for c in communities] == ["discord:704112345678901234"]
    assert "900000000000000001" not in records  # "Joined the server."


def test_replies_mentions_and_reactions_say_who_answered_whom():
    _, records, _ = read()
    question, answer = records["900000000000000002"], records["900000000000000003"]
    assert (question.kind, answer.kind, answer.parent_external_id) == ("post", "comment", question.external_id)
    assert question.edited_at is not None and question.score == 2
    mention = records["900000000000000003:mention:100000000000000001"]
    assert (mention.kind, mention.author.handle, mention.target.handle) == ("mention", "levain_lena", "hydro_hannah")
    reaction = records["900000000000000002:reaction:🍞:100000000000000002"]
    assert (reaction.kind, reaction.author.handle, reaction.target.handle) == (
        "reaction",
        "levain_lena",
        "hydro_hannah",
    )
    # Reacting to your own message is not an interaction with anyone.
    assert "900000000000000002:reaction:🍞:100000000000000001" not in records
    assert {r.thread_external_id for r in records.values()} == {"channel-704112345678900001"}


def test_bots_and_deleted_users_are_flagged():
    _, records, _ = read()
    assert records["900000000000000004"].author.is_bot
    assert records["900000000000000005"].author.is_deleted


def test_broken_messages_are_skipped_with_their_position():
    _, records, skipped = read()
    assert [s.location for s in skipped] == ["sourdough_general.json message 6", "sourdough_general.json message 7"]
    assert len([r for r in records.values() if r.kind in ("post", "comment")]) == 4


def test_a_cut_off_export_keeps_the_messages_before_the_damage(tmp_path):
    text = EXPORT.read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"id": "900000000000000005"')])
    _, records, skipped = read(cut)
    assert "900000000000000003" in records
    assert "cut off or damaged" in skipped[-1].reason


def test_a_file_that_is_not_an_export_is_one_clear_error(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    with pytest.raises(SourceError, match="not a DiscordChatExporter"):
        read(other)
    other.write_text("not json at all")
    with pytest.raises(SourceError, match="not valid JSON"):
        read(other)
