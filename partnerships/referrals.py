"""Referral links: clicks through ``/r/<code>``, and sign-ups and sales reported by the brand.

Clicks keep no personal data: the visitor is a hash of the secret key, the day, the address and
the browser's name, so the same visitor is counted once per link per day and cannot be followed
from one day to the next. Obvious robots (link previews, crawlers, scripts) are not counted.
Sign-ups and sales come from the brand (CSV import here, the API later) with the brand's own
order or account id, so a file imported twice records each once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from crm.models import Organization
from crm.parsing import in_utc
from partnerships.guards import require_editor
from partnerships.models import ReferralEvent, ReferralEventKind, ReferralLink

ROBOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|skype|"
    r"curl/|wget/|python-requests|python-urllib|go-http-client|okhttp|java/|httpclient|headless|lighthouse|"
    r"monitor|uptime|scanner",
    re.IGNORECASE,
)
MAX_EXAMPLES = 25


def is_robot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(ROBOTS.search(user_agent))


def visitor_hash(*, address: str, user_agent: str, day) -> str:
    material = f"{settings.SECRET_KEY}\n{day.isoformat()}\n{address}\n{user_agent}"
    return hashlib.sha256(material.encode()).hexdigest()


def referral_click_record(*, link: ReferralLink, address: str, user_agent: str, at: datetime | None = None) -> bool:
    """Count a click on ``link`` once per visitor per day; True if this one was counted."""
    if not link.is_active or is_robot(user_agent):
        return False
    at = at or timezone.now()
    digest = visitor_hash(address=address, user_agent=user_agent, day=timezone.localdate(at))
    try:
        # The unique (link, kind, external id) constraint makes "once a day" hold under concurrency.
        with transaction.atomic():
            ReferralEvent.objects.create(
                link=link, kind=ReferralEventKind.CLICK, occurred_at=at, visitor_hash=digest, external_id=digest[:64]
            )
    except IntegrityError:
        return False
    return True


@dataclass
class EventImport:
    read: int = 0
    created: int = 0
    already_recorded: int = 0
    skipped: int = 0
    skipped_reasons: dict = field(default_factory=dict)
    skipped_examples: list = field(default_factory=list)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1
        if len(self.skipped_examples) < MAX_EXAMPLES:
            self.skipped_examples.append({"line": line, "reason": reason})

    def as_dict(self) -> dict:
        return {
            "read": self.read, "created": self.created, "already_recorded": self.already_recorded,
            "skipped": self.skipped, "skipped_reasons": self.skipped_reasons, "skipped_examples": self.skipped_examples,
        }  # fmt: skip


REQUIRED_COLUMNS = {"code", "kind", "occurred_at", "external_id"}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e10")  # the column holds 12 digits, 2 after the point


class ReferralFileError(ValueError):
    """The whole file is unusable (not CSV, missing columns): one line for the person importing it."""


def _when(value: str) -> datetime:
    """The moment a cell names, in UTC (ISO 8601 allows offsets PostgreSQL refuses, beyond
    ±15:59); ValueError, saying why, for anything else. Django's parsers raise ValueError for a
    well-formed impossible date (2026-02-30, T25:00) and read other scripts' digits as 0-9; a
    time UTC cannot hold (year 1 at +05:00) overflows on conversion: each was a 500 that lost the
    whole file. The reasons name no value: the import summary counts rows by reason."""
    value = (value or "").strip()
    not_a_time = "occurred_at is not a date or time (use 2026-11-27 or 2026-11-27T14:05:00Z)"
    if not value.isascii():
        raise ValueError(not_a_time)
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time(12))
    except ValueError:
        raise ValueError("occurred_at is a date or time that does not exist (such as 2026-02-30 or T25:00)") from None
    if moment is None:
        raise ValueError(not_a_time)
    try:
        return in_utc(moment)
    except ValueError:
        raise ValueError("occurred_at is outside the years 1 to 9999 once in UTC") from None


def _refuse(field: str, reason: str):
    raise ValidationError({field: reason})


def _event(row: dict, links: dict[str, ReferralLink]) -> ReferralEvent:
    """The event a row describes; ValidationError naming the field that makes it impossible."""
    code = str(row.get("code") or "").strip()
    link = links.get(code)
    if link is None:
        _refuse("code", f"unknown referral code {code!r}" if code else "no referral code")
    kind = str(row.get("kind") or "").strip().lower().replace("-", "")
    if kind not in (ReferralEventKind.SIGNUP, ReferralEventKind.SALE):
        _refuse("kind", "kind must be signup or sale")
    try:
        occurred_at = _when(str(row.get("occurred_at") or ""))
    except ValueError as error:
        _refuse("occurred_at", str(error))
    if occurred_at > timezone.now():
        _refuse("occurred_at", "occurred_at is in the future")
    external_id = str(row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 128:
        _refuse("external_id", "external_id (the brand's order or account id) is missing or longer than 128 characters")
    if "\x00" in external_id:  # PostgreSQL stores no NUL in text: the row, not the file, is refused
        _refuse("external_id", "external_id contains a NUL character")
    amount = None
    if (raw_amount := str(row.get("amount") if row.get("amount") is not None else "").strip()) != "":
        try:
            amount = Decimal(raw_amount) if raw_amount.isascii() else None  # Decimal reads '١٢' as 12
        except InvalidOperation:
            pass
        if amount is None:
            _refuse("amount", "amount is not a number")
        out_of_range = "amount must be between 0 and 9,999,999,999.99"
        if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:  # before quantize, which refuses 1e100
            _refuse("amount", out_of_range)
        amount = amount.quantize(CENT)
        if amount >= MAX_AMOUNT:  # 9,999,999,999.999 rounds up past what the column holds
            _refuse("amount", out_of_range)
    currency = str(row.get("currency") or "").strip().upper()
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        _refuse("currency", "currency must be a three-letter code such as EUR")
    return ReferralEvent(
        link=link, kind=kind, occurred_at=occurred_at, external_id=external_id,
        amount=amount, currency=currency,
    )  # fmt: skip


def _store(event: ReferralEvent) -> tuple[ReferralEvent, bool]:
    """Save, unless the brand reported it already (same link, kind and its id): then the first."""
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        return ReferralEvent.objects.get(link=event.link, kind=event.kind, external_id=event.external_id), False
    return event, True


def referral_event_record(
    *, organization_ids: set[int], data: dict, links: dict[str, ReferralLink] | None = None
) -> tuple[ReferralEvent, bool]:
    """One sign-up or sale reported by a brand of these organizations; returns it and whether it
    is new. Every rule about a reported event is here (through ``_event``), whoever reports it: the
    API, the CSV import. Raises ValidationError with a dict keyed by the field at fault (another
    organization's code is unknown); a re-sent event is recorded once.

    ``links``: the organizations' referral links by code, when the caller has read them already
    (an import of many rows reads them once).
    """
    return _store(referral_event_check(organization_ids=organization_ids, data=data, links=links))


def referral_event_check(
    *, organization_ids: set[int], data: dict, links: dict[str, ReferralLink] | None = None
) -> ReferralEvent:
    """The sign-up or sale ``data`` describes, checked by the rules ``referral_event_record``
    applies, not saved: for a form that shows a refusal beside its field before anything is
    written. Raises ValidationError as ``referral_event_record`` does."""
    if links is None:
        code = str(data.get("code") or "").strip()
        found = ReferralLink.objects.filter(code=code, partnership__brand__organization__in=organization_ids)
        links = {link.code: link for link in found}
    return _event(data, links)


def referral_events_import(*, organization: Organization, text: str) -> EventImport:
    """Record the sign-ups and sales of a CSV file (columns code, kind, occurred_at, external_id,
    and optionally amount and currency) for the organization's referral codes. Rows that cannot be
    read are counted with the reason and line; the rest are recorded; importing again adds nothing."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip().lower() for c in (reader.fieldnames or []) if c}
    if missing := REQUIRED_COLUMNS - columns:
        raise ReferralFileError(f"the file needs the columns {', '.join(sorted(REQUIRED_COLUMNS))}; "
                                f"missing: {', '.join(sorted(missing))}")  # fmt: skip
    links = {link.code: link for link in ReferralLink.objects.filter(partnership__brand__organization=organization)}
    summary = EventImport()
    for line, (raw, unreadable) in enumerate(_rows(reader), start=2):
        summary.read += 1
        if unreadable:
            summary.skip(line, unreadable)
            continue
        row = {(k or "").strip().lower(): (v if isinstance(v, str) else "") for k, v in raw.items()}
        try:
            _, created = referral_event_record(organization_ids={organization.pk}, data=row, links=links)
        except ValidationError as refusal:
            summary.skip(line, next(iter(refusal.message_dict.values()))[0])
            continue
        if created:
            summary.created += 1
        else:
            summary.already_recorded += 1
    return summary


def _rows(reader: csv.DictReader):
    """(row, None) for each row, or (None, why) for one the reader cannot read (a field past
    csv's size limit): that row is skipped, the rest read, where csv.Error ended the whole file."""
    while True:
        try:
            yield next(reader), None
        except StopIteration:
            return
        except csv.Error as error:
            yield None, f"the row cannot be read as CSV ({error})"


def referral_link_create(
    *, partnership, code: str, destination_url: str, label: str = "", is_active: bool = True
) -> ReferralLink:
    """A tracked link for a partnership: ``/r/<code>`` will send visitors to ``destination_url``."""
    link = ReferralLink(
        partnership=partnership, code=code, destination_url=destination_url, label=label, is_active=is_active
    )
    link.full_clean()  # the destination must be a web address (the model's validator)
    link.save()
    return link


CORRECTABLE = ("kind", "occurred_at", "external_id", "amount", "currency")


def _as_reported(event: ReferralEvent) -> dict:
    """An event as the brand reports one (strings, as the API and the CSV send them)."""
    moment = event.occurred_at
    return {
        "code": event.link.code, "kind": event.kind or "",
        "occurred_at": moment.isoformat() if hasattr(moment, "isoformat") else str(moment or ""),
        "external_id": event.external_id or "", "amount": "" if event.amount is None else str(event.amount),
        "currency": event.currency or "",
    }  # fmt: skip


@transaction.atomic
def referral_event_correct(*, event: ReferralEvent, actor=None, **changes) -> ReferralEvent:
    """Correct a sign-up or sale the brand reported wrongly (its kind, time, id, amount or
    currency) under the rules it was recorded by; its link stays. A click is counted from the link
    itself and is not changed. Raises ValidationError keyed by field, also when the corrected id is
    one the link has recorded already for that kind."""
    require_editor(actor, event)
    if event.kind == ReferralEventKind.CLICK:
        raise ValidationError({"kind": "A click is counted by the link itself and cannot be corrected."})
    if unknown := set(changes) - set(CORRECTABLE):
        raise ValidationError({name: "This cannot be changed here." for name in sorted(unknown)})
    wanted = ReferralEvent(link=event.link, **{name: getattr(event, name) for name in CORRECTABLE})
    for name, value in changes.items():
        setattr(wanted, name, value)
    checked = _event(_as_reported(wanted), {event.link.code: event.link})
    taken = ReferralEvent.objects.filter(link=event.link, kind=checked.kind, external_id=checked.external_id)
    if taken.exclude(pk=event.pk).exists():
        _refuse("external_id", f"{checked.external_id} is recorded already as a {checked.get_kind_display().lower()}")
    for name in CORRECTABLE:
        setattr(event, name, getattr(checked, name))
    event.save(update_fields=list(CORRECTABLE))
    return event


LINK_FIELDS = {"destination_url", "label", "is_active"}


@transaction.atomic
def referral_link_update(*, link: ReferralLink, actor=None, **changes) -> ReferralLink:
    """Change where a link sends visitors, its label, or whether it still counts (a link turned
    off sends visitors on and counts nothing). Its code and partnership stay: the code is printed
    in the creator's posts. Raises ValidationError for a destination that is not a web address."""
    require_editor(actor, link)
    if unknown := set(changes) - LINK_FIELDS:
        raise ValidationError({name: "This cannot be changed here." for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(link, name, value.strip() if isinstance(value, str) else bool(value))
    link.full_clean()
    link.save()
    return link
