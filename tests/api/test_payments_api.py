"""/api/v1/payments/: the ledger read and acted on through the API; the payment.due webhook."""

import json
import threading
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import WebhookDelivery
from api.webhooks import verify, webhook_subscription_create
from partnerships.models import Activity, Agreement, Partnership, PaymentStatus
from partnerships.payments.services import payments_schedule
from partnerships.payments.tasks import payments_daily

D = Decimal
URL = "/api/v1/payments/"


def client_with(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def write_a(org_a):
    return client_with(api_key_create(organization=org_a, scope="write")[1])


@pytest.fixture
def read_a(org_a):
    return client_with(api_key_create(organization=org_a, scope="read")[1])


@pytest.fixture
def ledger(partnership_a, partnership_b):
    """Partnership A: a monthly fee (January to March 2026 written); partnership B (another
    organization): a fee on signature."""
    monthly = Agreement.objects.create(
        partnership=partnership_a, starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31), status="signed",
        signed_on=date(2025, 12, 20), compensation_type="flat_fee", compensation_amount=D("100.00"),
        fee_schedule="monthly", payment_terms_days=15,
    )  # fmt: skip
    payments_schedule(agreement=monthly, today=date(2026, 3, 5))
    other = Agreement.objects.create(
        partnership=partnership_b, starts_on=date(2026, 1, 1), status="signed", signed_on=date(2026, 1, 1),
        compensation_type="flat_fee", compensation_amount=D("50.00"),
    )  # fmt: skip
    payments_schedule(agreement=other, today=date(2026, 1, 2))
    return monthly


@pytest.mark.django_db
def test_the_list_is_the_callers_organizations_and_filters(read_a, ledger, partnership_a):
    body = read_a.get(URL).json()
    assert [p["key"] for p in body["results"]] == ["month:2026-01", "month:2026-02", "month:2026-03"]
    first = body["results"][0]
    assert (first["amount"], first["currency"], first["due_on"], first["status"]) == (
        "100.00",
        "USD",
        "2026-02-15",
        "due",
    )
    assert (first["partnership"], first["brand"], first["overdue"]) == (partnership_a.pk, partnership_a.brand_id, True)
    february = ledger.payments.get(key="month:2026-02")
    february.status = PaymentStatus.PAID
    february.paid_on, february.reference = date(2026, 3, 1), "TR-2"
    february.save()
    keys = lambda query: [p["key"] for p in read_a.get(URL + query).json()["results"]]  # noqa: E731
    assert keys("?status=paid") == ["month:2026-02"]
    assert keys("?overdue=true") == ["month:2026-01", "month:2026-03"]
    assert keys("?overdue=false") == ["month:2026-02"]
    assert keys("?due_before=2026-03-15") == ["month:2026-01"]
    assert keys("?due_after=2026-03-15") == ["month:2026-03"]
    assert keys(f"?agreement={ledger.pk}&partnership={partnership_a.pk}&brand={partnership_a.brand_id}") == [
        "month:2026-01", "month:2026-02", "month:2026-03",
    ]  # fmt: skip
    other = Partnership.objects.exclude(pk=partnership_a.pk).get()
    assert keys(f"?partnership={other.pk}") == []  # another organization's: not there
    assert read_a.get(f"{URL}{other.agreements.get().payments.get().pk}/").status_code == 404
    for bad in ("?due_before=tomorrow", "?status=owed", "?brand=x", "?overdue=perhaps"):
        answer = read_a.get(URL + bad)
        assert answer.status_code == 400 and bad[1:].split("=")[0] in answer.json(), bad


