"""Writes to an organization's senders, templates, contact addresses and do-not-contact marks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from crm import tenancy
from crm.models import Organization
from influencers.models import Creator
from partnerships.models.outreach import (
    Channel,
    ConsentSource,
    ContactAddress,
    DoNotContact,
    MessageTemplate,
    Security,
    Sender,
)
from partnerships.outreach import merge
from partnerships.outreach.transports import MailboxAccount, RedditAccount, SendRefused

DEFAULT_PORTS = {
    ("smtp", Security.SSL): 465, ("smtp", Security.STARTTLS): 587, ("smtp", Security.NONE): 25,
    ("imap", Security.SSL): 993, ("imap", Security.STARTTLS): 143, ("imap", Security.NONE): 143,
}  # fmt: skip
MAILBOX_FIELDS = (
    "address", "display_name", "username", "smtp_host", "smtp_port", "smtp_security",
    "imap_host", "imap_port", "imap_security", "sent_folder", "daily_cap", "signature", "is_active",
)  # fmt: skip
REDDIT_FIELDS = ("address", "client_id", "daily_cap", "signature", "is_active")
REDDIT_SECRETS = ("client_secret", "password", "refresh_token")
MAX_DAILY_CAP = 500


def require_organization_editor(actor, organization: Organization) -> None:
    """Only an owner or manager of the organization changes its senders, templates and marks.
    ``actor`` None is the product itself or an API key checked where it came in."""
    if actor is not None and organization.pk not in tenancy.organization_ids_for(actor, editable=True):
        raise PermissionDenied("You can look at this but not change it.")


def account_of(sender: Sender) -> MailboxAccount | RedditAccount:
    """What the transport needs, with the secrets opened (kept in memory only for the call)."""
    secrets = sender.secrets
    if sender.channel == Channel.REDDIT:
        return RedditAccount(
            username=sender.address, client_id=sender.client_id, client_secret=secrets.get("client_secret", ""),
            user_agent=f"crm-outreach/1.0 (by u/{sender.address})", password=secrets.get("password", ""),
            refresh_token=secrets.get("refresh_token", ""),
        )  # fmt: skip
    return MailboxAccount(
        address=sender.address, display_name=sender.display_name, username=sender.username or sender.address,
        password=secrets.get("password", ""), smtp_host=sender.smtp_host, smtp_port=sender.smtp_port,
        smtp_security=sender.smtp_security, imap_host=sender.imap_host, imap_port=sender.imap_port,
        imap_security=sender.imap_security, sent_folder=sender.sent_folder,
    )  # fmt: skip


def transport_for(channel: str):
    if channel == Channel.REDDIT:
        from partnerships.outreach.transports import reddit

        return reddit
    from partnerships.outreach.transports import email

    return email


def _clean_mailbox(values: dict) -> dict:
    errors = {}
    address = (values.get("address") or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        errors["address"] = "Enter the email address messages come from, e.g. maya@inkwell.example."
    values["address"] = address
    for side in ("smtp", "imap"):
        host = (values.get(f"{side}_host") or "").strip().lower().rstrip(".")
        values[f"{side}_host"] = host
        if not host or any(c in host for c in "/:@ ") or len(host) > 253:
            errors[f"{side}_host"] = f"Enter the {side.upper()} server's host name, e.g. {side}.example.com."
        security = values.get(f"{side}_security") or Security.SSL
        if security not in Security.values:
            errors[f"{side}_security"] = "Choose SSL/TLS, STARTTLS or none."
        values[f"{side}_security"] = security
        port = values.get(f"{side}_port")
        if port in (None, ""):
            values[f"{side}_port"] = DEFAULT_PORTS.get((side, security), 0)
        else:
            try:
                values[f"{side}_port"] = int(port)
                if not 1 <= values[f"{side}_port"] <= 65535:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f"{side}_port"] = "Enter a port between 1 and 65535."
    if errors:
        raise ValidationError(errors)
    return values


def _clean_common(values: dict) -> dict:
    if "daily_cap" in values:
        try:
            cap = int(values["daily_cap"])
        except (TypeError, ValueError):
            cap = -1
        if not 1 <= cap <= MAX_DAILY_CAP:
            raise ValidationError({"daily_cap": f"Enter how many messages a day, from 1 to {MAX_DAILY_CAP}."})
        values["daily_cap"] = cap
    if "signature" in values:
        values["signature"] = (values["signature"] or "").strip()
    return values


@transaction.atomic
def sender_connect(*, organization: Organization, channel: str, actor=None, secrets: dict, **fields) -> Sender:
    """Connect a mailbox (``password`` in ``secrets``) or a Reddit account (``client_secret`` and a
    ``password`` or ``refresh_token``). The connection is not tried here: ``sender_check`` does
    that (the pages call it right after). Raises ValidationError naming the field."""
    require_organization_editor(actor, organization)
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose email or reddit."})
    allowed = MAILBOX_FIELDS if channel == Channel.EMAIL else REDDIT_FIELDS
    if unknown := set(fields) - set(allowed):
        raise ValidationError({sorted(unknown)[0]: "Not a setting of this kind of sender."})
    values = _clean_common(dict(fields))
    secrets = {key: value for key, value in (secrets or {}).items() if value}
    if channel == Channel.EMAIL:
        values = _clean_mailbox(values)
        if not secrets.get("password"):
            raise ValidationError({"password": "Enter the mailbox's password or app password."})
        secrets = {"password": secrets["password"]}
    else:
        values["address"] = (values.get("address") or "").strip().removeprefix("u/").removeprefix("/u/")
        if not values["address"] or not all(c.isalnum() or c in "_-" for c in values["address"]):
            raise ValidationError({"address": "Enter the Reddit username, e.g. inkwell_pens."})
        if not (values.get("client_id") or "").strip():
            raise ValidationError({"client_id": "Enter the Reddit app's client id (under the app's name)."})
        if not secrets.get("client_secret"):
            raise ValidationError({"client_secret": "Enter the Reddit app's secret."})
        if not (secrets.get("password") or secrets.get("refresh_token")):
            raise ValidationError({"password": "Enter the account's password (script app) or a refresh token."})
        secrets = {key: secrets[key] for key in REDDIT_SECRETS if secrets.get(key)}
    if Sender.objects.filter(organization=organization, channel=channel, address__iexact=values["address"]).exists():
        raise ValidationError({"address": f"{values['address']} is connected already."})
    sender = Sender(organization=organization, channel=channel, created_by=actor, **values)
    sender.seal(secrets)
    # Replies are read from the day the sender was connected: not years of someone's inbox.
    sender.inbox_cursor = {"since": timezone.localdate().isoformat()}
    sender.save()
    return sender


@transaction.atomic
def sender_update(*, sender: Sender, actor=None, secrets: dict | None = None, **fields) -> Sender:
    """Change a sender's settings; a secret left empty keeps the stored one."""
    require_organization_editor(actor, sender.organization)
    allowed = MAILBOX_FIELDS if sender.channel == Channel.EMAIL else REDDIT_FIELDS
    if unknown := set(fields) - set(allowed):
        raise ValidationError({sorted(unknown)[0]: "Not a setting of this kind of sender."})
    values = _clean_common(dict(fields))
    if sender.channel == Channel.EMAIL and set(values) & {
        "address",
        "smtp_host",
        "imap_host",
        "smtp_port",
        "imap_port",
    }:
        current = {name: getattr(sender, name) for name in MAILBOX_FIELDS}
        values = {name: value for name, value in _clean_mailbox({**current, **values}).items() if name in fields}
    for name, value in values.items():
        setattr(sender, name, value)
    new_secrets = {key: value for key, value in (secrets or {}).items() if value}
    if new_secrets:
        sender.seal({**sender.secrets, **new_secrets})
    sender.save()
    return sender


