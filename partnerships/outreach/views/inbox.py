"""Received messages that matched no partnership, for a manager to file under the right one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from crm import tenancy
from crm.parsing import parse_id
from crm.tenancy import READ, member_page
from partnerships.models import END_STAGES, Partnership
from partnerships.models.outreach import Direction, Message
from partnerships.outreach import selectors
from partnerships.outreach.services import message_file
from partnerships.outreach.views._shared import LONG_BODY, ShownMessage, message_status, organizations_of

LOOK_ONLY = "You can look at these messages but not file them."


@member_page(*READ)
def inbox(request: HttpRequest) -> HttpResponse:
    """Every unfiled message of the user's organizations, newest first, each with the organization's
    open partnerships to file it under (editors only)."""
    organizations = organizations_of(request.user)
    editable = {o.pk for o in organizations if tenancy.can_edit(request.user, o)}
    unfiled = list(selectors.unfiled_messages([o.pk for o in organizations]).select_related("organization"))
    open_ones: dict[int, list[Partnership]] = {}
    for partnership in (
        Partnership.objects.filter(brand__organization_id__in=editable)
        .exclude(stage__in=END_STAGES)
        .select_related("creator", "brand")
        .order_by("creator__display_name", "brand__name")
    ):
        open_ones.setdefault(partnership.brand.organization_id, []).append(partnership)
    rows = [
        (
            ShownMessage(m, message_status(m), len(m.body) > LONG_BODY or m.body.count("\n") > 15),
            open_ones.get(m.organization_id, []) if m.organization_id in editable else None,
        )
        for m in unfiled
    ]
    context = {"rows": rows, "several": len(organizations) > 1}
    return render(request, "outreach/inbox.html", context)


@member_page("POST")
def inbox_file(request: HttpRequest, pk: int) -> HttpResponse:
    """File one received message under one of its organization's partnerships: it goes on that
    timeline, and the partnership's follow-ups stop as for any reply."""
    message = tenancy.editable_or_403(
        request.user, Message.objects.filter(direction=Direction.IN), refusal=LOOK_ONLY, pk=pk
    )
    try:
        partnership_id = parse_id(request.POST.get("partnership", ""))
    except ValueError:
        messages.error(request, "Choose the partnership to file it under.")
        return redirect("outreach-inbox")
    partnership = (
        Partnership.objects.filter(pk=partnership_id, brand__organization_id=message.organization_id)
        .select_related("brand__organization", "creator")
        .first()
    )
    if partnership is None:
        raise Http404("No such partnership.")
    try:
        message_file(message=message, partnership=partnership, actor=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("outreach-inbox")
    messages.success(request, f"Filed under {partnership.creator} × {partnership.brand}.")
    return redirect(reverse("outreach-inbox"))
