"""The Deliverables section of the partnership page: what the manager reads of handed-in work, and
the review and "check again" forms, through the Django client."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from partnerships.models import DisclosureState, ReviewRights, ReviewState
from partnerships.services.handins import deliverable_hand_in, deliverable_review

pytestmark = pytest.mark.django_db
POST_URL = "https://www.reddit.com/r/fountainpens/comments/abc123/three_sheen_inks/"
VIDEO = "https://video.example/watch/123"


def said(client, url, data=None) -> list[str]:
    """Post a form as the page does and follow it back: what the page then says (its messages)."""
    response = client.post(url, data or {}, follow=True)
    assert response.redirect_chain[0][1] == 302 and response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def section(html: str) -> str:
    return html.split('aria-labelledby="deliverables-title"', 1)[1].split("</section>", 1)[0]


def page(client, partnership) -> str:
    response = client.get(reverse("partnership", args=[partnership.pk]))
    assert response.status_code == 200
    return section(response.content.decode())


def test_the_manager_reads_the_hand_in_the_review_and_what_the_rights_mean(
    client, manager_a, partnership_a, make_terms, planned
):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO, note="Cut <2>")
    client.force_login(manager_a)
    html = page(client, partnership_a)
    assert "Approval before publishing" in html
    assert "The creator publishes once the brand approves; the brand may instead ask for changes" in html
    assert f"Handed in by the creator {piece.handed_in_at.astimezone().strftime('%Y-%m-%d')}" in html
    assert "The creator’s note: Cut &lt;2&gt;" in html  # escaped
    assert "Waiting for the brand&#x27;s approval" in html
    assert 'value="approve"' in html and 'value="request_changes"' in html
    assert 'value="checked"' not in html
    assert "style=" not in html and "<script" not in html  # the content security policy: no inline anything


def test_a_factual_check_form_marks_the_facts_checked_with_suggestions(
    client, manager_a, partnership_a, make_terms, planned
):
    make_terms(ReviewRights.FACTUAL_CHECK, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    client.force_login(manager_a)
    html = page(client, partnership_a)
    assert "its corrections are suggestions the creator may take or leave" in html
    assert 'name="decision" value="checked"' in html and 'value="approve"' not in html
    url = reverse("deliverable-review", args=[piece.pk])
    response = client.post(url, {"decision": "checked", "note": "The ink is from 2019"})
    assert response.status_code == 302 and response["Location"].endswith(f"#deliverable-{piece.pk}")
    assert [str(m) for m in client.get(response["Location"]).context["messages"]] == [
        "Sheen ink comparison: facts checked (corrections are suggestions)."
    ]
    piece.refresh_from_db()
    assert (piece.review_state, piece.review_note, piece.reviewed_by) == ("checked", "The ink is from 2019", manager_a)
    html = page(client, partnership_a)
    assert "The brand’s corrections (suggestions): The ink is from 2019" in html
    assert 'value="checked"' not in html  # answered: no form any more


def test_approval_forms_approve_or_ask_for_changes_saying_which(client, manager_a, partnership_a, make_terms, planned):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    client.force_login(manager_a)
    url = reverse("deliverable-review", args=[piece.pk])
    assert said(client, url, {"decision": "request_changes", "note": "  "}) == ["Note: Say what should change."]
    assert said(client, url, {"decision": "checked"}) == [
        "Decision: Under these terms the brand may only: approve, request_changes."
    ]
    assert said(client, url, {"decision": "publish-it"}) == [
        "Decision: Select a valid choice. publish-it is not one of the available choices."
    ]
    assert said(client, url, {}) == ["Decision: Choose an answer."]
    assert said(client, url, {"decision": "request_changes", "note": "x" * 5001}) == [
        "Note: Ensure this value has at most 5000 characters (it has 5001)."
    ]
    piece.refresh_from_db()
    assert piece.review_state == ReviewState.AWAITING_APPROVAL
    assert said(client, url, {"decision": "request_changes", "note": "Name the ink"}) == [
        "Sheen ink comparison: changes requested."
    ]
    assert "Changes the brand asks for: Name the ink" in page(client, partnership_a)
    assert said(client, url, {"decision": "approve"}) == ["Decision: This piece is not waiting for the brand."]


def test_no_review_rights_no_review_forms(client, manager_a, partnership_a, make_terms, planned):
    make_terms(ReviewRights.NONE, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    client.force_login(manager_a)
    html = page(client, partnership_a)
    assert "What the creator hands in is published as it is" in html
    assert "No review: published as it is" in html
    assert 'name="decision"' not in html
    assert said(client, reverse("deliverable-review", args=[piece.pk]), {"decision": "approve"}) == [
        "Decision: The agreement gives the brand no review of this piece."
    ]


def test_a_viewer_sees_the_work_but_no_forms_and_is_refused_the_writes(
    client, viewer_a, manager_b, partnership_a, make_terms, planned
):
    make_terms(ReviewRights.APPROVAL, disclosure=True)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO, note="hello")
    client.force_login(viewer_a)
    html = page(client, partnership_a)
    assert "The creator’s note: hello" in html and "<form" not in html
    review, again = (
        reverse("deliverable-review", args=[piece.pk]),
        reverse("deliverable-disclosure-check", args=[piece.pk]),
    )
    assert client.post(review, {"decision": "approve"}).status_code == 403
    assert client.post(again).status_code == 403
    assert client.get(review).status_code == 405
    client.force_login(manager_b)  # another organization's: it does not exist for them
    assert client.post(review, {"decision": "approve"}).status_code == 404
    assert client.post(again).status_code == 404
    client.logout()
    assert client.post(review, {"decision": "approve"})["Location"].startswith(reverse(settings.LOGIN_URL))
    piece.refresh_from_db()
    assert piece.review_state == ReviewState.AWAITING_APPROVAL


def test_the_disclosure_state_shows_with_its_evidence_and_can_be_checked_again(
    client, manager_a, partnership_a, make_terms, planned, reddit, django_capture_on_commit_callbacks
):
    make_terms(ReviewRights.NONE, phrase="#InkwellPartner")
    reddit.set_post("abc123", "Three sheen inks", "Sponsored by Inkwell")
    with django_capture_on_commit_callbacks(execute=True):
        piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST_URL)
    client.force_login(manager_a)
    html = page(client, partnership_a)
    assert "with “#InkwellPartner”" in html
    assert re.search(
        r"Disclosure: <strong>No disclosure found</strong> — The post does not contain &quot;#InkwellPartner&quot;",
        html,
    )
    assert "Check disclosure again" in html
    reddit.set_post("abc123", "Three sheen inks", "Sponsored by Inkwell #InkwellPartner")
    again = reverse("deliverable-disclosure-check", args=[piece.pk])
    with django_capture_on_commit_callbacks(execute=True):
        answer = said(client, again)
    assert answer == [
        "Sheen ink comparison: the post will be read again in a moment; reload the page to see what it says."
    ]
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.FOUND
    assert "Disclosure: <strong>Disclosed</strong> — &quot;#InkwellPartner&quot;" in page(client, partnership_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = said(client, again)
    assert answer == ["Sheen ink comparison: the post is being read again already."]


def test_a_post_elsewhere_waits_for_the_creator_and_cannot_be_read_again(
    client, manager_a, partnership_a, make_terms, planned
):
    make_terms(ReviewRights.NONE)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    client.force_login(manager_a)
    html = page(client, partnership_a)
    assert "Not checked yet</strong> — waiting for the creator to confirm it" in html
    assert "Check disclosure again" not in html
    assert said(client, reverse("deliverable-disclosure-check", args=[piece.pk])) == [
        "Deliverable: Only a published Reddit post whose terms ask for disclosure can be read."
    ]


def test_the_api_shows_the_hand_in_review_and_disclosure_read_only(
    client, manager_a, partnership_a, make_terms, planned
):
    from rest_framework.test import APIClient

    make_terms(ReviewRights.APPROVAL)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO, note="n")
    deliverable_review(deliverable=piece, actor=manager_a, decision="request_changes", note="Name it")
    api = APIClient()
    api.force_authenticate(manager_a)
    data = api.get(f"/api/v1/deliverables/{piece.pk}/").json()
    assert {key: data[key] for key in ("creator_note", "review_state", "review_note", "reviewed_by",
                                        "disclosure_state", "disclosure_evidence")} == {
        "creator_note": "n", "review_state": "changes_requested", "review_note": "Name it",
        "reviewed_by": "manager-a", "disclosure_state": "not_checked", "disclosure_evidence": "",
    }  # fmt: skip
    assert data["handed_in_at"] and data["reviewed_at"]
