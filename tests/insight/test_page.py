"""The community insight page: what a small community's insight shows a manager, the brand
readiness forms for those who may change them, and who may open or recompute it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from insight import document_view as pages
from insight.adapter import refresh_insight
from insight.models import CommunityInsight
from partnerships.models import CommunityStance, ReadinessItem

pytestmark = pytest.mark.django_db

QUESTIONS = [
    ("Which converter for shimmer ink?", "My nib skips with shimmer ink in the converter. Any tips?"),
    ("Piston filler or converter?", "Is a piston filler worth it for shimmer ink, or is a converter fine?"),
    ("Hard starts with an EF nib", "My EF nib has hard starts after a day. Is it the converter?"),
]
ANSWERS = [
    "Flush the converter with water; shimmer ink settles at the nib.",
    "A piston filler holds more shimmer ink, but a converter is easier to flush.",
    "Hard starts on an EF nib usually mean the converter needs a flush.",
    "Seconding this: flush the nib and converter every week with shimmer ink.",
    "Shake the shimmer ink before you fill the converter.",
]


def talk_about_nibs(community, make_identity, make_interaction):
    """Six members asking and answering about nibs, converters and shimmer ink for two months:
    the community's own words are clear, and it is far too small for its figures to be habits.
    Shared with the browser tests."""
    members = [make_identity(f"member{i}") for i in range(6)]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for week in range(9):
        asker = members[week % len(members)]
        title, text = QUESTIONS[week % len(QUESTIONS)]
        at = start + timedelta(days=7 * week + week % 3, hours=week)
        post = make_interaction(f"t3_{week}", asker, title=title, text=text, at=at, thread_external_id=f"t3_{week}",
                                url=f"https://www.reddit.com/r/fountainpens/comments/{week}/")  # fmt: skip
        for j, member in enumerate(m for m in members if m != asker):
            make_interaction(
                f"t1_{week}_{j}", member, kind="comment", parent=post, target=asker, thread_external_id=f"t3_{week}",
                text=ANSWERS[(week + j) % len(ANSWERS)], at=at + timedelta(hours=j + 1),
            )  # fmt: skip
    refresh_insight(community)
    return community


@pytest.fixture
def small_community(community, make_identity, make_interaction):
    return talk_about_nibs(community, make_identity, make_interaction)


def _page(client, user, community):
    client.force_login(user)
    return client.get(reverse("community-insight", args=[community.pk]))


def test_the_page_shows_the_communitys_own_words_its_week_and_the_small_community_caution(
    client, manager_a, small_community
):
    response = _page(client, manager_a, small_community)
    assert response.status_code == 200
    html = response.content.decode()
    document = CommunityInsight.objects.get(community=small_community).document
    terms = [t["term"] for t in document["vocabulary"]]
    assert {"shimmer", "nib", "converter"} <= set(terms), terms
    vocabulary = re.search(r'<table class="compact vocabulary">.*?</table>', html, re.S)[0]
    for term in terms[:3]:
        assert f'<th scope="row">{term}</th>' in vocabulary
    assert "<mark>" in vocabulary  # an example, with its term marked
    # The week: 7 weekdays × 24 hours, each cell a heat level and a title saying its count.
    cells = re.findall(r'<td class="heat-(\d)" title="(\w+day \d\d:00–\d\d:00: [\d,]+ messages?)"', html)
    assert len(cells) == 168
    assert {int(level) for level, _ in cells} >= {0, 9}
    assert "Monday 09:00–10:00: 1 message" in {title for _, title in cells}
    # Six members: the caution is said up front.
    assert 'class="caution"' in html and "first impressions" in html
    assert document["basis"]["caution"] in html.replace("&#x27;", "'")
    for section in ("language", "formats", "rhythms", "questions", "norms", "readiness"):
        assert f'id="{section}"' in html
    assert 'rel="noopener' in html and 'href="https://www.reddit.com/r/fountainpens/comments/' in html


def test_a_manager_gets_the_readiness_forms_and_a_viewer_only_reads(client, manager_a, viewer_a, brand_a, community):
    CommunityStance.objects.create(brand=brand_a, community=community)
    html = _page(client, manager_a, community).content.decode()
    assert f'action="{reverse("readiness-checklist", args=[community.pk])}"' in html
    assert f'action="{reverse("observation-new", args=[community.pk])}"' in html
    assert f'action="{reverse("community-stance", args=[community.pk])}"' in html
    assert html.count('name="item"') == len(ReadinessItem.values)
    assert html.count('name="return_to" value="insight"') == 3
    assert "Keep an observation log of at least 3 notes (0 so far)" in html  # what is missing, beside the stance

    html = _page(client, viewer_a, community).content.decode()
    assert "Inkwell" in html and "Read the community&#x27;s rules" in html
    assert "<form" not in html.split('id="readiness"')[1]  # no form in the readiness section
    assert "Keep an observation log of at least 3 notes (0 so far)" in html


def test_another_organizations_brand_is_not_shown(client, manager_b, brand_a, brand_b, community):
    CommunityStance.objects.create(brand=brand_a, community=community, notes="Inkwell's private notes")
    html = _page(client, manager_b, community).content.decode()
    assert "Ridgeline" in html
    assert "Inkwell" not in html


def test_before_the_first_insight_the_page_says_so_and_editors_may_compute_it(
    client, manager_a, viewer_a, brand_a, community, make_identity, make_interaction
):
    html = _page(client, manager_a, community).content.decode()
    assert "No insight into this community yet" in html
    assert f'action="{reverse("community-insight-refresh", args=[community.pk])}"' in html
    assert 'id="readiness"' in html and "Inkwell" in html  # readiness does not wait for the insight
    html = _page(client, viewer_a, community).content.decode()
    assert "No insight into this community yet" in html
    assert reverse("community-insight-refresh", args=[community.pk]) not in html


def test_computing_again_queues_the_task_for_editors_only_as_the_api_does(
    client, manager_a, viewer_a, small_community, django_capture_on_commit_callbacks
):
    url = reverse("community-insight-refresh", args=[small_community.pk])
    before = CommunityInsight.objects.count()
    client.force_login(viewer_a)
    with django_capture_on_commit_callbacks() as queued:
        assert client.post(url).status_code == 403
    assert queued == [] and CommunityInsight.objects.count() == before
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("community-insight", args=[small_community.pk])
    # Queued after the commit, never computed in the request (with or without a worker).
    assert len(queued) == 1 and CommunityInsight.objects.count() == before
    with django_capture_on_commit_callbacks() as again:
        client.post(url)  # asked again while it waits: one computation answers both
    assert again == []
    page = client.get(response.url).content.decode()
    assert "It is already being computed: the new insight shows here when it is done." in page
    queued[0]()  # the worker runs it
    assert CommunityInsight.objects.count() == before + 1
    with django_capture_on_commit_callbacks() as queued:
        client.post(url)  # done: it may be asked for again
    assert len(queued) == 1
    assert "Computing again: the new insight shows here when it is done" in client.get(response.url).content.decode()


def test_computing_a_community_with_nothing_to_read_leaves_the_page_saying_there_is_none_yet(
    client, manager_a, community, django_capture_on_commit_callbacks
):
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("community-insight-refresh", args=[community.pk]))
    html = client.get(reverse("community-insight", args=[community.pk])).content.decode()
    assert "Computing again" in html and "No insight into this community yet" in html
    assert not CommunityInsight.objects.exists()


def test_unknown_community_wrong_verb_and_no_organization(client, manager_a, make_user, community):
    client.force_login(manager_a)
    assert client.get(reverse("community-insight", args=[999_999])).status_code == 404
    assert client.post(reverse("community-insight-refresh", args=[999_999])).status_code == 404
    assert client.post(reverse("community-insight", args=[community.pk])).status_code == 405
    assert client.get(reverse("community-insight-refresh", args=[community.pk])).status_code == 405
    client.force_login(make_user("loner"))
    assert client.get(reverse("community-insight", args=[community.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("community-insight", args=[community.pk])).status_code == 302


def test_the_community_page_links_to_the_insight_and_the_checklist(client, manager_a, brand_a, community):
    client.force_login(manager_a)
    html = client.get(reverse("community", args=[community.pk])).content.decode()
    url = reverse("community-insight", args=[community.pk])
    assert f'href="{url}"' in html and f'href="{url}#readiness"' in html


def test_an_empty_or_partial_document_reads_as_dashes_and_sentences():
    """A small community, or an older document, may lack any part: nothing breaks, nothing is invented."""
    for document in ({}, {"basis": None, "rhythms": {"heatmap": [[0] * 24] * 7, "growth": None}, "formats": None}):
        view = pages.document_view(document)
        assert view["rhythms"]["heatmap"] is None
        assert view["rhythms"]["growth"].startswith("Too little history")
        assert view["formats"]["first_answer"]["median"] == "—"
        assert view["language"]["vocabulary"] == [] and view["questions"]["themes"] == []


def test_quotes_mark_the_term_and_nothing_else():
    assert pages.quote("Inkwell Midnight Sheen on Tomoe River paper.", "tomoe river") == {
        "before": "Inkwell Midnight Sheen on ", "term": "Tomoe River", "after": " paper.",
    }  # fmt: skip
    assert pages.quote("<b>nibs</b> and a nib", "nib") == {"before": "<b>nibs</b> and a ", "term": "nib", "after": ""}
    assert pages.quote("no such word", "sheen")["term"] == ""


def test_example_links_lead_only_to_web_pages(client, manager_a, small_community):
    insight = CommunityInsight.objects.get(community=small_community)
    insight.document["questions"]["themes"] = [
        {"label": "x / y", "examples": [{"title": "<script>alert(1)</script>", "url": "javascript:alert(1)"}]}
    ]
    insight.save()
    html = _page(client, manager_a, small_community).content.decode()
    assert "javascript:" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_brand_already_speaking_is_not_told_it_may_not(client, manager_a, brand_a, community):
    """Stances set before the checklist existed (or moved by an operator) stay; the page says the
    checklist is incomplete without claiming the brand may not contribute."""
    CommunityStance.objects.create(brand=brand_a, community=community, stance="partnered")
    page = _page(client, manager_a, community).content.decode()
    assert "Inkwell already speaks here; its checklist and log are not complete (9 to do)" in page
    assert "Before Inkwell may contribute" not in page
    CommunityStance.objects.filter(brand=brand_a).update(stance="observing")
    page = _page(client, manager_a, community).content.decode()
    assert "Before Inkwell may contribute, still to do:" in page


def test_the_page_and_the_api_read_readiness_in_the_same_queries_for_two_brands_or_ten(
    client, manager_a, org_a, brand_a, small_community
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api.keys import api_key_create
    from partnerships.models import Brand
    from tests.api.test_api import client_with

    api = client_with(api_key_create(organization=org_a, scope="read")[1])
    client.force_login(manager_a)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("community-insight", args=[small_community.pk])).status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get(f"/api/v1/communities/{small_community.pk}/readiness/").status_code == 200
        return len(page), len(listed)

    Brand.objects.create(organization=org_a, name="Second", slug="second")
    queries()  # the API key is cached after its first use
    two = queries()
    for n in range(8):
        Brand.objects.create(organization=org_a, name=f"Brand {n}", slug=f"brand-{n}")
    assert queries() == two