@pytest.mark.django_db
def test_approve_pay_and_cancel_through_the_api(write_a, read_a, ledger):
    january, february, march = ledger.payments.order_by("due_on")
    assert read_a.post(f"{URL}{january.pk}/approve/").status_code == 403  # a read-only key
    answer = write_a.post(f"{URL}{january.pk}/approve/")
    assert (answer.status_code, answer.json()["status"]) == (200, "approved")
    assert write_a.post(f"{URL}{january.pk}/approve/").json()["status"] == "approved"  # again: the same, once
    assert Activity.objects.filter(summary__startswith="Payment approved").count() == 1

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    refusals = (
        ({"paid_on": tomorrow, "reference": "TR"}, "paid_on"), ({"reference": "TR"}, "paid_on"),
        ({"paid_on": "2026-02-30", "reference": "TR"}, "paid_on"), ({"paid_on": "2026-03-01"}, "reference"),
        ({"paid_on": "2026-03-01", "reference": " "}, "reference"),
    )  # fmt: skip
    for body, field in refusals:
        answer = write_a.post(f"{URL}{january.pk}/pay/", body, format="json")
        assert answer.status_code == 400 and list(answer.json()) == [field], (body, answer.json())
    paid = {"paid_on": "2026-03-01", "reference": "TR-1"}
    answer = write_a.post(f"{URL}{january.pk}/pay/", paid, format="json")
    assert (answer.status_code, answer.json()["paid_on"], answer.json()["reference"]) == (200, "2026-03-01", "TR-1")
    assert write_a.post(f"{URL}{january.pk}/pay/", paid, format="json").status_code == 200  # a retry: once
    assert Activity.objects.filter(summary__startswith="Payment made").count() == 1
    conflict = write_a.post(f"{URL}{january.pk}/pay/", {"paid_on": "2026-03-02", "reference": "TR-9"}, format="json")
    assert conflict.status_code == 409 and "final" in conflict.json()["status"][0]
    assert write_a.post(f"{URL}{january.pk}/cancel/", {"reason": "oops"}, format="json").status_code == 409

    assert list(write_a.post(f"{URL}{february.pk}/cancel/", {}, format="json").json()) == ["reason"]
    answer = write_a.post(f"{URL}{february.pk}/cancel/", {"reason": "Paid by the agency"}, format="json")
    assert (answer.json()["status"], answer.json()["cancelled_reason"]) == ("cancelled", "Paid by the agency")
    assert write_a.post(f"{URL}{february.pk}/approve/").status_code == 409

    # The Idempotency-Key of every POST holds here too: the same key and body answer the first answer.
    headers = {"HTTP_IDEMPOTENCY_KEY": "pay-march-1"}
    first = write_a.post(f"{URL}{march.pk}/pay/", {"paid_on": "2026-03-04", "reference": "TR-3"}, format="json",
                         **headers)  # fmt: skip
    again = write_a.post(f"{URL}{march.pk}/pay/", {"paid_on": "2026-03-04", "reference": "TR-3"}, format="json",
                         **headers)  # fmt: skip
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_another_organizations_payment_cannot_be_acted_on(org_b, ledger):
    write_b = client_with(api_key_create(organization=org_b, scope="write")[1])
    january = ledger.payments.order_by("due_on").first()
    assert write_b.post(f"{URL}{january.pk}/approve/").status_code == 404
    january.refresh_from_db()
    assert january.status == PaymentStatus.DUE


@pytest.mark.django_db
def test_the_schema_documents_the_payments_endpoints(read_a):
    schema = read_a.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {"/api/v1/payments/", "/api/v1/payments/{id}/", "/api/v1/payments/{id}/approve/",
            "/api/v1/payments/{id}/pay/", "/api/v1/payments/{id}/cancel/"} <= set(paths)  # fmt: skip
    names = {p["name"] for p in paths["/api/v1/payments/"]["get"]["parameters"]}
    assert {"status", "partnership", "agreement", "brand", "due_before", "due_after", "overdue"} <= names
    assert {"200", "400", "403", "404", "409"} <= set(paths["/api/v1/payments/{id}/pay/"]["post"]["responses"])
    assert "payment.due" in json.dumps(schema["components"]["schemas"]["WebhookEventEnum"])


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it receives (as tests/api/test_webhooks.py)."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.received.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.django_db(transaction=True)
def test_payment_due_is_delivered_once_per_payment(org_a, org_b, partnership_a):
    receiver = Receiver()
    try:
        subscription, secret = webhook_subscription_create(organization=org_a, url=receiver.url, events=["payment.due"])
        webhook_subscription_create(organization=org_b, url=receiver.url, events=[])  # another organization's
        agreement = Agreement.objects.create(
            partnership=partnership_a, starts_on=date(2026, 1, 1), status="signed", signed_on=date(2026, 1, 1),
            compensation_type="flat_fee", compensation_amount=D("250.00"), payment_terms_days=10,
        )  # fmt: skip
        payments_daily()
        payments_daily()  # the next day's run: told already
    finally:
        receiver.server.shutdown()
    [(headers, body)] = receiver.received
    assert headers["X-Webhook-Event"] == "payment.due" and verify(secret, headers["X-Webhook-Signature"], body)
    data = json.loads(body)["data"]
    payment = agreement.payments.get()
    assert data["payment"] == {
        "id": payment.pk, "agreement": agreement.pk, "partnership": partnership_a.pk, "kind": "flat_fee",
        "key": "signature", "description": "Flat fee, on signature", "amount": "250.00", "currency": "USD",
        "due_on": "2026-01-11", "status": "due", "period_start": None, "period_end": None,
    }  # fmt: skip
    assert data["partnership"]["id"] == partnership_a.pk
    assert WebhookDelivery.objects.get().subscription == subscription
    assert payment.due_told_at is not None
