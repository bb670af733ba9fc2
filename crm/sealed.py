"""Secrets the product must use again but nobody may read: senders' passwords, app secrets and
refresh tokens (partnerships.models.outreach.Sender).

Sealed with Fernet (AES-128-CBC with an HMAC-SHA256, from the ``cryptography`` library — not
hand-made crypto) under the keys in ``ENCRYPTION_KEYS``: the first seals, every one opens, so an
operator rotates by putting a new key first and running ``manage.py reseal_secrets``. Without
ENCRYPTION_KEYS (local work, the tests) the key is derived from SECRET_KEY with HKDF.

A sealed value is never shown again: forms take a new one or keep the old, the admin and the API
show only whether one is set, and nothing here logs what it opens.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SealBroken(Exception):
    """A sealed value no configured key opens (ENCRYPTION_KEYS changed without the old key)."""


def _derived_key(secret_key: str) -> bytes:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"crm sealed secrets v1")
    return base64.urlsafe_b64encode(material.derive(secret_key.encode()))


def _box() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS) or [_derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key) for key in keys])


def seal(text: str) -> str:
    return _box().encrypt(text.encode()).decode("ascii")


def open_sealed(token: str) -> str:
    try:
        return _box().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        # Says which setting to look at, never the token or any part of a key.
        raise SealBroken(
            "A stored secret cannot be opened with the keys in ENCRYPTION_KEYS: was a key removed? "
            "Enter the password again."
        ) from error


def reseal(token: str) -> str:
    """The same secret sealed under the first key (for rotation)."""
    return _box().rotate(token.encode("ascii")).decode("ascii")


def seal_dict(values: dict[str, str]) -> str:
    return seal(json.dumps(values, sort_keys=True))


def open_dict(token: str) -> dict[str, str]:
    return json.loads(open_sealed(token))
