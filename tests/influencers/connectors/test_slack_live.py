"""The live Slack connector against a fake Web API on loopback, through the real slack_sdk client."""

import json
import logging
import time
import zipfile
from decimal import Decimal

import pytest

from influencers.connectors import slack_live
from influencers.connectors.records import Checkpoint, InteractionRecord, SourceError, TemporarySourceError
from influencers.connectors.slack import read_export
from influencers.connectors.slack_live import LOOKBACK_SECONDS, RATE_LIMIT_RETRIES, SERVER_ERROR_RETRIES, read_workspace
from influencers.ingest.service import run_ingest
from influencers.models import Community, Interaction, SyncRun
from tests.fakes.slack_api import TEAM_ID, TOKEN, FakeSlack, trail_runners
from tests.influencers.connectors import split

QUESTION = "general:1712048400.000200"


@pytest.fixture
def fake():
    with trail_runners() as fake:
        yield fake


def read(fake, **options):
    return list(read_workspace(TEAM_ID, token=TOKEN, base_url=fake.url, **options))


def checkpoints(items):
    return [i.values for i in items if isinstance(i, Checkpoint)]


def interaction_ids(items):
    return [i.external_id for i in items if isinstance(i, InteractionRecord)]


def test_every_page_of_members_channels_history_and_replies_is_read(fake):
    fake.max_page_size = 2  # Slack may answer fewer than asked: the cursor carries on
    _, records, skipped = split(read(fake))
    assert sorted(k for k in records if ":mention:" not in k and ":reaction:" not in k) == [
        "gear:1712052000.000100",
        "general:1712048400.000200",
        "general:1712049000.000300",
        "general:1712049600.000400",
        "general:1712049700.000450",
        "general:1712050000.000500",
        "general:1712051000.000600",
    ]
    assert not skipped
    # Five members on pages of two; three general pages; the thread's four messages on two pages.
    assert len(fake.asked("users.list")) == 3
    assert [r.params["channel"] for r in fake.asked("conversations.history")] == ["C01GENERAL"] * 3 + ["C02GEAR"]
    assert len(fake.asked("conversations.replies")) == 2
    assert all(r.params.get("limit") == "200" for r in fake.requests if r.method != "auth.test")
    # Members on the last page are known: the deactivated member's message says so.
    assert records["general:1712051000.000600"].author.is_deleted


def test_threads_are_linked_as_the_export_links_them_and_each_message_comes_once(fake):
    items = read(fake)
    ids = interaction_ids(items)
    assert len(ids) == len(set(ids))  # the broadcast reply is in history and in the thread: once
    _, records, _ = split(items)
    question, answer, thanks = (
        records[QUESTION],
        records["general:1712049000.000300"],
        records["general:1712049600.000400"],
    )
    broadcast = records["general:1712049700.000450"]
    assert question.kind == "post" and question.thread_external_id == QUESTION and not question.parent_external_id
    for reply in (answer, thanks, broadcast):
        assert (reply.kind, reply.parent_external_id, reply.thread_external_id) == ("comment", QUESTION, QUESTION)
    assert answer.edited_at is not None and question.edited_at is None


def test_reactions_and_mentions_are_interactions_between_members(fake):
    _, records, _ = split(read(fake))
    eyes = records[f"{QUESTION}:reaction:eyes:U01MAYA"]
    assert (eyes.kind, eyes.author.handle, eyes.target.external_id, eyes.text) == (
        "reaction",
        "maya.vert",
        "U02JONAS",
        "eyes",
    )
    hearts = {k for k in records if k.startswith("general:1712049600.000400:reaction:heart:")}
    assert hearts == {
        "general:1712049600.000400:reaction:heart:U01MAYA",
        "general:1712049600.000400:reaction:heart:U03GONE",
    }
    mention = records["general:1712049000.000300:mention:U02JONAS"]
    assert (mention.author.external_id, mention.target.handle) == ("U01MAYA", "jonas")
    # A mention of oneself is no interaction, and "has left the channel" is no message.
    assert "gear:1712053000.000100" not in records
    assert records["gear:1712052000.000100:mention:U02JONAS"].author.external_id == "U01MAYA"


def test_bots_are_flagged_and_joins_are_not_interactions(fake):
    _, records, _ = split(read(fake))
    standup = records["general:1712050000.000500"]
    assert standup.author.is_bot and standup.author.external_id == "bot-B04STANDUP"
    assert not records[QUESTION].author.is_bot
    assert "general:1712044800.000100" not in records