def sender_check(*, sender: Sender) -> str:
    """Try to log in (SMTP and IMAP, or Reddit); records and returns the problem ("" when fine)."""
    try:
        transport_for(sender.channel).check(account_of(sender))
        problem = ""
    except SendRefused as refused:
        problem = refused.reason
    Sender.objects.filter(pk=sender.pk).update(checked_at=timezone.now(), check_problem=problem[:300])
    sender.refresh_from_db(fields=["checked_at", "check_problem"])
    return problem


def _clean_template(name: str, subject: str, body: str, follow_up_body: str) -> dict:
    values = {"name": (name or "").strip(), "subject": (subject or "").strip(), "body": (body or "").strip(),
              "follow_up_body": (follow_up_body or "").strip()}  # fmt: skip
    errors = {}
    for field in ("name", "subject", "body"):
        if not values[field]:
            errors[field] = "This cannot be empty."
    for field in ("subject", "body", "follow_up_body"):
        if unknown := merge.unknown_fields(values[field]):
            known = ", ".join(f"{{{{ {name} }}}}" for name in merge.FIELDS)
            errors.setdefault(field, f"Unknown field {{{{ {unknown[0]} }}}}: the fields are {known}.")
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def template_save(
    *, organization: Organization, actor=None, template: MessageTemplate | None = None,
    name: str, subject: str, body: str, follow_up_body: str = "",
) -> MessageTemplate:  # fmt: skip
    """Write a new template or change one; merge fields are checked here."""
    require_organization_editor(actor, organization)
    values = _clean_template(name, subject, body, follow_up_body)
    others = MessageTemplate.objects.filter(organization=organization, name__iexact=values["name"])
    if template is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        raise ValidationError({"name": f"A template called {values['name']} exists already."})
    if template is None:
        return MessageTemplate.objects.create(organization=organization, created_by=actor, **values)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    return template


@transaction.atomic
def template_delete(*, template: MessageTemplate, actor=None) -> None:
    require_organization_editor(actor, template.organization)
    template.delete()


@transaction.atomic
def contact_address_set(*, organization: Organization, creator: Creator, email: str, actor=None) -> ContactAddress:
    require_organization_editor(actor, organization)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"to": "Enter the creator's email address, e.g. anna@example.com."}) from None
    contact, _ = ContactAddress.objects.update_or_create(
        organization=organization, creator=creator, defaults={"email": email}
    )
    return contact


def do_not_contact_of(organization_id: int, creator_id: int) -> DoNotContact | None:
    return DoNotContact.objects.filter(organization_id=organization_id, creator_id=creator_id).first()


def consent_source_label(source: str) -> str:
    return ConsentSource(source).label
