"""Sealed secrets: unreadable in the database, opened with any configured key, sealed with the
first (rotation), and a clear error — never the token — when no key opens one."""

import pytest
from cryptography.fernet import Fernet

from crm import sealed


def test_a_sealed_value_is_not_the_value_and_opens_again(settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = sealed.seal_dict({"password": "hunter2-app-password"})
    assert "hunter2" not in token
    assert sealed.open_dict(token) == {"password": "hunter2-app-password"}


def test_rotation_opens_old_values_and_reseals_them_under_the_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    token = sealed.seal("secret")
    settings.ENCRYPTION_KEYS = [new, old]
    assert sealed.open_sealed(token) == "secret"
    resealed = sealed.reseal(token)
    settings.ENCRYPTION_KEYS = [new]
    assert sealed.open_sealed(resealed) == "secret"
    with pytest.raises(sealed.SealBroken) as broken:
        sealed.open_sealed(token)
    assert token not in str(broken.value) and "ENCRYPTION_KEYS" in str(broken.value)


def test_without_keys_the_key_comes_from_the_secret_key(settings):
    settings.ENCRYPTION_KEYS = []
    token = sealed.seal("x")
    settings.SECRET_KEY = "another-secret-key-" * 3
    with pytest.raises(sealed.SealBroken):
        sealed.open_sealed(token)


@pytest.mark.django_db
def test_reseal_secrets_moves_every_sender_to_the_first_key(settings, org_a):
    from django.core.management import call_command

    from partnerships.models.outreach import Sender

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    sender = Sender(organization=org_a, channel="email", address="a@b.example")
    sender.seal({"password": "pw"})
    sender.save()
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("reseal_secrets")
    settings.ENCRYPTION_KEYS = [new]
    sender.refresh_from_db()
    assert sender.secrets == {"password": "pw"}
