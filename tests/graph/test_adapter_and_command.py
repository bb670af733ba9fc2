"""The ranking end to end on the database: a generated community with planted roles, imported
through `ingest`, ranked through `rank` and the task that follows a sync."""

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from graph.adapter import rank_community
from influencers.ingest.runs import sync_run_create
from influencers.models import Community, Identity, MemberScore, Membership, RankingRun, RankingStatus
from influencers.tasks import run_sync

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_community import generate  # noqa: E402

pytestmark = pytest.mark.django_db
TRAPS = {"celebrity", "spammer", "broadcaster", "newcomer", "ring", "bot"}


@pytest.fixture
def planted(tmp_path):
    made = generate(tmp_path, members=160, weeks=30, seed=11)
    call_command("ingest", "reddit-dump", *made["files"], "--json", stdout=io.StringIO())
    made["object"] = Community.objects.get(platform="reddit", external_id=made["community"].split(":")[1])
    return made


def rank_json(*args):
    out = io.StringIO()
    call_command("rank", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_rank_json_puts_the_planted_embedded_members_first_and_no_trap_near_the_top(planted):
    embedded = {handle for handle, role in planted["labels"].items() if role == "embedded"}
    ranked = rank_json(planted["community"], "--top", "30")
    assert len(ranked) == 30
    assert {row["handle"] for row in ranked[: len(embedded)]} == embedded
    assert not [row["handle"] for row in ranked if planted["labels"].get(row["handle"]) in TRAPS]
    first = ranked[0]
    assert set(first) >= {"rank", "handle", "score", "components", "reasons", "reach"}
    assert set(first["components"]) == {"consistency", "embeddedness", "alignment"}
    assert first["rank"] == 1 and first["reasons"] and all(isinstance(r, str) for r in first["reasons"])
    assert [row["rank"] for row in ranked] == list(range(1, 31))


def test_deleted_accounts_never_rank(planted):
    deleted = Identity.objects.get(platform="reddit", external_id="[deleted]")
    assert Membership.objects.filter(identity=deleted, community=planted["object"]).exists()
    run, _ = rank_community(planted["object"])
    assert not MemberScore.objects.filter(run=run, membership__identity=deleted).exists()
    assert "[deleted]" not in {row["handle"] for row in rank_json(planted["community"], "--top", "500")}


def test_each_ranking_is_a_kept_snapshot_that_members_point_at(planted):
    first, _ = rank_community(planted["object"])
    second, ranking = rank_community(planted["object"])
    assert RankingRun.objects.filter(community=planted["object"], status=RankingStatus.COMPLETED).count() == 2
    assert first.scores.count() == second.scores.count() == second.ranked_members == len(ranking.results)
    assert second.algorithm_version and second.parameters["weights"]["consistency"] > 0
    assert second.parameters["window_days"] == 365
    # The window ends at the community's latest activity, not today: imported history may be old.
    assert second.window_end.year == 2024 and (second.window_end - second.window_start).days == 365
    best = second.scores.get(rank=1)
    assert best.membership.latest_score == best
    assert not Membership.objects.filter(latest_score__run=first).exists()  # all moved to the newest


def test_rank_prints_a_table_with_reasons_and_reach_as_a_contrast(planted):
    out = io.StringIO()
    call_command("rank", planted["community"], "--top", "3", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"{planted['community']}: ")
    assert "reach (not scored)" in text
    assert "Active in " in text and "Answered by " in text
    assert len([line for line in text.splitlines() if line[:4].strip().isdigit()]) == 3


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("reddit:nosuchplace", "rank: no community 'reddit:nosuchplace'"),
        ("fountainpens", "rank: 'fountainpens' is not PLATFORM:COMMUNITY"),
        ("myspace:pens", "rank: 'myspace:pens' is not PLATFORM:COMMUNITY"),
    ],
)
def test_an_unknown_community_is_one_clear_line_and_status_2(argument, message):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("rank", argument, stderr=err)
    assert exit_.value.code == 2
    assert err.getvalue().startswith(message) and len(err.getvalue().strip().splitlines()) == 1


def test_a_community_without_activity_is_an_error_and_a_small_one_says_so(community, make_identity, make_interaction):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("rank", community.key, stderr=err)
    assert exit_.value.code == 2 and "no activity to rank" in err.getvalue()
    alice, bob = make_identity("alice"), make_identity("bob")
    post = make_interaction("t3_a", alice, title="Which nib for a beginner?")
    make_interaction("t1_b", bob, kind="comment", parent=post, target=alice, text="A fine steel nib, honestly.")
    out = io.StringIO()
    call_command("rank", community.key, stdout=out)
    text = out.getvalue()
    assert "Too little activity to rank with confidence (2 members who can rank, 2 interactions" in text
    assert "alice" in text and "bob" in text  # ranked all the same


