"""The communities list and the community, creator and community insight pages. Thin: reads in
discovery.communities and discovery.pages; their forms post to partnerships' views (the insight
page's readiness forms come back with ``return_to=insight``) and insight's (computing the insight
again)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from crm import tenancy
from discovery import communities, pages
from influencers.models import Community, Creator
from partnerships.creator_notes import creator_notes_for
from partnerships.models import Brand


@tenancy.member_page(*tenancy.READ)
def community_list(request: HttpRequest) -> HttpResponse:
    """Every community: platform, members ranked, last sync, last activity and the stance of the
    user's brands; searched, filtered and sorted by the query string."""
    context = communities.communities_page(params=request.GET, user=request.user)
    return render(request, "discovery/communities.html", context)


@tenancy.member_page(*tenancy.READ)
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Members by rank with their components, reasons and reach; participation over time; the
    stance of the user's brands."""
    community = get_object_or_404(Community, pk=pk)
    context = pages.community_page(community=community, user=request.user, page_number=request.GET.get("page", 1))
    context["can_add"] = tenancy.can_edit(request.user)
    return render(request, "influencers/community.html", context)


@tenancy.member_page(*tenancy.READ)
def creator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person across platforms: identities, memberships with scores and trend, what they wrote in
    each community (each paged by its own ``words-<community>`` parameter), partnerships, timeline,
    and the notes of the user's organizations on them (no other organization's)."""
    creator = get_object_or_404(Creator, pk=pk)
    context = pages.creator_page(creator=creator, user=request.user, query=request.GET)
    context["can_add"] = tenancy.can_edit(request.user)
    context["brands"] = list(tenancy.scope_to_user(Brand.objects.all(), request.user).order_by("name"))
    context["notes"] = creator_notes_for(creator=creator, user=request.user)
    context["can_note"] = bool(tenancy.organization_ids_for(request.user, editable=True))
    # "Write to them" beside each partnership the user may write from (its organization's editors).
    editable = tenancy.organization_ids_for(request.user, editable=True)
    context["writable"] = {
        p.pk for p in context["partnerships"] if request.user.is_superuser or p.brand.organization_id in editable
    }
    return render(request, "influencers/creator.html", context)


@tenancy.member_page(*tenancy.READ)
def community_insight(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest insight into the community, section by section, and brand readiness."""
    community = get_object_or_404(Community, pk=pk)
    context = pages.insight_page(community=community, user=request.user)
    context["can_compute"] = tenancy.can_edit(request.user)
    return render(request, "insight/community_insight.html", context)
