"""A brand's pages: its figures (measured on demand or after each sync), the referral events it
imports, its referral links' redirects, and how it takes part in a community (stance, observation
log, readiness checklist)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from crm import tenancy
from crm.background import enqueue_after_commit
from crm.tenancy import READ, member_page
from influencers.models import Community
from partnerships import dashboard, readiness, selectors, services
from partnerships.forms import ObservationForm
from partnerships.measurement import in_words, mention_list
from partnerships.models import Brand, ReadinessItem, ReferralLink
from partnerships.payments import selectors as payment_selectors
from partnerships.referrals import ReferralFileError, referral_click_record, referral_events_import
from partnerships.tasks import measure_brand
from partnerships.views._shared import named_brand, say_refusal, written

REFERRAL_UPLOAD_LIMIT = 10 * 1024 * 1024


def _visible_brand(request: HttpRequest, pk: int) -> Brand:
    return tenancy.visible_or_404(request.user, dashboard.brands_visible_to(request.user), pk=pk)


def _editable_brand(request: HttpRequest, pk: int, *, refusal: str) -> Brand:
    return tenancy.editable_or_403(request.user, dashboard.brands_visible_to(request.user), refusal=refusal, pk=pk)


@member_page(*READ)
def brand_list(request: HttpRequest) -> HttpResponse:
    """The user's brands, each with the headline of its latest measurement."""
    brands = [(brand, dashboard.latest_measurement(brand)) for brand in dashboard.brands_visible_to(request.user)]
    return render(request, "partnerships/brands.html", {"brands": brands})


@member_page(*READ)
def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A brand's relationships by depth: mentions and their tone when it is absent, organic
    recommendations, referrals, and each partnership's return engagement and before/after (said in
    sentences, the figures one click away); then the mentions themselves, filtered and paged."""
    brand = _visible_brand(request, pk)
    context = dashboard.brand_dashboard(brand=brand) | {
        "can_edit": tenancy.can_edit(request.user, brand),
        "payment_months": payment_selectors.brand_months(brand),  # "Owed and paid, by month"
    }
    filters, problems = mention_list.mention_filters_from(request.GET)
    for problem in problems:
        messages.warning(request, problem)
    context |= {
        "mentions": mention_list.brand_mentions_page(brand=brand, filters=filters, page_number=request.GET.get("page")),
        "mention_filters": filters,
        "mention_query": filters.query() + ("&" if filters.active else ""),
        "tones": mention_list.TONES,
        "conversations": mention_list.CONVERSATIONS,
    }
    if context.get("measurement"):
        document = context["d"]
        communities = selectors.communities_by_key(
            keys=[c["community"] for c in document["mentions"]["by_community"]]
            + [change["community"] for p in context["partnerships"] for change in p.changes]
        )
        context |= {
            "changes_said": selectors.before_after_said(partnerships=context["partnerships"], communities=communities),
            "absence_said": in_words.absence_said(document["mentions"].get("absence_versus_presence")),
            "by_community": [(communities.get(c["community"]), c) for c in document["mentions"]["by_community"]],
        }
    return render(request, "partnerships/brand.html", context)


@member_page("POST")
def brand_measure_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Measure the brand now, in the background. The message is true whether the measurement has
    finished by the time the page is shown (no broker: tasks run at once) or is still running."""
    brand = _editable_brand(request, pk, refusal="You can look at this brand's figures but not recompute them.")
    enqueue_after_commit(measure_brand, brand.pk)
    messages.success(
        request, f"Measuring {brand} now: the figures below are from the latest measurement finished, and change "
        "to the new one when it is done (reload in a minute if their date has not changed).",
    )  # fmt: skip
    return redirect(reverse("brand", args=[brand.pk]))


