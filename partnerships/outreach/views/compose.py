"""Writing to a creator from a partnership: compose (from a template or not), preview exactly what
will be sent, send; the messages on the partnership's page; marking a creator do-not-contact.

The form posts the raw text (with its merge fields) every time: the preview merges it to show,
and "Send" posts the same raw text to ``message_write``, which merges it the same way. A refusal
is shown next to the field it names with everything typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from crm import tenancy
from crm.parsing import parse_id
from crm.tenancy import member_page
from partnerships.models import Partnership
from partnerships.models.outreach import Channel, ConsentSource, MessageTemplate, Sequence
from partnerships.outreach import merge, selectors
from partnerships.outreach.forms import ComposeForm, ReasonForm, put_refusal_on
from partnerships.outreach.senders import do_not_contact_of
from partnerships.outreach.services import (
    do_not_contact_lift,
    do_not_contact_mark,
    message_write,
    recipient_of,
)
from partnerships.outreach.views._shared import LONG_BODY, ShownMessage, message_status, sequence_line

LOOK_ONLY = "You can look at this partnership but not write to the creator."


def _partnership_to_write(request: HttpRequest, pk: int) -> Partnership:
    return tenancy.editable_or_403(
        request.user, Partnership.objects.select_related("brand__organization", "creator"), refusal=LOOK_ONLY, pk=pk
    )


def _template_asked(request: HttpRequest, organization_id: int) -> MessageTemplate | None:
    """?template=ID: one of the organization's templates, else none (a wrong id is ignored, not a 500)."""
    try:
        pk = parse_id(request.GET.get("template", ""))
    except ValueError:
        return None
    return MessageTemplate.objects.filter(organization_id=organization_id, pk=pk).first()


def _preview(partnership: Partnership, form: ComposeForm, actor) -> dict:
    """The subject and bodies as they will be sent (merged, signed) and the fields left empty."""
    data, sender = form.cleaned_data, form.chosen_sender
    values = selectors.merge_values(partnership, actor=actor, sender=sender, thread_id=data.get("thread") or None)
    texts = [data["subject"], data["body"]] + ([data["follow_up_body"]] if data["follow_ups"] else [])
    missing = list(dict.fromkeys(name for text in texts for name in merge.missing_values(text, values)))
    body = merge.merge(data["body"], values).strip()
    if sender.signature:  # as message_write signs it
        body = f"{body}\n\n{sender.signature}"
    follow_up = merge.merge(data["follow_up_body"], values).strip() if data["follow_ups"] else ""
    if follow_up and sender.signature:
        follow_up = f"{follow_up}\n\n{sender.signature}"
    if sender.channel == Channel.EMAIL:
        to = data.get("to") or recipient_of(partnership, sender)
    else:
        to = f"u/{recipient_of(partnership, sender)}" if recipient_of(partnership, sender) else ""
    return {
        "sender": sender, "to": to, "subject": merge.merge(data["subject"], values).strip(), "body": body,
        "follow_up": follow_up, "follow_ups": data["follow_ups"], "follow_up_days": data["follow_up_days"],
        "missing": [(name, merge.FIELDS[name]) for name in missing],
    }  # fmt: skip


