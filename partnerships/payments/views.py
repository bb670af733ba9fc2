"""The ledger's pages: a partnership's payments (the section the partnership page includes, also
on a page of its own), approve / mark paid / cancel as plain POST forms (editors only), and a
brand's payments as CSV."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from crm import tenancy
from crm.csv_safety import csv_writer
from crm.tenancy import READ, member_page
from partnerships import dashboard
from partnerships.models import Partnership, Payment
from partnerships.payments import selectors, services
from partnerships.payments.forms import PaymentCancelForm, PaymentPaidForm
from partnerships.views._shared import say_refusal, written

LOOK_ONLY = "You can look at these payments but not change them."


def _editable_payment(request: HttpRequest, pk: int) -> Payment:
    payments = Payment.objects.select_related("agreement__partnership__brand__organization")
    return tenancy.editable_or_403(request.user, payments, refusal=LOOK_ONLY, pk=pk)


def _back(payment: Payment):
    return redirect(reverse("partnership", args=[payment.agreement.partnership_id]) + "#payments-title")


@member_page(*READ)
def partnership_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """A partnership's payments on a page of their own (the same section its page includes)."""
    partnership = tenancy.visible_or_404(request.user, Partnership.objects.select_related("brand", "creator"), pk=pk)
    context = {"p": partnership} | selectors.payments_section(partnership, request.user)
    return render(request, "payments/partnership_payments.html", context)


@member_page("POST")
def payment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The brand agrees the amount is owed."""
    payment = _editable_payment(request, pk)
    try:
        services.payment_approve(payment=payment, actor=request.user)
    except ValidationError as refusal:
        say_refusal(request, refusal)
    else:
        messages.success(request, f"Approved: {payment.description}.")
    return _back(payment)


@member_page("POST")
def payment_paid(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark it paid (product: shipped), with the date and the reference."""
    payment = _editable_payment(request, pk)
    written(
        request, PaymentPaidForm(request.POST),
        lambda **data: services.payment_mark_paid(payment=payment, actor=request.user, **data),
        lambda paid: f"Marked paid on {paid.paid_on:%Y-%m-%d}: {paid.description}.",
    )  # fmt: skip
    return _back(payment)


@member_page("POST")
def payment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Not owed after all, saying why."""
    payment = _editable_payment(request, pk)
    written(
        request, PaymentCancelForm(request.POST),
        lambda **data: services.payment_cancel(payment=payment, actor=request.user, **data),
        lambda cancelled: f"Cancelled: {cancelled.description}.",
    )  # fmt: skip
    return _back(payment)


CSV_HEADER = [
    "due_on", "creator", "partnership", "agreement", "key", "description", "kind", "amount", "currency", "status",
    "overdue", "period_start", "period_end", "approved_at", "paid_on", "reference", "cancelled_reason",
]  # fmt: skip


def _date(value) -> str:
    return value.isoformat() if value else ""


@member_page(*READ)
def brand_payments_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every payment of a brand, one row each, for a spreadsheet (formula-safe: crm.csv_safety)."""
    brand = tenancy.visible_or_404(request.user, dashboard.brands_visible_to(request.user), pk=pk)
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{brand.slug}-payments-{today:%Y-%m-%d}.csv"'
    writer = csv_writer(response)
    writer.writerow(CSV_HEADER)
    for payment in selectors.brand_payments(brand):
        partnership = payment.agreement.partnership
        writer.writerow([
            _date(payment.due_on), partnership.creator.display_name, partnership.pk, payment.agreement_id, payment.key,
            payment.description, payment.kind, payment.amount, payment.currency, payment.status,
            "yes" if selectors.is_overdue(payment, today) else "no", _date(payment.period_start),
            _date(payment.period_end), payment.approved_at.isoformat() if payment.approved_at else "",
            _date(payment.paid_on), payment.reference, payment.cancelled_reason,
        ])  # fmt: skip
    return response
