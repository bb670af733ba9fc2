"""Live Slack and Discord connections: the operator's admin, the sealed token, which syncs beat
queues, how a run finds its token, the ingest command's --live, and the community page."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from influencers import services
from influencers.ingest.runs import sync_run_create, sync_run_execute, sync_run_for_community
from influencers.models import Community, LiveConnection, SyncRun, SyncStatus
from influencers.tasks import sync_tracked_communities

pytestmark = pytest.mark.django_db
SLACK_TOKEN = "xoxb-1111-2222-abcdefghijklmnop"
DISCORD_TOKEN = "MTE5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz0123"


def test_a_connection_seals_its_token_and_keeps_only_its_last_four_characters_readable():
    row = services.live_connection_save(platform="slack", external_id="t024be7lf", token=SLACK_TOKEN)
    row.refresh_from_db()
    assert row.community.key == "slack:T024BE7LF" and row.community.is_tracked
    assert SLACK_TOKEN not in row.token_sealed and row.token_ending == "mnop"
    assert services.live_connection_token(community=row.community) == SLACK_TOKEN


def test_a_connection_joins_the_community_an_export_created_and_a_later_save_may_keep_the_token():
    exported = Community.objects.create(platform="discord", external_id="123456789012345678", name="Ink Guild")
    services.live_connection_save(platform="discord", external_id=" 123456789012345678 ", token=DISCORD_TOKEN)
    assert Community.objects.count() == 1
    services.live_connection_save(platform="discord", external_id="123456789012345678", token=None, track=False)
    exported.refresh_from_db()
    assert exported.name == "Ink Guild" and not exported.is_tracked
    assert services.live_connection_token(community=exported) == DISCORD_TOKEN


@pytest.mark.parametrize(
    ("platform", "external_id", "token", "field"),
    [
        ("reddit", "fountainpens", SLACK_TOKEN, "platform"),
        ("slack", "general", SLACK_TOKEN, "external_id"),
        ("discord", "T024BE7LF", DISCORD_TOKEN, "external_id"),
        ("slack", "T024BE7LF", "xoxp-user-token-not-a-bot-one", "token"),
        ("slack", "T024BE7LF", "xoxb-short", "token"),
        ("discord", "123456789012345678", "has a space in it somewhere ok", "token"),
    ],
)
def test_a_connection_refuses_what_cannot_be_a_workspace_server_or_bot_token(platform, external_id, token, field):
    with pytest.raises(ValidationError) as refused:
        services.live_connection_save(platform=platform, external_id=external_id, token=token)
    assert field in refused.value.message_dict
    assert not LiveConnection.objects.exists() and not Community.objects.exists()


def test_beat_queues_chat_communities_only_with_a_bot_token(settings, django_capture_on_commit_callbacks):
    settings.SLACK_BOT_TOKEN = settings.DISCORD_BOT_TOKEN = None
    services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    Community.objects.create(platform="slack", external_id="T0EXPORTED", name="From an export", is_tracked=True)
    Community.objects.create(platform="discord", external_id="123456789012345678", name="Guild", is_tracked=True)
    with django_capture_on_commit_callbacks() as queued:
        assert sync_tracked_communities() == 1
    assert len(queued) == 1
    settings.DISCORD_BOT_TOKEN = DISCORD_TOKEN  # the operator's: every tracked server may be read now
    with django_capture_on_commit_callbacks():
        assert sync_tracked_communities() == 2
    guild = Community.objects.get(platform="discord")
    run = sync_run_for_community(community=guild)
    assert (run.source, run.arguments) == ("discord-live", {"guild": "123456789012345678"})
    with pytest.raises(ValueError):
        sync_run_for_community(community=Community.objects.get(external_id="T0EXPORTED"))


def test_a_run_without_a_token_fails_saying_where_to_put_one(settings):
    settings.SLACK_BOT_TOKEN = None
    run = sync_run_create(source="slack-live", arguments={"team": "t0nobody"})
    assert run.arguments == {"team": "T0NOBODY"}
    with pytest.raises(Exception, match="no bot token for slack:T0NOBODY"):
        sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "SLACK_BOT_TOKEN" in run.error and "admin" in run.error


def test_a_token_no_key_opens_fails_the_run_with_the_setting_to_look_at_not_the_token(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    services.live_connection_save(platform="discord", external_id="123456789012345678", token=DISCORD_TOKEN)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key removed
    run = sync_run_create(source="discord-live", arguments={"guild": "123456789012345678"})
    with pytest.raises(Exception, match="cannot be opened"):
        sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert "ENCRYPTION_KEYS" in run.error and DISCORD_TOKEN not in run.error


def test_reseal_secrets_moves_bot_tokens_to_the_first_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    row = services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("reseal_secrets")
    settings.ENCRYPTION_KEYS = [new]
    row.refresh_from_db()
    assert services.live_connection_token(community=row.community) == SLACK_TOKEN


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["slack", "--live"], "--live needs --team"),
        (["slack", "--team", "T024BE7LF"], "--team and --limit go with --live"),
        (["slack"], "give the export's .zip, or --live --team ID"),
        (["discord", "--live", "a.json", "--guild", "1"], "give --guild instead of files"),
        (["discord"], "give the .json exports, or --live --guild ID"),
    ],
)
def test_the_ingest_command_says_what_live_needs(arguments, says, capsys):
    with pytest.raises(SystemExit) as stopped:
        call_command("ingest", *arguments)
    assert stopped.value.code == 2
    assert says in capsys.readouterr().err
    assert not SyncRun.objects.exists()


def test_operators_add_a_live_community_in_the_admin_and_its_first_sync_is_queued(
    client, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user("operator", is_superuser=True))
    url = reverse("admin:influencers_liveconnection_add")
    form = {
        "platform": "slack",
        "external_id": "T024BE7LF",
        "token": "xoxp-1111-2222-a-user-token-not-a-bot",
        "track": "on",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "starts with xoxb-" in refused.content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, {**form, "token": SLACK_TOKEN})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(queued) == 1
    row = LiveConnection.objects.get()
    assert row.community.is_tracked and row.added_by.username == "operator"
    SyncRun.objects.create(source="slack-live", arguments={"team": "T024BE7LF"}).communities.add(row.community)
    listing = client.get(reverse("admin:influencers_liveconnection_changelist")).content.decode()
    assert "ending …mnop" in listing and SLACK_TOKEN not in listing and "Queued 20" in listing
    change = client.get(reverse("admin:influencers_liveconnection_change", args=[row.pk])).content.decode()
    assert SLACK_TOKEN not in change and row.token_sealed not in change
    # A change without a token keeps the stored one.
    response = client.post(reverse("admin:influencers_liveconnection_change", args=[row.pk]), {"token": ""})
    assert response.status_code == 302
    assert services.live_connection_token(community=row.community) == SLACK_TOKEN
    assert not LiveConnection.objects.get().community.is_tracked  # the box was left unticked


def test_members_who_are_not_operators_never_see_the_connections(client, manager_a):
    row = services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    client.force_login(manager_a)
    assert client.get(reverse("admin:influencers_liveconnection_changelist")).status_code == 403
    assert client.get(reverse("admin:influencers_liveconnection_change", args=[row.pk])).status_code in (302, 403)
    added = client.post(
        reverse("admin:influencers_liveconnection_add"),
        {"platform": "slack", "external_id": "T0OTHER12", "token": SLACK_TOKEN, "track": "on"},
    )
    assert added.status_code == 403 and LiveConnection.objects.count() == 1


def test_the_community_page_says_where_its_data_comes_from_and_why_its_last_sync_failed(client, manager_a, settings):
    settings.SLACK_BOT_TOKEN = None
    row = services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    run = SyncRun.objects.create(
        source="slack-live",
        arguments={"team": "T024BE7LF"},
        status=SyncStatus.FAILED,
        error="Slack refused the bot token (token_revoked): ask the workspace's admins for a new one",
        attempt_log=[{"attempt": 1, "outcome": "failed", "next_attempt_in_seconds": 60}],
    )
    run.communities.add(row.community)
    client.force_login(manager_a)
    page = client.get(reverse("community", args=[row.community.pk])).content.decode()
    assert "Read live through a Slack bot" in page and "Synced every hour" in page
    assert "Slack refused the bot token (token_revoked)" in page and "about 60 seconds" in page
    assert SLACK_TOKEN not in page and "mnop" not in page


def test_the_community_page_names_an_export_a_direct_load_and_nothing_yet(client, manager_a, community):
    from influencers.selectors import community_source

    assert community_source(community=community).how == "Nothing imported yet."
    community.last_activity_at = community.created_at
    assert "Loaded directly" in community_source(community=community).how
    exported = Community.objects.create(platform="slack", external_id="T0EXPORT1", name="From an export")
    SyncRun.objects.create(source="slack", arguments={"path": "/x.zip"}, status="completed").communities.add(exported)
    client.force_login(manager_a)
    page = client.get(reverse("community", args=[exported.pk])).content.decode()
    assert "Slack workspace export." in page and "Imported from files" in page and "Read live" not in page


def test_a_failure_is_said_once_whichever_way_the_source_words_it():
    from influencers.selectors import CommunitySource

    def said(error: str) -> str:
        run = SyncRun(source="discord-live", status=SyncStatus.FAILED, error=error)
        return CommunitySource(how="", kept_up_to_date="", last_sync=run, next_attempt_in_seconds=None).failure

    assert said("failed: Discord answered 503") == "It failed: Discord answered 503"
    assert said("refused: http://10.0.0.1: a private address") == "It was refused: http://10.0.0.1: a private address"
    assert said("no bot token for discord:1") == "It failed: no bot token for discord:1"


def test_the_admin_refuses_to_add_a_connection_twice_and_says_every_problem_at_once(client, make_user):
    client.force_login(make_user("operator", is_superuser=True))
    url = reverse("admin:influencers_liveconnection_add")
    both_wrong = client.post(url, {"platform": "slack", "external_id": "general", "token": "xoxp-1111-2222-user-token"})
    page = both_wrong.content.decode()
    assert "A Slack team id is T" in page and "starts with xoxb-" in page
    slack_on_discord = client.post(
        url, {"platform": "discord", "external_id": "123456789012345678", "token": SLACK_TOKEN}
    ).content.decode()
    assert "That is a Slack token" in slack_on_discord
    services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    again = client.post(url, {"platform": "slack", "external_id": "t024be7lf", "token": SLACK_TOKEN + "x"})
    assert again.status_code == 200 and "Already connected" in again.content.decode()
    assert services.live_connection_token(community=Community.objects.get()) == SLACK_TOKEN  # not replaced


def test_unticking_hourly_queues_no_sync_and_a_removed_bot_is_said_on_the_page(
    client, make_user, manager_a, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_BOT_TOKEN = None
    row = services.live_connection_save(platform="slack", external_id="T024BE7LF", token=SLACK_TOKEN)
    SyncRun.objects.create(source="slack-live", arguments={"team": "T024BE7LF"}, status="completed").communities.add(
        row.community
    )
    client.force_login(make_user("operator", is_superuser=True))
    change = reverse("admin:influencers_liveconnection_change", args=[row.pk])
    assert "A token is stored, ending …mnop" in client.get(change).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        assert client.post(change, {"token": ""}).status_code == 302
    assert queued == []
    delete = reverse("admin:influencers_liveconnection_delete", args=[row.pk])
    followed = client.post(delete, {"post": "yes"}, follow=True).content.decode()
    assert "no longer read live" in followed and Community.objects.filter(pk=row.community_id).exists()
    client.force_login(manager_a)
    page = client.get(reverse("community", args=[row.community_id])).content.decode()
    assert "No longer synced: its bot token was removed" in page and "Synced every hour" not in page
    settings.SLACK_BOT_TOKEN = SLACK_TOKEN  # the operator's own token could read it again, once tracked
    page = client.get(reverse("community", args=[row.community_id])).content.decode()
    assert "Not synced on its own: an operator can mark it tracked" in page


def test_a_new_token_is_tried_with_the_platform_before_it_is_stored(client, make_user, settings):
    from tests.fakes import discord_api, slack_api

    client.force_login(make_user("operator", is_superuser=True))
    url = reverse("admin:influencers_liveconnection_add")
    with slack_api.trail_runners() as fake:
        settings.SLACK_API_URL = fake.url
        slack = {"platform": "slack", "external_id": fake.team_id, "track": "on"}
        refused = client.post(url, {**slack, "token": "xoxb-1111-2222-revoked-long-ago"}).content.decode()
        assert "Not stored: Slack refused the bot token" in refused
        elsewhere = client.post(url, {**slack, "external_id": "T0ELSEWHERE", "token": slack_api.TOKEN})
        assert "belongs to workspace &#x27;Trail Runners&#x27;" in elsewhere.content.decode()
        assert not Community.objects.exists()  # nothing stored, not even a community named by its id
        assert client.post(url, {**slack, "token": slack_api.TOKEN}).status_code == 302
    assert Community.objects.get(platform="slack").name == "Trail Runners"  # named before its first sync
    with discord_api.FakeDiscord() as fake:
        settings.DISCORD_API_URL = fake.url
        server = {"platform": "discord", "token": discord_api.TOKEN, "track": "on"}
        absent = client.post(url, {**server, "external_id": "111111111111111111"}).content.decode()
        assert "Not stored: Discord has no server 111111111111111111" in absent
        assert client.post(url, {**server, "external_id": fake.guild_id}).status_code == 302
    assert Community.objects.get(platform="discord").name == fake.guild["name"]


def test_a_token_that_cannot_be_tried_now_is_stored_with_a_warning(client, make_user):
    """Slack not answering (the test settings point at a port where nothing listens) does not
    keep an operator from storing the token: the first sync tries it, and says."""
    client.force_login(make_user("operator", is_superuser=True))
    form = {"platform": "slack", "external_id": "T024BE7LF", "token": SLACK_TOKEN, "track": "on"}
    page = client.post(reverse("admin:influencers_liveconnection_add"), form, follow=True).content.decode()
    assert "could not be tried now" in page and SLACK_TOKEN not in page
    assert LiveConnection.objects.get().community.name == "T024BE7LF"
