"""The live Discord connector against a fake of Discord's API on loopback (tests/fakes/discord_api.py)."""

import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest

from influencers.connectors import discord_live
from influencers.connectors.discord import read_export
from influencers.connectors.discord_live import read_guild
from influencers.connectors.records import (
    Checkpoint,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
    TemporarySourceError,
)
from influencers.ingest.service import run_ingest
from influencers.models import Interaction, SyncRun
from tests.fakes.discord_api import TOKEN, FakeDiscord

DAY_MS = 86_400_000


@pytest.fixture
def fake():
    with FakeDiscord() as server:
        yield server


def read(fake, *, sleeps=None, **options):
    """Everything a sync yields, in order; waits are recorded in ``sleeps`` instead of slept."""
    recorder = sleeps.append if sleeps is not None else (lambda seconds: pytest.fail(f"slept {seconds} s"))
    return list(read_guild(fake.guild_id, token=TOKEN, base_url=fake.url, sleep=recorder, **options))


def untroubled_read() -> list:
    """A read of the recorded server (the same ids every time) with nothing going wrong."""
    with FakeDiscord() as other:
        return read(other)


def records(items) -> dict:
    return {i.external_id: i for i in items if isinstance(i, InteractionRecord)}


def checkpoints(items) -> list[dict]:
    return [i.values for i in items if isinstance(i, Checkpoint)]


def test_the_server_is_the_same_community_an_export_makes(fake):
    items = read(fake)
    assert items[0] == CommunityRecord(
        "discord", fake.guild_id, "Sourdough Society", url=f"https://discord.com/channels/{fake.guild_id}"
    )
    assert [i for i in items if isinstance(i, CommunityRecord)] == [items[0]]


def test_a_channel_of_more_than_a_hundred_messages_is_read_page_by_page(fake):
    added = [fake.add_message(fake.announcements, fake.lena, f"bake {n}")["id"] for n in range(230)]
    got = records(read(fake))
    assert all(message_id in got for message_id in added)
    pages = fake.requested(f"/channels/{fake.announcements}/messages?")
    assert len(pages) == 3  # 231 messages: 100, 100, 31
    afters = [int(page.split("after=")[1].split("&")[0]) for page in pages]
    assert afters[0] == 0 and afters[1] < afters[2] and str(afters[2]) == added[198]


def test_threads_active_and_archived_are_conversations_of_their_own(fake, monkeypatch):
    monkeypatch.setattr(discord_live, "ARCHIVED_THREADS_PER_PAGE", 2)
    later = [fake.add_thread(fake.general, f"Week {n}", archived=True) for n in range(3)]
    for thread in later:
        fake.add_message(thread, fake.hannah, "weekly bake")
    got = records(read(fake))
    threads = {r.thread_external_id for r in got.values()}
    assert {f"thread-{fake.crumb}", f"thread-{fake.rye}", f"thread-{fake.starter}"} <= threads
    assert {f"thread-{t}" for t in later} <= threads  # four archived threads in #general, two a page
    assert len(fake.requested(f"/channels/{fake.general}/threads/archived/public")) == 2
    forum_post = got[fake.starter]  # a forum post's first message has the thread's id
    assert (forum_post.kind, forum_post.text) == ("post", "My starter smells of acetone and stopped rising")
    reply = next(r for r in got.values() if r.text == "Feed it twice a day and keep it warm")
    assert (reply.kind, reply.parent_external_id, reply.thread_external_id) == (
        "comment",
        fake.starter,
        f"thread-{fake.starter}",
    )
    assert f"channel-{fake.help}" not in threads  # a forum channel has no messages of its own


