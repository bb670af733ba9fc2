"""Writes to the work of a partnership: follow-ups (tasks), what happened (timeline entries logged
by hand) and the content planned and published under it (deliverables)."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerships.guards import require_editor
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    Deliverable,
    DeliverableStatus,
    Partnership,
    Task,
)  # fmt: skip
from partnerships.services._shared import locked, require_organization_member, timeline_note

# What a manager logs by hand; stage changes, agreements and deliverables are noted by their services.
LOGGED_KINDS = (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE, ActivityKind.MEETING)


@transaction.atomic
def task_create(
    *, partnership: Partnership, actor=None, title: str, due_on=None, assignee=None, notes: str = ""
) -> Task:
    """A follow-up about a partnership, for a member of its organization (the actor by default).
    Raises ValidationError for an empty title or an assignee from outside the organization."""
    require_editor(actor, partnership)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Say what is to be done."})
    assignee = assignee or actor
    require_organization_member(partnership.brand.organization, assignee, "assignee")
    return Task.objects.create(
        organization=partnership.brand.organization, partnership=partnership, creator=partnership.creator,
        title=title[:300], notes=notes, due_on=due_on, assignee=assignee, created_by=actor,
    )  # fmt: skip


@transaction.atomic
def task_complete(*, task: Task, actor=None) -> Task:
    """Mark a follow-up done (once, however many ask at the same time), noting it in the timeline."""
    require_editor(actor, task)
    locked(task)
    if task.completed_at is not None:
        return task
    task.completed_at = timezone.now()
    task.save(update_fields=["completed_at"])
    if task.partnership_id:
        Activity.objects.create(
            organization=task.organization,
            partnership=task.partnership,
            creator=task.creator or task.partnership.creator,
            kind=ActivityKind.NOTE,
            actor=actor,
            summary=f"Done: {task.title}",
        )
    return task


@transaction.atomic
def activity_log(
    *, partnership: Partnership, actor=None, kind: str = ActivityKind.NOTE, summary: str, body: str = "",
    occurred_at=None,
) -> Activity:  # fmt: skip
    """Log what happened (a call, an email, a note) in the partnership's timeline."""
    require_editor(actor, partnership)
    if kind not in LOGGED_KINDS:
        raise ValidationError({"kind": f"{kind!r} cannot be logged by hand."})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Say what happened."})
    if occurred_at is not None and occurred_at > timezone.now():
        raise ValidationError({"occurred_at": "This has not happened yet: add a task for it instead."})
    return timeline_note(partnership, kind, actor, summary, body, occurred_at=occurred_at or timezone.now())


def _deliverable_checked(deliverable: Deliverable) -> None:
    partnership = deliverable.partnership
    if deliverable.agreement_id and deliverable.agreement.partnership_id != partnership.pk:
        raise ValidationError({"agreement": "This agreement belongs to another partnership."})
    if deliverable.status == DeliverableStatus.PUBLISHED and deliverable.published_at is None:
        raise ValidationError({"published_at": "Say when it was published."})
    if deliverable.published_at and deliverable.published_at > timezone.now():
        raise ValidationError({"published_at": "It cannot have been published in the future."})
    deliverable.full_clean(exclude=["partnership", "agreement", "community"])


@transaction.atomic
def deliverable_plan(
    *, partnership: Partnership, actor=None, title: str, kind: str = Deliverable.Kind.POST, community=None,
    due_on=None, agreement: Agreement | None = None, notes: str = "",
) -> Deliverable:  # fmt: skip
    """Plan a piece of content under the partnership; it counts against the agreement in force
    unless another is named."""
    require_editor(actor, partnership)
    if agreement is None:
        from partnerships.selectors import agreement_in_force

        agreement = agreement_in_force(list(partnership.agreements.all()), timezone.localdate())
    deliverable = Deliverable(
        partnership=partnership, agreement=agreement, title=(title or "").strip(), kind=kind, community=community,
        due_on=due_on, notes=notes,
    )  # fmt: skip
    _deliverable_checked(deliverable)
    deliverable.save()
    where = f" in {community.name}" if community else ""
    due = f", due {due_on}" if due_on else ""
    timeline_note(
        partnership, ActivityKind.DELIVERABLE, actor, f"Deliverable planned: {deliverable.title}",
        f"{deliverable.get_kind_display()}{where}{due}",
    )  # fmt: skip
    return deliverable


@transaction.atomic
def deliverable_set_status(
    *, deliverable: Deliverable, actor=None, status: str, url: str | None = None, published_at=None
) -> Deliverable:
    """Move a deliverable on (in progress, published with its date and link, cancelled), noted in
    the timeline. The publication date is what before/after measurement is anchored on."""
    require_editor(actor, deliverable)
    if status not in DeliverableStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    before = deliverable.status
    if status != DeliverableStatus.PUBLISHED and published_at is not None:
        raise ValidationError({"published_at": "Only a published deliverable has a publication date."})
    url_before = deliverable.url
    changed = copy.copy(deliverable)  # checked first: a refused change leaves the caller's object as it was
    changed.status = status
    if url is not None:
        changed.url = url
    if status == DeliverableStatus.PUBLISHED:
        changed.published_at = published_at or deliverable.published_at or timezone.now()
    _deliverable_checked(changed)
    deliverable.status, deliverable.url, deliverable.published_at = changed.status, changed.url, changed.published_at
    deliverable.save(update_fields=["status", "url", "published_at"])
    if status == DeliverableStatus.PUBLISHED:
        # A piece a manager marks published follows the same disclosure rules as one the creator
        # hands in (read from Reddit, or waiting for the creator's tick).
        from partnerships.services.handins import disclosure_after_publication

        disclosure_after_publication(deliverable, url_before=url_before)
    if before != status:
        link = f"\n{deliverable.url}" if deliverable.url else ""
        summary = f"{deliverable.get_status_display()}: {deliverable.title}"
        timeline_note(deliverable.partnership, ActivityKind.DELIVERABLE, actor, summary, link.strip())
    return deliverable
