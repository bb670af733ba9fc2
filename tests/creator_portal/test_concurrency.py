"""Twenty identical requests at once change things once: accepting (one signature), proposing
(one proposal), making a link (one live link). Each call runs in its own thread with its own
database connection, released together by a barrier, on PostgreSQL (row locks decide the order)."""

from __future__ import annotations

import pytest

from partnerships.creator_portal.acceptance import agreement_accept, counter_proposal_create
from partnerships.creator_portal.links import creator_link_issue
from partnerships.creator_portal.terms import terms_sha256
from partnerships.models import Activity, AgreementAcceptance, AgreementStatus, CounterProposal, CreatorLink
from tests.concurrency import TIMES, at_once, require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    require_postgresql()


def test_twenty_identical_accepts_make_one_signature(issued, offer):
    link, _ = issued
    digest = terms_sha256(offer)
    results = at_once(
        lambda: agreement_accept(
            link=link,
            agreement=type(offer).objects.get(pk=offer.pk),
            full_name="Ivy Lambert",
            terms_sha256=digest,
            address="203.0.113.9",
            user_agent="Phone",
        )  # fmt: skip
    )
    assert all(isinstance(result, AgreementAcceptance) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert AgreementAcceptance.objects.count() == 1
    offer.refresh_from_db()
    assert offer.status == AgreementStatus.SIGNED
    assert Activity.objects.filter(summary__startswith="The creator accepted the terms").count() == 1
    assert link.uses.filter(action="accepted").count() == 1


def test_twenty_identical_proposals_make_one(issued, offer):
    link, _ = issued
    changes = [{"term": "usage_rights", "value": "none", "note": ""}]
    results = at_once(
        lambda: counter_proposal_create(
            link=link, agreement=type(offer).objects.get(pk=offer.pk), changes=changes, note="Please"
        )
    )
    assert all(isinstance(result, CounterProposal) for result in results), results
    assert CounterProposal.objects.count() == 1
    assert Activity.objects.filter(summary="The creator proposed a change to the terms").count() == 1


def test_twenty_managers_making_a_link_at_once_leave_one_live_link(partnership_a, manager_a):
    results = at_once(
        lambda: creator_link_issue(partnership=type(partnership_a).objects.get(pk=partnership_a.pk), actor=manager_a)
    )
    assert all(isinstance(result, tuple) for result in results), results
    assert CreatorLink.objects.filter(partnership=partnership_a, revoked_at__isnull=True).count() == 1
    assert CreatorLink.objects.filter(partnership=partnership_a).count() == TIMES


def test_twenty_identical_accepts_through_the_page_make_one_signature(creator_client, offer):
    from django.test import Client

    cookie = creator_client.cookies["creator_link"].value
    body = {"agreement": offer.pk, "terms_sha256": terms_sha256(offer), "full_name": "Ivy Lambert"}

    def post():
        client = Client()  # CSRF is the page tests' concern: here, twenty tabs sending one form
        client.cookies["creator_link"] = cookie
        client.cookies["creator_link"]["path"] = "/creator/"
        return client.post("/creator/accept/", body).status_code

    codes = at_once(post)
    assert codes == [302] * TIMES, codes
    assert AgreementAcceptance.objects.count() == 1
    assert Activity.objects.filter(summary__startswith="The creator accepted the terms").count() == 1
