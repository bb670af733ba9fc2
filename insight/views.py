"""Computing a community's insight again, from its page. The page itself shows the user's brands'
readiness beside the insight: it is discovery's (discovery.views.community_insight)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from crm import tenancy
from influencers.models import Community
from insight.tasks import refresh_soon


@tenancy.member_page("POST")
def community_insight_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a computation of the community's insight, as the API does; the page shows the new one
    when it is done (a million messages take under a minute)."""
    community = get_object_or_404(Community, pk=pk)
    if not tenancy.can_edit(request.user):
        raise PermissionDenied("You can read this community's insight but not compute it again.")
    if refresh_soon(community.pk):
        # True whether a worker computes it (minutes) or it was computed in-process already (no broker).
        messages.success(request, "Computing again: the new insight shows here when it is done (a minute or two).")
    else:
        messages.info(request, "It is already being computed: the new insight shows here when it is done.")
    return redirect(reverse("community-insight", args=[community.pk]))
