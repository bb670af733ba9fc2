"""Faults a long import must survive, with real processes: a worker killed with SIGKILL in the
middle of a large import, and two syncs of the same community at once."""

import signal
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.models import Identity, Interaction, Membership, SyncRun, SyncStatus
from influencers.tasks import run_sync
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_reddit_dump import generate  # noqa: E402

COMMENTS = 150_000  # about ten seconds of import here: long enough to be cut off half-way


def stored() -> dict:
    return {
        "interactions": Interaction.objects.count(),
        "distinct ids": Interaction.objects.values("community", "external_id").distinct().count(),
        "accounts": Identity.objects.count(),
        "memberships": Membership.objects.count(),
        "replies linked": Interaction.objects.filter(parent__isnull=False).count(),
    }


@needs_a_worker
@pytest.mark.usefixtures("transactional_db")
def test_a_worker_killed_mid_import_resumes_after_restart_and_stores_exactly_a_clean_runs_rows(tmp_path):
    dump = tmp_path / "RC_drill_2023-01.ndjson.zst"
    generate(dump, comments=COMMENTS, seed=7, subreddits=("drillpens",))
    queue = f"test-{uuid.uuid4().hex[:8]}"
    run = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})

    first = start_worker(queue)
    try:
        send_through_broker(run_sync, [run.pk], queue)
        wait_until(lambda: Interaction.objects.count() >= COMMENTS // 5, seconds=120)
        half_way = Interaction.objects.count()
        assert COMMENTS // 5 <= half_way < COMMENTS, "the import must be cut off in the middle"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop_worker(first)
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING  # the killed worker could not say anything

    second = start_worker(queue)  # at start it takes back the run no one holds
    try:
        wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.COMPLETED, seconds=240)
    finally:
        stop_worker(second)
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED, (run.status, run.error)
    assert run.attempts == 2
    assert run.attempt_log[0]["outcome"].startswith("cut off") and run.attempt_log[1]["outcome"] == "completed"
    assert run.attempt_log[1]["outcome"] == "completed"
    after_the_kill = stored()
    resumed_counts = (run.read, run.skipped, run.created + run.unchanged + run.updated)

    # A clean run of the same file into an empty database, for comparison.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE influencers_interaction, influencers_membership, influencers_identity, influencers_creator,"
            " influencers_community CASCADE"
        )
    clean = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
    sync_run_execute(sync_run=clean)
    clean.refresh_from_db()
    assert stored() == after_the_kill
    assert after_the_kill["interactions"] == after_the_kill["distinct ids"] > half_way
    assert resumed_counts == (clean.read, clean.skipped, clean.created + clean.unchanged + clean.updated)


@pytest.mark.usefixtures("transactional_db")
def test_two_syncs_of_one_community_at_once_never_both_write(tmp_path):
    """The second waits for the first's import lock, then finds everything stored: the data once,
    and the two runs' counts add up to one import."""
    if connection.vendor != "postgresql":
        pytest.skip("the import lock is a PostgreSQL advisory lock; SQLite has one writer anyway")
    dump = tmp_path / "RC_twice_2023-01.ndjson.zst"
    generate(dump, comments=30_000, seed=3, subreddits=("twicepens",))
    runs = [sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]}) for _ in range(2)]
    errors = []

    def execute(run):
        try:
            sync_run_execute(sync_run=run)
        except Exception as error:  # reported below, with the run's own record
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    for run in runs:
        run.refresh_from_db()
    assert [run.status for run in runs] == [SyncStatus.COMPLETED] * 2
    assert max(run.started_at for run in runs) < min(run.finished_at for run in runs)  # they did overlap
    assert Interaction.objects.count() == Interaction.objects.values("external_id").distinct().count()
    assert sorted(run.created for run in runs)[0] == 0  # the one that waited created nothing
    assert sum(run.created for run in runs) == Interaction.objects.count()


