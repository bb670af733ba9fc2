"""Discover: the page, adding members found there to pipelines, and the user's saved views.

Thin: reads in ``discovery.discover``, writes in ``discovery.services`` (and partnerships'
``pipeline_add`` through it). Every write comes back to the list it was made from, with the same
filters, and says what happened to each member."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from crm import tenancy
from crm.parsing import is_id
from discovery import services
from discovery.discover import brands_watching, discover_page
from discovery.models import SavedView
from influencers.models import Membership
from partnerships.models import Brand

MAX_MEMBERS_PER_ADD = 100  # two pages of the list: more at once is a mistake, not a selection


def _back_to_list(query: str) -> str:
    """Discover with the filters ``query`` held (re-encoded: nothing but Discover's own path)."""
    params = QueryDict(query or "", mutable=True)
    return f"{reverse('discover')}?{params.urlencode()}" if params else reverse("discover")


@tenancy.member_page(*tenancy.READ)
def discover(request: HttpRequest) -> HttpResponse:
    """Ranked members of every community, filtered and sorted; editors can add them to pipelines."""
    page = discover_page(user=request.user, params=request.GET)
    paging = request.GET.copy()
    for name in ("after", "before"):
        paging.pop(name, None)
    return render(
        request,
        "discovery/discover.html",
        {
            "page": page,
            "can_add": tenancy.can_edit(request.user),
            "query": paging.urlencode(),
            "filtered": any(value for key, value in paging.items() if key != "sort"),
        },
    )


@tenancy.member_page("POST")
def discover_add(request: HttpRequest) -> HttpResponse:
    """Add the members ticked (or the one whose own button was pressed) to the chosen brand's
    pipeline, or to the pipelines of the brands watching each one's community."""
    if not tenancy.can_edit(request.user):
        raise PermissionDenied("You can look at members but not add them to a pipeline.")
    back = _back_to_list(request.POST.get("query", ""))
    # The brand first: another organization's is not found, one only viewed is refused, ticked or not.
    brand = None
    if named := request.POST.get("brand"):
        if not is_id(named):
            messages.error(request, "Choose one of your brands.")
            return redirect(back)
        brand = tenancy.editable_or_403(
            request.user, Brand.objects.all(), pk=int(named),
            refusal="You can look at this brand's pipeline but not add to it.",
        )  # fmt: skip
    chosen = [request.POST["only"]] if request.POST.get("only") else request.POST.getlist("membership")
    ids = {int(value) for value in chosen if is_id(value)}
    if not ids:
        messages.error(request, "Tick the members to add first.")
        return redirect(back)
    if len(ids) > MAX_MEMBERS_PER_ADD:
        messages.error(request, f"At most {MAX_MEMBERS_PER_ADD} members at once; you ticked {len(ids)}.")
        return redirect(back)
    memberships = list(
        Membership.objects.filter(pk__in=ids).select_related("identity", "community").order_by("identity__handle")
    )
    watching = {}
    if brand is None:
        editable = set(tenancy.organization_ids_for(request.user, editable=True))
        watching = {
            community: [b for b in brands if request.user.is_superuser or b.organization_id in editable]
            for community, brands in brands_watching(
                user=request.user, community_ids={m.community_id for m in memberships}
            ).items()
        }
    outcomes = services.members_add_to_pipeline(
        memberships=memberships, actor=request.user, brand=brand, watching=watching
    )
    for outcome, level in (("added", messages.SUCCESS), ("already", messages.INFO), ("refused", messages.ERROR)):
        said = [o.message for o in outcomes if o.outcome == outcome]
        if said:
            messages.add_message(request, level, " ".join(said))
    if missing := len(ids) - len(memberships):
        messages.error(request, f"{missing} of the members ticked no longer exist(s); nothing was done for them.")
    return redirect(back)


@tenancy.member_page("POST")
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Keep the list's current filters under a name (the same name again replaces them)."""
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    for name in ("after", "before"):
        query.pop(name, None)
    try:
        view = services.saved_view_save(user=request.user, name=request.POST.get("name", ""), query=query.urlencode())
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(_back_to_list(query.urlencode()))
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(_back_to_list(view.query))


@tenancy.member_page("POST")
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved views (another user's is not found)."""
    view = get_object_or_404(SavedView, user=request.user, pk=pk)
    services.saved_view_delete(user=request.user, saved_view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect(_back_to_list(request.POST.get("query", "")))
