"""The partnership page's depth reads as sentences first (a share only when enough members are behind
it), with the figures one click away in a <details>."""

import re

import pytest
from django.urls import reverse

from influencers.models import Community, Platform
from partnerships.depth_words import (
    change_sentence,
    conversation_sentence,
    depth_in_words,
    event_sentence,
    return_comparison,
    return_sentence,
)
from partnerships.models import BrandMeasurement, Stage


def curve(*points):
    """(days, eligible, returned) → the stored curve."""
    return [{"days": d, "eligible": e, "returned": r, "share": round(r / e, 4) if e else None} for d, e, r in points]


ONE_OF_ONE = {"members": 1, "curve": curve((7, 1, 1), (14, 1, 1), (30, 0, 0), (60, 0, 0), (90, 0, 0))}
BEFORE = {"members": 84, "curve": curve((7, 84, 7), (14, 84, 13), (30, 81, 20), (60, 63, 28), (90, 53, 30))}
AFTER = {"members": 12, "curve": curve((7, 12, 4), (14, 12, 6), (30, 0, 0), (60, 0, 0), (90, 0, 0))}


def test_one_member_of_one_is_a_count_and_not_enough_data_never_100_percent():
    sentence = return_sentence("since the start", ONE_OF_ONE)
    assert sentence == (
        "Since the start, 1 of 1 member came back within 14 days — not enough data yet to read a share "
        "(that takes 10 members)."
    )
    assert "%" not in sentence


def test_with_enough_members_the_share_is_read_at_the_longest_wait():
    assert (
        return_sentence("before the start", BEFORE)
        == "Before the start, 30 of 53 members came back within 90 days (57 %)."
    )


def test_both_sides_are_read_at_the_wait_they_share_and_compared():
    words = depth_in_words({"return_engagement": {"before_start": BEFORE, "after_start": AFTER}}, creator="Ivy",
                           community_labels={})  # fmt: skip
    assert words["returns"] == [
        "Before the start, 13 of 84 members came back within 14 days (15 %).",
        "Since the start, 6 of 12 members came back within 14 days (50 %).",
    ]
    assert words["comparison"] == "Members come back more often than before the start."
    assert return_comparison(BEFORE, ONE_OF_ONE) == ""  # one side cannot be read yet: no claim


def test_no_contacts_and_no_finished_week_say_so():
    assert return_sentence("since the start", {"members": 0, "curve": curve((7, 0, 0))}) == (
        "Since the start: no conversations with members yet."
    )
    assert return_sentence("since the start", {"members": 3, "curve": curve((7, 0, 0))}) == (
        "Since the start: not enough data yet — 3 members, none followed for a full week yet."
    )


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("up", "mentions of the brand rose from 0.38 to 0.68 a day"),
        ("down", "mentions of the brand fell from 0.38 to 0.68 a day"),
        ("no clear change", "no clear change in mentions of the brand"),
        ("too few to say (7 before, 2 after)", "too few mentions of the brand to tell (7 before, 2 since)"),
        ("no window to compare", "mentions of the brand: nothing to compare yet"),
    ],
)
def test_a_change_reads_as_words_without_its_interval(verdict, expected):
    change = {"before": 7, "after": 2, "per_day_before": 0.3833, "per_day_after": 0.6843, "ratio": 1.785,
              "low": 1.028, "high": 3.099, "verdict": verdict}  # fmt: skip
    assert change_sentence("mentions", change) == expected


def test_an_event_sentence_names_members_and_rounds_the_days():
    event = {
        "event": "partnership started", "at": "2026-11-14T00:00:00+00:00", "community": "reddit:fountainpens",
        "days_after": 19.9, "note": "the after-window is not over yet", "active_members": {"before": 60, "after": 31},
        "mentions": {"verdict": "up", "per_day_before": 0.4833, "per_day_after": 0.753},
        "organic_recommendations": {"verdict": "too few to say (7 before, 2 after)", "before": 7, "after": 2},
    }  # fmt: skip
    assert event_sentence(event) == (
        "Mentions of the brand rose from 0.48 to 0.75 a day; too few organic recommendations to tell (7 before, "
        "2 since). 60 members took part in the 60 days before, 31 in the 20 days since (the after-window is not "
        "over yet)."
    )


