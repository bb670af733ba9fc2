"""Conformance: the real third-party samples in ../shared/real-data all import without an error.

Skipped, with the reason, when ../shared/real-data is not beside the checkout. The praw cassettes
are replayed by the fake Reddit on loopback and read through the real praw client.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from influencers.connectors.reddit_live import listing_records, reddit_client, redditor_reach, tree_things
from influencers.ingest.runs import sync_run_create
from influencers.ingest.service import run_ingest
from influencers.models import Identity, Interaction, SyncStatus
from tests.fakes.reddit import FakeReddit

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-data"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is not there: no real samples to check against"),
]


def ingest(*args) -> dict:
    out = StringIO()
    call_command("ingest", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("path", sorted(REAL.glob("reddit-dump/*.zst")) if REAL.is_dir() else [], ids=lambda p: p.name)
def test_reddit_dump_samples(path):
    summary = ingest("reddit-dump", str(path))
    assert summary["created"] > 0 and summary["skipped"] == 0, summary["skipped_examples"]
    assert ingest("reddit-dump", str(path))["created"] == 0


def test_discord_exports():
    files = sorted(REAL.glob("discord/**/*.json"))
    summary = ingest("discord", *map(str, files))
    assert summary["created"] > 0 and summary["skipped"] == 0, summary["skipped_examples"]
    # Replies point at messages in the same export: the reply network has edges.
    assert Interaction.objects.filter(community__platform="discord", parent__isnull=False).exists()


@pytest.mark.parametrize("path", sorted(REAL.glob("slack/*.zip")) if REAL.is_dir() else [], ids=lambda p: p.name)
def test_slack_exports(path):
    summary = ingest("slack", str(path))
    assert summary["created"] > 0 and summary["skipped"] == 0, summary["skipped_examples"]


def test_insight_into_a_real_community_places_it_where_it_lives():
    """The Houston data-visualisation Slack (Houston is UTC−6, UTC−5 in summer): its own words are
    its tools, its evenings are busy in Houston time, and its regular members are placed in the
    Americas from when they are silent — nothing in the export says where anyone lives."""
    from influencers.models import Community
    from insight.adapter import compute_insight

    ingest("slack", str(REAL / "slack" / "houstondatavis_slack_export_2016-07-31_emails-redacted.zip"))
    document = compute_insight(Community.objects.get(platform="slack"), timezone="America/Chicago")
    assert {"d3", "github", "sharelatex", "python", "houston"} <= {t["term"] for t in document["vocabulary"]}
    assert not any("’" in t["term"] for t in document["vocabulary"])  # "I’ll" is read as "I'll", a known word
    heatmap = document["rhythms"]["heatmap"]
    evenings, nights = sum(sum(day[17:24]) for day in heatmap), sum(sum(day[1:7]) for day in heatmap)
    assert evenings > 10 * nights
    mix = document["rhythms"]["timezone_mix"]
    assert mix["members_placed"] >= 5
    assert all(-8 <= row["utc_offset"] <= -3 for row in mix["offsets"])
    assert document["basis"]["small"] is True and document["questions"]["basis"]["questions"] > 50


def test_discourse_api_responses():
    summary = ingest("discourse", str(REAL / "discourse"))
    assert summary["created"] > 0 and summary["skipped"] == 0, summary["skipped_examples"]


# What each praw cassette recorded, asked for again the way the connector asks.
CASSETTES = {
    "TestSubredditListings.test_new": lambda r: listing_records(r.subreddit("askreddit").new(limit=100)),
    "TestSubredditListings.test_top": lambda r: listing_records(
        r.subreddit("askreddit").top(time_filter="all", limit=100)
    ),
    "TestSubredditListings.test_comments": lambda r: listing_records(r.subreddit("askreddit").comments(limit=100)),
    "TestSubmission.test_hide_multiple_in_batches": lambda r: listing_records(r.subreddit("popular").hot(limit=100)),
    "TestSubredditStreams.test_comments__with_continue_after_id": lambda r: listing_records(
        r.subreddit("<TEST_SUBREDDIT>").comments(limit=100)
    ),
    "TestCommentForest.test_replace__all": lambda r: listing_records(
        tree_things(r.submission("3hahrw"), more_limit=None)
    ),
    "TestMore.test_comments": lambda r: listing_records(tree_things(r.submission("3hahrw"), more_limit=1)),
    "TestRedditorListings.test_comments__new": lambda r: listing_records(r.redditor("spez").comments.new(limit=100)),
    "TestRedditorListings.test_submissions__new": lambda r: listing_records(
        r.redditor("spez").submissions.new(limit=100)
    ),
    "TestRedditorListings.test_overview__new": lambda r: listing_records(r.redditor("spez").overview.new(limit=100)),
    "TestListingGenerator.test_no_items": lambda r: listing_records(
        r.redditor("spez").top(time_filter="hour", limit=100)
    ),
    "TestSubredditStreams.test_comments__with_pause": lambda r: listing_records(
        r.subreddit("kakapo").comments(limit=100)
    ),
    "TestCommentForest.test_replace__on_direct_comment": lambda r: listing_records(comment_thread(r, "d8r4im1")),
    "TestComment.test_parent__chain": lambda r: listing_records(parent_chain(r, "dkk4qjd")),
    "TestRedditor.test_fullname_init": lambda r: [redditor_reach(r, "PyAPITestUser3")],
    "TestRedditor.test_notes__subreddits": lambda r: [redditor_reach(r, "Watchful1")],
    "TestAuthScript.test_scopes": lambda r: listing_records(r.auth.scopes() and []),  # a token, no content
}


def comment_thread(reddit, comment_id):
    comment = reddit.comment(comment_id)
    comment.refresh()
    comment.replies.replace_more(limit=None)
    return [comment, *comment.replies.list()]


def parent_chain(reddit, comment_id):
    """A comment and every comment it answers, up to its submission (walked as praw's own test does:
    the tree fetched with context holds the next parents, so only every ninth needs a refresh)."""
    comment = reddit.comment(comment_id)
    comment.refresh()
    chain, parent, count = [comment], comment.parent(), 0
    while parent != comment.submission:
        if count % 9 == 0:
            parent.refresh()
        chain.append(parent)
        count += 1
        parent = parent.parent()
    return chain


@pytest.mark.parametrize("name", sorted(CASSETTES))
def test_praw_cassettes_through_the_real_praw_client(name):
    cassette = REAL / "reddit-api" / f"{name}.json"
    with FakeReddit() as fake:
        fake.load_cassette(cassette)
        reddit = reddit_client(fake.environ())
        run = sync_run_create(source="reddit", arguments={"subreddit": name})
        summary = run_ingest(sync_run=run, items=CASSETTES[name](reddit))
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED
    assert summary.skipped == 0, summary.skipped_examples
    if name.startswith("TestRedditor."):
        assert Identity.objects.filter(reach__isnull=False).count() == 1
    elif name not in ("TestListingGenerator.test_no_items", "TestAuthScript.test_scopes"):
        assert summary.created > 0


def test_every_cassette_is_replayed():
    assert {path.stem for path in (REAL / "reddit-api").glob("*.json")} == set(CASSETTES)