def test_replies_mentions_and_per_user_reactions_say_who_answered_whom(fake):
    got = records(read(fake))
    question, answer = got[fake.question], got[fake.answer]
    assert (question.kind, answer.kind, answer.parent_external_id) == ("post", "comment", fake.question)
    assert question.edited_at is not None and question.text.endswith("(75% hydration)")
    assert (question.score, answer.score) == (2, 2)
    mention = got[f"{fake.answer}:mention:{fake.hannah['id']}"]
    assert (mention.author.handle, mention.target.handle) == ("levain_lena", "hydro_hannah")
    bread = got[f"{fake.question}:reaction:🍞:{fake.lena['id']}"]
    assert (bread.kind, bread.author.handle, bread.target.handle) == ("reaction", "levain_lena", "hydro_hannah")
    assert f"{fake.question}:reaction:🍞:{fake.hannah['id']}" not in got  # her own message
    custom = got[f"{fake.answer}:reaction:breadcat:{fake.miko['id']}"]
    assert (custom.author.display_name, custom.target.handle) == ("Miko", "levain_lena")
    # A server's own emoji is asked for as name:id.
    assert fake.requested(f"/channels/{fake.general}/messages/{fake.answer}/reactions/breadcat%3A1111111111111111111")


def test_bots_deleted_users_and_nicknames(fake):
    got = records(read(fake))
    by_text = {r.text: r for r in got.values() if r.kind == "post"}
    assert by_text["Reminder, @Bakers: news go in #announcements."].author.is_bot
    deleted = by_text["This message was written by an account that no longer exists."].author
    assert deleted.is_deleted and not deleted.is_bot
    # The server nickname when there is one, else the global display name.
    assert got[fake.question].author.display_name == "Hannah"
    assert got[fake.answer].author.display_name == "Lena"
    assert not any(r.text == "" and r.kind == "post" for r in got.values())  # the join is no interaction


def test_without_the_members_intent_names_come_from_the_messages(fake, monkeypatch):
    fake.members_intent = False
    got = records(read(fake))
    assert got[fake.question].author.display_name == "Hannah H"  # her global name, not the server nickname
    assert len(got) == len(records(untroubled_read()))


def test_members_are_read_page_by_page(fake, monkeypatch):
    monkeypatch.setattr(discord_live, "MEMBERS_PER_PAGE", 2)
    got = records(read(fake))
    assert got[f"{fake.answer}:reaction:breadcat:{fake.miko['id']}"].author.display_name == "Miko"  # 4th member
    assert len(fake.requested(f"/guilds/{fake.guild_id}/members")) == 3  # 2, 2, then none


def test_a_channel_the_bot_cannot_see_is_skipped_and_the_rest_read(fake):
    items = read(fake)
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [s.location for s in skipped] == [f"#mods-only ({fake.mods})"]
    assert "403 Missing Access" in skipped[0].reason
    texts = {r.text for r in records(items).values()}
    assert "mods only: nobody outside should read this" not in texts
    assert "Bake-along on Saturday!" in texts and "Feed it twice a day and keep it warm" in texts  # read after it


def test_direct_messages_are_never_asked_for(fake):
    read(fake)
    assert fake.log and not [a for a in fake.log if a.path.startswith("/users")]
    assert {a.status for a in fake.log} == {200, 403}


def test_the_next_sync_starts_a_week_before_its_checkpoint_and_sees_edits_and_new_messages(fake):
    first = read(fake, checkpoint={"channels": {"999": "12345"}})
    checkpoint = checkpoints(first)[-1]
    assert checkpoint["channels"]["999"] == "12345"  # a channel not read now keeps its value
    last = checkpoint["channels"][fake.general]
    bot_message = next(r for r in records(first).values() if r.author.is_bot)
    fake.edit_message(fake.general, fake.question, "Solved: it was the flour")
    fake.delete_message(fake.general, bot_message.external_id)
    new = fake.add_message(fake.general, fake.miko, "Welcome to the new bakers", at=fake.clock + timedelta(days=2))
    fake.log.clear()

    second = read(fake, checkpoint=checkpoint)
    [asked] = fake.requested(f"/channels/{fake.general}/messages?")
    week_before = ((int(last) >> 22) - 7 * DAY_MS) << 22
    assert asked == f"/channels/{fake.general}/messages?after={week_before}&limit=100"
    got = records(second)
    assert got[fake.question].text == "Solved: it was the flour" and got[new["id"]].kind == "post"
    assert bot_message.external_id not in got
    assert checkpoints(second)[-1]["channels"][fake.general] == new["id"]
    assert checkpoints(second)[-1]["channels"]["999"] == "12345"