def test_the_latest_month_of_conversations_in_a_sentence():
    months = [{"month": "2026-10", "answered_by": 3, "answers": 3, "answered_back": 1},
              {"month": "2026-11", "answered_by": 9, "answers": 13, "answered_back": 0}]  # fmt: skip
    assert (
        conversation_sentence("Ivy", months)
        == "In November 2026, 9 members answered Ivy (13 answers); Ivy did not answer back."
    )
    assert (
        conversation_sentence("Ivy", months[:1])
        == "In October 2026, 3 members answered Ivy; Ivy answered back 1 of them."
    )
    assert conversation_sentence("Ivy", []) == ""


@pytest.mark.django_db
def test_the_page_reads_sentences_first_and_keeps_the_figures_in_details(client, manager_a, partnership_a, brand_a):
    pens = Community.objects.create(platform=Platform.REDDIT, external_id="fountainpens", name="FountainPens export")
    partnership_a.communities.add(pens)
    partnership_a.stage, partnership_a.started_on = Stage.ACTIVE, "2026-11-14"
    partnership_a.save()
    depth = {
        "return_engagement": {"before_start": BEFORE, "after_start": ONE_OF_ONE},
        "conversations_by_month": [{"month": "2026-11", "posts": 1, "answered_by": 9, "answers": 13,
                                    "answered_back": 0, "deepest_thread": 2}],
        "before_after": [{
            "event": "partnership started", "at": "2026-11-14T00:00:00+00:00", "community": "reddit:fountainpens",
            "days_after": 19.9, "note": "", "active_members": {"before": 60, "after": 31},
            "mentions": {"verdict": "up", "per_day_before": 0.4833, "per_day_after": 0.753, "ratio": 1.558,
                         "low": 1.028, "high": 2.906, "before": 29, "after": 15},
            "organic_recommendations": {"verdict": "too few to say (7 before, 2 after)", "before": 7, "after": 2,
                                        "ratio": 0.861, "low": 0.179, "high": 4.143},
        }],
    }  # fmt: skip
    document = {"partnerships": [{"id": partnership_a.pk, "creator": "Ivy Lambert", "stage": "active",
                                  "started_on": "2026-11-14", "referrals": {"clicks": 3, "signups": 1, "sales": 0},
                                  "organic_recommendations_in_its_threads": 1, "depth": depth}]}  # fmt: skip
    BrandMeasurement.objects.create(brand=brand_a, document=document)
    client.force_login(manager_a)
    html = client.get(reverse("partnership", args=[partnership_a.pk])).content.decode()
    panel = html[html.index('id="depth-title"') : html.index('id="audit-title"')]
    outside = re.sub(r"<details.*?</details>", "", panel, flags=re.S)
    assert "Since the start, 1 of 1 member came back within 14 days — not enough data yet" in outside
    assert "Members recommended Inkwell 1 time in threads Ivy Lambert took part in." in outside
    assert "In November 2026, 9 members answered Ivy Lambert (13 answers); Ivy Lambert did not answer back." in outside
    assert "Mentions of the brand rose from 0.48 to 0.75 a day" in outside and "r/fountainpens" in outside
    # The figures are there, one click away, and nowhere else.
    assert "×" not in outside and "100%" not in outside and "of 1</span>" not in outside
    details = "".join(re.findall(r"<details.*?</details>", panel, flags=re.S))
    assert "×1.56 [1.03 – 2.91]" in details and "100%" in details and "FountainPens export" not in panel
    # The collaboration names the community as every page does.
    assert f'<a href="/communities/{pens.pk}/">r/fountainpens</a>' in html
