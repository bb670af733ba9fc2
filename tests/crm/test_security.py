"""Sign-in throttling and lock-out, and the content security policy every answer carries."""

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

LOGIN = "/admin/login/"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/pipeline/"})


@pytest.mark.django_db
def test_five_failed_sign_ins_lock_that_username_from_that_address_until_unlocked(client, manager_a, viewer_a):
    for _ in range(4):
        assert sign_in(client, "manager-a", "wrong").status_code == 200  # the form again, with its error
    locked = sign_in(client, "manager-a", "wrong")  # the fifth
    assert locked.status_code == 429 and b"Signing in is paused" in locked.content
    again = sign_in(client, "manager-a", "pw")  # even the right password, meanwhile
    assert again.status_code == 429 and not again.wsgi_request.user.is_authenticated
    assert AccessAttempt.objects.get(username="manager-a").failures_since_start == 6

    assert sign_in(client, "viewer-a", "pw").status_code == 302  # another username from the same address
    other_address = sign_in(client.__class__(REMOTE_ADDR="203.0.113.9"), "manager-a", "pw")
    assert other_address.status_code == 302  # the same username elsewhere: its owner is not locked out

    reset(username="manager-a")  # what "delete" on the admin's Access attempts does
    assert sign_in(client, "manager-a", "pw").status_code == 302


@pytest.mark.django_db
def test_a_lock_out_ends_by_itself_after_the_cool_off(client, manager_a, settings):
    from datetime import timedelta

    for _ in range(5):
        sign_in(client, "manager-a", "wrong")
    assert sign_in(client, "manager-a", "pw").status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    assert sign_in(client, "manager-a", "pw").status_code == 302


def directives_of(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.django_db
def test_every_answer_carries_the_content_security_policy(client, manager_a):
    client.force_login(manager_a)
    for path in ("/pipeline/", reverse("admin:index"), "/api/v1/creators/", LOGIN):
        directives = directives_of(client.get(path)["Content-Security-Policy"])
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'", path
    docs = directives_of(client.get("/api/v1/docs/")["Content-Security-Policy"])
    assert docs["style-src"] == "'self' 'unsafe-inline'" and docs["script-src"] == "'self'"  # Swagger UI's styles only