def test_only_invited_public_channels_are_read_and_private_conversations_are_never_asked_for(fake):
    items = read(fake)
    assert {r.params["types"] for r in fake.asked("conversations.list")} == {"public_channel"}
    assert all(r.params["exclude_archived"] == "1" for r in fake.asked("conversations.list"))
    asked_channels = {r.params.get("channel") for r in fake.requests if r.method.startswith("conversations.")}
    assert asked_channels - {None} == {"C01GENERAL", "C02GEAR"}  # not random (not invited), coaches, the DM
    assert {r.method for r in fake.requests} == {
        "auth.test", "users.list", "conversations.list", "conversations.history", "conversations.replies",
    }  # fmt: skip
    texts = [i.text for i in items if isinstance(i, InteractionRecord)]
    assert not [t for t in texts if "Private" in t or "headlamp" in t]


def test_a_private_channel_in_the_answer_is_passed_over_all_the_same(fake):
    # As if Slack (or a proxy) answered more than was asked: the connector checks for itself.
    fake.channels["G04COACHES"]["is_channel"] = True
    original = fake._conversations_list
    fake._conversations_list = lambda params: original({**params, "types": "public_channel,private_channel,im"})
    read(fake)
    assert {r.params.get("channel") for r in fake.asked("conversations.history")} == {"C01GENERAL", "C02GEAR"}


def test_a_second_read_starts_a_week_before_the_checkpoint_and_picks_up_late_replies_and_edits(fake):
    first = read(fake)
    checkpoint = checkpoints(first)[-1]
    assert checkpoint == {"channels": {"C01GENERAL": "1712051000.000600", "C02GEAR": "1712053000.000100"}}
    late = fake.add_message("C01GENERAL", "U02JONAS", "Ran it! 6h12, no bonk.", thread_ts="1712048400.000200")
    fake.edit_message("C01GENERAL", "1712050000.000500", "Daily check-in (edited): who ran today?")
    fake.delete_message("C01GENERAL", "1712051000.000600")
    new = fake.add_message("C02GEAR", "U01MAYA", "Bought the vest, thanks <@U02JONAS>")
    fake.requests.clear()

    second = read(fake, checkpoint=checkpoint)

    oldest = {r.params["channel"]: r.params.get("oldest") for r in fake.asked("conversations.history")}
    assert oldest == {
        "C01GENERAL": str(Decimal("1712051000.000600") - LOOKBACK_SECONDS),
        "C02GEAR": str(Decimal("1712053000.000100") - LOOKBACK_SECONDS),
    }
    _, records, _ = split(second)
    reply = records[f"general:{late['ts']}"]
    assert (reply.kind, reply.parent_external_id) == ("comment", QUESTION)
    edited = records["general:1712050000.000500"]
    assert edited.text == "Daily check-in (edited): who ran today?" and edited.edited_at is not None
    assert "general:1712051000.000600" not in records  # deleted since: not made again
    assert f"gear:{new['ts']}" in records
    # History lists a thread under its first message, not its late reply; and the newest message
    # of general was deleted: its checkpoint stays where it was rather than going back.
    assert checkpoints(second)[-1] == {"channels": {"C01GENERAL": "1712051000.000600", "C02GEAR": new["ts"]}}


def test_a_checkpoint_of_other_channels_is_kept_whole(fake):
    items = read(fake, checkpoint={"channels": {"C99ARCHIVED": "1600000000.000100"}})
    assert checkpoints(items)[0] == {
        "channels": {"C99ARCHIVED": "1600000000.000100", "C01GENERAL": "1712051000.000600"}
    }


def test_limit_reads_the_newest_messages_and_keeps_the_old_checkpoint_of_a_channel_cut_short(fake):
    items = read(fake, limit=1, checkpoint={"channels": {"C01GENERAL": "1712000000.000000"}})
    _, records, _ = split(items)
    # general's newest message, then gear's newest, a leave: the limit counts it, and it is no interaction.
    assert [k for k in records if records[k].kind == "post"] == ["general:1712051000.000600"]
    assert len(fake.asked("conversations.history")) == 2
    assert checkpoints(items)[-1] == {"channels": {"C01GENERAL": "1712000000.000000"}}


