"""Creating, finding and revoking API keys (the one place each happens).

A key reads ``crm_<prefix>_<secret>``: the prefix finds the row, the secret is checked against a
SHA-256 hash (a 256-bit random secret needs no slow hash: nothing to guess), compared in constant
time. The plain key is shown once, when it is created, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from api.models import ApiKey, Scope
from crm.models import Organization

KEY_START = "crm_"
# A key's last use is written at most this often: not one UPDATE per request.
LAST_USED_EVERY = timedelta(minutes=5)
CACHED_FOR = 60  # seconds


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, organization: Organization, scope: str = Scope.READ, name: str = "", created_by=None
) -> tuple[ApiKey, str]:
    """A new key for ``organization``; returns it and the plain key, which is never shown again."""
    if scope not in Scope.values:
        raise ValidationError({"scope": f"Scope must be one of {', '.join(Scope.values)}."})
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(organization=organization, scope=scope, name=name[:200], prefix=prefix, secret_hash=_hash(secret))
    key._history_user = created_by
    key.created_by = created_by
    key.save()
    return key, f"{KEY_START}{prefix}_{secret}"


def _cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


@sensitive_variables("plain", "secret")  # an error report never shows a key in clear
def api_key_find(plain: str) -> ApiKey | None:
    """The active key ``plain`` stands for, or None (malformed, unknown, revoked or wrong secret).

    Keys are kept in the cache for a minute (a database query less per request); revoking one
    removes it from the cache, so with a shared cache (``CACHE_URL``) it stops at once, and with
    each process's own cache within a minute.
    """
    if not plain.startswith(KEY_START) or plain.count("_") < 2:
        return None
    prefix, _, secret = plain[len(KEY_START) :].partition("_")
    key = cache.get(_cache_key(prefix))
    if key is None:
        key = ApiKey.objects.select_related("organization").filter(prefix=prefix, revoked_at__isnull=True).first()
        if key is not None:
            cache.set(_cache_key(prefix), key, CACHED_FOR)
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        cache.set(_cache_key(prefix), key, CACHED_FOR)
    return key


def api_key_revoke(*, key: ApiKey, actor=None) -> ApiKey:
    """Stop a key working at once (kept, with its history, for the record)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key._history_user = actor
        key.save(update_fields=["revoked_at"])
    cache.delete(_cache_key(key.prefix))
    return key
