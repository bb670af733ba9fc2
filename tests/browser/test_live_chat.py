"""An operator connects a Slack workspace in the admin, in a real browser: the first sync reads it
from the fake Slack (the real slack_sdk client), and the community's page says where its data
comes from and how the sync went; when the token is revoked, the page says why the next failed."""

import pytest

from tests.fakes import slack_api

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operator_connects_a_workspace_and_a_manager_reads_where_its_data_comes_from(
    page, log_in, live_server, make_user, manager_a, settings
):
    from influencers.models import Community, Interaction, SyncRun
    from influencers.tasks import sync_community

    make_user("operator", is_superuser=True)
    with slack_api.trail_runners() as fake:
        settings.SLACK_API_URL, settings.SLACK_BOT_TOKEN = fake.url, None
        log_in(page, "operator")
        page.goto(live_server.url + "/admin/influencers/liveconnection/add/")
        page.select_option("select[name=platform]", "slack")
        page.fill("input[name=external_id]", fake.team_id)
        page.fill("input[name=token]", "xoxb-this-is-not-the-token-slack-knows")
        page.click("input[name=_save]")
        # Tried with Slack before it is stored: refused, the form says why, nothing is stored.
        assert "Not stored: Slack refused the bot token" in page.locator(".errorlist").inner_text()
        assert not Community.objects.exists()
        page.fill("input[name=token]", slack_api.TOKEN)
        page.click("input[name=_save]")
        page.wait_for_selector("text=A sync is queued")
        community = Community.objects.get(platform="slack", external_id=fake.team_id)
        assert community.name == fake.team and Interaction.objects.filter(community=community).exists()
        page.goto(live_server.url + f"/communities/{community.pk}/")
        text = page.locator("section[aria-labelledby=source-title]").inner_text()
        assert "Read live through a Slack bot" in text and "Synced every hour" in text and "Completed" in text

        # The workspace's admins revoke the token: the next sync fails, and the page says why.
        fake.token = "xoxb-0000000000-the-new-one-after-a-revoke"
        sync_community(community.pk)
        assert SyncRun.objects.order_by("pk").last().status == "failed"
        page.reload()
        assert "Slack refused the bot token" in page.locator("section[aria-labelledby=source-title]").inner_text()

        # The operator replaces it (the stored one is never shown, only its ending); the sync runs again.
        page.goto(live_server.url + "/admin/influencers/liveconnection/")
        assert "stored, ending" in page.locator("#result_list").inner_text()
        page.click("#result_list tbody tr th a")
        page.wait_for_selector("text=A token is stored, ending")  # its ending only, never the token
        page.fill("input[name=token]", fake.token)
        page.click("input[name=_save]")
        page.wait_for_selector("text=A sync is queued")
        page.goto(live_server.url + f"/communities/{community.pk}/")
        heading = page.locator("h1").inner_text()
        assert heading.startswith(fake.team)
        text = page.locator("section[aria-labelledby=source-title]").inner_text()
        assert "Completed" in text and "refused" not in text
        assert slack_api.TOKEN not in page.content()
        assert page.console_problems == []

        # A manager (not an operator) reads the same page, and never the connection.
        page.context.clear_cookies()
        log_in(page, "manager-a")
        page.goto(live_server.url + f"/communities/{community.pk}/")
        assert "Read live through a Slack bot" in page.locator("section[aria-labelledby=source-title]").inner_text()
        response = page.goto(live_server.url + "/admin/influencers/liveconnection/")
        assert response.status == 403
