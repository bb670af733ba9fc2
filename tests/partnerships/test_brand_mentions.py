"""The brand page lists its mentions (author, community, date, tone, the brand's presence, a link)
with filters and pages, and says its before/after comparisons in sentences, figures one click away."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from influencers.models import Community, Platform
from influencers.services import creator_link_identities
from partnerships.measurement import in_words
from partnerships.measurement.mention_list import MENTIONS_PER_PAGE, tone_of
from partnerships.measurement.services import brand_measure
from partnerships.models import BrandMention, CommunityStance, Stage
from partnerships.privacy import creator_erase

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 12, tzinfo=UTC)


@pytest.fixture
def mentioned(brand_a, community, make_identity, make_interaction):
    """In r/fountainpens: Mia praises Inkwell where the brand is absent, Ned warns against it in a
    thread the brand's own account answered, and nobody names it in a third post."""
    CommunityStance.objects.create(brand=brand_a, community=community)
    mia, ned, official = make_identity("mia"), make_identity("ned"), make_identity("inkwell_official")
    brand_a.official_identities.add(official)
    make_interaction(
        "t3_praise", mia, title="Starter inks", text="Honestly Inkwell is great for beginners, I love it.",
        url="https://reddit.example/t3_praise", thread_external_id="t3_praise", at=START,
    )  # fmt: skip
    make_interaction(
        "t3_warn", ned, title="Leaks", text="Inkwell bottles leak everywhere. Terrible, avoid them.",
        url="https://reddit.example/t3_warn", thread_external_id="t3_warn", at=START + timedelta(days=1),
    )  # fmt: skip
    make_interaction(
        "t1_reply", official, kind="comment", thread_external_id="t3_warn", text="Sorry! Write to us.",
        at=START + timedelta(days=1, hours=2),
    )  # fmt: skip
    make_interaction("t3_none", ned, title="Nibs", text="No brand here", at=START + timedelta(days=2))
    brand_measure(brand=brand_a)
    creator_link_identities(identities=[mia])
    return brand_a


def _get(client, user, brand, **query):
    client.force_login(user)
    return client.get(reverse("brand", args=[brand.pk]), query)


def test_each_mention_shows_its_author_community_date_tone_presence_and_link(client, manager_a, mentioned, community):
    response = _get(client, manager_a, mentioned)
    rows = list(response.context["mentions"])
    assert [(m.author, m.tone, m.in_absence, m.brand_took_part) for m in rows] == [
        ("ned", "negative", False, True),
        ("mia", "positive", True, False),
    ]
    ned, mia = rows
    assert (
        mia.community == "r/fountainpens" and mia.posted_at == START and mia.url == "https://reddit.example/t3_praise"
    )
    assert (mia.before, mia.name, mia.after) == ("Honestly ", "Inkwell", " is great for beginners, I love it.")
    page = response.content.decode()
    assert f'href="{reverse("community", args=[community.pk])}">r/fountainpens</a>' in page
    assert f'href="{reverse("creator", args=[mia.creator_id])}">mia</a>' in page
    assert "Honestly <mark>Inkwell</mark> is great" in page and "brand absent" in page and "the brand took part" in page


def test_mentions_filter_by_tone_and_by_the_brands_absence(client, manager_a, mentioned):
    def authors(**query):
        return [m.author for m in _get(client, manager_a, mentioned, **query).context["mentions"]]

    assert authors(tone="positive") == ["mia"]
    assert authors(tone="negative") == ["ned"]
    assert authors(tone="neutral") == []
    assert authors(conversation="absent") == ["mia"]
    assert authors(conversation="present") == ["ned"]
    assert authors(tone="positive", conversation="present") == []
    refused = _get(client, manager_a, mentioned, tone="furious", page="nine")
    assert refused.status_code == 200 and [m.author for m in refused.context["mentions"]] == ["ned", "mia"]
    assert [str(m) for m in refused.context["messages"]] == [
        "Tone: “furious” is not one; choose positive, neutral or negative."
    ]


def test_mentions_come_a_page_at_a_time_keeping_the_filters(
    client, manager_a, mentioned, make_identity, make_interaction
):
    fan = make_identity("fan")
    for n in range(MENTIONS_PER_PAGE + 5):
        make_interaction(f"t3_fan{n}", fan, text=f"Inkwell is wonderful, number {n}", at=START + timedelta(days=10 + n))
    brand_measure(brand=mentioned)
    first = _get(client, manager_a, mentioned, tone="positive")
    assert len(first.context["mentions"]) == MENTIONS_PER_PAGE and first.context["mentions"].paginator.count == 31
    assert 'href="?tone=positive&amp;page=2#mention-list"' in first.content.decode()
    second = _get(client, manager_a, mentioned, tone="positive", page=2)
    assert [m.author for m in second.context["mentions"]] == ["fan"] * 5 + ["mia"]


