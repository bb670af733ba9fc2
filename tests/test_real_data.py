"""Conformance: the real third-party samples in ../shared/real-data import without an error, and
into what the files hold.

Skipped, with the reason, when ../shared/real-data is not beside the checkout. The praw cassettes
are replayed by the fake Reddit on loopback and read through the real praw client.

The figures pinned below were counted once from the files themselves, without the project's code
(the counting is described beside each), so an importer that drops, doubles or misfiles records
fails here even when it completes without an error.
"""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from influencers.connectors.reddit_live import listing_records, reddit_client, redditor_reach, tree_things
from influencers.ingest.runs import sync_run_create
from influencers.ingest.service import run_ingest
from influencers.models import Community, Identity, Interaction, SyncStatus
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


def kinds() -> dict[str, int]:
    return dict(Counter(Interaction.objects.values_list("kind", flat=True)))


def authors() -> int:
    return Interaction.objects.exclude(author=None).values("author").distinct().count()


# file → (lines, subreddits, distinct authors, comments answering a comment in the same file), counted
# with `zstd -dc FILE | jq`: lines; distinct .subreddit; distinct .author ("[deleted]" is one); lines
# whose .parent_id is "t1_" + the .id of another line.
DUMPS = {
    "RC_style_from_praw_TestMore_3hahrw_2016.ndjson.zst": (541, 1, 421, 397),
    "RC_style_from_praw_TestSubredditStreams_2023.ndjson.zst": (100, 1, 13, 61),
    "RS_style_from_praw_popular_hot_2026.ndjson.zst": (100, 100, 100, 0),
}


@pytest.mark.parametrize("path", sorted(REAL.glob("reddit-dump/*.zst")) if REAL.is_dir() else [], ids=lambda p: p.name)
def test_reddit_dump_samples(path):
    lines, subreddits, members, replies = DUMPS[path.name]
    summary = ingest("reddit-dump", str(path))
    assert summary["created"] == lines and summary["skipped"] == 0, summary["skipped_examples"]
    assert Community.objects.filter(platform="reddit").count() == subreddits
    assert authors() == members
    assert Interaction.objects.filter(parent__kind="comment").count() == replies
    assert ingest("reddit-dump", str(path))["created"] == 0


def test_every_dump_is_pinned():
    assert {path.name for path in REAL.glob("reddit-dump/*.zst")} == set(DUMPS)


def test_discord_exports():
    """The six exports (jq over .messages) hold 60 messages, of which 8 are not conversation (2 calls,
    3 joins, a thread's creation, a rename and an icon change): 52 messages, 6 of them replies (type
    "Reply", or a .reference in the hand-made fixtures), plus 3 mentions (.mentions) = 55 read. The
    chat-analytics fixtures were hand-edited and reuse message ids, so one message is read twice and
    stored once. Two of the six are a DM and a group chat: not communities, skipped with the reason
    (their 3 messages, with a reply among them, are not read), which leaves two places to talk: the
    example guild and the DefleMask server."""
    files = sorted(REAL.glob("discord/**/*.json"))
    summary = ingest("discord", *map(str, files))
    assert (summary["read"], summary["created"], summary["unchanged"], summary["skipped"]) == (52, 49, 1, 2), summary
    assert kinds() == {"post": 41, "comment": 5, "mention": 3}
    assert set(Community.objects.values_list("name", flat=True)) == {"Example guild", "DefleMask"}
    # Replies point at messages in the same export: the reply network has edges.
    assert Interaction.objects.filter(community__platform="discord", parent__isnull=False).count() == 8
    assert Interaction.objects.filter(author__handle="Adam").count() == 23  # the example guild's busiest


# archive → (posts, replies, reactions, mentions, members). Posts and replies are counted in each
# channel's day files (type "message"): posts are messages without a subtype, file shares and bot
# messages (bot_message, bot_add) — houstondatavis 964 + 61 + 1, the test archive 49 + 3 + 94 + 3; joins,
# leaves, pins, topic/purpose/name changes, archives and tombstones are not conversation; replies are
# file comments or carry a .thread_ts other than their .ts (slackdump's 14 messages: 10 posts, 4 replies).
# Reactions (one per reacting member, none on one's own message) and mentions (one per other member a
# message names with <@U…>) were pinned from the import of 2026-12-05, beside the raw counts they
# come from: houstondatavis has 199 reacting members, 9 of them on their own message, and 161 names of
# another member, some in messages that are not conversation.
SLACK = {
    "houstondatavis_slack_export_2016-07-31_emails-redacted.zip": (1026, 6, 189, 155, 37),
    "slack-export-viewer_testarchive.zip": (149, 1, 1, 14, 7),
    "slackdump_fixture_export_2025_obfuscated.zip": (10, 4, 0, 0, 3),
}


