"""Reading a handed-in Reddit post through the real praw client, against the fake Reddit."""

import pytest
from django.conf import settings

from partnerships.disclosure_reddit import Reading, RedditLink, ShareLink, TryAgain, read_disclosure, reddit_link
from partnerships.models import DisclosureState

FOUND, MISSING, UNREADABLE = DisclosureState.FOUND, DisclosureState.MISSING, DisclosureState.UNREADABLE
POST = "https://www.reddit.com/r/fountainpens/comments/abc123/three_sheen_inks/"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (POST, RedditLink("abc123")),
        ("https://old.reddit.com/r/fountainpens/comments/abc123/", RedditLink("abc123")),
        ("http://reddit.com/comments/abc123", RedditLink("abc123")),
        ("https://new.reddit.com/r/fountainpens/comments/ABC123/x/?utm_source=share", RedditLink("abc123")),
        ("https://redd.it/abc123", RedditLink("abc123")),
        ("https://www.reddit.com/gallery/abc123", RedditLink("abc123")),
        ("https://www.reddit.com/r/fountainpens/comments/abc123/slug/def456/", RedditLink("abc123", "def456")),
        ("https://www.reddit.com/r/fountainpens/", None),  # a subreddit, no post
        ("https://www.reddit.com/user/sheen_queen/", None),
        ("https://reddit.com.evil.example/r/x/comments/abc123/", None),  # not Reddit's host
        ("https://evilreddit.com/r/x/comments/abc123/", None),
        ("https://example.com/comments/abc123/", None),
        ("ftp://reddit.com/comments/abc123/", None),
        ("https://www.reddit.com/r/x/comments/ab-c1/", None),  # not an id
        ("https://redd.it/", None),
    ],
)
def test_which_links_name_a_reddit_post(url, link):
    assert reddit_link(url) == link


def test_a_share_link_names_no_post_until_reddit_redirects_it():
    with pytest.raises(ShareLink):
        reddit_link("https://www.reddit.com/r/fountainpens/s/AbCdEf123")


def test_a_self_post_with_a_disclosure_is_found_with_the_words(reddit):
    reddit.set_post("abc123", "Three sheen inks compared", "Inkwell sent these.\n\n\\#ad — thoughts below")
    assert read_disclosure(POST) == Reading(FOUND, '"#ad"')
    # praw asked for that post, by its id, from the operator's Reddit (the fake), with a token
    assert [path for method, path in reddit.requests if path.startswith("/comments/")] == [
        "/comments/abc123/?limit=2048&sort=confidence&raw_json=1"
    ]
    assert ("POST", "/api/v1/access_token") in reddit.requests


def test_a_link_posts_title_is_what_members_read(reddit):
    reddit.set_post("abc123", "[Ad] Inkwell's new sheen inks", is_self=False, url="https://inkwell.example/inks")
    assert read_disclosure(POST) == Reading(FOUND, '"[Ad]"')


def test_a_post_without_one_is_missing(reddit):
    reddit.set_post("abc123", "Three sheen inks compared", "I love them all.")
    assert read_disclosure(POST) == Reading(MISSING, "The post does not contain a disclosure.")


def test_the_agreements_phrase_is_required_when_set(reddit):
    reddit.set_post("abc123", "Three sheen inks", "Sponsored by Inkwell")
    assert read_disclosure(POST, "#InkwellPartner") == Reading(MISSING, 'The post does not contain "#InkwellPartner".')
    reddit.set_post("abc123", "Three sheen inks", "Thanks! #inkwellpartner")
    assert read_disclosure(POST, "#InkwellPartner") == Reading(FOUND, '"#inkwellpartner"')


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        ({"selftext": "[deleted]", "author": "[deleted]", "removed_by_category": "deleted"}, "deleted by its author"),
        ({"selftext": "[deleted]", "author": "[deleted]"}, "deleted by its author"),
        ({"selftext": "[removed]", "removed_by_category": "moderator"}, "removed by the subreddit's moderators"),
        ({"selftext": "[removed]"}, "removed by the subreddit's moderators"),
        ({"selftext": "#ad", "removed_by_category": "reddit"}, "removed by Reddit"),
        ({"selftext": "#ad", "removed_by_category": "automod_filtered"}, "held back by the subreddit's AutoModerator"),
    ],
)
def test_a_deleted_or_removed_post_is_unreadable_with_the_reason(reddit, post, reason):
    # Reddit still answers such a post, with its text replaced: a disclosure members cannot see is none.
    reddit.set_post("abc123", "Three sheen inks #ad", **post)
    assert read_disclosure(POST) == Reading(UNREADABLE, f"The post was {reason}.")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (404, "Reddit has no such post (deleted, or the link is wrong)."),
        (403, "The post is in a private, quarantined or banned subreddit."),
    ],
)
def test_a_post_reddit_will_not_show_is_unreadable(reddit, status, reason):
    reddit.set_post("abc123", "", status=status)
    assert read_disclosure(POST) == Reading(UNREADABLE, reason)


