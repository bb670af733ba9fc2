"""The live Reddit connector through the real praw client, against a fake Reddit on loopback."""

import json
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from influencers.models import Identity, Interaction, SyncRun
from tests.fakes.reddit import FakeReddit, about, comment, listing, more, submission
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until

pytestmark = pytest.mark.django_db
OLD, NEW = 1704000000.0, 1704200000.0  # two days and more apart: the look-back window is 48 h


def fountainpens() -> FakeReddit:
    fake = FakeReddit()
    old = submission("s1", "nibmeister", OLD, "Nib tuning guide", selftext="Micromesh, loupe, patience.")
    new = submission("s2", "sheen_queen", NEW, "Sheen comparison")
    fake.add("GET", "/r/fountainpens/new", listing([new, old]))
    fake.add("GET", "/comments/s1", [
        listing([old]),
        listing([
            comment("c1", "sheen_queen", OLD + 60, "Thank you, this helped.", "t3_s1", "t3_s1",
                    replies=[comment("c2", "nibmeister", OLD + 120, "Glad it did!", "t1_c1", "t3_s1")]),
            more(["c3"], "t3_s1"),
        ]),
    ])  # fmt: skip
    fake.add("POST", "/api/morechildren", {"json": {"errors": [], "data": {"things": [
        comment("c3", "AutoModerator", OLD + 30, "Please read the rules.", "t3_s1", "t3_s1"),
    ]}}})  # fmt: skip
    fake.add(
        "GET",
        "/comments/s2",
        [
            listing([new]),
            listing(
                [
                    comment("c4", "nibmeister", NEW + 60, "Great swatches.", "t3_s2", "t3_s2"),
                ]
            ),
        ],
    )
    fake.add("GET", "/user/nibmeister/about", about("nibmeister", 1200, 3400))
    fake.add("GET", "/user/sheen_queen/about", about("sheen_queen", 50, 700))
    return fake