def test_an_operators_rank_now_in_the_admin_queues_the_ranking_after_the_commit(
    admin_client, community, make_identity, make_interaction, django_capture_on_commit_callbacks
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    alice, bob = make_identity("alice"), make_identity("bob")
    post = make_interaction("t3_a", alice, title="Which nib for a beginner?")
    make_interaction("t1_b", bob, kind="comment", parent=post, target=alice, text="A fine steel nib, honestly.")
    changelist = reverse("admin:influencers_community_changelist")
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(changelist, {"action": "rank_now", ACTION_CHECKBOX_NAME: [community.pk]})
    assert response.status_code == 302 and len(queued) == 1
    assert not RankingRun.objects.exists()  # not ranked in the request
    queued[0]()  # the worker runs it
    assert RankingRun.objects.get(community=community).status == RankingStatus.COMPLETED


def test_a_completed_sync_queues_a_ranking_of_its_communities(tmp_path, django_capture_on_commit_callbacks):
    made = generate(tmp_path, members=60, weeks=8, seed=2)
    run = sync_run_create(source="reddit-dump", arguments={"paths": made["files"]})
    with django_capture_on_commit_callbacks(execute=True):
        run_sync.delay(run.pk).get()
        community = Community.objects.get(platform="reddit", external_id=made["community"].split(":")[1])
        assert not RankingRun.objects.filter(community=community).exists()  # queued for after the commit
    ranking = RankingRun.objects.get(community=community)
    assert ranking.status == RankingStatus.COMPLETED and ranking.ranked_members > 0


def test_a_members_trajectory_lists_their_scores_oldest_window_first(planted, admin_client):
    from datetime import timedelta

    from django.urls import reverse

    from influencers.selectors import membership_trajectory

    _, end = __import__("graph.adapter", fromlist=["ranking_window"]).ranking_window(planted["object"])
    for weeks_ago in (8, 0, 4):  # ranked out of order: the trajectory follows the windows
        rank_community(planted["object"], end=end - timedelta(weeks=weeks_ago))
    embedded = next(h for h, role in planted["labels"].items() if role == "embedded")
    membership = Membership.objects.get(community=planted["object"], identity__handle=embedded)
    trajectory = membership_trajectory(membership=membership)
    assert [s.run.window_end for s in trajectory] == sorted(s.run.window_end for s in trajectory)
    assert len(trajectory) == 3
    # Ranking an older window afterwards does not move members off the newest one.
    assert membership.latest_score.run.window_end == end
    page = admin_client.get(reverse("admin:influencers_membership_change", args=[membership.pk]))
    assert page.status_code == 200 and "Rank over time" in page.content.decode()
    assert f": #{trajectory[-1].rank} of {trajectory[-1].run.ranked_members}" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_texts_load_on_a_second_connection_with_the_same_result(tmp_path, monkeypatch):
    """On PostgreSQL, outside a transaction, the loader reads texts in a thread on its own connection;
    inside one (which a second connection could not see) and on SQLite (whose test database another
    connection would find empty) everything is read on this connection. Either way the ranking is the same."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction

    import graph.adapter
    from graph.adapter import load_community, ranking_window
    from graph.scoring import rank

    threads = []

    class CountedPool(ThreadPoolExecutor):
        def submit(self, function, /, *args, **kwargs):
            threads.append(args[0].__name__)  # what _in_own_connection runs
            return super().submit(function, *args, **kwargs)

    monkeypatch.setattr(graph.adapter, "ThreadPoolExecutor", CountedPool)
    made = generate(tmp_path, members=80, weeks=10, seed=4)
    call_command("ingest", "reddit-dump", *made["files"], "--json", stdout=io.StringIO())
    community = Community.objects.get(platform="reddit", external_id=made["community"].split(":")[1])
    start, end = ranking_window(community)
    threaded = rank(load_community(community, start=start, end=end))
    assert threads == (["_read_texts"] if connection.vendor == "postgresql" else [])
    with transaction.atomic():
        plain = rank(load_community(community, start=start, end=end))
    assert len(threads) <= 1  # no thread inside the transaction
    assert [(r.handle, r.score, r.reasons) for r in threaded.results] == [
        (r.handle, r.score, r.reasons) for r in plain.results
    ]
    assert len(threaded.results) > 20 and any(r.details["language"]["tokens"] for r in threaded.results)


def test_a_stray_recent_post_says_where_the_activity_is_and_end_ranks_it(planted, make_identity, make_interaction):
    """A dump of old comments plus one post years later: the default window ends at the newest
    activity and holds one member. The run says what happened and how to rank the rest; --end does."""
    from datetime import UTC, datetime

    late = make_identity("late_poster")
    make_interaction("t3_stray", late, community=planted["object"], at=datetime(2030, 6, 1, tzinfo=UTC), title="Hi")
    out = io.StringIO()
    call_command("rank", planted["community"], "--top", "3", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "1 member ranked over 2029-06-01 → 2030-06-01" in text
    newest_older = planted["object"].interactions.exclude(external_id="t3_stray").order_by("-posted_at").first()
    day = f"{newest_older.posted_at:%Y-%m-%d}"
    assert f"the newest of them on {day}. To rank those, end the window there (rank --end {day})" in text
    ranked = rank_json(planted["community"], "--end", day, "--top", "500")
    assert len(ranked) > 100 and "late_poster" not in {row["handle"] for row in ranked}


def test_end_before_any_activity_says_when_the_community_was_active(planted):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("rank", planted["community"], "--end", "2001-01-01", stderr=err)
    assert exit_.value.code == 2
    assert "has no activity from 2000-01-02 to 2001-01-01; its activity runs from 2024-" in err.getvalue()


def test_removed_posts_are_not_words_and_what_the_community_took_down_counts_against_the_member(
    community, make_identity, make_interaction
):
    """A placeholder is not the member's words; posts the community took down are neither
    participation nor ties, and are said; posts an author took back still happened."""
    from datetime import UTC, datetime, timedelta

    from graph.adapter import load_community

    people = [make_identity(name) for name in ("ann", "bob", "cy", "dee")]
    start = datetime(2025, 1, 6, 12, tzinfo=UTC)
    n = 0
    for week in range(20):
        for author in people:
            n += 1
            other = people[(people.index(author) + 1) % 4]
            hidden = author.handle == "bob" and week >= 12
            make_interaction(
                f"c{n}", author, kind="comment", target=other, at=start + timedelta(weeks=week),
                text="This post was flagged by the community and is temporarily hidden." if hidden
                else f"Week {week}: the nib on my {other.handle} pen writes wet and smooth",
                is_removed=hidden or (author.handle == "cy" and week >= 15),
                removed_by="community" if hidden else ("author" if author.handle == "cy" and week >= 15 else ""),
            )  # fmt: skip
    start_window, end = start - timedelta(days=1), start + timedelta(weeks=20)
    data = load_community(community, start=start_window, end=end)
    bob, cy = people[1].pk, people[2].pk
    assert (data.written[bob], data.removed[bob]) == (20, 8)
    assert len({d // 7 for d in data.active_days[bob]}) == 12  # the hidden weeks are not presence
    assert len({d // 7 for d in data.active_days[cy]}) == 20  # what cy took back still happened
    corpus, promotions = data.texts_read
    placeholder = {corpus.ids.get(word) for word in ("flagged", "temporarily", "hidden")} - {None}
    assert not placeholder & set(corpus.members[bob].tolist())  # never read as bob's words
    _, ranking = rank_community(community, end=end)
    said = {r.handle: r.reasons for r in ranking.results}
    assert "The community took down 8 of the 20 posts and comments they wrote." in said["bob"]


def test_a_members_texts_are_sampled_across_their_window_not_only_the_newest(
    community, make_identity, make_interaction
):
    from datetime import UTC, datetime, timedelta

    from graph.adapter import TEXTS_PER_MEMBER, load_community

    ann, bob = make_identity("ann"), make_identity("bob")
    start = datetime(2025, 1, 6, tzinfo=UTC)
    for i in range(60):  # an early vocabulary, then nothing but thanks for the last 30
        make_interaction(f"a{i}", ann, kind="comment", target=bob, at=start + timedelta(days=i),
                         text="burr grinder calibration notes" if i < 30 else "thanks")  # fmt: skip
        make_interaction(f"b{i}", bob, kind="comment", target=ann, at=start + timedelta(days=i), text="sure")
    data = load_community(community, start=start, end=start + timedelta(days=60))
    corpus, promotions = data.texts_read
    words = [corpus.words[i] for i in corpus.members[ann.pk]]
    assert promotions[ann.pk].texts == TEXTS_PER_MEMBER
    assert "grinder" in words and "thanks" in words