def test_a_429_is_waited_out_as_retry_after_says(fake):
    clean = interaction_ids(read(fake))
    fake.requests.clear()
    fake.fail("conversations.history", 429, times=2, retry_after=1)
    again = read(fake)
    assert interaction_ids(again) == clean
    history = fake.asked("conversations.history")
    assert [r.status for r in history[:3]] == [429, 429, 200]
    assert history[1].at - history[0].at >= 1.0 and history[2].at - history[1].at >= 1.0


def test_a_429_storm_longer_than_the_retries_is_a_temporary_error_and_a_re_read_gets_everything_once(fake):
    clean = interaction_ids(read(fake))
    fake.requests.clear()
    fake.fail("conversations.replies", 429, times=RATE_LIMIT_RETRIES, retry_after=0)
    fake.fail("conversations.replies", 429, retry_after=30)  # the last answer's wait is the one reported
    partial = []
    with pytest.raises(TemporarySourceError) as raised:
        for item in read_workspace(TEAM_ID, token=TOKEN, base_url=fake.url):
            partial.append(item)
    assert raised.value.retry_after == 30
    assert len(fake.asked("conversations.replies")) == RATE_LIMIT_RETRIES + 1
    assert not checkpoints(partial)  # general was cut off: no checkpoint claims it
    again = interaction_ids(read(fake))
    assert again == clean and len(again) == len(set(again))


def test_a_retry_after_longer_than_two_minutes_is_left_to_the_task_without_sleeping(fake, monkeypatch):
    slept = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: slept.append(seconds) or real_sleep(min(seconds, 0.01)))
    fake.fail("conversations.history", 429, retry_after=600)
    with pytest.raises(TemporarySourceError, match="rate-limited") as raised:
        read(fake)
    assert raised.value.retry_after == 600
    assert not slept and len(fake.asked("conversations.history")) == 1


def test_a_server_error_is_retried(fake):
    fake.fail("users.list", 503)
    _, records, _ = split(read(fake))
    assert QUESTION in records
    assert [r.status for r in fake.asked("users.list")] == [503, 200]


def test_server_errors_that_last_are_a_temporary_error(fake):
    fake.fail("conversations.list", 500, times=10)
    with pytest.raises(TemporarySourceError, match="answered 500"):
        read(fake)
    assert len(fake.asked("conversations.list")) == 1 + SERVER_ERROR_RETRIES


def test_a_refused_token_is_one_clear_error_that_never_shows_the_token(fake, caplog):
    secret = "xoxb-999-do-not-print-me"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError, match="Slack refused the bot token \\(invalid_auth\\)") as raised:
        list(read_workspace(TEAM_ID, token=secret, base_url=fake.url))
    assert not isinstance(raised.value, TemporarySourceError)
    assert secret not in str(raised.value) and secret not in caplog.text
    assert [r.method for r in fake.requests] == ["auth.test"]


def test_a_token_of_another_workspace_is_refused(fake):
    with pytest.raises(SourceError, match="belongs to workspace 'Trail Runners' \\(T03TRAILRUN\\), not T0OTHER"):
        list(read_workspace("T0OTHER", token=TOKEN, base_url=fake.url))
    assert [r.method for r in fake.requests] == ["auth.test"]


def test_a_missing_scope_is_named(fake):
    fake.fail("users.list", 200, body={"ok": False, "error": "missing_scope", "needed": "users:read"})
    with pytest.raises(SourceError, match="lacks the scope users:read"):
        read(fake)


def test_a_channel_the_bot_was_removed_from_mid_sync_is_skipped_and_the_rest_read(fake):
    fake.fail("conversations.history", 200, body={"ok": False, "error": "not_in_channel"})
    items = read(fake)
    _, records, skipped = split(items)
    assert [(s.location, s.reason.split(";")[0]) for s in skipped] == [
        ("#general", "Slack refused the channel (not_in_channel)")
    ]
    assert "gear:1712052000.000100" in records and QUESTION not in records
    assert checkpoints(items)[-1] == {"channels": {"C02GEAR": "1712053000.000100"}}


def test_an_unusable_message_is_skipped_and_the_rest_read(fake):
    fake.add_message("C02GEAR", "U01MAYA", "reactions gone wrong", ts="1712052100.000100", reactions="lots")
    _, records, skipped = split(read(fake))
    assert [(s.location, s.reason) for s in skipped] == [
        ("#gear message 1712052100.000100", "unusable message (reactions is not a list of objects)")
    ]
    assert "gear:1712052000.000100" in records


def test_an_address_the_outbound_policy_refuses_is_never_asked(fake):
    with pytest.raises(SourceError, match="^refused: http://10.1.2.3/api/"):
        list(read_workspace(TEAM_ID, token=TOKEN, base_url="http://10.1.2.3/api"))


