"""Live Slack and Discord at volume: 200,000 messages synced from a fake of each platform's API
through the live path (the real slack_sdk client; the Discord client on requests), then the
second sync with nothing changed.

The fake runs in its own process (``python -m tests.fakes.slack_api`` / ``discord_api``), so the
memory printed is the sync's process alone: its peak resident memory after each sync (tracemalloc
would slow the run it measures several times over). Also checks the first sync stored every
message once and the second created nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/live_chat.py

Needs PostgreSQL (a throw-away database is created and dropped).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import migrated_postgresql  # noqa: E402

FAKES = {"slack": "tests.fakes.slack_api", "discord": "tests.fakes.discord_api"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", choices=["slack", "discord", "both"], default="both")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--channels", type=int, default=20)
    options = parser.parse_args()
    platforms = ["slack", "discord"] if options.platform == "both" else [options.platform]
    # The sync's settings: the fakes are on loopback, which the outbound policy lets through only when told.
    os.environ["OUTBOUND_ALLOWED_HOSTS"] = "127.0.0.1"
    with migrated_postgresql("bench_live_chat"):
        for platform in platforms:
            run(platform, options.messages, options.channels)


class Fake:
    """The platform's fake in a process of its own; its address is the first line it prints."""

    def __init__(self, platform: str, messages: int, channels: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", FAKES[platform], "--port", "0", "--messages", str(messages),
             "--channels", str(channels)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.process.kill()
            raise SystemExit(f"the {platform} fake did not start (it printed {self.url!r})")
        # The Discord fake's generated server has an id of its own, on the next line ("guild <id>").
        self.guild = self.process.stdout.readline().split()[-1] if platform == "discord" else None

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def run(platform: str, messages: int, channels: int) -> None:
    from django.conf import settings
    from django.db import connection

    from influencers.ingest.runs import sync_run_create, sync_run_execute
    from influencers.models import Community, Interaction, InteractionKind

    started = time.perf_counter()
    fake = Fake(platform, messages, channels)
    ready = time.perf_counter() - started
    print(f"{platform}: the fake holds {messages:,} messages in {channels} channels (ready in {ready:.1f} s)")
    try:
        if platform == "slack":
            from tests.fakes import slack_api

            settings.SLACK_API_URL, settings.SLACK_BOT_TOKEN = fake.url, slack_api.TOKEN
            source, arguments = "slack-live", {"team": slack_api.TEAM_ID}
        else:
            from tests.fakes import discord_api

            settings.DISCORD_API_URL, settings.DISCORD_BOT_TOKEN = fake.url, discord_api.TOKEN
            source, arguments = "discord-live", {"guild": fake.guild}
        for label in ("first sync", "second sync, nothing changed"):
            run_ = sync_run_create(source=source, arguments=arguments)
            transactions_before = _transactions()
            began = time.perf_counter()
            summary = sync_run_execute(sync_run=run_)
            seconds = time.perf_counter() - began
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"  {label}: {seconds:,.1f} s, {summary.read / max(seconds, 1e-9):,.0f} records/s · read "
                f"{summary.read:,} · created {summary.created:,} · updated {summary.updated:,} · unchanged "
                f"{summary.unchanged:,} · skipped {summary.skipped:,} · peak memory {peak:,.0f} MiB · "
                f"{_transactions() - transactions_before:,} database transactions"
            )
            if label == "first sync":
                first = summary
            else:
                assert summary.created == 0, "a second sync with nothing changed created rows"
        community = Community.objects.get(platform=platform, external_id=arguments[next(iter(arguments))])
        conversation = [InteractionKind.POST, InteractionKind.COMMENT]
        stored = Interaction.objects.filter(community=community, kind__in=conversation)
        count, distinct = stored.count(), stored.values("external_id").distinct().count()
        assert count == distinct, "a message stored twice"
        print(f"  stored {count:,} messages (posts and replies) once each, {first.created:,} records in all")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(f"  database size {cursor.fetchone()[0]}")
    finally:
        fake.close()


def _transactions() -> int:
    """Transactions committed or rolled back in this database so far (pg_stat_database's counts,
    which lag by up to half a second: within the noise of a sync)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


if __name__ == "__main__":
    main()
