"""A partnership's page and what is done on it: agreements (written, renewed, terms changed),
tasks, timeline entries and deliverables; and the manager's own list of tasks."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from crm import tenancy
from crm.tenancy import READ, member_page
from influencers.models import Community
from partnerships import dashboard, selectors, services
from partnerships.creator_portal.selectors import creator_link_panel
from partnerships.creator_portal.terms import agreement_terms as terms_in_words
from partnerships.depth_words import depth_in_words
from partnerships.forms import (
    ActivityForm,
    AgreementForm,
    CreativeControlForm,
    DeliverableForm,
    DeliverableStatusForm,
    RenewalForm,
    TaskForm,
)
from partnerships.models import Agreement, AgreementStatus, Deliverable, Partnership, Task
from partnerships.outreach.views.compose import messages_section
from partnerships.payments.selectors import my_overdue_payments, payments_section
from partnerships.services.agreements import agreement_new_version, version_changes, waiting_version
from partnerships.views._shared import safe_next, written

LOOK_ONLY = "You can look at this partnership but not change it."


def _editable_partnership(request: HttpRequest, pk: int) -> Partnership:
    return tenancy.editable_or_403(
        request.user, Partnership.objects.select_related("brand__organization", "creator"), refusal=LOOK_ONLY, pk=pk
    )


def _agreement_in_force(partnership: Partnership) -> Agreement | None:
    return selectors.agreement_in_force(list(partnership.agreements.all()), timezone.localdate())


def _back_to(partnership_pk: int, section: str = "") -> HttpResponse:
    return redirect(reverse("partnership", args=[partnership_pk]) + section)


@member_page(*READ)
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A partnership over the years: agreements and their creative-control terms (every change
    audited), deliverables, tasks, referral links and the timeline."""
    try:
        page = selectors.partnership_page(user=request.user, pk=pk)
    except Partnership.DoesNotExist:
        raise Http404("No such partnership.") from None
    depth = dashboard.partnership_depth(page.partnership)
    waiting = page.waiting_version
    context = {
        "page": page,
        "p": page.partnership,
        "can_edit": tenancy.can_edit(request.user, page.partnership),
        "renewal_form": RenewalForm(),
        "agreement_form": AgreementForm(),
        # With a new version waiting for the creator, the form changes that version.
        "terms_form": CreativeControlForm(instance=waiting or page.current) if page.current else None,
        "waiting_changes": version_changes(page.current, waiting) if waiting else [],
        # The terms in the creator's own words: the one rendering their link shows too.
        "current_terms": terms_in_words(page.current) if page.current else [],
        "creator_panel": creator_link_panel(partnership=page.partnership),
        "task_form": TaskForm(organization=page.partnership.brand.organization, actor=request.user),
        "activity_form": ActivityForm(),
        "deliverable_form": DeliverableForm(partnership=page.partnership),
        "status_form": DeliverableStatusForm(),
        "depth": depth,
        "depth_words": _depth_words(depth, page.partnership),
        "outreach": messages_section(page.partnership, request.user),
        **payments_section(page.partnership, request.user),
    }
    return render(request, "partnerships/partnership.html", context)


def _community_labels(keys: set[str]) -> dict[str, str]:
    """The pages' names (Community.label) of the communities a measurement names by key, in one query."""
    if not keys:
        return {}
    wanted = Q()
    for key in keys:
        platform, _, external_id = key.partition(":")
        wanted |= Q(platform=platform, external_id=external_id)
    return {community.key: community.label for community in Community.objects.filter(wanted)}


def _depth_words(depth: dict | None, partnership: Partnership) -> dict | None:
    """The depth panel's sentences, when the partnership has been measured since it started."""
    if not depth or not depth.get("depth") or depth["depth"].get("note"):
        return None
    keys = {event["community"] for event in depth["depth"].get("before_after") or []}
    return depth_in_words(
        depth["depth"], creator=partnership.creator.display_name, community_labels=_community_labels(keys)
    )


@member_page("POST")
def agreement_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Write an agreement for the partnership (checked; creative control recorded as data)."""
    partnership = _editable_partnership(request, pk)
    written(
        request, AgreementForm(request.POST),
        lambda **data: services.agreement_create(partnership=partnership, actor=request.user, **data),
        lambda agreement: f"Agreement from {agreement.starts_on} written ({agreement.get_status_display()}).",
    )  # fmt: skip
    return _back_to(partnership.pk)


@member_page("POST")
def agreement_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew the partnership's agreement in force for a new period, same terms."""
    partnership = _editable_partnership(request, pk)
    agreement = _agreement_in_force(partnership)
    if agreement is None:
        messages.error(request, "There is no agreement to renew yet: write the first one on this page.")
    else:
        written(
            request, RenewalForm(request.POST),
            lambda **data: services.agreement_renew(agreement=agreement, actor=request.user, **data),
            lambda renewal: f"Renewed: a new agreement from {renewal.starts_on} (draft), same terms.",
        )  # fmt: skip
    return _back_to(partnership.pk)