def test_an_empty_bucket_is_waited_out_before_the_next_request_to_it(fake):
    # The first who-reacted answer in #general says the bucket is empty for 2.5 s: the next
    # reactions request in that channel waits; nothing else does.
    fake.empty_bucket(f"/channels/{fake.general}/messages/{fake.question}/reactions", 2.5)
    sleeps = []
    items = read(fake, sleeps=sleeps)
    assert len(sleeps) == 1 and 2.0 < sleeps[0] <= 2.5
    assert len(records(items)) == len(records(untroubled_read()))


def test_a_429_is_waited_out_as_discord_says_then_retried(fake):
    path = f"/channels/{fake.general}/messages"
    fake.inject(429, path=path, times=2, retry_after=1.0)
    items = list(read_guild(fake.guild_id, token=TOKEN, base_url=fake.url))  # really sleeps
    assert records(items).keys() == records(untroubled_read()).keys()
    arrivals = [a for a in fake.log if a.path.startswith(path + "?")]
    assert [a.status for a in arrivals] == [429, 429, 200]
    assert arrivals[1].at - arrivals[0].at >= 1.0 and arrivals[2].at - arrivals[1].at >= 1.0


def test_a_429_storm_gives_the_sync_back_and_a_read_afterwards_yields_everything_once(fake):
    first = checkpoints(read(fake))[-1]
    late = fake.add_message(fake.rye, fake.hannah, "Late rye report")
    fake.inject(429, path=f"/channels/{fake.rye}/messages", times=discord_live.MAX_RETRIES + 1, retry_after=3)
    sleeps, items = [], []
    with pytest.raises(TemporarySourceError) as raised:
        for item in read_guild(fake.guild_id, token=TOKEN, base_url=fake.url, checkpoint=first, sleep=sleeps.append):
            items.append(item)
    assert raised.value.retry_after == 3 and sleeps == [3] * discord_live.MAX_RETRIES
    cut = checkpoints(items)[-1]
    assert cut["channels"][fake.rye] == first["channels"][fake.rye]  # cut off: keeps its old value
    assert late["id"] not in records(items)

    again = read(fake, checkpoint=cut)
    ids = [i.external_id for i in again if isinstance(i, InteractionRecord)]
    assert late["id"] in ids and not [i for i, n in Counter(ids).items() if n > 1]
    assert set(ids) | set(records(items)) == set(records(read(fake)))


def test_a_wait_longer_than_two_minutes_is_left_to_celery(fake):
    fake.inject(429, path=f"/guilds/{fake.guild_id}/channels", retry_after=600)
    sleeps = []
    with pytest.raises(TemporarySourceError) as raised:
        read(fake, sleeps=sleeps)
    assert raised.value.retry_after == 600 and sleeps == []


def test_a_global_429_is_waited_out(fake):
    fake.inject(429, retry_after=2.0, is_global=True)  # whatever is asked first
    sleeps = []
    items = read(fake, sleeps=sleeps)
    assert sleeps == [2.0]
    guild = f"/guilds/{fake.guild_id}"
    assert [(a.path, a.status) for a in fake.log[:2]] == [(guild, 429), (guild, 200)]
    assert isinstance(items[0], CommunityRecord) and records(items)


def test_server_errors_are_retried_with_backoff(fake):
    fake.inject(502, path=f"/channels/{fake.general}/messages", times=2)
    sleeps = []
    items = read(fake, sleeps=sleeps)
    assert sleeps == [1, 2]
    assert fake.question in records(items)


def test_server_errors_that_last_give_the_sync_back(fake, monkeypatch):
    monkeypatch.setattr(discord_live, "BACKOFF_SECONDS", 0.5)
    fake.inject(500, path=f"/guilds/{fake.guild_id}", times=100)
    sleeps = []
    with pytest.raises(TemporarySourceError, match="answered 500"):
        read(fake, sleeps=sleeps)
    assert sleeps == [0.5, 1, 2]


def test_a_server_that_does_not_answer_gives_the_sync_back():
    with FakeDiscord() as gone:
        url, guild = gone.url, gone.guild_id
    sleeps = []
    with pytest.raises(TemporarySourceError, match="could not connect"):
        list(read_guild(guild, token=TOKEN, base_url=url, sleep=sleeps.append))
    assert sleeps == [1, 2, 4]


