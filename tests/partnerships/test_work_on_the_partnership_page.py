"""Day-to-day work on a partnership's page: tasks, deliverables and the logged timeline."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Activity, ActivityKind, Agreement, AgreementStatus, Deliverable, Task
from partnerships.services import activity_log, deliverable_plan, deliverable_set_status, task_create

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_a_task_is_for_a_member_of_the_partnerships_organization(partnership_a, manager_a, viewer_a, manager_b):
    task = task_create(
        partnership=partnership_a, actor=manager_a, title="  Send the sample kit ", due_on=date(2026, 3, 1)
    )
    assert (task.title, task.assignee, task.created_by, task.creator) == (
        "Send the sample kit", manager_a, manager_a, partnership_a.creator
    )  # fmt: skip
    assert (
        task_create(partnership=partnership_a, actor=manager_a, title="Review", assignee=viewer_a).assignee == viewer_a
    )
    with pytest.raises(ValidationError) as outsider:
        task_create(partnership=partnership_a, actor=manager_a, title="Leak", assignee=manager_b)
    assert "assignee" in outsider.value.message_dict
    with pytest.raises(ValidationError) as empty:
        task_create(partnership=partnership_a, actor=manager_a, title="   ")
    assert "title" in empty.value.message_dict
    assert Task.objects.count() == 2


def test_logged_activities_are_the_kinds_a_manager_does_and_not_in_the_future(partnership_a, manager_a):
    call = activity_log(partnership=partnership_a, actor=manager_a, kind=ActivityKind.CALL, summary="Intro call")
    assert (call.kind, call.actor, call.creator) == ("call", manager_a, partnership_a.creator)
    for bad, field in (
        ({"kind": ActivityKind.STAGE_CHANGE, "summary": "Moved"}, "kind"),
        ({"summary": " "}, "summary"),
        ({"summary": "Later", "occurred_at": timezone.now() + timedelta(days=1)}, "occurred_at"),
    ):
        with pytest.raises(ValidationError) as refused:
            activity_log(partnership=partnership_a, actor=manager_a, **bad)
        assert field in refused.value.message_dict
    assert Activity.objects.filter(partnership=partnership_a).count() == 1


def test_a_deliverable_counts_against_the_agreement_in_force_and_its_publication_is_noted(partnership_a, manager_a):
    today = timezone.localdate()
    agreement = Agreement.objects.create(
        partnership=partnership_a, starts_on=today - timedelta(days=30), status=AgreementStatus.SIGNED
    )
    planned = deliverable_plan(partnership=partnership_a, actor=manager_a, title="Ink review thread", kind="review")
    assert planned.agreement == agreement and planned.status == "planned"
    published = deliverable_set_status(
        deliverable=planned, actor=manager_a, status="published", url="https://reddit.com/r/fountainpens/x"
    )
    assert published.published_at is not None and published.url.endswith("/x")
    summaries = list(Activity.objects.filter(partnership=partnership_a).values_list("summary", flat=True))
    assert "Deliverable planned: Ink review thread" in summaries and "Published: Ink review thread" in summaries
    with pytest.raises(ValidationError) as future:
        deliverable_set_status(deliverable=planned, status="published", published_at=timezone.now() + timedelta(days=2))
    assert "published_at" in future.value.message_dict
    with pytest.raises(ValidationError) as bad_link:
        deliverable_set_status(deliverable=planned, status="in_progress", url="not a link")
    assert "url" in bad_link.value.message_dict
    with pytest.raises(ValidationError):
        deliverable_plan(partnership=partnership_a, title="")
    assert Deliverable.objects.count() == 1


def test_a_deliverable_cannot_count_against_another_partnerships_agreement(partnership_a, partnership_b):
    other = Agreement.objects.create(partnership=partnership_b, starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        deliverable_plan(partnership=partnership_a, title="Guide", agreement=other)
    assert "agreement" in refused.value.message_dict


def test_managers_add_tasks_deliverables_and_notes_from_the_page(client, manager_a, viewer_a, partnership_a, community):
    partnership_a.communities.add(community)
    page_url = reverse("partnership", args=[partnership_a.pk])
    client.force_login(manager_a)
    page = client.get(page_url).content.decode()
    assert "Add a task" in page and "Plan a deliverable" in page and "Log a call, an email, a note" in page

    response = client.post(
        reverse("task-new", args=[partnership_a.pk]), {"title": "Follow up on the sample", "due_on": "2026-12-01"}
    )
    assert response.status_code == 302 and response.url.endswith("#tasks-title")
    task = Task.objects.get(partnership=partnership_a)
    assert (task.assignee, str(task.due_on)) == (manager_a, "2026-12-01")
    refused = client.post(reverse("task-new", args=[partnership_a.pk]), {"title": "", "due_on": "soon"})
    assert any(m.startswith("Title:") for m in messages_of(refused))
    assert any(m.startswith("Due on:") for m in messages_of(refused))

    client.post(
        reverse("deliverable-new", args=[partnership_a.pk]),
        {"title": "AMA in the community", "kind": "ama", "community": community.pk, "due_on": "2026-12-15"},
    )
    deliverable = Deliverable.objects.get(partnership=partnership_a)
    assert (deliverable.kind, deliverable.community) == ("ama", community)
    client.post(
        reverse("deliverable-status", args=[deliverable.pk]),
        {"status": "published", "url": "https://example.org/ama", "published_on": "2026-01-10"},
    )
    deliverable.refresh_from_db()
    assert deliverable.status == "published" and timezone.localdate(deliverable.published_at) == date(2026, 1, 10)

    client.post(reverse("activity-new", args=[partnership_a.pk]), {"kind": "email", "summary": "Sent the brief"})
    assert Activity.objects.filter(partnership=partnership_a, kind="email", actor=manager_a).exists()

    done = client.post(reverse("task-done", args=[task.pk]), {"next": page_url + "#tasks-title"})
    assert done.url == page_url + "#tasks-title"
    task.refresh_from_db()
    assert task.is_done
    page = client.get(page_url).content.decode()
    assert "AMA in the community" in page and "Sent the brief" in page and "Published: AMA in the community" in page

    client.force_login(viewer_a)
    assert "Add a task" not in client.get(page_url).content.decode()
    assert client.post(reverse("task-new", args=[partnership_a.pk]), {"title": "x"}).status_code == 403
    assert client.post(reverse("deliverable-status", args=[deliverable.pk]), {"status": "cancelled"}).status_code == 403


def test_another_organizations_partnership_and_deliverables_are_404(client, manager_b, partnership_a):
    deliverable = deliverable_plan(partnership=partnership_a, title="Guide")
    client.force_login(manager_b)
    for url, data in (
        (reverse("task-new", args=[partnership_a.pk]), {"title": "x"}),
        (reverse("deliverable-new", args=[partnership_a.pk]), {"title": "x", "kind": "post"}),
        (reverse("activity-new", args=[partnership_a.pk]), {"kind": "note", "summary": "x"}),
        (reverse("deliverable-status", args=[deliverable.pk]), {"status": "cancelled"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert Task.objects.count() == 0 and Activity.objects.filter(summary="x").count() == 0
    deliverable.refresh_from_db()
    assert deliverable.status == "planned"
