"""Twenty identical requests at once change things once (issue 17, item 8).

Each request runs in its own thread with its own database connection, all released together by a
barrier, against PostgreSQL (what production runs: row locks and unique constraints decide who
goes first). Before the fix, creating one partnership answered 500 eleven times, one move wrote
twelve timeline entries and twelve webhooks, and completing a task wrote five "Done" entries.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import webhook_subscription_create
from partnerships.models import Activity, ActivityKind, CommunityStance, Partnership, ReferralLink, Stage, Task
from tests import concurrency

TIMES = 20

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrent requests need PostgreSQL (SQLite runs one write at a time): .ci/run runs these with "
            "DATABASE_URL set to PostgreSQL."
        )


@pytest.fixture
def key_a(org_a):
    return api_key_create(organization=org_a, scope="write")[1]


def at_once(key: str, method: str, url: str, body: dict | None = None) -> Counter:
    """Send the same request ``TIMES`` times at the same moment; the status codes counted."""

    def send() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return getattr(client, method)(url, body, format="json").status_code

    return Counter(concurrency.at_once(send, TIMES))


def test_creating_the_same_partnership_twenty_times_creates_one(key_a, brand_a, creator):
    codes = at_once(key_a, "post", "/api/v1/partnerships/", {"brand": brand_a.pk, "creator": creator.pk})
    assert codes == Counter({201: 1, 409: TIMES - 1}), codes
    assert Partnership.objects.filter(brand=brand_a, creator=creator).count() == 1
    assert Activity.objects.filter(partnership__brand=brand_a, summary="Added to the pipeline").count() == 1


def test_one_move_sent_twenty_times_is_one_move_one_entry_one_webhook(key_a, org_a, partnership_a):
    webhook_subscription_create(
        organization=org_a, url="https://hooks.example.com/in", events=[WebhookEvent.PARTNERSHIP_STAGE_CHANGED]
    )
    url = f"/api/v1/partnerships/{partnership_a.pk}/move/"
    codes = at_once(key_a, "post", url, {"stage": "observing", "note": "Watching"})
    assert codes == Counter({200: TIMES}), codes
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OBSERVING
    assert (
        Activity.objects.filter(partnership=partnership_a, kind=ActivityKind.STAGE_CHANGE, to_stage="observing").count()
        == 1
    )
    assert WebhookDelivery.objects.filter(event=WebhookEvent.PARTNERSHIP_STAGE_CHANGED).count() == 1


def test_completing_a_task_twenty_times_notes_it_done_once(key_a, org_a, partnership_a):
    task = Task.objects.create(organization=org_a, partnership=partnership_a, title="Read their last posts")
    codes = at_once(key_a, "post", f"/api/v1/tasks/{task.pk}/complete/")
    assert codes == Counter({200: TIMES}), codes
    assert Activity.objects.filter(partnership=partnership_a, summary="Done: Read their last posts").count() == 1


def test_setting_a_stance_twenty_times_keeps_one_row(key_a, brand_a, community):
    url = f"/api/v1/communities/{community.pk}/stance/"
    codes = at_once(key_a, "post", url, {"brand": brand_a.pk, "stance": "observing", "notes": "Sundays only"})
    assert codes == Counter({200: TIMES}), codes
    stance = CommunityStance.objects.get(brand=brand_a, community=community)
    assert (stance.stance, stance.notes) == ("observing", "Sundays only")


def test_the_same_referral_link_twenty_times_is_one_link(key_a, partnership_a):
    body = {"partnership": partnership_a.pk, "code": "ivy-ink", "destination_url": "https://inkwell.example/"}
    codes = at_once(key_a, "post", "/api/v1/referral-links/", body)
    assert codes[201] == 1 and codes[201] + codes[400] + codes[409] == TIMES, codes
    assert ReferralLink.objects.filter(code="ivy-ink").count() == 1
