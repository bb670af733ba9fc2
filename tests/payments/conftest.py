"""Fixtures for the ledger: a referral link on partnership_a and a way to record sales on it."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from partnerships.models import Agreement, ReferralEvent, ReferralEventKind, ReferralLink


@pytest.fixture
def link_a(partnership_a):
    return ReferralLink.objects.create(
        partnership=partnership_a, code="ivy", destination_url="https://inkwell.example/"
    )


@pytest.fixture
def sell(link_a):
    """Record a sale at a local wall-clock time (the project's TIME_ZONE at the moment of the call)."""
    counter = iter(range(1, 10_000))

    def record(when: str, amount: str, currency: str = "USD", link=None):
        at = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        return ReferralEvent.objects.create(
            link=link or link_a, kind=ReferralEventKind.SALE, occurred_at=at, amount=Decimal(amount),
            currency=currency, external_id=f"order-{next(counter)}",
        )  # fmt: skip

    return record


@pytest.fixture
def make_agreement(partnership_a):
    def make(**terms):
        values = dict(partnership=partnership_a, starts_on="2026-01-01", ends_on="2026-06-30", status="signed",
                      signed_on="2025-12-20", compensation_type="flat_fee", compensation_amount=Decimal("900.00"),
                      currency="USD")  # fmt: skip
        agreement = Agreement.objects.create(**values | terms)
        agreement.refresh_from_db()  # dates and decimals as the database gives them back
        return agreement

    return make
