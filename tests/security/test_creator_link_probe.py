"""A probe of the creator's private link (issue 21): a bad link tells nothing (the same 404 page,
the same queries, whatever was wrong with it), a good one shows its partnership only — no other
partnership of the same creator, no other creator, no internal note, nothing of other
organizations — and the token never reaches a log."""

from __future__ import annotations

import logging
import logging.config
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401

from influencers.models import Creator
from partnerships.creator_portal.links import creator_link_issue, creator_link_revoke
from partnerships.creator_portal.log_redaction import with_hidden_creator_tokens
from partnerships.creator_portal.terms import terms_sha256
from partnerships.models import CreatorLink, CreatorNote, Deliverable, Partnership, Payment, ReferralLink, Stage
from tests.creator_portal.conftest import (
    csrf_post,
    make_offer,
)

pytestmark = pytest.mark.django_db

SECRETS = (
    "SECRET-AGREEMENT-NOTE", "SECRET-PARTNERSHIP-NOTE", "SECRET-CREATOR-NOTE", "SECRET-OTHER-DELIVERABLE",
    "Ridgeline", "Agency B", "Brand Team A", "Olive Other", "SECRET-OTHER-TERMS", "ivy-elsewhere",
    "SECRET-OTHER-PAYMENT",
)  # fmt: skip


@pytest.fixture
def world(partnership_a, partnership_b, brand_a, org_a, manager_a, creator):
    """Ivy's partnership with Inkwell (organization A, the link's), her partnership with Ridgeline
    (organization B) and another creator's with Inkwell, each with notes the link must not show."""
    partnership_a.notes = "SECRET-PARTNERSHIP-NOTE"
    partnership_a.save()
    offer = make_offer(partnership_a, notes="SECRET-AGREEMENT-NOTE")
    CreatorNote.objects.create(organization=org_a, creator=creator, note="SECRET-CREATOR-NOTE")
    Deliverable.objects.create(partnership=partnership_a, agreement=offer, title="Ink review")
    other_terms = make_offer(partnership_b, brief_goals="SECRET-OTHER-TERMS")
    Deliverable.objects.create(partnership=partnership_b, title="SECRET-OTHER-DELIVERABLE")
    ReferralLink.objects.create(partnership=partnership_b, code="ivy-elsewhere", destination_url="https://r.example/")
    Payment.objects.create(agreement=other_terms, kind="flat_fee", key="signature", description="SECRET-OTHER-PAYMENT",
                           amount=1, currency="USD", due_on=timezone.localdate())  # fmt: skip
    olive = Creator.objects.create(display_name="Olive Other")
    theirs = Partnership.objects.create(brand=brand_a, creator=olive, stage=Stage.OBSERVING)
    make_offer(theirs, brief_goals="SECRET-OTHER-TERMS")
    creator_link_issue(partnership=partnership_b, actor=None)  # Ivy's link to the other partnership
    link, token = creator_link_issue(partnership=partnership_a, actor=manager_a)
    return link, token, offer


