"""The creator's private link: made, found, revoked, and every use logged.

The token is shown once, to the manager who makes the link, and kept only as its SHA-256, so a
copy of the database holds no working link. Opening ``/c/<token>/`` once exchanges the token for
a signed cookie bound to the link and its expiry; the pages after that carry no token, so it does
not end up in browser history, referrers or server logs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerships.guards import require_editor
from partnerships.models import ActivityKind, CreatorLink, CreatorLinkUse, Partnership
from partnerships.services._shared import locked, timeline_note

MAX_DAYS = 365
COOKIE_SALT = "partnerships.creator_portal.link"
# A token is 43 characters (32 random bytes, URL-safe base64); anything far longer is not one,
# and is not worth hashing.
MAX_TOKEN_LENGTH = 200
# Compared against when no row matched, so a miss costs what a hit does.
_NO_HASH = "0" * 64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def creator_link_issue(*, partnership: Partnership, actor, days: int = 30) -> tuple[CreatorLink, str]:
    """A new private link to ``partnership`` for its creator, valid ``days`` days (1–365); the
    live link, if any, is revoked (one live link per partnership). Returns the link and its token:
    the token is never stored nor written anywhere, so the caller shows it once."""
    require_editor(actor, partnership)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"A link lasts from 1 to {MAX_DAYS} days."})
    locked(partnership)  # two managers making a link at once: one after the other, one live link
    now = timezone.now()
    CreatorLink.objects.filter(partnership=partnership, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    token = secrets.token_urlsafe(32)
    link = CreatorLink.objects.create(
        partnership=partnership, token_hash=token_hash(token), created_by=actor, expires_at=now + timedelta(days=days)
    )
    timeline_note(
        partnership, ActivityKind.NOTE, actor, "Private link made for the creator",
        f"It works until {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M}; any earlier link no longer works.",
    )  # fmt: skip
    return link, token


@transaction.atomic
def creator_link_revoke(*, link: CreatorLink, actor) -> CreatorLink:
    """Stop a link working at once (the creator's open page stops with it)."""
    require_editor(actor, link)
    locked(link)
    if link.revoked_at is not None:
        return link  # revoked twice (a double click): once is enough
    link.revoked_at, link.revoked_by = timezone.now(), actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    timeline_note(link.partnership, ActivityKind.NOTE, actor, "Private link for the creator revoked")
    return link


def _usable(link: CreatorLink | None) -> CreatorLink | None:
    return link if link is not None and link.is_usable else None


def _one_link(**lookup) -> CreatorLink | None:
    # The same single indexed query whether or not a row matches: unknown, altered, expired and
    # revoked tokens cost the same, so timing tells nothing of which it was.
    return (
        CreatorLink.objects.select_related("partnership__brand__organization", "partnership__creator")
        .filter(**lookup)
        .first()
    )


def creator_link_find(token) -> CreatorLink | None:
    """The usable link ``token`` opens, or None for an unknown, altered, expired or revoked one
    (the same work for each: hash, one indexed lookup, a constant-time compare)."""
    token = token if isinstance(token, str) and len(token) <= MAX_TOKEN_LENGTH else ""
    digest = token_hash(token)
    link = _one_link(token_hash=digest)
    matches = hmac.compare_digest(link.token_hash if link is not None else _NO_HASH, digest)
    return _usable(link) if matches else None


def creator_link_cookie(link: CreatorLink) -> str:
    """The signed cookie value standing for ``link`` after the token was exchanged: bound to the
    link and its expiry (a link remade or shortened ends the old cookie's use)."""
    return signing.dumps({"link": link.pk, "expires": link.expires_at.timestamp()}, salt=COOKIE_SALT)


def creator_link_from_cookie(value) -> CreatorLink | None:
    """The usable link a portal cookie stands for, or None (a forged, altered, expired or revoked
    one: one query each time)."""
    try:
        data = signing.loads(value or "", salt=COOKIE_SALT)
        pk, expires = int(data["link"]), float(data["expires"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        pk, expires = 0, 0.0
    link = _one_link(pk=pk)
    if link is None or link.expires_at.timestamp() != expires:
        return None
    return _usable(link)


def creator_link_used(*, link: CreatorLink, action: str, address: str | None = None, user_agent: str = "") -> None:
    """Log one use of a link (what, when, from where) for the manager's panel and the audit."""
    now = timezone.now()
    CreatorLinkUse.objects.create(
        link=link, action=action, at=now, address=address or None, user_agent=(user_agent or "")[:300]
    )
    CreatorLink.objects.filter(pk=link.pk).update(last_used_at=now)
    link.last_used_at = now
