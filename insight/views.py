"""The community insight page: what a newcomer would need months of lurking to learn, and each of
the user's brands' readiness to speak there. Thin: reads in insight.pages; the readiness forms post
to partnerships' views, which come back here when sent with ``return_to=insight``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from crm import tenancy
from influencers.models import Community
from insight import pages
from insight.tasks import refresh_community_insight, refresh_soon


@login_required
@require_safe
def community_insight(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest insight into the community, section by section, and brand readiness."""
    tenancy.require_member(request.user)
    community = get_object_or_404(Community, pk=pk)
    context = pages.insight_page(community=community, user=request.user)
    context["can_compute"] = tenancy.can_edit(request.user)
    return render(request, "insight/community_insight.html", context)


@login_required
@require_http_methods(["POST"])
def community_insight_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Compute the community's insight again (in the background where a worker runs)."""
    tenancy.require_member(request.user)
    community = get_object_or_404(Community, pk=pk)
    if not tenancy.can_edit(request.user):
        raise PermissionDenied("You can read this community's insight but not compute it again.")
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        if refresh_soon(community.pk):
            messages.success(request, "Computing queued: reload in a minute or two.")
        else:
            messages.info(request, "It is already being computed: reload in a minute or two.")
    elif refresh_community_insight(community.pk) is None:  # no worker: computed here, and nothing to read
        messages.warning(request, f"Nothing to read in {community.name} yet: no posts or replies imported.")
    else:
        messages.success(request, "Computed just now.")
    return redirect(reverse("community-insight", args=[community.pk]))
