"""My tasks: the logged-in manager's follow-ups, overdue first, done in one click."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Activity, Task

pytestmark = pytest.mark.django_db


def test_my_open_tasks_grouped_by_when_they_are_due(client, manager_a, viewer_a, org_a, org_b, partnership_a, creator):
    today = timezone.localdate()
    make = lambda title, **extra: Task.objects.create(  # noqa: E731
        organization=extra.pop("organization", org_a),
        title=title,
        assignee=extra.pop("assignee", manager_a),
        creator=creator,
        **extra,
    )
    make("Overdue follow-up", due_on=today - timedelta(days=2), partnership=partnership_a)
    make("Call today", due_on=today)
    make("This week", due_on=today + timedelta(days=3))
    make("Next month", due_on=today + timedelta(days=30))
    make("Someday")
    make("Already done", due_on=today, completed_at=timezone.now())
    make("Someone else's", due_on=today, assignee=viewer_a)
    make("Other organization", due_on=today, organization=org_b)
    client.force_login(manager_a)
    response = client.get(reverse("my-tasks"))
    groups = {g.title: [t.title for t in g.tasks] for g in response.context["groups"]}
    assert groups == {
        "Overdue": ["Overdue follow-up"], "Due today": ["Call today"], "Due in the next 7 days": ["This week"],
        "Later": ["Next month"], "No due date": ["Someday"],
    }  # fmt: skip
    page = response.content.decode()
    assert "5 open" in page and "Already done" not in page and "Other organization" not in page


def test_marking_a_task_done_records_it_in_the_timeline(client, manager_a, org_a, partnership_a):
    task = Task.objects.create(organization=org_a, title="Send samples", assignee=manager_a, partnership=partnership_a)
    client.force_login(manager_a)
    response = client.post(reverse("task-done", args=[task.pk]))
    assert response.status_code == 302 and response.url == reverse("my-tasks")
    task.refresh_from_db()
    assert task.completed_at is not None
    assert Activity.objects.filter(partnership=partnership_a, summary="Done: Send samples", actor=manager_a).exists()


def test_viewers_cannot_complete_tasks_and_others_cannot_find_them(client, viewer_a, manager_b, org_a, creator):
    task = Task.objects.create(organization=org_a, title="Send samples", assignee=viewer_a, creator=creator)
    client.force_login(viewer_a)
    assert client.post(reverse("task-done", args=[task.pk])).status_code == 403
    client.force_login(manager_b)
    assert client.post(reverse("task-done", args=[task.pk])).status_code == 404
    assert client.get(reverse("task-done", args=[task.pk])).status_code in (404, 405)
    task.refresh_from_db()
    assert task.completed_at is None