@member_page(*READ)
def brand_metrics_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest measurement as tidy CSV rows, for a spreadsheet."""
    brand = _visible_brand(request, pk)
    measurement = dashboard.latest_measurement(brand)
    if measurement is None:
        raise Http404("Not measured yet.")
    response = HttpResponse(dashboard.metrics_csv(measurement.document), content_type="text/csv; charset=utf-8")
    filename = f"{brand.slug}-metrics-{measurement.computed_at:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_page("POST")
def referral_events_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign-ups and sales from a CSV the brand exported (its referral codes only)."""
    brand = _editable_brand(request, pk, refusal="You can look at this brand's figures but not import into them.")
    upload = request.FILES.get("file")
    back = redirect(reverse("brand", args=[brand.pk]) + "#referrals-title")
    if upload is None:
        messages.error(request, "File: choose a CSV file to import.")
        return back
    if upload.size > REFERRAL_UPLOAD_LIMIT:
        messages.error(request, f"File: larger than {REFERRAL_UPLOAD_LIMIT // 2**20} MiB; split it.")
        return back
    try:
        summary = referral_events_import(organization=brand.organization, text=upload.read().decode("utf-8"))
    except UnicodeDecodeError:
        messages.error(request, "File: not UTF-8 text (save the spreadsheet as CSV UTF-8).")
        return back
    except ReferralFileError as error:
        messages.error(request, f"File: {error}.")
        return back
    messages.success(
        request,
        f"{summary.read} rows read: {summary.created} recorded, {summary.already_recorded} already recorded, "
        f"{summary.skipped} skipped.",
    )
    for example in summary.skipped_examples[:10]:
        messages.warning(request, f"Line {example['line']}: {example['reason']}")
    return back


@require_http_methods(["GET", "HEAD"])
def referral_redirect(request: HttpRequest, code: str) -> HttpResponse:
    """``/r/<code>``: count the click (once per visitor a day, robots and HEAD requests not at all)
    and send the visitor to the link's own destination — never anywhere a request names."""
    link = ReferralLink.objects.filter(code=code).only("pk", "destination_url", "is_active").first()
    if link is None or urlsplit(link.destination_url).scheme not in ("http", "https"):
        raise Http404("No such referral link.")
    if request.method == "GET":
        referral_click_record(
            link=link, address=request.META.get("REMOTE_ADDR", ""), user_agent=request.META.get("HTTP_USER_AGENT", "")
        )
    response = redirect(link.destination_url)
    response["Cache-Control"] = "no-store"  # every visit reaches us, or it is not counted
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- A brand in a community ----------------------------------------------------------------------


def _community_and_brand(request: HttpRequest, community_pk: int) -> tuple[Community, Brand]:
    """The community and the brand named in the form, which the user may change (404: not theirs)."""
    community = get_object_or_404(Community, pk=community_pk)
    brand = named_brand(request, refusal="You can look at this community but not change your brands' stance.")
    return community, brand


def _back_to_community(request: HttpRequest, community: Community) -> HttpResponse:
    """To the insight page when the form was sent from there, else to the community page."""
    page = "community-insight" if request.POST.get("return_to") == "insight" else "community"
    return redirect(reverse(page, args=[community.pk]) + ("#readiness" if page == "community-insight" else ""))


@member_page("POST")
def community_stance(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one of the user's brands' stance in a community (observing, contributing, partnered).
    Speaking (contributing, partnered) needs the readiness checklist done."""
    community, brand = _community_and_brand(request, pk)
    try:
        record = services.community_stance_set(
            brand=brand, community=community, stance=request.POST.get("stance", ""), notes=request.POST.get("notes")
        )
    except ValidationError as refusal:
        say_refusal(request, refusal)
    else:
        messages.success(request, f"{brand} is now {record.get_stance_display().lower()} in {community.label}.")
    return _back_to_community(request, community)


@member_page("POST")
def observation_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a dated note to a brand's observation log for the community."""
    community, brand = _community_and_brand(request, pk)
    written(
        request, ObservationForm(request.POST),
        lambda **data: readiness.observation_note_add(brand=brand, community=community, actor=request.user, **data),
        lambda note: f"Observation of {note.observed_on} logged for {brand}.",
    )  # fmt: skip
    return _back_to_community(request, community)


@member_page("POST")
def readiness_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a brand's readiness checklist for the community: the items ticked in the form are
    ticked, the others unticked."""
    community, brand = _community_and_brand(request, pk)
    ticked = set(request.POST.getlist("item"))
    try:
        state = readiness.readiness_checklist_set(
            brand=brand, community=community, actor=request.user,
            checked={item: item in ticked for item in {*ReadinessItem.values, *ticked}},
        )  # fmt: skip
    except ValidationError as refusal:
        say_refusal(request, refusal)
    else:
        messages.success(request, f"{brand}'s checklist saved: {state.ticked} of {len(state.items)} done.")
    return _back_to_community(request, community)