def ingest_live(fake, monkeypatch, *args):
    for name, value in fake.environ().items():
        monkeypatch.setitem(settings.REDDIT_API, name, value)
    out = StringIO()
    call_command("ingest", "reddit", "--subreddit", "fountainpens", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_subreddit_is_read_through_praw_with_comment_trees_and_karma(monkeypatch):
    with fountainpens() as fake:
        summary = ingest_live(fake, monkeypatch)
    assert summary["communities"] == ["reddit:fountainpens"]
    assert (summary["created"], summary["skipped"]) == (6, 0)  # 2 submissions, 4 comments
    assert Interaction.objects.get(external_id="t1_c2").target.handle == "sheen_queen"
    assert Interaction.objects.get(external_id="t1_c3").author.is_bot  # came through "load more"
    nib = Identity.objects.get(platform="reddit", external_id="nibmeister")
    assert (nib.reach, nib.reach_kind) == (4600, "karma")
    assert ("POST", "/api/v1/access_token") in fake.requests
    assert SyncRun.objects.get().checkpoint == {"newest_created_utc": NEW}


def test_the_next_sync_reads_only_what_is_new_since_the_checkpoint(monkeypatch):
    with fountainpens() as fake:
        ingest_live(fake, monkeypatch)
        again = ingest_live(fake, monkeypatch)
    comment_fetches = [path for method, path in fake.requests if path.startswith("/comments/s1")]
    assert len(comment_fetches) == 1  # the old submission is behind the checkpoint the second time
    assert (again["created"], again["unchanged"]) == (0, 2)


def test_an_unknown_subreddit_is_one_clear_error_and_exit_status_2(monkeypatch, capsys):
    with FakeReddit() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setitem(settings.REDDIT_API, name, value)
        with pytest.raises(SystemExit) as exit_:
            call_command("ingest", "reddit", "--subreddit", "nosuchsub")
    assert exit_.value.code == 2
    assert "r/nosuchsub: not found on Reddit" in capsys.readouterr().err


def test_reddit_unavailable_is_reported_as_temporary(monkeypatch, capsys):
    with FakeReddit() as fake:
        fake.add("GET", "/r/fountainpens/new", {"message": "Service Unavailable"}, status=503)
        for name, value in fake.environ().items():
            monkeypatch.setitem(settings.REDDIT_API, name, value)
        with pytest.raises(SystemExit):
            call_command("ingest", "reddit", "--subreddit", "fountainpens")
    assert "unavailable for now" in capsys.readouterr().err
    assert SyncRun.objects.get().checkpoint == {}  # nothing stored, so nothing skipped next time


# --- Reddit in trouble: 5xx, timeouts, 429 ----------------------------------------------------
NEWER = NEW + 3 * 86400


@pytest.fixture
def praw_pauses(monkeypatch):
    """The pauses prawcore takes before its own retries, recorded instead of slept."""
    from prawcore.sessions import FiniteRetryStrategy

    pauses = []
    monkeypatch.setattr(FiniteRetryStrategy, "sleep", lambda self: pauses.append(self._sleep_seconds()))
    return pauses


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_retried_by_praw_after_a_pause_and_the_sync_completes(monkeypatch, praw_pauses, status):
    with fountainpens() as fake:
        fake.fail_first("GET", "/r/fountainpens/new", (status, {}))
        summary = ingest_live(fake, monkeypatch)
    assert len([path for _, path in fake.requests if path.startswith("/r/fountainpens/new")]) == 2
    [pause] = [pause for pause in praw_pauses if pause is not None]  # before the one retry
    assert 0 <= pause <= 2
    assert (summary["created"], summary["skipped"]) == (6, 0)
    assert SyncRun.objects.get().checkpoint == {"newest_created_utc": NEW}


def test_a_request_that_times_out_is_retried_and_the_sync_completes(monkeypatch, praw_pauses):
    monkeypatch.setitem(settings.REDDIT_API, "REDDIT_TIMEOUT", "1")
    with fountainpens() as fake:
        fake.fail_first("GET", "/comments/s2", 2.5)  # silent longer than the client waits
        summary = ingest_live(fake, monkeypatch)
    assert len([path for _, path in fake.requests if path.startswith("/comments/s2")]) == 2
    assert (summary["created"], summary["skipped"]) == (6, 0)


def test_lasting_server_errors_fail_the_sync_and_the_checkpoint_does_not_move_past_unsaved_data(
    monkeypatch, praw_pauses, capsys
):
    with fountainpens() as fake:
        ingest_live(fake, monkeypatch)  # the checkpoint: NEW
        newer = submission("s3", "inkdrinker", NEWER, "A newer question")
        fake.replace("GET", "/r/fountainpens/new", listing([newer, submission("s2", "sheen_queen", NEW, "Sheen")]))
        fake.add("GET", "/comments/s3", [listing([newer]), listing([
            comment("c5", "nibmeister", NEWER + 60, "Try a wetter ink.", "t3_s3", "t3_s3")])])  # fmt: skip
        fake.fail_first("GET", "/comments/s3", (503, {}), (503, {}), (503, {}))  # all of praw's three tries
        praw_pauses.clear()
        with pytest.raises(SystemExit):
            ingest_live(fake, monkeypatch)
        assert "unavailable for now" in capsys.readouterr().err
        waited = [pause for pause in praw_pauses if pause is not None]
        assert len(waited) == 2 and 0 <= waited[0] <= 2 <= waited[1] <= 4  # backoff between praw's tries
        failed = SyncRun.objects.order_by("pk").last()
        assert failed.status == "failed" and failed.checkpoint == {}
        assert not Interaction.objects.filter(external_id__in=["t3_s3", "t1_c5"]).exists()

        again = ingest_live(fake, monkeypatch)  # Reddit is back: the sync starts from the old checkpoint
    assert again["created"] == 2 and Interaction.objects.filter(external_id__in=["t3_s3", "t1_c5"]).count() == 2
    assert SyncRun.objects.order_by("pk").last().checkpoint == {"newest_created_utc": NEWER}


@needs_a_worker
@pytest.mark.django_db(transaction=True)
def test_a_429_is_retried_by_the_worker_no_sooner_than_retry_after_and_the_run_says_so():
    from influencers.ingest.runs import sync_run_create
    from influencers.tasks import run_sync

    with fountainpens() as fake:
        fake.fail_first("GET", "/r/fountainpens/new", (429, {"Retry-After": "3"}))
        queue = f"test-{uuid.uuid4().hex[:8]}"
        worker = start_worker(queue, SYNC_FIRST_RETRY_SECONDS="1", **fake.environ())
        try:
            run = sync_run_create(source="reddit", arguments={"subreddit": "fountainpens"})
            send_through_broker(run_sync, [run.pk], queue)
            wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == "completed", seconds=60)
        finally:
            stop_worker(worker)
        asked = zip(fake.requests, fake.times, strict=True)
        listings = [when for (_, path), when in asked if path.startswith("/r/fountainpens/new")]
    run.refresh_from_db()
    assert run.status == "completed" and run.attempts == 2 and run.created == 6
    assert len(listings) == 2 and listings[1] - listings[0] >= 3  # not before Retry-After (backoff alone: ≤ 1 s)
    first = run.attempt_log[0]
    assert "rate-limiting" in first["outcome"] and first["next_attempt_in_seconds"] == 3
