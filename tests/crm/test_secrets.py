"""Secrets (API keys, webhook secrets, Reddit credentials) never appear in clear in logs, error
reports or the admin."""

import logging

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from api.keys import api_key_create, api_key_find
from api.models import WebhookDelivery
from api.webhooks import DeliveryFailed, deliver, webhook_emit, webhook_subscription_create
from influencers.models import SyncRun
from tests.api.test_api import client_with
from tests.fakes.reddit import FakeReddit

pytestmark = pytest.mark.django_db


def _secret_of(plain: str) -> str:
    """The secret part of "crm_<prefix>_<secret>" (the secret, from token_urlsafe, may hold "_" itself)."""
    return plain.split("_", 2)[2]


def test_an_error_report_while_checking_a_key_shows_neither_the_key_nor_its_secret(org_a, monkeypatch):
    key, plain = api_key_create(organization=org_a, scope="write")
    request = RequestFactory().get("/api/v1/creators/", HTTP_AUTHORIZATION=f"Bearer {plain}")
    monkeypatch.setattr("api.keys._hash", lambda secret: 1 / 0)  # fail where the secret is in hand
    try:
        api_key_find(plain)
    except ZeroDivisionError:
        import sys

        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    secret = _secret_of(plain)
    assert "api_key_find" in report and secret not in report and plain not in report
    assert "HTTP_AUTHORIZATION" in report  # the header is listed, its value hidden


def test_logs_of_failures_never_hold_a_key_a_webhook_secret_or_reddit_credentials(org_a, caplog, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    caplog.set_level(logging.DEBUG)
    _, plain = api_key_create(organization=org_a, scope="read")
    client_with(plain + "x").get("/api/v1/creators/")  # a wrong key
    client_with(plain).post("/api/v1/partnerships/", {}, format="json")  # a read key writing

    class Refusing(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subscription, webhook_secret = webhook_subscription_create(
            organization=org_a, url=f"http://127.0.0.1:{server.server_address[1]}/hook"
        )
        [delivery] = webhook_emit(event="ranking.completed", data={"ranking_run": 1})
        with pytest.raises(DeliveryFailed):
            deliver(delivery)  # one attempt, refused
    finally:
        server.shutdown()
        server.server_close()
    assert WebhookDelivery.objects.filter(subscription=subscription).exclude(last_error="").exists()

    with FakeReddit() as fake:
        fake.add("POST", "/api/v1/access_token", {"error": "invalid_grant"}, status=401)
        fake.replace("POST", "/api/v1/access_token", {"error": "invalid_grant"}, status=401)
        for name, value in {**fake.environ(), "REDDIT_CLIENT_SECRET": "s3cr3t-reddit-value"}.items():
            monkeypatch.setitem(settings.REDDIT_API, name, value)
        from django.core.management import call_command

        with pytest.raises(SystemExit):
            call_command("ingest", "reddit", "--subreddit", "fountainpens")
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    stored = " ".join(SyncRun.objects.values_list("error", flat=True))
    stored += " ".join(WebhookDelivery.objects.values_list("last_error", flat=True))
    for secret in (plain, _secret_of(plain), webhook_secret, "s3cr3t-reddit-value"):
        assert secret not in logged and secret not in stored
    # What is searched holds the failures, so their lack of secrets means something: both refused API
    # calls, the webhook's refused POST and Reddit's refused token request were logged and stored.
    messages = [record.getMessage() for record in caplog.records]
    assert "Unauthorized: /api/v1/creators/" in messages and "Forbidden: /api/v1/partnerships/" in messages
    assert any('"POST /hook HTTP/1.1" 500' in message for message in messages)
    assert any('"POST /api/v1/access_token HTTP/1.1" 401' in message for message in messages)
    assert "Reddit refused the credentials" in stored and "answered 500" in stored


def test_the_admin_and_the_api_never_show_a_key_or_a_webhook_secret(org_a, client, django_user_model):
    key, plain = api_key_create(organization=org_a, scope="write")
    subscription, webhook_secret = webhook_subscription_create(organization=org_a, url="https://hooks.example.com/x")
    operator = django_user_model.objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    pages = ["/admin/api/apikey/", f"/admin/api/apikey/{key.pk}/change/", f"/admin/api/apikey/{key.pk}/history/"]
    for page in pages:
        response = client.get(page)
        html = response.content.decode()
        assert response.status_code == 200, page
        assert _secret_of(plain) not in html and key.secret_hash not in html, page
    assert f"{key.prefix}…" in client.get(pages[1]).content.decode()  # the key is on the page, its secret not
    # Webhook subscriptions have no admin: the API lists them, and shows the secret only when one is created.
    api = client_with(plain)
    for path in ("/api/v1/webhooks/", f"/api/v1/webhooks/{subscription.pk}/"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert "https://hooks.example.com/x" in response.content.decode(), path
        assert webhook_secret not in response.content.decode(), path
