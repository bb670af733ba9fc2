"""What the outreach pages share: which of the user's organizations a page is about, and the
words a message's state and a sequence's state are shown in."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone

from crm import tenancy
from crm.models import Organization
from crm.parsing import parse_id
from partnerships.models.outreach import Direction, Message, MessageStatus, Sequence, SequenceStatus

LOOK_ONLY = "You can look at your organization's outreach settings but not change them."
# A body longer than this is folded into <details> on the partnership page: a thread of replies
# quoting each other would push everything else off the screen.
LONG_BODY = 700


def when(moment) -> str:
    """The one date format of the pages: 2026-12-05 14:03 in the site's time zone."""
    return dateformat.format(timezone.localtime(moment), "Y-m-d H:i")


def organizations_of(user) -> list[Organization]:
    return list(tenancy.scope_to_user(Organization.objects.all(), user).order_by("name"))


def chosen_organization(request: HttpRequest, asked: str | None) -> tuple[Organization, list[Organization]]:
    """The organization a page is about (``asked``: an id from ?organization= or the form) and all
    of the user's, for the chooser. Without one asked: the first the user may change, else the first.
    Another organization's id, or one that is not an id, is a 404."""
    organizations = organizations_of(request.user)
    if not organizations:
        raise Http404("No organization.")
    if asked:
        try:
            pk = parse_id(asked)
        except ValueError:
            raise Http404("No such organization.") from None
        for organization in organizations:
            if organization.pk == pk:
                return organization, organizations
        raise Http404("No such organization.")
    editable = [o for o in organizations if tenancy.can_edit(request.user, o)]
    return (editable or organizations)[0], organizations


def organization_to_change(request: HttpRequest) -> Organization:
    """The organization a form writes in: 404 if not the user's, 403 if they only look at it."""
    organization, _ = chosen_organization(request, request.POST.get("organization") or request.GET.get("organization"))
    if not tenancy.can_edit(request.user, organization):
        raise PermissionDenied(LOOK_ONLY)
    return organization


def settings_url(organization_id: int) -> str:
    return f"{reverse('outreach-settings')}?organization={organization_id}"


def message_status(message: Message) -> str:
    """ "Sent 2026-12-05 14:03", "Received 2026-12-05 15:10", "Not sent yet: the server did not
    answer; trying again at …", "Could not be sent: the address does not exist"."""
    if message.direction == Direction.IN:
        return f"Received {when(message.occurred_at)}"
    if message.status == MessageStatus.SENT:
        return f"Sent {when(message.occurred_at)}"
    if message.status == MessageStatus.SENDING:
        return "Sending…"
    if message.problem:  # the services write it as the sentence to show ("Not sent yet: …")
        return message.problem
    if message.status == MessageStatus.QUEUED:
        return "Not sent yet: it goes out in a moment."
    return message.get_status_display()


def sequence_line(sequence: Sequence | None) -> str:
    """ "waiting for reply · follow-up in 2 days", "replied", "stopped: the partnership moved to Ended"."""
    if sequence is None:
        return ""
    if sequence.status == SequenceStatus.ACTIVE:
        line = "waiting for reply"
        if sequence.next_follow_up_at:
            days = (timezone.localdate(sequence.next_follow_up_at) - timezone.localdate()).days
            due = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
            line += f" · follow-up {due}"
        return line
    if sequence.status == SequenceStatus.REPLIED:
        return "replied"
    if sequence.status == SequenceStatus.STOPPED:
        return f"stopped: {sequence.stop_reason}" if sequence.stop_reason else "stopped"
    return "all follow-ups sent" if sequence.follow_ups_planned else ""


@dataclass(frozen=True)
class ShownMessage:
    message: Message
    status: str
    is_long: bool
