"""Tasks run in-process here (no broker); test_worker.py runs them through a real worker."""

from pathlib import Path

import pytest
from django.conf import settings

from influencers.ingest.runs import sync_run_create
from influencers.models import Community, SyncRun, SyncStatus
from influencers.tasks import run_sync, sync_community, sync_tracked_communities

RC = str(Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "RC_fountainpens_2024-01.ndjson")
pytestmark = pytest.mark.django_db


def test_run_sync_completes_a_queued_run_and_is_harmless_when_redelivered():
    run = sync_run_create(source="reddit-dump", arguments={"paths": [RC]})
    result = run_sync.delay(run.pk).get()
    assert result["created"] == 5
    assert run_sync.delay(run.pk).get() is None  # already completed: not run twice
    run.refresh_from_db()
    assert (run.status, run.attempts) == (SyncStatus.COMPLETED, 1)


def test_a_source_that_can_never_work_fails_the_run_without_retrying(tmp_path):
    run = sync_run_create(source="reddit-dump", arguments={"paths": [str(tmp_path / "gone.ndjson")]})
    assert run_sync.delay(run.pk).get() is None
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "no such file" in run.error


def test_tracked_communities_are_synced_unless_a_sync_is_already_under_way(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delitem(settings.REDDIT_API, "REDDIT_CLIENT_ID", raising=False)
    tracked = Community.objects.create(
        platform="reddit", external_id="fountainpens", name="r/fountainpens", is_tracked=True
    )
    Community.objects.create(platform="slack", external_id="T1", name="From an export", is_tracked=True)
    Community.objects.create(platform="reddit", external_id="pens", name="r/pens", is_tracked=False)
    busy = SyncRun.objects.create(source="reddit", arguments={"subreddit": "fountainpens"}, status=SyncStatus.RUNNING)
    busy.communities.add(tracked)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert sync_tracked_communities.delay().get() == 1  # the Slack export and the untracked: not asked
    assert len(queued) == 1
    assert SyncRun.objects.count() == 1  # the running one blocks a second; the others are not syncable
    busy.status = SyncStatus.COMPLETED
    busy.save()
    with django_capture_on_commit_callbacks(execute=True):
        sync_community.delay(tracked.pk)
    newest = SyncRun.objects.exclude(pk=busy.pk).get()
    assert (newest.source, newest.arguments) == ("reddit", {"subreddit": "fountainpens"})
    # Without credentials the live connector cannot run: said once, on the run.
    assert newest.status == SyncStatus.FAILED and "REDDIT_CLIENT_ID" in newest.error


def test_beat_queues_the_tracked_communities_syncs_only_when_its_transaction_commits(
    django_capture_on_commit_callbacks,
):
    """A sync queued before the transaction commits could be run by a worker that does not see
    the rows yet, or run for a change that is rolled back: beat's task queues after commit."""
    first, second = (
        Community.objects.create(
            platform="discourse", external_id=f"https://forum{n}.example.org", name=f"forum {n}", is_tracked=True
        )
        for n in (1, 2)
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert sync_tracked_communities() == 2
        assert SyncRun.objects.count() == 0  # nothing has started yet: the transaction is open
    assert [(callback.args[0].name, callback.args[1]) for callback in queued] == [
        ("influencers.tasks.sync_community", (first.pk,)),
        ("influencers.tasks.sync_community", (second.pk,)),
    ]
    for callback in queued:
        callback()
    assert sorted(SyncRun.objects.values_list("communities", flat=True)) == [first.pk, second.pk]
