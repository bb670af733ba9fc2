"""Pages partnership managers work in. Thin: read through selectors, write through services."""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from crm import tenancy
from crm.parsing import parse_id
from influencers.models import Community, Creator, Identity
from partnerships import dashboard, readiness, selectors, services
from partnerships.board_html import cards_html
from partnerships.forms import (
    ActivityForm,
    AgreementForm,
    CreativeControlForm,
    DeliverableForm,
    DeliverableStatusForm,
    ObservationForm,
    PipelineAddForm,
    PipelineFilterForm,
    RenewalForm,
    TaskForm,
)
from partnerships.models import Agreement, Brand, Deliverable, Partnership, ReadinessItem, ReferralLink, Stage, Task
from partnerships.referrals import ReferralFileError, referral_click_record, referral_events_import
from partnerships.tasks import measure_brand

REFERRAL_UPLOAD_LIMIT = 10 * 1024 * 1024


def _safe_next(request: HttpRequest, url: str | None) -> str:
    """Where to go back to: a page of this site, else the board."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("pipeline")


def _named_brand(request: HttpRequest) -> Brand:
    """The brand the form names, among the user's: 404 for another's, for none, or for an id that
    is not one (crm.parsing.parse_id: the digits 0-9 only)."""
    try:
        pk = parse_id(request.POST.get("brand", ""))
    except ValueError:
        raise Http404("No such brand.") from None
    return get_object_or_404(tenancy.scope_to_user(Brand.objects.all(), request.user), pk=pk)


@login_required
@require_safe
def pipeline(request: HttpRequest) -> HttpResponse:
    """The pipeline board: a column per stage; drag a card, or use its Move button, to move it.
    A filter that is not one of the menus' ids is a 400 naming it, with the board unfiltered by it."""
    tenancy.require_member(request.user)
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
    for column in columns:
        column.cards_html = cards_html(column.cards, can_move=can_move, back=back)
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
        "communities": Community.objects.filter(partnerships__in=visible).distinct().order_by("name"),
        "can_move": can_move,
        "stages": Stage.choices,
    }
    return render(request, "partnerships/pipeline.html", context, status=200 if valid else 400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pipeline_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one partnership to another stage: JSON for the board's script, a form page otherwise."""
    tenancy.require_member(request.user)
    partnership = get_object_or_404(
        selectors.partnerships_visible_to(request.user).select_related("brand__organization", "creator"), pk=pk
    )
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not tenancy.can_edit(request.user, partnership):
        if wants_json:
            return JsonResponse({"error": "You can look at this pipeline but not change it."}, status=403)
        raise PermissionDenied("You can look at this pipeline but not change it.")
    error = ""
    if request.method == "POST":
        to_stage = request.POST.get("stage", "")
        try:
            services.partnership_move(
                partnership=partnership,
                to_stage=to_stage,
                actor=request.user,
                note=request.POST.get("note", "").strip(),
                reason=request.POST.get("reason", "").strip(),
            )
        except ValidationError as refusal:
            error = " ".join(refusal.message_dict.get("stage", refusal.messages))
            if wants_json:
                return JsonResponse({"error": error, "stage": partnership.stage}, status=400)
        else:
            label = Stage(partnership.stage).label
            if wants_json:
                return JsonResponse({"stage": partnership.stage, "label": label})
            messages.success(request, f"{partnership.creator} moved to {label}.")
            return redirect(_safe_next(request, request.POST.get("next")))
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    context = {"partnership": partnership, "stages": Stage.choices, "error": error, "next": next_url}
    return render(request, "partnerships/move.html", context, status=400 if error else 200)


@login_required
@require_safe
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A partnership over the years: agreements and their creative-control terms (every change
    audited), deliverables, tasks, referral links and the timeline."""
    tenancy.require_member(request.user)
    try:
        page = selectors.partnership_page(user=request.user, pk=pk)
    except Partnership.DoesNotExist:
        raise Http404("No such partnership.") from None
    context = {
        "page": page,
        "p": page.partnership,
        "can_edit": tenancy.can_edit(request.user, page.partnership),
        "renewal_form": RenewalForm(),
        "agreement_form": AgreementForm(),
        "terms_form": CreativeControlForm(instance=page.current) if page.current else None,
        "task_form": TaskForm(organization=page.partnership.brand.organization),
        "activity_form": ActivityForm(),
        "deliverable_form": DeliverableForm(partnership=page.partnership),
        "status_form": DeliverableStatusForm(),
        "depth": dashboard.partnership_depth(page.partnership),
    }
    return render(request, "partnerships/partnership.html", context)


@login_required
@require_safe
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The logged-in manager's follow-ups, overdue first."""
    tenancy.require_member(request.user)
    groups = selectors.my_tasks(user=request.user)
    return render(request, "partnerships/my_tasks.html", {"groups": groups, "open": sum(len(g.tasks) for g in groups)})


@login_required
@require_http_methods(["POST"])
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    tenancy.require_member(request.user)
    task = get_object_or_404(
        tenancy.scope_to_user(Task.objects.select_related("partnership__creator"), request.user), pk=pk
    )
    if not tenancy.can_edit(request.user, task):
        raise PermissionDenied("You can look at these tasks but not change them.")
    services.task_complete(task=task, actor=request.user)
    messages.success(request, f"Done: {task.title}")
    next_url = request.POST.get("next")
    return redirect(_safe_next(request, next_url) if next_url else reverse("my-tasks"))


@login_required
@require_http_methods(["POST"])
def pipeline_add(request: HttpRequest) -> HttpResponse:
    """Add a ranked member (an account) or a creator to one of the user's brands' pipelines."""
    tenancy.require_member(request.user)
    brand = _named_brand(request)
    if not tenancy.can_edit(request.user, brand):
        raise PermissionDenied("You can look at this pipeline but not change it.")
    back = _safe_next(request, request.POST.get("next"))
    form = PipelineAddForm(request.POST)
    if not form.is_valid():
        _say_refusal(request, form)
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


def _editable_partnership(request: HttpRequest, pk: int) -> Partnership:
    tenancy.require_member(request.user)
    partnership = get_object_or_404(
        selectors.partnerships_visible_to(request.user).select_related("brand__organization", "creator"), pk=pk
    )
    if not tenancy.can_edit(request.user, partnership):
        raise PermissionDenied("You can look at this partnership but not change it.")
    return partnership


def _agreement_in_force(partnership: Partnership) -> Agreement | None:
    return selectors.agreement_in_force(list(partnership.agreements.all()), timezone.localdate())


def _say_refusal(request: HttpRequest, form_or_error) -> None:
    errors = form_or_error.errors if hasattr(form_or_error, "errors") else form_or_error.message_dict
    for field_name, messages_ in errors.items():
        label = "" if field_name == "__all__" else f"{field_name.replace('_', ' ').capitalize()}: "
        messages.error(request, label + " ".join(str(m) for m in messages_))


@login_required
@require_http_methods(["POST"])
def agreement_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew the partnership's agreement in force for a new period, same terms."""
    partnership = _editable_partnership(request, pk)
    agreement = _agreement_in_force(partnership)
    if agreement is None:
        messages.error(request, "There is no agreement to renew yet: write the first one on this page.")
    else:
        _written(
            request, RenewalForm(request.POST),
            lambda **data: services.agreement_renew(agreement=agreement, actor=request.user, **data),
            lambda renewal: f"Renewed: a new agreement from {renewal.starts_on} (draft), same terms.",
        )  # fmt: skip
    return redirect(reverse("partnership", args=[partnership.pk]))


@login_required
@require_http_methods(["POST"])
def agreement_terms(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the creative-control terms of the agreement in force (audited)."""
    partnership = _editable_partnership(request, pk)
    agreement = _agreement_in_force(partnership)
    if agreement is None:
        raise Http404("No agreement yet.")
    # The form checks the input on a copy: the service compares against the terms as they were.
    _written(
        request, CreativeControlForm(request.POST, instance=Agreement.objects.get(pk=agreement.pk)),
        lambda **data: services.agreement_update_terms(agreement=agreement, actor=request.user, **data),
        lambda lines: "Terms changed: " + "; ".join(lines) if lines else "Nothing changed.",
    )  # fmt: skip
    return redirect(reverse("partnership", args=[partnership.pk]))


def _editable_brand(request: HttpRequest, community_pk: int) -> tuple[Community, Brand]:
    """The community and the brand named in the form, which the user may change (404: not theirs)."""
    tenancy.require_member(request.user)
    community = get_object_or_404(Community, pk=community_pk)
    brand = _named_brand(request)
    if not tenancy.can_edit(request.user, brand):
        raise PermissionDenied("You can look at this community but not change your brands' stance.")
    return community, brand


def _back_to_community(request: HttpRequest, community: Community) -> HttpResponse:
    """To the insight page when the form was sent from there, else to the community page."""
    page = "community-insight" if request.POST.get("return_to") == "insight" else "community"
    return redirect(reverse(page, args=[community.pk]) + ("#readiness" if page == "community-insight" else ""))


@login_required
@require_http_methods(["POST"])
def community_stance(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one of the user's brands' stance in a community (observing, contributing, partnered).
    Speaking (contributing, partnered) needs the readiness checklist done."""
    community, brand = _editable_brand(request, pk)
    try:
        record = services.community_stance_set(
            brand=brand, community=community, stance=request.POST.get("stance", ""), notes=request.POST.get("notes")
        )
    except ValidationError as refusal:
        _say_refusal(request, refusal)
    else:
        messages.success(request, f"{brand} is now {record.get_stance_display().lower()} in {community.name}.")
    return _back_to_community(request, community)


@login_required
@require_http_methods(["POST"])
def observation_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a dated note to a brand's observation log for the community."""
    community, brand = _editable_brand(request, pk)
    _written(
        request, ObservationForm(request.POST),
        lambda **data: readiness.observation_note_add(brand=brand, community=community, actor=request.user, **data),
        lambda note: f"Observation of {note.observed_on} logged for {brand}.",
    )  # fmt: skip
    return _back_to_community(request, community)


@login_required
@require_http_methods(["POST"])
def readiness_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a brand's readiness checklist for the community: the items ticked in the form are
    ticked, the others unticked."""
    community, brand = _editable_brand(request, pk)
    ticked = set(request.POST.getlist("item"))
    unknown = ticked - set(ReadinessItem.values)
    if unknown:
        messages.error(request, f"Item: unknown checklist item {sorted(unknown)[0]!r}.")
        return _back_to_community(request, community)
    for item in ReadinessItem.values:
        readiness.readiness_item_set(
            brand=brand, community=community, item=item, checked=item in ticked, actor=request.user
        )
    messages.success(request, f"{brand}'s checklist saved: {len(ticked)} of {len(ReadinessItem.values)} done.")
    return _back_to_community(request, community)


@login_required
@require_http_methods(["POST"])
def agreement_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Write an agreement for the partnership (checked; creative control recorded as data)."""
    partnership = _editable_partnership(request, pk)
    _written(
        request, AgreementForm(request.POST),
        lambda **data: services.agreement_create(partnership=partnership, actor=request.user, **data),
        lambda agreement: f"Agreement from {agreement.starts_on} written ({agreement.get_status_display()}).",
    )  # fmt: skip
    return redirect(reverse("partnership", args=[partnership.pk]))


def _written(request: HttpRequest, form, write, success) -> None:
    """Run a page form through its service: the form coerces, the service decides; refusals are
    shown as messages naming the field, success as one line."""
    if not form.is_valid():
        _say_refusal(request, form)
        return
    try:
        result = write(**form.cleaned_data)
    except ValidationError as refusal:
        _say_refusal(request, refusal)
    else:
        messages.success(request, success(result))


@login_required
@require_http_methods(["POST"])
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a follow-up about the partnership (for the user, or another member of the organization)."""
    partnership = _editable_partnership(request, pk)
    form = TaskForm(request.POST, organization=partnership.brand.organization)

    def write(**data):
        return services.task_create(partnership=partnership, actor=request.user, **data)

    _written(
        request, form, write, lambda task: f"Task added: {task.title}" + (f", due {task.due_on}" if task.due_on else "")
    )
    return redirect(reverse("partnership", args=[partnership.pk]) + "#tasks-title")


@login_required
@require_http_methods(["POST"])
def activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a call, an email, a meeting or a note in the partnership's timeline."""
    partnership = _editable_partnership(request, pk)

    def write(occurred_at=None, **data):
        return services.activity_log(partnership=partnership, actor=request.user, occurred_at=occurred_at, **data)

    _written(request, ActivityForm(request.POST), write, lambda entry: f"Logged: {entry.summary}")
    return redirect(reverse("partnership", args=[partnership.pk]) + "#timeline-title")


@login_required
@require_http_methods(["POST"])
def deliverable_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a deliverable under the partnership (counted against the agreement in force)."""
    partnership = _editable_partnership(request, pk)

    def write(**data):
        return services.deliverable_plan(partnership=partnership, actor=request.user, **data)

    _written(
        request, DeliverableForm(request.POST, partnership=partnership), write,
        lambda deliverable: f"Deliverable planned: {deliverable.title}",
    )  # fmt: skip
    return redirect(reverse("partnership", args=[partnership.pk]) + "#deliverables-title")


@login_required
@require_http_methods(["POST"])
def deliverable_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a deliverable in progress, published (date and link) or cancelled."""
    tenancy.require_member(request.user)
    deliverable = get_object_or_404(
        tenancy.scope_to_user(Deliverable.objects.select_related("partnership__brand__organization"), request.user),
        pk=pk,
    )
    if not tenancy.can_edit(request.user, deliverable):
        raise PermissionDenied("You can look at this partnership but not change it.")

    def write(status, url, published_on):
        published_at = None
        if published_on is not None:
            # The date is the brand's: noon in the site's timezone keeps it on that day everywhere.
            published_at = timezone.make_aware(datetime.combine(published_on, time(12)))
        return services.deliverable_set_status(
            deliverable=deliverable, actor=request.user, status=status, url=url or None, published_at=published_at
        )

    _written(
        request, DeliverableStatusForm(request.POST), write,
        lambda d: f"{d.title}: {d.get_status_display().lower()}",
    )  # fmt: skip
    return redirect(reverse("partnership", args=[deliverable.partnership_id]) + "#deliverables-title")


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


@login_required
@require_safe
def brand_list(request: HttpRequest) -> HttpResponse:
    """The user's brands, each with the headline of its latest measurement."""
    tenancy.require_member(request.user)
    brands = [(brand, dashboard.latest_measurement(brand)) for brand in dashboard.brands_visible_to(request.user)]
    return render(request, "partnerships/brands.html", {"brands": brands})


def _visible_brand(request: HttpRequest, pk: int) -> Brand:
    tenancy.require_member(request.user)
    return get_object_or_404(dashboard.brands_visible_to(request.user), pk=pk)


@login_required
@require_safe
def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A brand's relationships by depth: mentions and their tone when it is absent, organic
    recommendations, referrals, and each partnership's return engagement and before/after."""
    brand = _visible_brand(request, pk)
    context = dashboard.brand_dashboard(brand=brand) | {"can_edit": tenancy.can_edit(request.user, brand)}
    return render(request, "partnerships/brand.html", context)


@login_required
@require_http_methods(["POST"])
def brand_measure_now(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _visible_brand(request, pk)
    if not tenancy.can_edit(request.user, brand):
        raise PermissionDenied("You can look at this brand's figures but not recompute them.")
    measure_brand.delay(brand.pk)
    queued = not settings.CELERY_TASK_ALWAYS_EAGER
    messages.success(request, "Measurement queued: reload in a minute." if queued else "Measured just now.")
    return redirect(reverse("brand", args=[brand.pk]))


@login_required
@require_safe
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


@login_required
@require_http_methods(["POST"])
def referral_events_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign-ups and sales from a CSV the brand exported (its referral codes only)."""
    brand = _visible_brand(request, pk)
    if not tenancy.can_edit(request.user, brand):
        raise PermissionDenied("You can look at this brand's figures but not import into them.")
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
