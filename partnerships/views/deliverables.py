"""The brand's side of handed-in work, on the partnership page's Deliverables section: answering
a hand-in as the agreement's review rights allow, and asking for a post's disclosure to be read
again. Editors only; each form goes back to the section with its outcome or its refusal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from crm import tenancy
from crm.tenancy import member_page
from partnerships.models import Deliverable
from partnerships.services import handins
from partnerships.views._shared import say_refusal, written

LOOK_ONLY = "You can look at this partnership but not change it."
DECISIONS = [
    ("checked", "Facts checked"),
    ("approve", "Approve"),
    ("request_changes", "Request changes"),
]


class ReviewForm(forms.Form):
    """What the brand answers; which decisions the agreement allows is the service's to say."""

    decision = forms.ChoiceField(choices=DECISIONS, error_messages={"required": "Choose an answer."})
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)


def _editable_deliverable(request: HttpRequest, pk: int) -> Deliverable:
    return tenancy.editable_or_403(
        request.user,
        Deliverable.objects.select_related("partnership__brand__organization", "agreement"),
        refusal=LOOK_ONLY,
        pk=pk,
    )


def _back_to_section(deliverable: Deliverable) -> HttpResponse:
    return redirect(reverse("partnership", args=[deliverable.partnership_id]) + f"#deliverable-{deliverable.pk}")


@member_page("POST")
def deliverable_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The brand's answer to a hand-in: facts checked (corrections are suggestions), approved, or
    changes requested (saying which)."""
    deliverable = _editable_deliverable(request, pk)
    written(
        request, ReviewForm(request.POST),
        lambda decision, note: handins.deliverable_review(
            deliverable=deliverable, actor=request.user, decision=decision, note=note
        ),
        lambda d: f"{d.title}: {d.get_review_state_display().lower()}.",
    )  # fmt: skip
    return _back_to_section(deliverable)


@member_page("POST")
def deliverable_disclosure_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the Reddit post again for its disclosure (after the creator edited it, or Reddit failed)."""
    deliverable = _editable_deliverable(request, pk)
    try:
        queued = handins.deliverable_check_disclosure_again(deliverable=deliverable, actor=request.user)
    except ValidationError as refusal:
        say_refusal(request, refusal)
    else:
        messages.success(
            request,
            f"{deliverable.title}: the post will be read again in a moment; reload the page to see what it says."
            if queued
            else f"{deliverable.title}: the post is being read again already.",
        )
    return _back_to_section(deliverable)
