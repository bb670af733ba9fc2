"""manage.py creator_link: an operator makes (or stops) a creator's private link from the shell."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from partnerships.models import CreatorLink

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("creator_link", *args, stdout=out)
    return out.getvalue()


def test_the_link_printed_opens_the_creators_page_and_a_new_one_replaces_it(partnership_a):
    first = run(str(partnership_a.pk), "--days", "7").split(": ", 1)[1].split()[0]
    assert "/c/" in first and CreatorLink.objects.get().token_hash not in first  # the token, not its hash
    path = "/c/" + first.split("/c/", 1)[1]
    assert Client().get(path).status_code == 302  # exchanged for the portal cookie
    second = run(str(partnership_a.pk)).split(": ", 1)[1].split()[0]
    assert second != first and CreatorLink.objects.filter(revoked_at__isnull=True).count() == 1
    assert Client().get("/c/" + first.split("/c/", 1)[1]).status_code == 404  # the earlier one stopped


def test_revoke_and_refusals(partnership_a):
    assert "has no live link" in run(str(partnership_a.pk), "--revoke")
    run(str(partnership_a.pk))
    assert "no longer works" in run(str(partnership_a.pk), "--revoke")
    assert not CreatorLink.objects.filter(revoked_at__isnull=True).exists()
    with pytest.raises(CommandError, match="No partnership 999999"):
        run("999999")
    with pytest.raises(CommandError, match="1 to 365 days"):
        run(str(partnership_a.pk), "--days", "0")
