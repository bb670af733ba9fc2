"""Twenty identical hand-ins, publications and reviews at once change things once (PostgreSQL:
row locks decide who goes first; SQLite runs one write at a time). Each call runs in its own
thread with its own connection, all released together by a barrier; commits are real, so the
disclosure check queued after them runs too (in-process), against the fake Reddit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from partnerships.models import Activity, Deliverable, DeliverableStatus, DisclosureState, ReviewRights, Task
from partnerships.services.handins import deliverable_hand_in, deliverable_publish, deliverable_review
from tests.concurrency import TIMES, at_once, require_postgresql

POST = "https://www.reddit.com/r/fountainpens/comments/abc123/three_sheen_inks/"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    require_postgresql()


def entries(partnership, summary: str) -> int:
    return Activity.objects.filter(partnership=partnership, summary=summary).count()


def test_a_new_piece_handed_in_twenty_times_at_once_is_one_piece(partnership_a, make_terms, reddit):
    make_terms(ReviewRights.NONE)
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    pieces = at_once(lambda: deliverable_hand_in(partnership=partnership_a, title="Sheen inks", url=POST, note="hi"))
    assert {piece.pk for piece in pieces} == {Deliverable.objects.get(partnership=partnership_a).pk}
    assert entries(partnership_a, "Handed in by the creator: Sheen inks") == 1
    piece = Deliverable.objects.get(partnership=partnership_a)
    assert (piece.status, piece.disclosure_state) == (DeliverableStatus.PUBLISHED, DisclosureState.FOUND)
    assert len([path for _, path in reddit.requests if path.startswith("/comments/")]) == 1  # read once


def test_publishing_twenty_times_at_once_publishes_and_reads_once(
    partnership_a, make_terms, planned, reddit, manager_a
):
    partnership_a.owner = manager_a
    partnership_a.save()
    make_terms(ReviewRights.FACTUAL_CHECK)
    reddit.set_post("abc123", "Three sheen inks", "nothing to see")
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    results = at_once(lambda: deliverable_publish(deliverable=Deliverable.objects.get(pk=piece.pk)))
    assert all(result.status == DeliverableStatus.PUBLISHED for result in results)
    assert entries(partnership_a, "Published by the creator: Sheen ink comparison") == 1
    assert len([path for _, path in reddit.requests if path.startswith("/comments/")]) == 1
    assert Task.objects.filter(partnership=partnership_a, title="Disclosure missing: Sheen ink comparison").count() == 1


def test_twenty_approvals_at_once_approve_once(partnership_a, make_terms, planned, manager_a):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url="https://video.example/1")
    url = reverse("deliverable-review", args=[piece.pk])

    def approve():
        client = Client()
        client.force_login(manager_a)
        return client.post(url, {"decision": "approve"}).status_code

    assert at_once(approve) == [302] * TIMES
    assert entries(partnership_a, "Approved: Sheen ink comparison") == 1
    piece.refresh_from_db()
    assert piece.review_state == "approved"


def test_twenty_reviews_by_the_service_at_once_answer_once(partnership_a, make_terms, planned, manager_a):
    make_terms(ReviewRights.FACTUAL_CHECK, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url="https://video.example/1")
    outcomes = at_once(
        lambda: deliverable_review(
            deliverable=Deliverable.objects.get(pk=piece.pk), actor=manager_a, decision="checked", note="2019"
        )
    )
    assert sum(isinstance(outcome, Deliverable) for outcome in outcomes) == 1
    refusals = [outcome.message_dict for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert refusals == [{"decision": ["This piece is not waiting for the brand."]}] * (TIMES - 1)
