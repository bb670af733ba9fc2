"""Outreach settings: an organization's senders (mailboxes and Reddit accounts) and its templates.

Owners and managers connect, change, test and switch senders and write templates; viewers see the
same pages without a form (their POSTs are 403). Another organization's sender or template is a
404. A password, secret or token goes in and never comes out: the forms do not render it and the
pages only say that one is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from crm import sealed, tenancy
from crm.tenancy import READ, member_page
from partnerships.models.outreach import Channel, Direction, Message, MessageStatus, MessageTemplate, Sender
from partnerships.outreach import merge, selectors, services
from partnerships.outreach.forms import MailboxForm, RedditForm, TemplateForm, put_refusal_on, split_secrets
from partnerships.outreach.senders import (
    sender_check,
    sender_connect,
    sender_update,
    template_delete,
    template_save,
)
from partnerships.outreach.views._shared import (
    LOOK_ONLY,
    chosen_organization,
    organization_to_change,
    settings_url,
)

# Where the common providers keep their servers (shown beside the mailbox form).
PROVIDERS = [
    {"name": "Gmail", "smtp": "smtp.gmail.com 465 SSL/TLS", "imap": "imap.gmail.com 993 SSL/TLS",
     "note": "with an app password (Google account → Security → 2-Step Verification → App passwords)"},
    {"name": "Outlook / Microsoft 365", "smtp": "smtp.office365.com 587 STARTTLS",
     "imap": "outlook.office365.com 993 SSL/TLS", "note": "your administrator may have to allow SMTP sign-in"},
    {"name": "Fastmail", "smtp": "smtp.fastmail.com 465 SSL/TLS", "imap": "imap.fastmail.com 993 SSL/TLS",
     "note": "with an app password (Settings → Privacy & Security → App passwords)"},
]  # fmt: skip
FORMS = {Channel.EMAIL: MailboxForm, Channel.REDDIT: RedditForm}


def _sent_today(senders: list[Sender]) -> dict[int, int]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Message.objects.filter(
            sender__in=senders,
            direction=Direction.OUT,
            status__in=[MessageStatus.SENT, MessageStatus.SENDING],
            occurred_at__gte=start,
        )  # fmt: skip
        .values("sender")
        .annotate(n=Count("pk"))
    )
    return {row["sender"]: row["n"] for row in rows}


@member_page(*READ)
def outreach_settings(request: HttpRequest) -> HttpResponse:
    """The organization's senders with what their last test and inbox reading found, its templates,
    and how many received messages wait to be filed."""
    organization, organizations = chosen_organization(request, request.GET.get("organization"))
    senders = list(selectors.senders_for([organization.pk], active_only=False))
    sent_today = _sent_today(senders)
    context = {
        "organization": organization,
        "organizations": organizations,
        "can_edit": tenancy.can_edit(request.user, organization),
        "senders": [(sender, sent_today.get(sender.pk, 0)) for sender in senders],
        "templates": MessageTemplate.objects.filter(organization=organization),
        "unfiled": selectors.unfiled_messages([organization.pk]).count(),
        "fields": merge.FIELDS,
    }
    return render(request, "outreach/settings.html", context)


def _check_and_say(request: HttpRequest, sender: Sender) -> None:
    try:
        problem = sender_check(sender=sender)
    except sealed.SealBroken as broken:
        problem = str(broken)  # names the setting, never the secret
    if problem:
        messages.error(request, f"{sender}: could not connect — {problem}")
    else:
        messages.success(request, f"{sender}: connected.")


@member_page("GET", "HEAD", "POST")
def sender_new(request: HttpRequest, channel: str) -> HttpResponse:
    """Connect a mailbox or a Reddit account; the connection is tried at once and what it found shown."""
    organization = organization_to_change(request)
    form = FORMS[channel](request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields, secrets = split_secrets(channel, form.cleaned_data)
        try:
            sender = sender_connect(
                organization=organization, channel=channel, actor=request.user, secrets=secrets, **fields
            )
        except ValidationError as refusal:
            put_refusal_on(form, refusal)
        else:
            messages.success(request, f"Connected {sender}.")
            _check_and_say(request, sender)
            return redirect(settings_url(organization.pk))
    context = {"organization": organization, "channel": channel, "form": form, "providers": PROVIDERS}
    return render(request, "outreach/sender_form.html", context, status=400 if form.errors else 200)


def _initial_of(sender: Sender, form_class) -> dict:
    return {name: getattr(sender, name) for name in form_class.base_fields if hasattr(sender, name)}


@member_page("GET", "HEAD", "POST")
def sender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A sender's settings: changed by owners and managers (a secret left empty keeps the stored
    one), shown to viewers."""
    queryset = Sender.objects.select_related("organization")
    if request.method == "POST":
        sender = tenancy.editable_or_403(request.user, queryset, refusal=LOOK_ONLY, pk=pk)
    else:
        sender = tenancy.visible_or_404(request.user, queryset, pk=pk)
    can_edit = tenancy.can_edit(request.user, sender)
    form_class = FORMS[sender.channel]
    if request.method == "POST":
        form = form_class(request.POST, editing=True)
        if form.is_valid():
            fields, secrets = split_secrets(sender.channel, form.cleaned_data)
            try:
                sender_update(sender=sender, actor=request.user, secrets=secrets, **fields)
            except ValidationError as refusal:
                put_refusal_on(form, refusal)
            else:
                messages.success(request, f"Saved {sender}.")
                return redirect(settings_url(sender.organization_id))
    else:
        form = form_class(initial=_initial_of(sender, form_class), editing=True)
    context = {
        "organization": sender.organization, "sender": sender, "channel": sender.channel,
        "form": form if can_edit else None, "can_edit": can_edit, "providers": PROVIDERS,
        "stored": bool(sender.sealed_secrets),
    }  # fmt: skip
    return render(request, "outreach/sender_form.html", context, status=400 if form.errors else 200)


