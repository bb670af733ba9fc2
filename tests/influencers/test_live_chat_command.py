"""`ingest slack --live` and `ingest discord --live` against the fakes, as an operator runs them:
the summary, a second run that creates nothing, a community's own token preferred to the
environment's, and a refused token as one line on stderr with exit status 2."""

import json

import pytest
from django.core.management import call_command

from influencers import services
from influencers.models import Community, Interaction, SyncRun
from tests.fakes import discord_api, slack_api

pytestmark = pytest.mark.django_db


def ingest(capsys, *arguments) -> dict:
    call_command("ingest", *arguments, "--json")
    return json.loads(capsys.readouterr().out)


def test_ingest_slack_live_reads_the_workspace_and_a_second_run_creates_nothing(settings, capsys):
    with slack_api.trail_runners() as fake:
        settings.SLACK_API_URL, settings.SLACK_BOT_TOKEN = fake.url, slack_api.TOKEN
        first = ingest(capsys, "slack", "--live", "--team", fake.team_id)
        again = ingest(capsys, "slack", "--live", "--team", fake.team_id.lower())
    assert first["source"] == "slack-live" and first["communities"] == [f"slack:{fake.team_id}"]
    assert first["created"] == Interaction.objects.count() > 0 and first["skipped"] == 0
    assert again["created"] == 0 and again["read"] > 0
    assert Community.objects.get().name == fake.team
    assert SyncRun.objects.order_by("pk").last().checkpoint["channels"]  # the next starts where this stopped


def test_ingest_discord_live_prefers_the_communitys_own_token_to_the_environments(settings, capsys):
    own_token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.the-servers-own-bot-token"
    with discord_api.FakeDiscord(token=own_token) as fake:
        settings.DISCORD_API_URL, settings.DISCORD_BOT_TOKEN = fake.url, discord_api.TOKEN  # not this server's
        services.live_connection_save(platform="discord", external_id=fake.guild_id, token=own_token)
        summary = ingest(capsys, "discord", "--live", "--guild", fake.guild_id, "--limit", "2")
    assert summary["source"] == "discord-live" and summary["created"] > 0
    assert Community.objects.get().name == fake.guild["name"]  # named as the server names itself, not by its id


def test_a_refused_token_is_one_line_and_status_2_and_the_token_is_never_printed(settings, capsys):
    with slack_api.trail_runners() as fake:
        settings.SLACK_API_URL, settings.SLACK_BOT_TOKEN = fake.url, "xoxb-revoked-0000000000-secret"
        with pytest.raises(SystemExit) as stopped:
            call_command("ingest", "slack", "--live", "--team", fake.team_id)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and err.startswith("ingest: ") and "refused the bot token" in err
    assert "xoxb-revoked" not in err and len(err.strip().splitlines()) == 1
    assert SyncRun.objects.get().status == "failed"