def test_the_list_costs_the_same_queries_however_many_mentions(
    client, manager_a, mentioned, make_identity, make_interaction
):
    client.force_login(manager_a)
    url = reverse("brand", args=[mentioned.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    fan = make_identity("fan")
    for n in range(40):
        make_interaction(f"t3_fan{n}", fan, text=f"Inkwell is wonderful, number {n}", at=START + timedelta(days=10 + n))
    brand_measure(brand=mentioned)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["mentions"].paginator.count == 42 and len(many) == len(few)


def test_an_erased_authors_words_never_show(client, manager_a, mentioned):
    mia = BrandMention.objects.get(author__handle="mia").author.creator
    creator_erase(creator=mia)
    response = _get(client, manager_a, mentioned, conversation="absent")
    (row,) = response.context["mentions"]
    assert row.erased and row.author == "[erased]" and row.url == "" and row.creator_id is None
    page = response.content.decode()
    assert "great for beginners" not in page and "their words are not shown" in page


def test_other_organizations_never_see_the_mentions(client, manager_b, mentioned):
    assert _get(client, manager_b, mentioned).status_code == 404


def test_a_comparison_is_a_sentence_first_and_its_figures_one_click_away(
    client, manager_a, mentioned, partnership_a, community, make_identity, make_interaction
):
    partnership_a.stage, partnership_a.started_on = Stage.ACTIVE, date(2026, 1, 6)
    partnership_a.save()
    partnership_a.communities.add(community)
    penn = make_identity("penn")
    creator_link_identities(identities=[penn], creator=partnership_a.creator)
    make_interaction("t1_penn", penn, kind="comment", thread_external_id="t3_praise", text="Agreed", at=START)
    brand_measure(brand=mentioned)
    response = _get(client, manager_a, mentioned)
    (said,) = response.context["changes_said"]
    assert said.event == "partnership started" and said.community.label == "r/fountainpens"
    assert said.mentions == (
        "Too few mentions to say whether they changed: 1 in the days before, 1 after (at least 20 together are needed)."
    )
    page = response.content.decode()
    assert said.mentions in page and "<summary>The figures</summary>" in page and "×" in page


def test_changes_said_in_words():
    rise = {"before": 23, "after": 28, "ratio": 1.79, "low": 1.03, "high": 3.1, "verdict": "up"}
    assert in_words.count_change_said(rise, what="mentions") == (
        "Mentions came about 1.8 times as often after as before — likely between 1.0 and 3.1 times: a clear rise "
        "(23 before, 28 after)."
    )
    rise |= {"days_before": 60.0, "days_after": 41.0}
    assert in_words.count_change_said(rise, what="mentions").endswith(
        "(23 in the 60 days before, 28 in the 41 days after)."
    )
    fall = {"before": 40, "after": 2, "ratio": 0.048, "low": 0.012, "high": 0.2, "verdict": "down"}
    assert "about 0.05 times as often" in in_words.count_change_said(fall, what="mentions")
    window = {"before": 0, "after": 0, "ratio": None, "verdict": "no window to compare"}
    assert in_words.count_change_said(window, what="mentions") == "Mentions: no window to compare."
    tone = {"difference": -0.21, "low": -0.4, "high": -0.02, "verdict": "down", "before_n": 30, "after_n": 25}
    assert in_words.tone_change_said(tone) == (
        "Members spoke of the brand in its absence less warmly after than before (−0.21 on a scale from −1 to +1) "
        "— likely between −0.40 and −0.02: a clear fall."
    )
    absence = {"difference": 0.3, "low": 0.1, "high": 0.5, "verdict": "up", "before_n": 12, "after_n": 40}
    assert in_words.absence_said(absence).startswith("Members speak more warmly of the brand when it is not in the")


def test_tone_words_follow_vaders_bounds():
    assert [tone_of(v) for v in (0.05, 0.049, 0.0, -0.049, -0.05, -1)] == [
        "positive", "neutral", "neutral", "neutral", "negative", "negative",
    ]  # fmt: skip
    assert Community(platform=Platform.REDDIT, external_id="pens", name="x").label == "r/pens"