def _bad_links(world, manager_a) -> dict[str, str]:
    """A token of each kind that must not work, made on their own partnerships (one at a time)."""
    link, token, _ = world
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    expired_link, expired = creator_link_issue(partnership=link.partnership, actor=manager_a)
    CreatorLink.objects.filter(pk=expired_link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return {"unknown": "x" * 43, "altered": altered, "expired": expired}


def test_every_bad_link_answers_the_same_404_page_with_the_same_queries(world, manager_a):
    link, token, _ = world
    bad = _bad_links(world, manager_a)  # makes a new link: the world's is revoked
    assert CreatorLink.objects.get(pk=link.pk).revoked_at is not None
    bad["revoked"] = token
    answers = {}
    for kind, candidate in bad.items():
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(f"/c/{candidate}/")
        answers[kind] = (response.status_code, response.content, len(queries), response["Cache-Control"])
    for kind in ("no cookie", "forged cookie"):
        client = Client()
        if kind == "forged cookie":
            client.cookies["creator_link"] = "eyJsaW5rIjoxfQ:forged:signature"
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/creator/")
        answers[kind] = (response.status_code, response.content, len(queries), response["Cache-Control"])
    first = answers["unknown"]
    assert first[0] == 404 and b"This link does not work" in first[1] and first[2] == 1
    assert all(answer == first for answer in answers.values()), {k: (a[0], a[2]) for k, a in answers.items()}


def test_a_link_shows_its_partnership_and_nothing_else(world):
    link, token, offer = world
    client = Client(enforce_csrf_checks=True)
    client.get(f"/c/{token}/")
    pages = [client.get("/creator/")]
    pages.append(
        csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": "0" * 64, "full_name": "x"})
    )
    pages.append(csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": "usage_rights", "value": "?"}))
    pages.append(csrf_post(client, "/creator/hand-in/", {"title": "", "url": "nope"}))
    for response in pages:
        body = response.content.decode()
        assert "Inkwell" in body and "Ivy Lambert" in body and "Ink review" in body
        leaked = [secret for secret in SECRETS if secret in body]
        assert leaked == [], (response.status_code, leaked)


def test_a_link_cannot_reach_another_partnerships_records(world, partnership_b):
    link, token, offer = world
    client = Client(enforce_csrf_checks=True)
    client.get(f"/c/{token}/")
    theirs = partnership_b.agreements.get()
    accepted = csrf_post(
        client, "/creator/accept/", {"agreement": theirs.pk, "terms_sha256": terms_sha256(theirs), "full_name": "Ivy"}
    )
    assert accepted.status_code == 400 and "There is no such proposal behind this link." in accepted.content.decode()
    proposed = csrf_post(client, "/creator/propose/", {"agreement": theirs.pk, "term": "usage_rights", "value": "none"})
    assert proposed.status_code == 400
    other_piece = partnership_b.deliverables.get()
    handed = csrf_post(client, "/creator/hand-in/", {"deliverable": other_piece.pk, "url": "https://x.example/a"})
    assert handed.status_code == 404
    assert csrf_post(client, f"/creator/published/{other_piece.pk}/", {"url": ""}).status_code == 404
    theirs.refresh_from_db()
    other_piece.refresh_from_db()
    assert theirs.status == "sent" and not theirs.counter_proposals.exists() and other_piece.handed_in_at is None


@pytest.fixture
def hidden_tokens_logging():
    """The project's logging with the token filter (crm/settings.py applies it once integrated)."""
    logging.config.dictConfig(with_hidden_creator_tokens(settings.LOGGING))
    yield
    logging.config.dictConfig(settings.LOGGING)


def test_the_token_never_reaches_a_log(world, manager_a, caplog, hidden_tokens_logging):
    link, token, offer = world
    loggers = [
        logging.getLogger(name) for name in ("", "django", "django.request", "django.server", "django.db.backends")
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        with CaptureQueriesContext(connection):  # every SQL statement logged too
            client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Phone")
            client.get(f"/c/{token}/")
            client.get("/creator/")
            csrf_post(client, "/creator/propose/", {"agreement": offer.pk, "term": "usage_rights", "value": "none"})
            csrf_post(client, "/creator/accept/", {"agreement": offer.pk, "terms_sha256": "0" * 64, "full_name": "I"})
            csrf_post(
                client,
                "/creator/accept/",
                {"agreement": offer.pk, "terms_sha256": terms_sha256(offer), "full_name": "Ivy"},
            )
            csrf_post(
                client, "/creator/hand-in/", {"title": "Extra", "url": "https://blog.example/x", "disclosed": "on"}
            )
            Client().get(f"/c/{token}x/")  # a 404: Django's request logger writes the path
            Client().post(f"/c/{token}/")  # a 405
            logging.getLogger("django.server").info('"%s" %s %s', f"GET /c/{token}/ HTTP/1.1", "302", "0")
            creator_link_revoke(link=link, actor=manager_a)
            Client().get(f"/c/{token}/")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    messages = [record.getMessage() for record in caplog.records]
    assert any("Not Found: /c/[hidden]/" in message for message in messages), messages[-20:]
    assert any("/c/[hidden]/ HTTP/1.1" in message for message in messages)
    assert len(caplog.records) > 20  # the walk was logged (SQL included), just never the token
    assert [message for message in messages if token in message] == []
    assert [r for r in caplog.records if token in repr(r.__dict__)] == []
