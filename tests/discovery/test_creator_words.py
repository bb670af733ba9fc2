"""The creator page shows what they wrote: posts and replies per community with their thread's
title, link, date and score; their most-answered threads; the community's words they use most;
where else they are active. Erased people's words never show."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from influencers.models import Community, Platform
from influencers.services import community_memberships_refresh, creator_link_identities
from partnerships.privacy import creator_erase

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 12, tzinfo=UTC)


@pytest.fixture
def writer(community, make_identity, make_interaction):
    """Alice writes 25 replies and 2 posts in r/fountainpens (one reply removed by moderators) and
    one post on a Discord server; Bob, Carol and Dan answer her and speak the community's words."""
    alice, bob, carol, dan = (make_identity(h) for h in ("alice", "bob", "carol", "dan"))
    discord = Community.objects.create(platform=Platform.DISCORD, external_id="42", name="Pen Pals")
    alice_discord = make_identity("alice#1", platform=Platform.DISCORD)
    nib_post = make_interaction(
        "t3_nib", alice, title="Which nib for sketching?", text="My converter leaks and the nib is scratchy.",
        url="https://reddit.example/r/fountainpens/t3_nib", score=14, at=START,
    )  # fmt: skip
    make_interaction("t3_ink", alice, title="Shimmer inks in a demonstrator", text="Sheen everywhere.", at=START)
    for n, who in enumerate((bob, carol, dan, bob)):
        make_interaction(
            f"t1_answer{n}", who, kind="comment", parent=nib_post, thread_external_id="t3_nib", target=alice,
            text="A fine nib with sheen ink; the converter needs a clean.", at=START + timedelta(hours=n + 1),
        )  # fmt: skip
    make_interaction("t1_ink1", carol, kind="comment", thread_external_id="t3_ink", text="Sheen and shimmer.", at=START)
    bobs_thread = make_interaction("t3_bob", bob, title="Bob's converter question", text="Converter or cartridge?")
    for n in range(25):
        make_interaction(
            f"t1_alice{n}", alice, kind="comment", thread_external_id="t3_bob", parent=bobs_thread,
            text=f"Reply {n}: flush the converter, the nib will thank you.", score=n,
            url=f"https://reddit.example/r/fountainpens/t1_alice{n}", at=START + timedelta(days=n + 1),
            is_removed=n == 24, removed_by="community" if n == 24 else "",
        )  # fmt: skip
    make_interaction("d_1", alice_discord, community=discord, text="Hello pen pals", at=START)
    community_memberships_refresh(community=community)
    community_memberships_refresh(community=discord)
    return creator_link_identities(identities=[alice, alice_discord])


def _page(client, user, creator, **query):
    client.force_login(user)
    return client.get(reverse("creator", args=[creator.pk]), query)


def test_the_creator_page_shows_their_latest_20_texts_with_thread_titles_links_dates_and_scores(
    client, manager_a, writer
):
    response = _page(client, manager_a, writer)
    page = response.content.decode()
    reddit = next(w for w in response.context["writing"] if w.community.platform == Platform.REDDIT)
    shown = list(reddit.writings)
    assert len(shown) == 20 and reddit.writings.paginator.count == 27
    newest = shown[0]
    assert newest.excerpt == "Reply 24: flush the converter, the nib will thank you."
    assert newest.thread_title == "Bob's converter question" and newest.removed == "removed by the community"
    assert newest.score == 24 and newest.posted_at == START + timedelta(days=25)
    assert 'href="https://reddit.example/r/fountainpens/t1_alice24"' in page
    assert "Removed by the community" in page and "r/fountainpens" in page and "Pen Pals" in page
    assert "in “Bob&#x27;s converter question”" in page and "Reply 4:" not in page  # older: on page 2


def test_each_community_pages_on_its_own(client, manager_a, writer):
    first = _page(client, manager_a, writer)
    reddit = next(w for w in first.context["writing"] if w.community.platform == Platform.REDDIT)
    assert reddit.older_url == f"?words-{reddit.community.pk}=2" and reddit.newer_url == ""
    second = _page(client, manager_a, writer, **{f"words-{reddit.community.pk}": 2})
    reddit = next(w for w in second.context["writing"] if w.community.platform == Platform.REDDIT)
    texts = [w.excerpt for w in reddit.writings]
    assert len(texts) == 7 and texts[-1] == "My converter leaks and the nib is scratchy."
    nib = next(w for w in reddit.writings if w.thread_title == "Which nib for sketching?")
    assert nib.is_post and nib.url == "https://reddit.example/r/fountainpens/t3_nib" and nib.score == 14
    discord = next(w for w in second.context["writing"] if w.community.platform == Platform.DISCORD)
    assert [w.excerpt for w in discord.writings] == ["Hello pen pals"]  # its own page 1 still
    # A page number that is not one shows the last page, never a 500.
    assert _page(client, manager_a, writer, **{f"words-{reddit.community.pk}": "x"}).status_code == 200


def test_most_answered_threads_count_replies_by_others_and_words_are_the_communitys(client, manager_a, writer):
    response = _page(client, manager_a, writer)
    reddit = next(w for w in response.context["writing"] if w.community.platform == Platform.REDDIT)
    assert [(t.title, t.replies, t.repliers) for t in reddit.threads] == [
        ("Which nib for sketching?", 4, 3),
        ("Shimmer inks in a demonstrator", 1, 1),
    ]
    words = {w.term: w.uses for w in reddit.words}
    # Used by Bob, Carol, Dan and Alice, and rare in everyday English: the community's own words.
    assert words["converter"] == 26 and words["nib"] == 27
    assert "the" not in words and "reply" not in words  # everyday words are not the community's
    assert reddit.elsewhere == [w.community for w in response.context["writing"] if w is not reddit]


def test_erased_peoples_words_never_show(client, manager_a, writer, community, make_identity, make_interaction):
    erin = make_identity("erin")
    make_interaction("t3_erin", erin, title="Erin's secret stash", text="My address is 12 Ink Lane")
    alice = writer.identities.get(platform=Platform.REDDIT)
    make_interaction(
        "t1_to_erin",
        alice,
        kind="comment",
        thread_external_id="t3_erin",
        text="Lovely stash",
        at=START + timedelta(days=40),
    )
    erin_creator = creator_link_identities(identities=[erin])
    creator_erase(creator=erin_creator)
    page = _page(client, manager_a, writer).content.decode()
    assert "Lovely stash" in page and "Erin&#x27;s secret stash" not in page and "Ink Lane" not in page
    creator_erase(creator=writer)
    erased = _page(client, manager_a, writer)
    assert erased.context["writing"] == [] and "flush the converter" not in erased.content.decode()


def test_the_page_costs_the_same_queries_whatever_they_wrote(client, manager_a, writer, make_interaction):
    client.force_login(manager_a)
    url = reverse("creator", args=[writer.pk])
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    alice = writer.identities.get(platform=Platform.REDDIT)
    for n in range(40):
        post = make_interaction(f"t3_more{n}", alice, title=f"More {n}", at=START + timedelta(days=60 + n))
        make_interaction(
            f"t1_more{n}",
            alice,
            kind="comment",
            thread_external_id=post.external_id,
            text="again",
            at=START + timedelta(days=60 + n, hours=1),
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
