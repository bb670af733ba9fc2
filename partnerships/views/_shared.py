"""What the partnerships pages share: where to go back to, the brand a form names, and running a
form through its service with the refusals shown as messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from crm import tenancy
from crm.parsing import parse_id
from partnerships.models import Brand


def safe_next(request: HttpRequest, url: str | None) -> str:
    """Where to go back to: a page of this site, else the board."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("pipeline")


def named_brand(request: HttpRequest, *, refusal: str) -> Brand:
    """The brand the form names, which the user may change: 404 for another organization's, for
    none, or for an id that is not one (crm.parsing.parse_id: the digits 0-9 only); 403 saying
    ``refusal`` for one the user may only look at."""
    try:
        pk = parse_id(request.POST.get("brand", ""))
    except ValueError:
        raise Http404("No such brand.") from None
    return tenancy.editable_or_403(request.user, Brand.objects.all(), refusal=refusal, pk=pk)


def say_refusal(request: HttpRequest, form_or_error) -> None:
    """Each refusal as a message naming its field ("Title: say what is to be done.")."""
    errors = form_or_error.errors if hasattr(form_or_error, "errors") else form_or_error.message_dict
    for field_name, messages_ in errors.items():
        label = "" if field_name == "__all__" else f"{field_name.replace('_', ' ').capitalize()}: "
        messages.error(request, label + " ".join(str(m) for m in messages_))


def written(request: HttpRequest, form, write, success) -> None:
    """Run a page form through its service: the form coerces, the service decides; refusals are
    shown as messages naming the field, success as one line."""
    if not form.is_valid():
        say_refusal(request, form)
        return
    try:
        result = write(**form.cleaned_data)
    except ValidationError as refusal:
        say_refusal(request, refusal)
    else:
        messages.success(request, success(result))
