"""The creator's pages (no login: the link is the authority) and the manager's link and proposal
actions. Thin: forms coerce, services decide, selectors read.

The token arrives once, at ``/c/<token>/``, and is exchanged for a signed, HttpOnly cookie scoped
to ``/creator/``; every page and action after that reads the link from the cookie and checks it
again (a link revoked or expired mid-visit stops at once). Every failure answers the same 404 page.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from crm import tenancy
from partnerships.creator_portal import acceptance, forms, links, selectors
from partnerships.creator_portal.terms import term_choices
from partnerships.disclosure_reddit import is_reddit_link
from partnerships.models import (
    Agreement,
    CounterProposal,
    CreatorLink,
    CreatorLinkUse,
    Deliverable,
    DisclosureState,
    Partnership,
)
from partnerships.services import handins
from partnerships.views._shared import say_refusal, written

COOKIE = "creator_link"
COOKIE_PATH = "/creator/"
NOT_FOUND_TEMPLATE = "creator_portal/not_found.html"


def _private(response: HttpResponse, *, referrer: str = "same-origin") -> HttpResponse:
    # No address of these pages leaks to a site the creator follows a link to, and no copy of
    # their terms or payments stays in a shared cache or the browser's back-forward cache.
    # The pages after the exchange carry no token, so they may name themselves to this site:
    # under "no-referrer" a browser sends "Origin: null" with a form, and Django's CSRF check
    # (rightly) refuses it. The token's own URL and the 404 send nothing at all.
    response["Referrer-Policy"] = referrer
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    """The one answer to every bad link: unknown, altered, expired, revoked, or no cookie."""
    return _private(render(request, NOT_FOUND_TEMPLATE, status=404), referrer="no-referrer")


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _used(request: HttpRequest, link: CreatorLink, action: str, *, confirmed: bool = False) -> None:
    where = {"address": _address(request), "user_agent": _agent(request)}
    links.creator_link_used(link=link, action=action, **where)
    if confirmed:  # the creator's tick is their word on the disclosure: kept in the audit too
        links.creator_link_used(link=link, action=CreatorLinkUse.Action.CONFIRMED_DISCLOSURE, **where)


@require_http_methods(["GET", "HEAD"])
def link_open(request: HttpRequest, token: str) -> HttpResponse:
    """``/c/<token>/``: exchange the token for the portal cookie, then go to a page without it."""
    link = links.creator_link_find(token)
    if link is None:
        return _not_found(request)
    response = _private(redirect("creator-portal"), referrer="no-referrer")
    response.set_cookie(
        COOKIE, links.creator_link_cookie(link), expires=link.expires_at, path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )  # fmt: skip
    return response


def creator_page(*methods):
    """A page of the portal: the link comes from the cookie, checked on every request."""

    def decorate(view):
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            link = links.creator_link_from_cookie(request.COOKIES.get(COOKIE))
            if link is None:
                return _not_found(request)
            return _private(view(request, link, *args, **kwargs))

        return wrapped

    return decorate


REFUSED_IN = {"accept_form": "offer-title", "propose_form": "propose-title", "hand_in_form": "work"}


def _page(request: HttpRequest, link: CreatorLink, status: int = 200, **forms_shown) -> HttpResponse:
    page = selectors.portal_page(link=link)
    offer = page.offer.agreement if page.offer else None
    in_force = page.in_force.agreement if page.in_force else None
    current = offer or in_force
    context = {
        "page": page,
        "accept_form": forms_shown.get("accept_form")
        or (forms.AcceptForm(initial={"agreement": offer.pk, "terms_sha256": page.offer.sha256}) if offer else None),
        "propose_form": forms_shown.get("propose_form")
        or (forms.ProposeForm(initial={"agreement": current.pk}) if current else None),
        "hand_in_form": forms_shown.get("hand_in_form") or forms.HandInForm(),
        "hand_in_for": forms_shown.get("hand_in_for"),
        # Work is handed in under the terms in force (an offer's, until one is accepted).
        "review_rights": (in_force or offer).get_brand_review_rights_display() if current else "",
        "term_choices": term_choices(),
        # On a phone the refused form may be screens below: the top of the page says where.
        "refused_in": next((REFUSED_IN[name] for name in forms_shown if name in REFUSED_IN), "")
        if status == 400
        else "",
    }
    return render(request, "creator_portal/page.html", context, status=status)


@creator_page("GET", "HEAD")
def portal(request: HttpRequest, link: CreatorLink) -> HttpResponse:
    """The creator's page: the terms on offer or in force, their work, links and money."""
    if request.method == "GET":
        links.creator_link_used(
            link=link, action=CreatorLinkUse.Action.VIEWED, address=_address(request), user_agent=_agent(request)
        )
    return _page(request, link)


