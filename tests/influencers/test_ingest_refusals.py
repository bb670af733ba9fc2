"""What `ingest` does with sources that are not what the operator meant: a folder of no Discourse
documents, a Discord direct message or group chat, a zip given to `ingest discord`; and the names
communities get (the server's, the forum's, the workspace's: not a file's)."""

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from influencers.connectors.discord import read_exports
from influencers.connectors.records import CommunityRecord, Skipped, SourceError
from influencers.connectors.slack import read_export as read_slack
from influencers.connectors.slack import workspace_name
from influencers.models import Community, Interaction, SyncRun, SyncStatus

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-data"


def ingest(*args) -> tuple[int, dict | None, str]:
    """(exit status, the --json summary or None, stderr) of `manage.py ingest ARGS --json`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, "--json", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, None, err.getvalue()
    return 0, json.loads(out.getvalue()), err.getvalue()


# --- Discourse ------------------------------------------------------------------------------------
def test_a_folder_of_no_discourse_documents_exits_2_and_creates_nothing(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.json").write_text('{"hello": 1}')
    (tmp_path / "b.json").write_text("[1, 2, 3]")
    status, summary, err = ingest("discourse", str(tmp_path))
    assert (status, summary) == (2, None)
    assert err.strip() == (
        f"ingest: {tmp_path}: none of its 2 .json files is a saved Discourse API response "
        "(topics, posts or categories); nothing was imported"
    )
    assert not Community.objects.exists() and not Interaction.objects.exists()
    assert SyncRun.objects.get().status == SyncStatus.FAILED  # the attempt is on record, with why


def test_one_file_that_is_not_discourse_creates_no_community_either(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    status, _, err = ingest("discourse", str(other))
    assert status == 2 and "not a saved Discourse API response" in err
    assert not Community.objects.exists()


def test_saved_files_take_the_forums_name_from_its_about_document(tmp_path):
    shutil.copy(FIXTURES / "discourse" / "topic_42.json", tmp_path / "topic_42.json")
    (tmp_path / "about.json").write_text(json.dumps({"about": {"title": "Homebrewers' Forum", "version": "3.2"}}))
    status, summary, _ = ingest("discourse", str(tmp_path), "--forum", "https://forum.homebrewers.example")
    assert status == 0 and summary["skipped"] == 0  # the about document is understood, not skipped
    community = Community.objects.get()
    assert (community.name, community.key) == ("Homebrewers' Forum", "discourse:https://forum.homebrewers.example")
    assert community.interactions.count() == 4


def test_saved_files_without_an_about_document_are_named_by_the_forums_host(tmp_path):
    shutil.copy(FIXTURES / "discourse" / "topic_42.json", tmp_path / "topic_42.json")
    assert ingest("discourse", str(tmp_path), "--forum", "https://forum.homebrewers.example")[0] == 0
    assert Community.objects.get().name == "forum.homebrewers.example"


# --- Discord --------------------------------------------------------------------------------------
def discord_file(path: Path, *, guild: dict, channel: dict, messages: int = 2) -> Path:
    author = {"id": "111", "name": "Ada", "discriminator": "0000", "isBot": False}
    path.write_text(
        json.dumps({
            "guild": guild,
            "channel": channel,
            "messages": [
                {"id": f"{path.stem}-{n}", "type": "Default", "timestamp": f"2024-01-0{n}T10:00:00+00:00",
                 "content": f"Message {n}", "author": author}
                for n in range(1, messages + 1)
            ],
        })
    )  # fmt: skip
    return path


DM = {
    "guild": {"id": "0", "name": "Direct Messages"},
    "channel": {"id": "5308", "type": "DirectTextChat", "name": "Bo"},
}
GROUP = {"guild": {"id": "0", "name": "Direct Messages"}, "channel": {"id": "1064", "type": "DirectGroupTextChat"}}
SERVER = {
    "guild": {"id": "253601524398293010", "name": "Chiptune Makers"},
    "channel": {"id": "2536", "type": "GuildTextChat", "name": "general"},
}


def test_a_direct_message_alone_is_refused_with_the_reason_and_stores_nothing(tmp_path):
    status, _, err = ingest("discord", str(discord_file(tmp_path / "dm.json", **DM)))
    assert status == 2
    assert err.strip() == (
        "ingest: nothing imported: dm.json is a direct message or group chat, not a community; "
        "export a server's channels instead"
    )
    status, _, err = ingest(
        "discord", str(discord_file(tmp_path / "dm.json", **DM)), str(discord_file(tmp_path / "g.json", **GROUP))
    )
    assert status == 2 and "all 2 files are direct messages or group chats, not communities" in err
    assert not Community.objects.exists() and not Interaction.objects.exists()


def test_beside_a_server_a_direct_message_is_skipped_with_the_reason(tmp_path):
    files = [discord_file(tmp_path / "dm.json", **DM), discord_file(tmp_path / "general.json", **SERVER)]
    status, summary, _ = ingest("discord", *map(str, files))
    assert status == 0
    assert summary["communities"] == ["discord:253601524398293010"]
    assert (summary["created"], summary["skipped"]) == (2, 1)
    assert summary["skipped_reasons"] == {"a direct message or group chat, not a community": 1}
    assert Community.objects.get().name == "Chiptune Makers"  # the server's name, not the file's


def test_a_zip_given_to_ingest_discord_gets_a_sentence_saying_what_to_do(tmp_path):
    archive = tmp_path / "exports.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(discord_file(tmp_path / "general.json", **SERVER), "general.json")
    status, _, err = ingest("discord", str(archive))
    assert status == 2
    assert err.strip() == (
        f"ingest: {archive}: a zip archive, not a DiscordChatExporter JSON export; unzip it and give the "
        ".json files inside (ingest discord FOLDER/*.json)"
    )
    assert "lexical" not in err and not Community.objects.exists()


def test_an_html_export_or_a_folder_is_told_what_to_give_instead(tmp_path):
    html = tmp_path / "general.html"
    html.write_text("<!DOCTYPE html><html><head><title>Chiptune Makers</title></head></html>")
    status, _, err = ingest("discord", str(html))
    assert status == 2 and "an HTML export; export the channel again as JSON" in err
    status, _, err = ingest("discord", str(tmp_path))
    assert status == 2 and err.strip() == (
        f"ingest: {tmp_path}: a folder; name the .json exports in it (ingest discord FOLDER/*.json)"
    )


@pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not there: no real samples to check against")
def test_the_real_dm_and_group_chat_exports_are_skipped_and_the_servers_named():
    samples = REAL / "discord" / "chat-analytics"
    items = list(read_exports([samples / "DM_2A_2M.json", samples / "GC_3A_5M.json", samples / "SV_5A_5M.json"]))
    assert [i.name for i in items if isinstance(i, CommunityRecord)] == ["DefleMask"]
    assert [(s.location, s.reason) for s in items if isinstance(s, Skipped)] == [
        ("DM_2A_2M.json", "a direct message or group chat, not a community"),
        ("GC_3A_5M.json", "a direct message or group chat, not a community"),
    ]
    with pytest.raises(SourceError, match="all 2 files are direct messages"):
        list(read_exports([samples / "DM_2A_2M.json", samples / "GC_3A_5M.json"]))


# --- Slack ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("Ink Lovers Slack export Jan 1 2024 - Mar 31 2024.zip", "Ink Lovers"),
        ("houstondatavis_slack_export_2016-07-31_emails-redacted.zip", "houstondatavis"),
        ("trail_runners_Slack_export_2025.zip", "trail runners"),
        ("workspace-backup.zip", "workspace-backup"),  # Slack's naming not recognised: the name as given
    ],
)
def test_a_slack_workspace_is_named_as_slack_names_its_export(file_name, name):
    assert workspace_name(Path(file_name)) == name


def test_a_slack_export_imports_under_the_workspaces_name(tmp_path):
    path = tmp_path / "Trail Runners Slack export Jan 1 2024 - Feb 1 2024.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in (FIXTURES / "slack").rglob("*.json"):
            archive.write(file, file.relative_to(FIXTURES / "slack").as_posix())
    community = next(i for i in read_slack(path) if isinstance(i, CommunityRecord))
    assert community.name == "Trail Runners"


class FakeForumClient:
    """What read_forum asks of a client: its base URL, and documents by path (None: a 404)."""

    base = "https://forum.penhaven.example"

    def __init__(self, documents: dict):
        self.documents, self.asked = documents, []

    def get(self, path, params=None):
        self.asked.append(path)
        if self.documents.get(path) is None:
            raise SourceError(f"failed: {self.base}{path}: answered 404, not found")
        return self.documents[path]


TOPICS = {"topic_list": {"topics": []}}


def test_a_live_forum_is_named_by_its_title_else_by_its_host():
    from influencers.connectors.discourse import read_forum

    client = FakeForumClient(
        {"/latest.json": TOPICS, "/site/basic-info.json": {"logo_url": None, "title": "Pen Haven"}}
    )
    first = next(read_forum(client.base, client=client))
    assert (first.name, first.external_id) == ("Pen Haven", "https://forum.penhaven.example")
    client = FakeForumClient({"/latest.json": TOPICS})  # an older forum, or one that hides it
    assert next(read_forum(client.base, client=client)).name == "forum.penhaven.example"
    client = FakeForumClient({})  # not answering at all: refused before any community is named
    with pytest.raises(SourceError, match="answered 404"):
        next(read_forum(client.base, client=client))
    assert client.asked == ["/latest.json"]
