"""The disclosure check in a real Celery worker: sent through the broker, run in another process
that reads the test database (PostgreSQL) and the fake Reddit (through the REDDIT_* variables),
exactly as in production. Skipped without a broker and PostgreSQL (tests/influencers/workers.py)."""

import time

import pytest

from partnerships.models import Deliverable, DisclosureState, ReviewRights, Task
from partnerships.services.handins import deliverable_hand_in
from partnerships.tasks import check_disclosure
from tests.influencers.workers import needs_a_worker, send_through_broker, start_worker, stop_worker, wait_until

POST = "https://www.reddit.com/r/fountainpens/comments/abc123/three_sheen_inks/"


@needs_a_worker
@pytest.mark.usefixtures("transactional_db")
def test_a_worker_reads_the_edited_post_and_closes_the_missing_disclosure_task(
    partnership_a, make_terms, planned, reddit, manager_a
):
    partnership_a.owner = manager_a
    partnership_a.save()
    make_terms(ReviewRights.NONE)
    reddit.set_post("abc123", "Three sheen inks", "No disclosure yet")
    # Handed in here: the test settings run the first reading in-process (missing).
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    assert Deliverable.objects.get(pk=piece.pk).disclosure_state == DisclosureState.MISSING
    reddit.set_post("abc123", "Three sheen inks", "Edit: I was sent these inks by Inkwell.")
    queue = f"h3-disclosure-{time.monotonic_ns()}"
    worker = start_worker(queue, **reddit.environ())
    try:
        send_through_broker(check_disclosure, [piece.pk, POST], queue)
        wait_until(lambda: Deliverable.objects.get(pk=piece.pk).disclosure_state == DisclosureState.FOUND)
    finally:
        stop_worker(worker)
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.FOUND, '"I was sent"')
    [task] = Task.objects.filter(partnership=partnership_a)
    assert task.completed_at is not None  # the reading in the worker closed the manager's task