@member_page("GET", "HEAD", "POST")
def partnership_write(request: HttpRequest, pk: int) -> HttpResponse:
    """Compose a message to the partnership's creator. POST with ``preview`` shows it merged; with
    ``send`` writes it (it goes out after the page answers); with ``edit`` goes back to the form;
    with ``prefill`` opens the form with the ``subject`` and ``body`` posted."""
    partnership = _partnership_to_write(request, pk)
    organization = partnership.brand.organization
    senders = list(selectors.senders_for([organization.pk]).order_by("channel", "address"))
    threads = selectors.their_threads(partnership)
    mark = do_not_contact_of(organization.pk, partnership.creator_id)
    email_sender = next((s for s in senders if s.channel == Channel.EMAIL), None)
    reddit_sender = next((s for s in senders if s.channel == Channel.REDDIT), None)
    context = {
        "p": partnership, "senders": senders, "mark": mark, "preview": None,
        "templates": MessageTemplate.objects.filter(organization=organization),
        "known_email": recipient_of(partnership, email_sender) if email_sender else "",
        "reddit_handle": selectors.reddit_handle_of(partnership.creator),
        "has_reddit_sender": reddit_sender is not None, "fields": merge.FIELDS,
    }  # fmt: skip
    if mark is not None or not senders:
        context["form"] = None
        return render(request, "outreach/compose.html", context, status=400 if request.method == "POST" else 200)

    if request.method != "POST" or "prefill" in request.POST:
        template = _template_asked(request, organization.pk)
        context["chosen_template"] = template
        initial = {"sender": str(senders[0].pk), "to": context["known_email"], "follow_ups": 0, "follow_up_days": 4}
        if template is not None:
            initial |= {"subject": template.subject, "body": template.body, "follow_up_body": template.follow_up_body}
            initial["follow_ups"] = 2 if template.follow_up_body else 0
        if "prefill" in request.POST:
            # A message started elsewhere (the creator's new private link): posted, never put in
            # the address, so a link in it stays out of logs and history. The form still decides.
            initial |= {"subject": request.POST.get("subject", "")[:200], "body": request.POST.get("body", "")[:10_000]}
        context["form"] = ComposeForm(initial=initial, senders=senders, threads=threads)
        return render(request, "outreach/compose.html", context)

    form = ComposeForm(request.POST, senders=senders, threads=threads)
    context["form"] = form
    if not form.is_valid() or "edit" in request.POST:
        return render(request, "outreach/compose.html", context, status=400 if form.errors else 200)
    if "send" not in request.POST:
        context["preview"] = _preview(partnership, form, request.user)
        return render(request, "outreach/compose.html", context)
    data = form.cleaned_data
    try:
        message = message_write(
            partnership=partnership, sender=form.chosen_sender, subject=data["subject"], body=data["body"],
            actor=request.user, to=data["to"] if form.chosen_sender.channel == Channel.EMAIL else "",
            follow_ups=data["follow_ups"], follow_up_days=data["follow_up_days"],
            follow_up_body=data["follow_up_body"], thread_id=data["thread"] or None,
        )  # fmt: skip
    except ValidationError as refusal:
        put_refusal_on(form, refusal)
        return render(request, "outreach/compose.html", context, status=400)
    messages.success(request, f"Written; it goes out in a moment: {message.subject}")
    return redirect(reverse("partnership", args=[partnership.pk]) + "#messages-title")


def messages_section(partnership: Partnership, user) -> dict:
    """What the partnership page's "Messages" section shows (three queries)."""
    shown = [
        ShownMessage(message, message_status(message), len(message.body) > LONG_BODY or message.body.count("\n") > 15)
        for message in selectors.messages_of(partnership)
    ]
    sequence = Sequence.objects.filter(partnership=partnership).order_by("-created_at", "-pk").first()
    return {
        "messages": shown,
        "sequence_line": sequence_line(sequence),
        "mark": do_not_contact_of(partnership.brand.organization_id, partnership.creator_id),
        "reason_form": ReasonForm(),
    }


def _back(partnership: Partnership) -> HttpResponse:
    return redirect(reverse("partnership", args=[partnership.pk]) + "#messages-title")


@member_page("POST")
def do_not_contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager marks the creator do-not-contact for the organization, saying why."""
    partnership = _partnership_to_write(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the creator is not to be contacted (their words, or how you know).")
        return _back(partnership)
    try:
        do_not_contact_mark(
            organization=partnership.brand.organization, creator=partnership.creator, source=ConsentSource.MANAGER,
            note=form.cleaned_data["reason"], actor=request.user,
        )  # fmt: skip
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(
            request, f"{partnership.creator} will not be written to again by {partnership.brand.organization}."
        )
    return _back(partnership)


@member_page("POST")
def do_not_contact_end(request: HttpRequest, pk: int) -> HttpResponse:
    """An owner or manager lifts the mark, saying why (it stays on the timeline)."""
    partnership = _partnership_to_write(request, pk)
    mark = do_not_contact_of(partnership.brand.organization_id, partnership.creator_id)
    if mark is None:  # lifted already (another manager, another tab)
        messages.info(request, f"{partnership.creator} is not marked do-not-contact.")
        return _back(partnership)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the creator may be written to again.")
        return _back(partnership)
    try:
        do_not_contact_lift(mark=mark, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"{partnership.creator} may be written to again.")
    return _back(partnership)
