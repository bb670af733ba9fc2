"""A Slack workspace whose channels are flat (no threads), read from the database: replies are
inferred from mentions and timing, and the page says how; plus what the page shows in plain words
(the brand's names left out, each quote once, charts with their months)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from influencers.models import Community, Platform
from insight.adapter import refresh_insight
from insight.document_view import document_view, how_specific

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 18, tzinfo=UTC)


def flat_slack_workspace(make_identity, make_interaction):
    """Four weeks of #general: each Monday Ann asks, Ben answers three minutes later (no thread),
    and each Thursday Cat asks and Ben answers the next morning, naming her."""
    slack = Community.objects.create(platform=Platform.SLACK, external_id="T0FLAT", name="Data viz Houston")
    ann, ben, cat = (make_identity(n, platform=Platform.SLACK) for n in ("ann", "ben", "cat"))

    def say(author, at, text, **extra):
        ts = f"{at.timestamp():.6f}"
        return make_interaction(f"general:{ts}", author, at=at, text=text, community=slack,
                                thread_external_id=f"general:{ts}", **extra)  # fmt: skip

    for week in range(4):
        monday = START + timedelta(days=7 * week)
        say(ann, monday, "How do I export a d3 chart as SVG?")
        say(ben, monday + timedelta(minutes=3), "Use the svg-crowbar bookmarklet, it saves the SVG")
        thursday = monday + timedelta(days=3)
        say(cat, thursday, "Is the data jam venue open on Saturday?")
        answer = say(ben, thursday + timedelta(hours=14), "yes, doors at ten")
        make_interaction(
            f"{answer.external_id}:mention:cat", ben, kind="mention", at=answer.posted_at, parent=answer, target=cat,
            community=slack, thread_external_id=answer.thread_external_id,
        )  # fmt: skip
    return slack


@pytest.fixture
def flat_slack(make_identity, make_interaction):
    return flat_slack_workspace(make_identity, make_interaction)


def test_replies_in_a_flat_channel_are_inferred_and_the_questions_answered(flat_slack):
    document = refresh_insight(flat_slack).document
    conversations = document["formats"]["conversations"]
    assert (conversations["by_time"], conversations["by_mention"], conversations["by_quote"]) == (4, 4, 0)
    answer = document["formats"]["first_answer"]
    assert answer["questions"] == 8 and answer["answered"] == 8 and answer["never_answered_share"] == 0.0
    assert answer["minutes"]["median"] == round((3 + 14 * 60) / 2, 1)  # half after 3 minutes, half after 14 hours
    assert document["formats"]["threads"]["count"] == 8
    assert not any(line.startswith("None of the") for line in document["highlights"])


def test_the_page_states_the_rule_and_draws_its_chart_with_months(client, manager_a, flat_slack):
    refresh_insight(flat_slack)
    client.force_login(manager_a)
    html = client.get(reverse("community-insight", args=[flat_slack.pk])).content.decode()
    assert (
        "Replies in flat channels are inferred: a message answers an earlier one in its channel when it quotes" in html
    )
    assert "8 messages were read as replies this way." in html
    assert "4 by naming the author, 4 by following within minutes" in html
    assert '<svg class="chart monthly-chart"' in html and '<line class="axis"' in html
    assert '<text class="tick" x="6" y="112" text-anchor="middle">2026-03</text>' in html  # the month under its bar


def _document():
    quote = {"text": "The Inkwell shimmer ink clogs my nib."}
    return {
        "basis": {"language": "en"},
        "highlights": ["Its own words: inkwell, shimmer, nib.", "A typical reply: 12 words."],
        "vocabulary": [
            {"term": "inkwell", "times_more_than_general": 5000, "members": 9, "examples": [quote]},
            {"term": "shimmer", "times_more_than_general": 23067, "members": 8, "examples": [quote]},
            {
                "term": "nib",
                "times_more_than_general": 150,
                "members": 7,
                "examples": [quote, {"text": "A fine nib, please."}],
            },
        ],  # fmt: skip
        "phrases": [{"term": "inkwell blue", "times_more_than_general": 900, "members": 3, "examples": []}],
        "vocabulary_shift": {"rising": [{"term": "inkwell"}, {"term": "sheen"}]},
    }


def test_the_brands_names_are_not_the_communitys_words_and_a_quote_is_shown_once():
    view = document_view(_document(), brand_names=["Inkwell", "Inkwell Pens"])
    language = view["language"]
    assert [t["term"] for t in language["vocabulary"]] == ["shimmer", "nib"]
    assert language["phrases"] == []  # "inkwell blue" holds the brand's name
    assert [c["term"] for c in language["rising"]] == ["sheen"]
    assert view["highlights"][0] == "Its own words: shimmer, nib."
    shimmer, nib = language["vocabulary"]
    assert [q["before"] + q["term"] + q["after"] for q in shimmer["examples"]] == [
        "The Inkwell shimmer ink clogs my nib."
    ]
    assert [q["before"] + q["term"] + q["after"] for q in nib["examples"]] == ["A fine nib, please."]  # not again
    assert shimmer["plainly"] == "almost never heard in everyday English"
    assert shimmer["times"] == "23,067× as often as in general language"  # the figure, for the <details>


def test_without_brands_every_word_stays():
    assert [t["term"] for t in document_view(_document())["language"]["vocabulary"]] == ["inkwell", "shimmer", "nib"]


def test_how_specific_in_plain_words():
    assert how_specific(None) == "not heard in everyday English: a word of its own"
    assert how_specific(12) == "used much more here than in everyday English"
    assert how_specific(150, "de") == "used far more here than in everyday German"
    assert how_specific(4, "xx") == "used more here than in everyday language"


def test_chat_answers_in_under_a_minute_are_said_so():
    from insight.analysis.community import _duration
    from insight.document_view import duration

    assert [duration(m) for m in (0.2, 1.0, 1.9, 45)] == ["under a minute", "1 minute", "2 minutes", "45 minutes"]
    assert _duration(0.4) == "under a minute" and _duration(1.2) == "1 minute"


def test_the_insight_page_leaves_out_the_users_own_brand_names(client, manager_a, brand_a, community):
    from insight.models import CommunityInsight

    brand_a.name, brand_a.aliases = "Inkwell", ["Inkwell Pens"]
    brand_a.save()
    CommunityInsight.objects.create(community=community, document=_document())
    client.force_login(manager_a)

    page = client.get(reverse("community-insight", args=[community.pk]))

    assert page.status_code == 200
    assert [t["term"] for t in page.context["language"]["vocabulary"]] == ["shimmer", "nib"]
