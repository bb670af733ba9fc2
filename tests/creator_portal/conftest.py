"""Fixtures of the creator-portal tests: an agreement on offer, a link to it and a page client."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client

from partnerships.creator_portal.links import creator_link_issue
from partnerships.models import Agreement, AgreementStatus, CompensationType, FeeSchedule, ReviewRights, UsageRights


def make_offer(partnership, **terms) -> Agreement:
    values = dict(
        status=AgreementStatus.SENT, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
        compensation_type=CompensationType.FLAT_FEE, compensation_amount=Decimal("500"), currency="EUR",
        fee_schedule=FeeSchedule.ON_SIGNATURE, payment_terms_days=30,
        brief_goals="Show how the inks behave on cheap paper.", brief_will_not_ask="No scripts, no talking points.",
        brand_review_rights=ReviewRights.FACTUAL_CHECK, disclosure_required=True, disclosure_method="First line",
        disclosure_phrase="#ad", usage_rights=UsageRights.ORGANIC_RESHARE, usage_rights_days=90,
        notes="INTERNAL: we would go to 800 if pushed.",
    )  # fmt: skip
    values.update(terms)
    return Agreement.objects.create(partnership=partnership, **values)


@pytest.fixture
def offer(partnership_a):
    return make_offer(partnership_a)


@pytest.fixture
def issued(partnership_a, manager_a, offer):
    """(link, token) for partnership A's creator."""
    return creator_link_issue(partnership=partnership_a, actor=manager_a)


@pytest.fixture
def creator_client(issued):
    """A browser that opened the creator's link (CSRF checked, as a real one is)."""
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Phone/1.0")
    response = client.get(f"/c/{issued[1]}/")
    assert response.status_code == 302
    return client


def csrf_post(client: Client, url: str, data: dict):
    """POST as the page's form does: with the CSRF token the page gave."""
    page = client.get("/creator/")
    token = page.cookies.get(django_settings.CSRF_COOKIE_NAME) or client.cookies[django_settings.CSRF_COOKIE_NAME]
    return client.post(url, {**data, "csrfmiddlewaretoken": token.value})
