"""Live Slack and Discord syncs run by real Celery workers against the fakes of their APIs: a 429
storm longer than the client's own retries (the task waits it out, no sooner than the platform
asked, and nothing is lost or stored twice), and a worker killed in the middle of a sync (the
next worker resumes it; the rows are exactly a clean run's)."""

import signal
import uuid

import pytest
from django.db import connection

from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.models import Identity, Interaction, SyncRun, SyncStatus
from influencers.tasks import run_sync
from tests.fakes import discord_api, slack_api
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until


def stored() -> dict:
    return {
        "interactions": Interaction.objects.count(),
        "distinct ids": Interaction.objects.values("community", "external_id").distinct().count(),
        "accounts": Identity.objects.count(),
        "replies linked": Interaction.objects.filter(parent__isnull=False).count(),
    }


def empty_the_database() -> None:
    """For a clean run to compare with: no rows, and no earlier run's checkpoint to start from."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE influencers_interaction, influencers_membership, influencers_identity, influencers_creator,"
            " influencers_community, influencers_syncrun CASCADE"
        )


class Slack:
    """What a test needs of one platform: its fake, the worker's environment, the run to start."""

    source, key = "slack-live", "team"
    history = "conversations.history"

    def __init__(self, fake):
        self.fake = fake
        self.arguments = {"team": fake.team_id}

    @classmethod
    def small(cls):
        return cls(slack_api.trail_runners())

    @classmethod
    def large(cls, messages: int):
        fake = slack_api.FakeSlack()
        fake.populate(channels=4, messages=messages, seed=11)
        return cls(fake)

    def environment(self) -> dict:
        return {"SLACK_API_URL": self.fake.url, "SLACK_BOT_TOKEN": slack_api.TOKEN}

    def storm(self, times: int, seconds: int) -> None:
        self.fake.fail(self.history, 429, times=times, retry_after=seconds)

    def arrivals(self) -> list[tuple[float, int]]:
        """(when, status) of every request for a channel's messages."""
        return [(request.at, request.status) for request in self.fake.asked(self.history)]


class Discord(Slack):
    source, key = "discord-live", "guild"

    def __init__(self, fake):
        self.fake = fake
        self.arguments = {"guild": fake.guild_id}

    @classmethod
    def small(cls):
        return cls(discord_api.FakeDiscord())

    @classmethod
    def large(cls, messages: int):
        fake = discord_api.FakeDiscord(recorded=False)
        fake.populate(channels=4, messages=messages, seed=11)
        return cls(fake)

    def environment(self) -> dict:
        return {"DISCORD_API_URL": self.fake.url, "DISCORD_BOT_TOKEN": discord_api.TOKEN}

    def storm(self, times: int, seconds: int) -> None:
        self.fake.inject(429, path="/channels/", times=times, retry_after=seconds)

    def arrivals(self) -> list[tuple[float, int]]:
        return [(arrival.at, arrival.status) for arrival in self.fake.log if arrival.path.startswith("/channels/")]


PLATFORMS = [Slack, Discord]


def configure(settings, platform) -> None:
    """This process reads the platform as the worker does (for the clean run compared with)."""
    for name, value in platform.environment().items():
        setattr(settings, name, value)


@needs_a_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform_class", PLATFORMS, ids=lambda p: p.__name__.lower())
def test_a_429_storm_is_waited_out_by_the_worker_and_nothing_is_lost_or_doubled(platform_class, settings):
    platform = platform_class.small()
    with platform.fake:
        configure(settings, platform)
        # More 429s than the client's own retries (1 + 5): the first attempt gives up, the task
        # waits, the second attempt meets the last two and waits them out in-process.
        platform.storm(times=8, seconds=2)
        queue = f"test-{uuid.uuid4().hex[:8]}"
        worker = start_worker(queue, SYNC_FIRST_RETRY_SECONDS="1", **platform.environment())
        try:
            run = sync_run_create(source=platform.source, arguments=platform.arguments)
            send_through_broker(run_sync, [run.pk], queue)
            wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.COMPLETED, seconds=120)
        finally:
            stop_worker(worker)
        arrivals = platform.arrivals()
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED and run.attempts == 2, (run.status, run.error, run.attempt_log)
    assert run.attempt_log[0]["next_attempt_in_seconds"] >= 2
    # Every request after a 429 came no sooner than the 2 seconds the platform asked for.
    gaps = [later[0] - earlier[0] for earlier, later in zip(arrivals, arrivals[1:], strict=False) if earlier[1] == 429]
    assert len(gaps) == 8 and min(gaps) >= 2, gaps
    after_the_storm = stored()
    assert after_the_storm["interactions"] == after_the_storm["distinct ids"] > 0

    # The same workspace read once, with no trouble, into an empty database: the same rows.
    empty_the_database()
    with platform_class.small().fake as calm:
        configure(settings, platform_class(calm))
        sync_run_execute(sync_run=sync_run_create(source=platform.source, arguments=platform.arguments))
    assert stored() == after_the_storm


@needs_a_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform_class", PLATFORMS, ids=lambda p: p.__name__.lower())
def test_a_worker_killed_mid_sync_is_resumed_and_stores_exactly_a_clean_runs_rows(platform_class, settings):
    platform = platform_class.large(messages=40_000)
    with platform.fake:
        configure(settings, platform)
        queue = f"test-{uuid.uuid4().hex[:8]}"
        run = sync_run_create(source=platform.source, arguments=platform.arguments)
        first = start_worker(queue, **platform.environment())
        try:
            send_through_broker(run_sync, [run.pk], queue)
            wait_until(lambda: Interaction.objects.count() >= 10_000, seconds=120)
            half_way = Interaction.objects.count()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            stop_worker(first)
        run.refresh_from_db()
        assert run.status == SyncStatus.RUNNING  # the killed worker could not say anything
        second = start_worker(queue, **platform.environment())  # at start it takes back the run no one holds
        try:
            wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.COMPLETED, seconds=240)
        finally:
            stop_worker(second)
        run.refresh_from_db()
        assert run.status == SyncStatus.COMPLETED, (run.status, run.error)
        assert run.attempts == 2 and run.attempt_log[0]["outcome"].startswith("cut off")
        after_the_kill = stored()
        assert after_the_kill["interactions"] == after_the_kill["distinct ids"] > half_way

        empty_the_database()
        sync_run_execute(sync_run=sync_run_create(source=platform.source, arguments=platform.arguments))
    assert stored() == after_the_kill