@pytest.mark.usefixtures("transactional_db")
def test_a_second_delivery_of_a_run_being_run_leaves_it_and_a_run_nobody_holds_is_resumed(
    tmp_path, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("claims are PostgreSQL advisory locks; elsewhere one process runs everything")
    from influencers.ingest.runs import sync_run_claimed, sync_runs_interrupted
    from influencers.tasks import resume_interrupted_syncs

    dump = tmp_path / "RC_claimed_2023-01.ndjson.zst"
    generate(dump, comments=100, seed=5, subreddits=("claimedpens",))
    run = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
    SyncRun.objects.filter(pk=run.pk).update(  # as its first attempt left it
        status=SyncStatus.RUNNING, attempts=1, attempt_log=[{"attempt": 1, "started_at": "2026-11-27T10:00:00+00:00"}]
    )
    holding, release, outcome = threading.Event(), threading.Event(), {}

    def another_worker():  # holds the claim on its own database session, as a live worker does
        with sync_run_claimed(run.pk) as claimed:
            outcome["claimed"] = claimed
            holding.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=another_worker)
    holder.start()
    try:
        assert holding.wait(30) and outcome["claimed"]
        assert run_sync.apply(args=[run.pk]).get() is None  # the redelivery leaves it
        assert sync_runs_interrupted() == []  # held: not interrupted
        run.refresh_from_db()
        assert (run.status, run.attempts, Interaction.objects.count()) == (SyncStatus.RUNNING, 1, 0)
    finally:
        release.set()
        holder.join(30)
    # The holder is gone without finishing (as a killed worker): the run is resumed, and completes.
    assert [r.pk for r in sync_runs_interrupted()] == [run.pk]
    with transaction.atomic():  # as beat's caller might be: the run is sent once this commits
        with django_capture_on_commit_callbacks() as queued:
            assert resume_interrupted_syncs(queue="imports") == [run.pk]
        assert [(callback.args[0], callback.args[1:]) for callback in queued] == [(run_sync, ((run.pk,), "imports"))]
        run.refresh_from_db()
        assert run.attempts == 1  # not sent before the commit
    # Committed: sent, and run in-process (tests have no broker), on the queue asked for.
    run.refresh_from_db()
    assert (run.status, run.attempts, run.created) == (SyncStatus.COMPLETED, 2, 100)
    assert run.attempt_log[0]["outcome"].startswith("cut off") and run.attempt_log[1]["outcome"] == "completed"


@pytest.mark.usefixtures("transactional_db")
def test_a_sync_older_than_six_hours_that_a_worker_still_holds_keeps_blocking_the_next(monkeypatch):
    """A first sync of a large Slack workspace under Slack's limits takes hours: while a worker
    holds it, beat queues no second; once no one does (its worker died), the next is queued."""
    if connection.vendor != "postgresql":
        pytest.skip("claims are PostgreSQL advisory locks; elsewhere one process runs everything")
    from datetime import timedelta

    from django.utils import timezone

    from influencers.ingest.runs import sync_run_claimed
    from influencers.models import Community
    from influencers.tasks import STALE_AFTER, sync_community

    community = Community.objects.create(platform="reddit", external_id="slowpens", name="r/slowpens", is_tracked=True)
    run = sync_run_create(source="reddit", arguments={"subreddit": "slowpens"})
    run.communities.add(community)
    long_ago = timezone.now() - STALE_AFTER - timedelta(hours=3)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.RUNNING, created_at=long_ago, attempts=1)
    holding, release = threading.Event(), threading.Event()

    def the_worker_running_it():
        with sync_run_claimed(run.pk):
            holding.set()
            release.wait(30)
        connection.close()

    queued = []
    monkeypatch.setattr("influencers.tasks.enqueue_after_commit", lambda task, *ids, **_: queued.append(ids))
    holder = threading.Thread(target=the_worker_running_it)
    holder.start()
    try:
        assert holding.wait(30)
        assert sync_community(community.pk) is None
        assert queued == [] and SyncRun.objects.count() == 1
    finally:
        release.set()
        holder.join(30)
    newest = sync_community(community.pk)  # its worker is gone: presumed dead
    assert queued == [(newest,)] and SyncRun.objects.count() == 2