def _refused(request, link, form_name: str, form, error: ValidationError, **extra) -> HttpResponse:
    for name, errors in error.message_dict.items():
        # A refusal about a hidden field (which piece, which version) is said at the top of the form.
        target = name if name in form.fields and not form.fields[name].widget.is_hidden else None
        for message in errors:
            form.add_error(target, message)
    return _page(request, link, status=400, **{form_name: form}, **extra)


@creator_page("POST")
def accept(request: HttpRequest, link: CreatorLink) -> HttpResponse:
    form = forms.AcceptForm(request.POST)
    if not form.is_valid():
        return _page(request, link, status=400, accept_form=form)
    agreement = Agreement.objects.filter(partnership=link.partnership, pk=form.cleaned_data["agreement"]).first()
    try:
        if agreement is None:
            raise ValidationError({"agreement": "There is no such proposal behind this link."})
        acceptance.agreement_accept(
            link=link, agreement=agreement, full_name=form.cleaned_data["full_name"],
            terms_sha256=form.cleaned_data["terms_sha256"], address=_address(request), user_agent=_agent(request),
        )  # fmt: skip
    except ValidationError as error:
        return _refused(request, link, "accept_form", form, error)
    messages.success(request, "Thank you: you accepted the terms. They are below, as you accepted them.")
    return redirect("creator-portal")


@creator_page("POST")
def propose(request: HttpRequest, link: CreatorLink) -> HttpResponse:
    form = forms.ProposeForm(request.POST)
    if not form.is_valid():
        return _page(request, link, status=400, propose_form=form)
    data = form.cleaned_data
    agreement = Agreement.objects.filter(partnership=link.partnership, pk=data["agreement"]).first()
    try:
        if agreement is None:
            raise ValidationError({"agreement": "There is no such proposal behind this link."})
        acceptance.counter_proposal_create(
            link=link, agreement=agreement, changes=[{"term": data["term"], "value": data["value"], "note": ""}],
            note=data["note"], address=_address(request), user_agent=_agent(request),
        )  # fmt: skip
    except ValidationError as error:
        # The service names the term that was refused; on this form that is the value typed.
        error = ValidationError({("value" if k == data["term"] else k): v for k, v in error.message_dict.items()})
        return _refused(request, link, "propose_form", form, error)
    messages.success(request, "Your proposal was sent to the brand. You will see its answer here.")
    return redirect("creator-portal")


def _tick_counted(ticked: bool, piece: Deliverable) -> bool:
    # The creator's tick is logged as their confirmation only when it is what the piece's
    # disclosure rests on: not for a Reddit post (read by the product), nor under terms asking none.
    return ticked and piece.disclosure_state == DisclosureState.CONFIRMED


@creator_page("POST")
def hand_in(request: HttpRequest, link: CreatorLink) -> HttpResponse:
    form = forms.HandInForm(request.POST)
    if not form.is_valid():
        return _page(request, link, status=400, hand_in_form=form, hand_in_for=request.POST.get("deliverable"))
    data = form.cleaned_data
    deliverable = None
    if data["deliverable"]:
        deliverable = Deliverable.objects.filter(partnership=link.partnership, pk=data["deliverable"]).first()
        if deliverable is None:
            return _not_found(request)
    try:
        piece = handins.deliverable_hand_in(
            partnership=link.partnership, url=data["url"], note=data["note"], deliverable=deliverable,
            title=data["title"], confirmed_disclosure=data["disclosed"] and not is_reddit_link(data["url"]), link=link,
        )  # fmt: skip
    except ValidationError as error:
        return _refused(request, link, "hand_in_form", form, error, hand_in_for=data["deliverable"])
    _used(request, link, CreatorLinkUse.Action.HANDED_IN, confirmed=_tick_counted(data["disclosed"], piece))
    messages.success(request, "Handed in. The page says what happens next.")
    return redirect(reverse("creator-portal") + "#work")