@member_page("POST")
def agreement_terms(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the creative-control terms of the agreement in force (audited). A signed agreement's
    terms never change: the form writes a new version instead, for the creator to accept again."""
    partnership = _editable_partnership(request, pk)
    agreement = _agreement_in_force(partnership)
    if agreement is None:
        raise Http404("No agreement yet.")
    waiting = waiting_version(agreement) if agreement.status == AgreementStatus.SIGNED else None
    if waiting is not None:
        # A new version already waits for the creator: the form changes that one (it is not
        # signed yet), so a slip in it can be put right before the creator accepts.
        written(
            request, CreativeControlForm(request.POST, instance=Agreement.objects.get(pk=waiting.pk)),
            lambda **data: services.agreement_update_terms(agreement=waiting, actor=request.user, **data),
            lambda lines: "The waiting version changed: " + "; ".join(lines) if lines else "Nothing changed.",
        )  # fmt: skip
        return _back_to(partnership.pk)
    if agreement.status == AgreementStatus.SIGNED:
        written(
            request, CreativeControlForm(request.POST, instance=Agreement.objects.get(pk=agreement.pk)),
            lambda **data: agreement_new_version(agreement=agreement, actor=request.user, **data),
            lambda version: f"New version #{version.pk} written as a draft: the creator accepts it through their link.",
        )  # fmt: skip
        return _back_to(partnership.pk)
    # The form checks the input on a copy: the service compares against the terms as they were.
    written(
        request, CreativeControlForm(request.POST, instance=Agreement.objects.get(pk=agreement.pk)),
        lambda **data: services.agreement_update_terms(agreement=agreement, actor=request.user, **data),
        lambda lines: "Terms changed: " + "; ".join(lines) if lines else "Nothing changed.",
    )  # fmt: skip
    return _back_to(partnership.pk)


@member_page("POST")
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a follow-up about the partnership (for the user, or another member of the organization)."""
    partnership = _editable_partnership(request, pk)
    written(
        request, TaskForm(request.POST, organization=partnership.brand.organization, actor=request.user),
        lambda **data: services.task_create(partnership=partnership, actor=request.user, **data),
        lambda task: f"Task added: {task.title}" + (f", due {task.due_on}" if task.due_on else ""),
    )  # fmt: skip
    return _back_to(partnership.pk, "#tasks-title")


@member_page("POST")
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = tenancy.editable_or_403(
        request.user, Task.objects.select_related("partnership__creator"),
        refusal="You can look at these tasks but not change them.", pk=pk,
    )  # fmt: skip
    services.task_complete(task=task, actor=request.user)
    messages.success(request, f"Done: {task.title}")
    next_url = request.POST.get("next")
    return redirect(safe_next(request, next_url) if next_url else reverse("my-tasks"))


@member_page(*READ)
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The logged-in manager's follow-ups, overdue first, and the overdue payments of the
    partnerships they own (a creator waiting to be paid is a follow-up too)."""
    groups = selectors.my_tasks(user=request.user)
    context = {
        "groups": groups,
        "open": sum(len(g.tasks) for g in groups),
        "overdue_payments": my_overdue_payments(user=request.user),
    }
    return render(request, "partnerships/my_tasks.html", context)


@member_page("POST")
def activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a call, an email, a meeting or a note in the partnership's timeline."""
    partnership = _editable_partnership(request, pk)

    def write(occurred_at=None, **data):
        return services.activity_log(partnership=partnership, actor=request.user, occurred_at=occurred_at, **data)

    written(request, ActivityForm(request.POST), write, lambda entry: f"Logged: {entry.summary}")
    return _back_to(partnership.pk, "#timeline-title")


@member_page("POST")
def deliverable_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a deliverable under the partnership (counted against the agreement in force)."""
    partnership = _editable_partnership(request, pk)
    written(
        request, DeliverableForm(request.POST, partnership=partnership),
        lambda **data: services.deliverable_plan(partnership=partnership, actor=request.user, **data),
        lambda deliverable: f"Deliverable planned: {deliverable.title}",
    )  # fmt: skip
    return _back_to(partnership.pk, "#deliverables-title")


@member_page("POST")
def deliverable_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a deliverable in progress, published (date and link) or cancelled."""
    deliverable = tenancy.editable_or_403(
        request.user, Deliverable.objects.select_related("partnership__brand__organization"), refusal=LOOK_ONLY, pk=pk
    )

    def write(status, url, published_on):
        published_at = None
        if published_on is not None:
            # The date is the brand's: noon in the site's timezone keeps it on that day everywhere.
            published_at = timezone.make_aware(datetime.combine(published_on, time(12)))
        return services.deliverable_set_status(
            deliverable=deliverable, actor=request.user, status=status, url=url or None, published_at=published_at
        )

    written(
        request, DeliverableStatusForm(request.POST), write,
        lambda d: f"{d.title}: {d.get_status_display().lower()}",
    )  # fmt: skip
    return _back_to(deliverable.partnership_id, "#deliverables-title")