@pytest.mark.parametrize("path", sorted(REAL.glob("slack/*.zip")) if REAL.is_dir() else [], ids=lambda p: p.name)
def test_slack_exports(path):
    posts, replies, reactions, mentions, members = SLACK[path.name]
    summary = ingest("slack", str(path))
    assert summary["created"] == posts + replies + reactions + mentions and summary["skipped"] == 0, summary
    expected = {"post": posts, "comment": replies, "reaction": reactions, "mention": mentions}
    assert kinds() == {kind: n for kind, n in expected.items() if n}
    assert Identity.objects.count() == members and Community.objects.count() == 1


def test_every_slack_export_is_pinned():
    assert {path.name for path in REAL.glob("slack/*.zip")} == set(SLACK)


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
    """discourse_api's fixtures hold 12 posts (.post_stream.posts, .latest_posts, the single post), three
    of them the same posts in two files: 9 stored, 5 opening a topic (post_number 1) and 4 replies. Topic
    57 is a welcome thread: samsaffron's opening post and replies by Some-username, stienman and splattne."""
    summary = ingest("discourse", str(REAL / "discourse"))
    assert (summary["read"], summary["created"], summary["unchanged"], summary["skipped"]) == (12, 9, 3, 0), summary
    assert kinds() == {"post": 5, "comment": 4}
    opening = Interaction.objects.get(external_id="57/1")
    assert (opening.kind, opening.author.handle) == ("post", "samsaffron")
    replies = Interaction.objects.filter(parent=opening)
    assert sorted(replies.values_list("author__handle", flat=True)) == ["Some-username", "splattne", "stienman"]


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


# cassette → (submissions, comments, distinct authors) the connector is asked for, counted in the
# cassette's response bodies (every {"kind": "t3"|"t1", "data": …} object, by id; authors by .author,
# "[deleted]" being one). The comment chain reads comments only (its submission is where it stops);
# the kakapo stream's first answer (?limit=100) holds 16 comments by 8 authors.
CONTENTS = {
    "TestSubredditListings.test_new": (100, 0, 89),
    "TestSubredditListings.test_top": (100, 0, 97),
    "TestSubredditListings.test_comments": (0, 100, 97),
    "TestSubmission.test_hide_multiple_in_batches": (100, 0, 100),
    "TestSubredditStreams.test_comments__with_continue_after_id": (0, 100, 13),
    "TestCommentForest.test_replace__all": (1, 541, 422),
    "TestMore.test_comments": (1, 483, 394),
    "TestRedditorListings.test_comments__new": (0, 100, 1),
    "TestRedditorListings.test_submissions__new": (100, 0, 1),
    "TestRedditorListings.test_overview__new": (10, 90, 1),
    "TestListingGenerator.test_no_items": (0, 0, 0),
    "TestSubredditStreams.test_comments__with_pause": (0, 16, 8),
    "TestCommentForest.test_replace__on_direct_comment": (0, 146, 131),
    "TestComment.test_parent__chain": (0, 32, 1),
    "TestAuthScript.test_scopes": (0, 0, 0),
}
# Reach is karma, link_karma + comment_karma on the redditor's about page in the cassette.
REACH = {
    "TestRedditor.test_fullname_init": ("PyAPITestUser3", 1 + 0),
    "TestRedditor.test_notes__subreddits": ("Watchful1", 50781 + 206653),
}


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
    if name in REACH:
        assert list(Identity.objects.filter(reach__isnull=False).values_list("handle", "reach", "reach_kind")) == [
            (*REACH[name], "karma")
        ]
        assert summary.created == 0
    else:
        posts, comments, members = CONTENTS[name]
        assert summary.created == posts + comments
        assert kinds() == {kind: n for kind, n in {"post": posts, "comment": comments}.items() if n}
        assert authors() == members


def test_every_cassette_is_replayed_and_pinned():
    assert {path.stem for path in (REAL / "reddit-api").glob("*.json")} == set(CASSETTES) == set(CONTENTS) | set(REACH)