@creator_page("POST")
def publish(request: HttpRequest, link: CreatorLink, pk: int) -> HttpResponse:
    deliverable = Deliverable.objects.filter(partnership=link.partnership, pk=pk).first()
    if deliverable is None:
        return _not_found(request)
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}: {' '.join(errors)}")
        return _page(request, link, status=400)
    url = form.cleaned_data["url"]
    try:
        piece = handins.deliverable_publish(
            deliverable=deliverable, url=url,
            confirmed_disclosure=form.cleaned_data["disclosed"] and not is_reddit_link(url or deliverable.url),
            link=link,
        )  # fmt: skip
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)  # shown at the top of the page this answer draws
        return _page(request, link, status=400)
    _used(
        request, link, CreatorLinkUse.Action.PUBLISHED, confirmed=_tick_counted(form.cleaned_data["disclosed"], piece)
    )
    messages.success(request, "Marked published. Thank you.")
    return redirect(reverse("creator-portal") + "#work")


@creator_page("POST")
def confirm_disclosure(request: HttpRequest, link: CreatorLink, pk: int) -> HttpResponse:
    """The creator's tick for a piece published where the product cannot read it (not Reddit):
    the post discloses the partnership as the terms ask."""
    deliverable = Deliverable.objects.filter(partnership=link.partnership, pk=pk).select_related("agreement").first()
    if deliverable is None:
        return _not_found(request)
    if request.POST.get("disclosed") != "on":
        messages.error(request, "Tick the box to confirm your post discloses the partnership.")
        return _page(request, link, status=400)
    try:
        handins.deliverable_confirm_disclosure(deliverable=deliverable, link=link)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _page(request, link, status=400)
    _used(request, link, CreatorLinkUse.Action.CONFIRMED_DISCLOSURE)
    messages.success(request, "Thank you: the disclosure is recorded.")
    return redirect(reverse("creator-portal") + "#work")


# --- the manager's side ----------------------------------------------------------------------
LOOK_ONLY = "You can look at this partnership but not change it."


def _back(partnership_id: int) -> HttpResponse:
    return redirect(reverse("partnership", args=[partnership_id]) + "#creator-link-title")


@tenancy.member_page("POST")
def link_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the creator's link (revoking the live one) and show it, once."""
    partnership = tenancy.editable_or_403(
        request.user, Partnership.objects.select_related("brand__organization", "creator"), refusal=LOOK_ONLY, pk=pk
    )
    form = forms.LinkForm(request.POST or {"days": 30})
    if not form.is_valid():
        say_refusal(request, form)
        return _back(partnership.pk)
    link, token = links.creator_link_issue(partnership=partnership, actor=request.user, days=form.cleaned_data["days"])
    url = request.build_absolute_uri(reverse("creator-link-open", args=[token]))
    context = {"p": partnership, "link": link, "url": url}
    return _private(render(request, "creator_portal/link_made.html", context))


@tenancy.member_page("POST")
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = tenancy.editable_or_403(
        request.user, CreatorLink.objects.select_related("partnership__brand__organization"), refusal=LOOK_ONLY, pk=pk
    )
    links.creator_link_revoke(link=link, actor=request.user)
    messages.success(request, "The creator's link no longer works.")
    return _back(link.partnership_id)


def _proposal(request: HttpRequest, pk: int) -> CounterProposal:
    return tenancy.editable_or_403(
        request.user,
        CounterProposal.objects.select_related("agreement__partnership__brand__organization"),
        refusal=LOOK_ONLY,
        pk=pk,
    )


@tenancy.member_page("POST")
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the creator's proposal into a new draft version, for them to accept."""
    proposal = _proposal(request, pk)
    written(
        request, forms.DecisionForm(request.POST),
        lambda note: acceptance.counter_proposal_accept(proposal=proposal, actor=request.user, note=note),
        lambda version: "New draft version made: the creator can accept it through their link.",
    )  # fmt: skip
    return _back(proposal.agreement.partnership_id)


@tenancy.member_page("POST")
def proposal_decline(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    written(
        request, forms.DecisionForm(request.POST),
        lambda note: acceptance.counter_proposal_decline(proposal=proposal, actor=request.user, note=note),
        lambda declined: "Proposal declined; the creator sees your note on their page.",
    )  # fmt: skip
    return _back(proposal.agreement.partnership_id)