@member_page("POST")
def sender_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Try to log in now: "connected", or the problem in words a manager can act on."""
    sender = tenancy.editable_or_403(request.user, Sender.objects.all(), refusal=LOOK_ONLY, pk=pk)
    _check_and_say(request, sender)
    return redirect(settings_url(sender.organization_id))


@member_page("POST")
def sender_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a sender off (nothing is sent from it; queued messages wait) or on again."""
    sender = tenancy.editable_or_403(request.user, Sender.objects.all(), refusal=LOOK_ONLY, pk=pk)
    sender_update(sender=sender, actor=request.user, is_active=not sender.is_active)
    state = "on" if sender.is_active else "off: nothing is sent from it until it is switched on"
    messages.success(request, f"{sender} is switched {state}.")
    return redirect(settings_url(sender.organization_id))


@member_page("GET", "HEAD", "POST")
def template_new(request: HttpRequest) -> HttpResponse:
    organization = organization_to_change(request)
    form = TemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            template = template_save(organization=organization, actor=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            put_refusal_on(form, refusal)
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect(settings_url(organization.pk))
    context = {"organization": organization, "form": form, "fields": merge.FIELDS, "can_edit": True}
    return render(request, "outreach/template_form.html", context, status=400 if form.errors else 200)


@member_page("GET", "HEAD", "POST")
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A template: changed by owners and managers, read by viewers."""
    queryset = MessageTemplate.objects.select_related("organization")
    if request.method == "POST":
        template = tenancy.editable_or_403(request.user, queryset, refusal=LOOK_ONLY, pk=pk)
    else:
        template = tenancy.visible_or_404(request.user, queryset, pk=pk)
    can_edit = tenancy.can_edit(request.user, template)
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template_save(
                    organization=template.organization, actor=request.user, template=template, **form.cleaned_data
                )
            except ValidationError as refusal:
                put_refusal_on(form, refusal)
            else:
                messages.success(request, f"Template “{template.name}” saved.")
                return redirect(settings_url(template.organization_id))
    else:
        form = TemplateForm(initial=_initial_of(template, TemplateForm))
    context = {
        "organization": template.organization, "template": template, "form": form, "fields": merge.FIELDS,
        "can_edit": can_edit,
    }  # fmt: skip
    return render(request, "outreach/template_form.html", context, status=400 if form.errors else 200)


@member_page("GET", "HEAD", "POST")
def template_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete a template (messages already written from it keep their text)."""
    template = tenancy.editable_or_403(
        request.user, MessageTemplate.objects.select_related("organization"), refusal=LOOK_ONLY, pk=pk
    )
    if request.method == "POST":
        template_delete(template=template, actor=request.user)
        messages.success(request, f"Template “{template.name}” deleted.")
        return redirect(settings_url(template.organization_id))
    back = reverse("outreach-template", args=[template.pk])
    return render(request, "outreach/template_delete.html", {"template": template, "back": back})


@member_page("POST")
def replies_check(request: HttpRequest) -> HttpResponse:
    """Read every active sender's inbox now (what the background task does every five minutes) and
    say what came: "2 new replies, 1 filed under partnerships". Owners and managers only."""
    organization = organization_to_change(request)
    senders = list(selectors.senders_for([organization.pk]).order_by("channel", "address"))
    if not senders:
        messages.info(request, "No sender is switched on: connect a mailbox or a Reddit account first.")
        return redirect(settings_url(organization.pk))
    stored = matched = 0
    for sender in senders:
        try:
            counts = services.inbox_read(sender=sender)
        except sealed.SealBroken as broken:
            counts = {"stored": 0, "matched": 0, "problem": str(broken)}  # names the setting, never the secret
        if counts["problem"]:
            messages.error(request, f"{sender}: could not read the inbox — {counts['problem']}")
        stored += counts["stored"]
        matched += counts["matched"]
    messages.success(request, replies_found(stored, matched))
    return redirect(settings_url(organization.pk))


def replies_found(stored: int, matched: int) -> str:
    """ "No new replies.", "1 new reply, filed under its partnership.", "2 new replies, 1 filed under
    partnerships (1 to file)"."""
    if not stored:
        return "No new replies."
    if stored == 1:
        return "1 new reply, filed under its partnership." if matched else "1 new reply, to file (Received messages)."
    filed = f"{matched} filed under partnerships"
    return f"{stored} new replies, {filed}" + (f" ({stored - matched} to file)." if stored > matched else ".")
