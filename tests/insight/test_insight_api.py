"""Community insight through the API: GET /communities/{id}/insight/, POST .../insight/refresh/."""

from datetime import UTC, datetime, timedelta

import pytest

from api.keys import api_key_create
from insight.models import CommunityInsight
from tests.api.test_api import client_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(community, make_identity, make_interaction):
    people = [make_identity(f"member{i}") for i in range(4)]
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for n in range(20):
        post = make_interaction(
            f"t3_{n}", people[n % 4], at=start + timedelta(hours=n), title="Which nib for daily notes?",
            thread_external_id=f"t3_{n}",
        )  # fmt: skip
        make_interaction(
            f"t1_{n}", people[(n + 1) % 4], kind="comment", at=start + timedelta(hours=n, minutes=5), parent=post,
            parent_external_id=f"t3_{n}", thread_external_id=f"t3_{n}", text="A fine nib, and sheen inks.",
        )  # fmt: skip
    return community


def test_insight_is_404_until_computed_then_the_latest_document(talk, org_a, django_capture_on_commit_callbacks):
    read = client_with(api_key_create(organization=org_a, scope="read")[1])
    url = f"/api/v1/communities/{talk.pk}/insight/"
    missing = read.get(url)
    assert missing.status_code == 404 and "No insight into this community yet" in missing.json()["detail"]
    assert f"/api/v1/communities/{talk.pk}/insight/refresh/" in missing.json()["detail"]
    write = client_with(api_key_create(organization=org_a, scope="write")[1])
    with django_capture_on_commit_callbacks(execute=True):  # queued after the commit, run by "the worker"
        queued = write.post(f"/api/v1/communities/{talk.pk}/insight/refresh/")
    assert queued.status_code == 202 and queued.json() == {
        "community": talk.pk,
        "queued": True,
        "already_pending": False,
    }
    answer = read.get(url)
    assert answer.status_code == 200
    body = answer.json()
    stored = CommunityInsight.objects.get()
    assert (body["id"], body["community"], body["messages"]) == (stored.pk, talk.pk, 40)
    document = body["document"]
    assert {"vocabulary", "formats", "rhythms", "questions"} <= set(document)
    assert document["vocabulary"][0].keys() >= {"term", "score"}
    assert len(document["rhythms"]["heatmap"]) == 7 and len(document["rhythms"]["heatmap"][0]) == 24


def test_refreshing_needs_a_write_key_and_unknown_communities_are_404(talk, org_a, org_b):
    read = client_with(api_key_create(organization=org_a, scope="read")[1])
    assert read.post(f"/api/v1/communities/{talk.pk}/insight/refresh/").status_code == 403
    assert not CommunityInsight.objects.exists()
    other = client_with(api_key_create(organization=org_b, scope="write")[1])
    assert other.post(f"/api/v1/communities/{talk.pk}/insight/refresh/").status_code == 202  # communities are shared
    assert other.get("/api/v1/communities/99999/insight/").status_code == 404
    assert other.post("/api/v1/communities/99999/insight/refresh/").status_code == 404


def test_many_refreshes_asked_at_once_make_one_computation(talk, org_a, django_capture_on_commit_callbacks):
    """While one is waiting for a worker, asking again queues nothing more (the page, the API and
    syncs may all ask); once it has run, the next ask queues a new one."""
    from insight import tasks

    write = client_with(api_key_create(organization=org_a, scope="write")[1])
    with django_capture_on_commit_callbacks() as sent:
        answers = [write.post(f"/api/v1/communities/{talk.pk}/insight/refresh/").json() for _ in range(3)]
    assert [a["already_pending"] for a in answers] == [False, True, True] and len(sent) == 1
    tasks.refresh_community_insight(talk.pk)  # the worker runs it
    with django_capture_on_commit_callbacks() as sent:
        assert write.post(f"/api/v1/communities/{talk.pk}/insight/refresh/").json()["already_pending"] is False
    assert len(sent) == 1
