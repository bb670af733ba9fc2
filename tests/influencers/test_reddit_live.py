"""The live Reddit connector through the real praw client, against a fake Reddit on loopback."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from influencers.models import Identity, Interaction, SyncRun
from tests.fakes.reddit import FakeReddit, about, comment, listing, more, submission

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
        monkeypatch.setenv(name, value)
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
            monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit) as exit_:
            call_command("ingest", "reddit", "--subreddit", "nosuchsub")
    assert exit_.value.code == 2
    assert "r/nosuchsub: not found on Reddit" in capsys.readouterr().err


def test_reddit_unavailable_is_reported_as_temporary(monkeypatch, capsys):
    with FakeReddit() as fake:
        fake.add("GET", "/r/fountainpens/new", {"message": "Service Unavailable"}, status=503)
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit):
            call_command("ingest", "reddit", "--subreddit", "fountainpens")
    assert "unavailable for now" in capsys.readouterr().err
    assert SyncRun.objects.get().checkpoint == {}  # nothing stored, so nothing skipped next time