def test_an_address_without_its_final_slash_works_and_settings_give_the_default(fake, settings):
    assert interaction_ids(read_workspace(TEAM_ID, token=TOKEN, base_url=fake.url.rstrip("/")))
    settings.SLACK_API_URL = fake.url.rstrip("/")
    assert interaction_ids(read_workspace(TEAM_ID, token=TOKEN)) == interaction_ids(read(fake))


def test_a_generated_workspace_is_read_whole():
    with FakeSlack() as fake:
        fake.populate(channels=3, messages=1000, seed=7)
        items = read(fake)
    _, records, skipped = split(items)
    messages = [r for r in records.values() if r.kind in ("post", "comment")]
    assert len(messages) == fake.message_count() and not skipped
    assert "topic-0" in {k.split(":")[0] for k in records} and "not-invited" not in {k.split(":")[0] for k in records}
    assert len(checkpoints(items)[-1]["channels"]) == 3


# --- the export and the live API agree --------------------------------------------------------
def export_zip(fake, tmp_path):
    path = tmp_path / "Trail Runners Slack export Apr 2 2024.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in fake.export_files().items():
            archive.writestr(name, json.dumps(content))
    return path


def conversation(items):
    return sorted(
        (
            r.external_id,
            r.kind,
            r.author.external_id if r.author else None,
            r.parent_external_id,
            r.thread_external_id,
            r.target.external_id if r.target else None,
            r.text,
            r.posted_at,
        )
        for r in items
        if isinstance(r, InteractionRecord)
    )


def test_the_export_and_the_live_api_give_the_same_interactions(fake, tmp_path):
    exported = list(read_export(export_zip(fake, tmp_path)))
    live = read(fake)
    [export_community] = [c for c in exported if not isinstance(c, InteractionRecord)]
    assert export_community.key == split(live)[0][0].key == f"slack:{TEAM_ID}"
    # A standard export holds every public channel; the bot reads those it was invited to.
    invited = [r for r in exported if isinstance(r, InteractionRecord) and not r.external_id.startswith("random:")]
    assert len(invited) < len([r for r in exported if isinstance(r, InteractionRecord)])
    assert conversation(live) == conversation(invited)
    assert len(conversation(live)) == 12  # 7 messages, 2 mentions, 3 reactions


@pytest.mark.django_db
def test_an_export_then_a_live_sync_store_each_message_once(fake, tmp_path):
    path = export_zip(fake, tmp_path)
    export_run = SyncRun.objects.create(source="slack", arguments={"path": str(path)})
    exported = run_ingest(sync_run=export_run, items=read_export(path))
    stored = Interaction.objects.count()
    assert exported.created == stored > 0
    live_run = SyncRun.objects.create(source="slack", arguments={"team": TEAM_ID})
    live = run_ingest(sync_run=live_run, items=read_workspace(TEAM_ID, token=TOKEN, base_url=fake.url))
    assert live.created == 0 and live.read > 0
    assert Interaction.objects.count() == stored
    assert Community.objects.filter(platform="slack").count() == 1
    live_run.refresh_from_db()
    assert set(live_run.checkpoint["channels"]) == {"C01GENERAL", "C02GEAR"}
    # New since the export: the next live sync stores it, once.
    fake.add_message("C01GENERAL", "U01MAYA", "Race report is up", ts="1712060000.000100")
    again = run_ingest(
        sync_run=SyncRun.objects.create(source="slack", arguments={"team": TEAM_ID}),
        items=read_workspace(TEAM_ID, token=TOKEN, base_url=fake.url, checkpoint=live_run.checkpoint),
    )
    assert again.created == 1 and Interaction.objects.count() == stored + 1


def test_no_token_is_one_clear_error_before_any_request(fake):
    with pytest.raises(SourceError, match="no Slack bot token"):
        list(read_workspace(TEAM_ID, token="", base_url=fake.url))
    assert not fake.requests
    assert slack_live.api_base_url("https://slack.example/api") == "https://slack.example/api/"


def test_an_api_that_does_not_answer_is_a_temporary_error():
    with FakeSlack() as fake:
        url = fake.url  # a port nothing listens on once the fake has stopped
    with pytest.raises(TemporarySourceError, match="failed: Slack auth.test: no answer"):
        list(read_workspace(TEAM_ID, token=TOKEN, base_url=url))
