"""The pipeline board: see every partnership by stage, move one, add someone to it."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from crm import tenancy
from crm.tenancy import READ, member_page
from influencers.models import Community, Creator, Identity
from partnerships import selectors, services
from partnerships.board_html import cards_html, overdue_payment_lines
from partnerships.forms import NewPartnershipSearchForm, PipelineAddForm, PipelineFilterForm
from partnerships.models import Brand, CommunityStance, Partnership, Stage
from partnerships.models.pipeline import next_stage
from partnerships.outreach.selectors import outreach_lines
from partnerships.people_search import people_to_add
from partnerships.views._shared import named_brand, safe_next, say_refusal

LOOK_ONLY = "You can look at this pipeline but not change it."


@member_page(*READ)
def pipeline(request: HttpRequest) -> HttpResponse:
    """The pipeline board: a column per stage; drag a card, or use its Move button, to move it.
    A filter that is not one of the menus' ids is a 400 naming it, with the board unfiltered by it."""
    form = PipelineFilterForm(request.GET)
    valid = form.is_valid()
    for name, errors in form.errors.items():
        messages.error(request, f"{form[name].label}: {' '.join(errors)}")
    chosen = form.cleaned_data  # without the fields that are not valid
    filters = {
        "brand_id": chosen.get("brand"),
        "owner_id": chosen.get("owner"),
        "community_id": chosen.get("community"),
        "search": chosen.get("q", ""),
    }
    columns = selectors.pipeline_board(user=request.user, **filters)
    can_move = tenancy.can_edit(request.user)
    back = quote(request.get_full_path(), safe="")
    # The outreach line of every card ("waiting for reply · follow-up in 2 days"): two queries for the board.
    cards = [card for column in columns for card in column.cards]
    lines = outreach_lines(cards)
    overdue = overdue_payment_lines(cards)  # the overdue-payment badges: one query for the board
    for column in columns:
        column.cards_html = cards_html(
            column.cards, can_move=can_move, back=back, outreach=lines, overdue_payments=overdue
        )
    visible = selectors.partnerships_visible_to(request.user)
    context = {
        "columns": columns,
        "total": sum(column.count for column in columns),
        "filters": filters,
        "brands": tenancy.scope_to_user(Brand.objects.all(), request.user).order_by("name"),
        "owners": get_user_model()
        .objects.filter(owned_partnerships__in=visible)
        .distinct()
        .order_by("first_name", "username"),
        "communities": sorted(
            Community.objects.filter(partnerships__in=visible).distinct(), key=lambda c: c.label.lower()
        ),
        "can_move": can_move,
        "stages": Stage.choices,
        # The Move dialog offers the next stage first (board.js reads this).
        "next_stages": json.dumps({stage: next_stage(stage) for stage in Stage.values}),
    }
    return render(request, "partnerships/pipeline.html", context, status=200 if valid else 400)


@member_page("GET", "HEAD", "POST")
def pipeline_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one partnership to another stage: JSON for the board's script, a form page otherwise."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        partnership = tenancy.editable_or_403(
            request.user, Partnership.objects.select_related("brand__organization", "creator"), refusal=LOOK_ONLY, pk=pk
        )
    except PermissionDenied as refusal:
        if wants_json:
            return JsonResponse({"error": str(refusal)}, status=403)
        raise
    error = ""
    # What the form shows: the next stage (one click moves forward, never back to Discovered), or,
    # after a refusal, what was typed, so a note is not lost to a missing reason.
    typed = {"stage": next_stage(partnership.stage), "note": "", "reason": ""}
    if request.method == "POST":
        typed = {name: request.POST.get(name, "").strip() for name in ("stage", "note", "reason")}
        try:
            services.partnership_move(partnership=partnership, to_stage=typed["stage"], actor=request.user,
                                      note=typed["note"], reason=typed["reason"])  # fmt: skip
        except ValidationError as refusal:
            error = " ".join(refusal.message_dict.get("stage", refusal.messages))
            if wants_json:
                return JsonResponse({"error": error, "stage": partnership.stage}, status=400)
        else:
            label = Stage(partnership.stage).label
            if wants_json:
                return JsonResponse({"stage": partnership.stage, "label": label})
            messages.success(request, f"{partnership.creator} moved to {label}.")
            return redirect(safe_next(request, request.POST.get("next")))
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context = {"partnership": partnership, "stages": Stage.choices, "error": error, "next": next_url, "typed": typed}
    return render(request, "partnerships/move.html", context, status=400 if error else 200)


@member_page(*READ)
def pipeline_new(request: HttpRequest) -> HttpResponse:
    """The board's "+ New partnership": find someone by name or handle, choose the brand and the
    community it concerns; the form posts to ``pipeline_add`` (the one way in, for the community
    page too). Editors only: a viewer is told they can look but not add."""
    if not tenancy.can_edit(request.user):
        raise PermissionDenied(LOOK_ONLY)
    form = NewPartnershipSearchForm(request.GET)
    form.is_valid()  # both fields are optional; one that is not valid is left out
    query = form.cleaned_data.get("q", "")
    brands = list(tenancy.scope_to_user(Brand.objects.all(), request.user, editable=True).order_by("name"))
    found = people_to_add(user=request.user, query=query)
    asked_brand = form.cleaned_data.get("brand")
    asked_brand = asked_brand if asked_brand in {brand.pk for brand in brands} else None
    chosen_brand = asked_brand
    if chosen_brand is None:
        # Not the alphabetically first brand: one that watches a community of the people found.
        chosen_brand = (
            CommunityStance.objects.filter(
                brand__in=brands, community_id__in=[place.community_id for place in found.communities]
            )
            .order_by("brand__name")
            .values_list("brand_id", flat=True)
            .first()
        )
    context = {
        "query": query,
        "found": found,
        "brands": brands,
        "asked_brand": asked_brand,  # kept by a new search
        "chosen_brand": chosen_brand,
        "here": request.get_full_path(),
    }
    return render(request, "partnerships/new_partnership.html", context)


@member_page("POST")
def pipeline_add(request: HttpRequest) -> HttpResponse:
    """Add a ranked member (an account) or a creator to one of the user's brands' pipelines."""
    brand = named_brand(request, refusal=LOOK_ONLY)
    back = safe_next(request, request.POST.get("next"))
    form = PipelineAddForm(request.POST)
    if not form.is_valid():
        say_refusal(request, form)
        return redirect(back)
    named = form.cleaned_data
    try:
        partnership = services.pipeline_add(
            brand=brand,
            actor=request.user,
            identity=Identity.objects.filter(pk=named["identity"]).first(),  # pk=None: no one
            creator=Creator.objects.filter(pk=named["creator"]).first(),
            community=Community.objects.filter(pk=named["community"]).first(),
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(back)
    messages.success(request, f"{partnership.creator} added to {brand}'s pipeline, in Discovered.")
    return redirect(reverse("partnership", args=[partnership.pk]))