def test_a_wrong_token_is_refused_without_repeating_it(fake):
    with pytest.raises(SourceError) as raised:
        list(read_guild(fake.guild_id, token="wrong-secret-token", base_url=fake.url))
    assert "refused the bot token" in str(raised.value) and "wrong-secret-token" not in str(raised.value)
    assert not isinstance(raised.value, TemporarySourceError)


def test_a_server_the_bot_is_not_in_or_that_does_not_exist(fake):
    with pytest.raises(SourceError, match="Discord has no server"):
        list(read_guild("123456", token=TOKEN, base_url=fake.url))
    with pytest.raises(SourceError, match="not a Discord server id"):
        list(read_guild("../users/@me/channels", token=TOKEN, base_url=fake.url))
    assert not fake.requested("/users")


@pytest.mark.parametrize("base", ["http://10.1.2.3/api/v10", "http://localhost:9/api/v10", "file:///etc/passwd"])
def test_an_address_the_outbound_policy_refuses(base):
    with pytest.raises(SourceError, match="refused"):
        list(read_guild("704112345678901234", token=TOKEN, base_url=base))


def test_limit_caps_the_new_messages_read_per_channel(fake):
    added = [fake.add_message(fake.announcements, fake.lena, f"bake {n}")["id"] for n in range(5)]
    items = read(fake, limit=3)
    got = records(items)
    assert [m for m in added if m in got] == added[:2]  # the first message there, then two of these
    assert checkpoints(items)[-1]["channels"][fake.announcements] == added[1]
    rest = records(read(fake, checkpoint=checkpoints(items)[-1], limit=3))
    assert set(added[2:]) <= set(rest)


# --- the same channel as DiscordChatExporter writes it -------------------------------------------------
def export_of_general(fake) -> dict:
    """#general of the fake's server as DiscordChatExporter (2.43, --format Json) exports it: its own
    type names, local times with their offset, authors with nickname and isBot, and who reacted."""
    hannah = {"id": fake.hannah["id"], "name": "hydro_hannah", "discriminator": "0000", "nickname": "Hannah",
              "color": None, "isBot": False, "roles": [],
              "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png"}  # fmt: skip
    lena = {"id": fake.lena["id"], "name": "levain_lena", "discriminator": "0000", "nickname": "Lena", "isBot": False}
    miko = {"id": fake.miko["id"], "name": "miko_mills", "discriminator": "0000", "nickname": "Miko", "isBot": False}
    carl = {"id": fake.carl["id"], "name": "Carl-bot", "discriminator": "1536", "nickname": "Carl-bot", "isBot": True}
    gone = {"id": fake.deleted["id"], "name": "Deleted User", "discriminator": "0000", "nickname": "Deleted User",
            "isBot": False}  # fmt: skip
    ids = fake.messages[fake.general].ids
    join, question, answer, bot, deleted = (str(i) for i in ids)
    common = {"isPinned": False, "attachments": [], "embeds": [], "stickers": [], "inlineEmojis": []}
    return {
        "guild": {"id": fake.guild_id, "name": "Sourdough Society", "iconUrl": ""},
        "channel": {"id": fake.general, "type": "GuildTextChat", "categoryId": "1", "category": "Text",
                    "name": "general", "topic": None},  # fmt: skip
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-03-02T10:00:00.000+01:00",
        "messages": [
            {"id": join, "type": "GuildMemberJoin", "timestamp": "2024-03-01T10:01:00+01:00", "timestampEdited": None,
             "content": "Joined the server.", "author": hannah, "reactions": [], "mentions": [], **common},
            {"id": question, "type": "Default", "timestamp": "2024-03-01T10:02:00+01:00",
             "timestampEdited": "2024-03-01T10:03:00+01:00",
             "content": "My levain doubles in 4 hours but the crumb is dense. Ideas? (75% hydration)", "author": hannah,
             "reactions": [{"emoji": {"id": "", "name": "🍞", "code": "bread", "isAnimated": False}, "count": 2,
                            "users": [lena, hannah]}],
             "mentions": [], **common},
            {"id": answer, "type": "Reply", "timestamp": "2024-03-01T10:04:00+01:00", "timestampEdited": None,
             "content": "Try a longer bulk ferment, @Hannah. :breadcat:", "author": lena,
             "reactions": [{"emoji": {"id": "", "name": "👍", "code": "thumbsup", "isAnimated": False}, "count": 1,
                            "users": [hannah]},
                           {"emoji": {"id": "1111111111111111111", "name": "breadcat", "code": "breadcat",
                                      "isAnimated": False}, "count": 1, "users": [miko]}],
             "mentions": [hannah],
             "reference": {"messageId": question, "channelId": fake.general, "guildId": fake.guild_id}, **common},
            {"id": bot, "type": "Default", "timestamp": "2024-03-01T10:05:00+01:00", "timestampEdited": None,
             "content": "Reminder, @Bakers: news go in #announcements.", "author": carl, "reactions": [],
             "mentions": [], **common},
            {"id": deleted, "type": "Default", "timestamp": "2024-03-01T10:06:00+01:00", "timestampEdited": None,
             "content": "This message was written by an account that no longer exists.", "author": gone,
             "reactions": [], "mentions": [], **common},
        ],
        "messageCount": 5,
    }  # fmt: skip


