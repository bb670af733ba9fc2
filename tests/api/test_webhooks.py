"""Webhooks: signed deliveries to a receiver on loopback, retries, the log, disabling, isolation."""

import json
import random
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from celery.signals import task_retry
from django.conf import settings
from rest_framework.test import APIClient

from api import tasks
from api.keys import api_key_create
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.tasks import deliver_webhook
from api.webhooks import DeliveryRefused, sign, verify, webhook_subscription_create
from partnerships.models import Agreement, AgreementStatus
from partnerships.services import agreement_create, agreement_update_terms, partnership_move

pytestmark = pytest.mark.django_db(transaction=True)  # deliveries are queued after commit

# Celery waits a whole number of seconds, at least one, before the first retry.
FIRST = max(1, int(settings.WEBHOOK_FIRST_RETRY_SECONDS))


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it receives and answers the queued statuses."""

    def __init__(self):
        self.received, self.answers = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def waits():
    """The wait Celery set before each retry of a delivery, in seconds (its task_retry signal).
    Run in-process, the retries are made at once; a worker waits this long."""
    seen = []

    def record(sender=None, reason=None, **kwargs):
        if sender.name == deliver_webhook.name:
            seen.append(reason.when)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_a_stage_change_is_delivered_signed_and_logged(receiver, org_a, partnership_a, manager_a):
    subscription, secret = webhook_subscription_create(
        organization=org_a, url=receiver.url, events=["partnership.stage_changed"]
    )
    partnership_move(partnership=partnership_a, to_stage="observing", actor=manager_a, note="Lurking first")
    [(headers, body)] = receiver.received
    assert headers["X-Webhook-Event"] == "partnership.stage_changed"
    assert verify(secret, headers["X-Webhook-Signature"], body)
    assert not verify("whsec_wrong", headers["X-Webhook-Signature"], body)
    assert not verify(secret, headers["X-Webhook-Signature"], body + b" ")  # a changed body
    payload = json.loads(body)
    assert payload["data"]["to_stage"] == "observing" and payload["data"]["moved_by"] == "manager-a"
    assert payload["data"]["partnership"]["id"] == partnership_a.pk and payload["organization"] == org_a.slug
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)
    assert str(delivery.event_id) == headers["X-Webhook-Id"] == payload["id"]


def test_an_old_signature_is_refused_as_a_replay():
    body = b'{"event":"x"}'
    header = sign("whsec_s", 1_700_000_000, body)
    assert verify("whsec_s", header, body, now=1_700_000_100)
    assert not verify("whsec_s", header, body, now=1_700_000_000 + 3600)


def test_failures_are_retried_with_backoff_until_the_receiver_answers(receiver, org_a, partnership_a, waits):
    webhook_subscription_create(organization=org_a, url=receiver.url)
    receiver.answers = [500, 503]
    partnership_move(partnership=partnership_a, to_stage="observing")
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 3 and delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    assert len(waits) == 2 and all(0 <= wait <= FIRST * 2**n for n, wait in enumerate(waits)), waits
    ids = {headers["X-Webhook-Id"] for headers, _ in receiver.received}
    assert len(ids) == 1  # the same delivery id on every retry: a receiver can ignore repeats


@pytest.mark.parametrize(
    ("jitter", "expected"),
    [
        (lambda stop: stop - 1, [FIRST * 2**n for n in range(6)]),  # the longest wait jitter allows: doubling
        (lambda stop: 0, [0] * 6),  # the shortest: jitter spans the whole wait (Celery's "full jitter")
    ],
    ids=["longest", "shortest"],
)
def test_a_receiver_that_never_answers_is_retried_six_times_with_doubling_waits_then_failed_for_good(
    receiver, org_a, partnership_a, waits, monkeypatch, jitter, expected
):
    subscription, _ = webhook_subscription_create(organization=org_a, url=receiver.url)
    receiver.answers = [500] * 1000
    monkeypatch.setattr(random, "randrange", jitter)  # what Celery draws the jittered wait with
    partnership_move(partnership=partnership_a, to_stage="observing")
    monkeypatch.undo()
    assert waits == expected  # 30, 60, 120, 240, 480, 960 s at most: about half an hour in all
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (DeliveryStatus.FAILED, 7, 7)
    assert delivery.last_error == "failed: answered 500"
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1 and subscription.is_active


def test_an_address_the_outbound_policy_refuses_is_never_retried(org_a, partnership_a, waits, monkeypatch):
    subscription, _ = webhook_subscription_create(organization=org_a, url="https://hooks.example.com/in")
    tried = []

    def refused(delivery):
        tried.append(delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1, last_error="refused: a private address")
        raise DeliveryRefused("the address resolves to a private network")

    monkeypatch.setattr(tasks, "deliver", refused)
    partnership_move(partnership=partnership_a, to_stage="observing")
    delivery = WebhookDelivery.objects.get()
    assert tried == [delivery.pk] and waits == []
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "refused: a private address")
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


def test_a_delivery_that_breaks_unexpectedly_is_not_left_pending(org_a, partnership_a, waits, monkeypatch):
    webhook_subscription_create(organization=org_a, url="https://hooks.example.com/in")

    def broken(delivery):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tasks, "deliver", broken)
    partnership_move(partnership=partnership_a, to_stage="observing")  # the move itself stands
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED and waits == []


def test_a_subscription_failing_again_and_again_is_disabled_and_says_why(receiver, org_a, partnership_a):
    subscription, _ = webhook_subscription_create(organization=org_a, url=receiver.url)
    receiver.answers = [500] * 1000
    for stage in ("observing", "engaging", "observing", "engaging", "observing"):
        partnership_move(partnership=partnership_a, to_stage=stage)
    subscription.refresh_from_db()
    assert not subscription.is_active and "5 deliveries failed in a row" in subscription.disabled_reason
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 5
    assert all(d.attempts == 7 for d in WebhookDelivery.objects.all())  # the first try and 6 retries
    partnership_move(partnership=partnership_a, to_stage="engaging")
    assert WebhookDelivery.objects.count() == 5  # nothing more is sent to a disabled subscription


def test_agreement_events_and_another_organizations_subscription_hears_nothing(
    receiver, org_a, org_b, partnership_a, manager_a
):
    other = Receiver()
    try:
        webhook_subscription_create(
            organization=org_a, url=receiver.url, events=["agreement.created", "agreement.updated"]
        )
        webhook_subscription_create(organization=org_b, url=other.url)
        # Sent, not yet signed: a signed agreement's terms never change (a change is a new version).
        agreement = agreement_create(
            partnership=partnership_a, actor=manager_a, starts_on=date(2026, 1, 1), status=AgreementStatus.SENT
        )
        agreement_update_terms(agreement=agreement, actor=manager_a, usage_rights_days=90)
        partnership_move(partnership=partnership_a, to_stage="observing")  # not subscribed to by org A
        events = [headers["X-Webhook-Event"] for headers, _ in receiver.received]
        assert events == ["agreement.created", "agreement.updated"]
        updated = json.loads(receiver.received[1][1])["data"]
        assert updated["changes"] == ["Usage rights days: — → 90"]
        assert updated["agreement"]["creative_control"]["creator_keeps_editorial_control"] is True
        assert other.received == []
    finally:
        other.close()
    assert Agreement.objects.count() == 1


def test_subscriptions_through_the_api_show_the_secret_once_and_keep_a_log(receiver, org_a, org_b, partnership_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, scope='write')[1]}")
    created = client.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["partnership.stage_changed"]},
                          format="json")  # fmt: skip
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    pk = created.json()["id"]
    assert "secret" not in client.get(f"/api/v1/webhooks/{pk}/").json()
    bad = client.post("/api/v1/webhooks/", {"url": "ftp://x", "events": ["nope"]}, format="json")
    assert bad.status_code == 400 and {"url", "events"} <= set(bad.json())
    partnership_move(partnership=partnership_a, to_stage="observing")
    log = client.get(f"/api/v1/webhooks/{pk}/deliveries/").json()["results"]
    assert [d["status"] for d in log] == ["succeeded"]
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_b, scope='write')[1]}")
    assert intruder.get(f"/api/v1/webhooks/{pk}/deliveries/").status_code == 404
    assert intruder.patch(f"/api/v1/webhooks/{pk}/", {"is_active": False}, format="json").status_code == 404
    assert WebhookSubscription.objects.get(pk=pk).is_active


def test_deleting_a_subscription_goes_through_the_service_and_names_who_did_it(
    receiver, org_a, org_b, partnership_a, manager_a
):
    by_key, _ = webhook_subscription_create(organization=org_a, url=receiver.url)
    by_person, _ = webhook_subscription_create(organization=org_a, url=receiver.url + "/2")
    partnership_move(partnership=partnership_a, to_stage="observing")  # a delivery in each log
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, scope='write')[1]}")
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_b, scope='write')[1]}")
    assert intruder.delete(f"/api/v1/webhooks/{by_key.pk}/").status_code == 404
    assert key.delete(f"/api/v1/webhooks/{by_key.pk}/").status_code == 204
    person = APIClient()
    person.force_login(manager_a)
    assert person.delete(f"/api/v1/webhooks/{by_person.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    deleted = {entry.id: entry.history_user for entry in WebhookSubscription.history.filter(history_type="-")}
    assert deleted == {by_key.pk: None, by_person.pk: manager_a}  # an API key is no user: the history names none


def test_the_api_docs_verification_example_accepts_what_we_sign():
    import re
    import time
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    example = re.search(r"```python\n(import hashlib, hmac, time.*?)```", docs, re.S).group(1)
    namespace = {}
    exec(example, namespace)  # noqa: S102 - our own documentation's code
    body = b'{"event":"partnership.stage_changed"}'
    header = sign("whsec_example", int(time.time()), body)
    assert namespace["verify"]("whsec_example", header, body)
    assert not namespace["verify"]("whsec_other", header, body)
    assert not namespace["verify"]("whsec_example", sign("whsec_example", int(time.time()) - 3600, body), body)