def test_a_comments_permalink_reads_that_comment(reddit):
    reddit.set_comment("def456", "I was sent this ink by Inkwell.", post="abc123")
    url = "https://www.reddit.com/r/fountainpens/comments/abc123/slug/def456/"
    assert read_disclosure(url) == Reading(FOUND, '"I was sent"')
    assert ("GET", "/api/info/?id=t1_def456&raw_json=1") in reddit.requests
    reddit.set_comment("def457", "[removed]", post="abc123")
    url = "https://www.reddit.com/r/fountainpens/comments/abc123/slug/def457/"
    assert read_disclosure(url) == Reading(UNREADABLE, "The comment was removed by the subreddit's moderators.")


def test_a_server_error_is_tried_once_and_left_to_the_task(reddit):
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    reddit.fail_first("GET", "/comments/abc123", (503, {}))
    with pytest.raises(TryAgain) as failed:
        read_disclosure(POST)
    assert failed.value.reason == "Reddit is unavailable for now (it answered 503)"
    assert read_disclosure(POST).state == FOUND  # the next attempt reads it
    assert [path for _, path in reddit.requests if path.startswith("/comments/")].__len__() == 2


def test_a_rate_limit_says_how_long_to_wait(reddit):
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    reddit.fail_first("GET", "/comments/abc123", (429, {"retry-after": "42"}))
    with pytest.raises(TryAgain) as failed:
        read_disclosure(POST)
    assert failed.value.retry_after == 42


def test_a_reddit_that_cannot_be_reached_is_worth_trying_again(reddit, monkeypatch):
    reddit.__exit__()  # nothing listens there any more
    with pytest.raises(TryAgain) as failed:
        read_disclosure(POST)
    assert failed.value.reason == "Reddit could not be reached"
    reddit.__enter__()  # for the fixture's own exit


def test_a_silent_reddit_times_out(reddit):
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    reddit.fail_first("GET", "/comments/abc123", 3.0)  # REDDIT_TIMEOUT is 2 seconds
    with pytest.raises(TryAgain) as failed:
        read_disclosure(POST)
    assert failed.value.reason == "Reddit timed out"


def test_without_credentials_nothing_is_asked_and_the_reason_is_given(monkeypatch):
    monkeypatch.setitem(settings.REDDIT_API, "REDDIT_CLIENT_ID", "")
    reading = read_disclosure(POST)
    assert reading.state == UNREADABLE and "REDDIT_CLIENT_ID" in reading.evidence


def test_a_link_that_names_no_post_is_not_read():
    assert read_disclosure("https://www.reddit.com/r/fountainpens/") == Reading(
        UNREADABLE, "The link names no Reddit post."
    )


def test_a_comment_edited_since_reads_as_it_is_now(reddit):
    url = "https://www.reddit.com/r/fountainpens/comments/abc123/slug/def456/"
    reddit.set_comment("def456", "Loving these inks", post="abc123")
    assert read_disclosure(url).state == MISSING
    reddit.set_comment("def456", "Loving these inks (gifted by Inkwell)", post="abc123")
    assert read_disclosure(url) == Reading(FOUND, '"gifted by"')
    assert read_disclosure(url) == Reading(FOUND, '"gifted by"')


def test_a_comment_reddit_no_longer_has_is_unreadable(reddit):
    from tests.fakes.reddit import listing

    reddit.add("GET", "/api/info", listing([]), query={"id": "t1_gone1"})  # what Reddit answers for it
    url = "https://www.reddit.com/r/fountainpens/comments/abc123/slug/gone1/"
    assert read_disclosure(url) == Reading(UNREADABLE, "Reddit has no such comment (deleted, or the link is wrong).")