def compared(items) -> set:
    return {
        (r.external_id, r.kind, r.author.external_id, r.author.display_name, r.author.is_bot, r.author.is_deleted,
         r.parent_external_id, r.thread_external_id, r.target.external_id if r.target else None, r.text, r.posted_at,
         r.url, r.score, r.edited_at)
        for r in items
        if isinstance(r, InteractionRecord)
    }  # fmt: skip


def test_a_live_read_and_an_export_of_the_same_channel_give_the_same_records(fake, tmp_path):
    export = tmp_path / "general.json"
    export.write_text(json.dumps(export_of_general(fake), ensure_ascii=False))
    exported = compared(read_export(export))
    live = {r for r in compared(read(fake)) if r[7] == f"channel-{fake.general}"}
    assert len(exported) == 8  # 4 messages, a mention, 3 reactions by others (and not the join)
    assert live == exported
    # Mentions, a role, a channel and a server's emoji are written as the exporter writes them.
    assert records(read(fake))[fake.answer].text == "Try a longer bulk ferment, @Hannah. :breadcat:"


@pytest.mark.django_db
def test_an_export_then_a_live_sync_of_the_server_store_each_message_once(fake, tmp_path):
    export = tmp_path / "general.json"
    export.write_text(json.dumps(export_of_general(fake), ensure_ascii=False))
    exported = run_ingest(
        sync_run=SyncRun.objects.create(source="discord", arguments={"paths": [str(export)]}),
        items=read_export(export),
    )
    assert exported.created == 8
    # The bot sees only #general, as the export held only #general.
    fake.hidden |= {c["id"] for c in fake.channels if c["id"] != fake.general} | {t["id"] for t in fake.threads}
    live = run_ingest(
        sync_run=SyncRun.objects.create(source="discord", arguments={"guild": fake.guild_id}), items=read(fake)
    )
    assert (live.created, live.updated) == (0, 0)
    # Skipped: #announcements, #mods-only, the forum's thread list, and the two threads of #general.
    assert live.unchanged == 8 and live.skipped == 5
    assert Interaction.objects.count() == 8


# --- a large generated server ----------------------------------------------------------------------------
def test_a_generated_server_is_the_same_for_the_same_seed():
    reads = []
    for _ in range(2):
        with FakeDiscord(recorded=False) as generated:
            generated.populate(3, 250, seed=7)
            reads.append(compared(read(generated)))
    assert reads[0] == reads[1]
    messages = [r for r in reads[0] if r[1] in ("post", "comment")]
    assert len(messages) == 250 and len({r[7] for r in messages}) == 3


def test_the_fake_runs_in_its_own_process(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.discord_api", "--port", "0", "--messages", "300", "--channels", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        guild = process.stdout.readline().split()[1]
        items = list(read_guild(guild, token=TOKEN, base_url=url))
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v10")
    assert len([r for r in records(items).values() if r.kind in ("post", "comment")]) == 300
