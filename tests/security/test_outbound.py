"""The outbound-request policy (issue 17, items 1, 2 and 11): webhooks and forum syncs reach public
addresses only, whatever a tenant types, whatever DNS answers, wherever a redirect points; what a
tenant reads about a failure says "refused" or "failed", never what the network answered.

Real servers on loopback stand in for the internal services an attacker would aim at. The test
settings allow 127.0.0.1 (the other suites' fake servers live there); these tests take that away
with ``override_settings`` to show what the policy does for everyone else. This folder's conftest
replaces ``db`` with the permission matrix's shared world, so the tests here build their own
records on a transactional database instead (deliveries are queued after commit).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3.util.connection
from django.core.exceptions import ValidationError
from django.test import override_settings
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks import webhook_subscription_create
from crm.models import Organization
from crm.outbound import address_is_refused, literal_address, outbound_failure, outbound_session, outbound_url_refusal
from influencers.connectors import discourse
from influencers.connectors.records import SourceError
from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.models import Community, Creator, Platform, SyncRun, SyncStatus
from influencers.tasks import sync_tracked_communities
from partnerships.models import Brand, Partnership, Stage

NOTHING_ALLOWED = override_settings(OUTBOUND_ALLOWED_HOSTS=[])
PUBLIC_ADDRESS = "93.184.215.14"
NETWORK_WORDS = ("Errno", "Connection refused", "Max retries", "HTTPConnectionPool", "NewConnectionError")


# --- servers on loopback -------------------------------------------------------------------------
class Server:
    """An HTTP server on ``host`` that records every request (path and headers) and answers with
    ``answer(path)``: (status, headers, JSON body)."""

    def __init__(self, host="127.0.0.1", answer=None):
        self.requests: list[tuple[str, dict]] = []
        self.answer = answer or (lambda path: (200, {}, {}))
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append((self.path, dict(self.headers)))
                status, headers, body = server.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.host, self.port = host, self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path="/", host=None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started = []

    def start(**kwargs) -> Server:
        started.append(Server(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake_dns(monkeypatch):
    """``fake_dns({"name": [address, …]})``: the name resolves to the next address on each lookup
    (the last one again when the list runs out); every other name resolves as usual."""
    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def install(answers: dict[str, list[str]]):
        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - socket's names
            if host not in answers:
                return real(host, port, family, type, proto, flags)
            count = lookups[host] = lookups.get(host, 0) + 1
            address = answers[host][min(count, len(answers[host])) - 1]
            return real(address, port, family, type, proto, flags | socket.AI_NUMERICHOST)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return lookups

    return install


# --- records -------------------------------------------------------------------------------------
@pytest.fixture
def organization(transactional_db):
    return Organization.objects.create(name="Outbound Org", slug="outbound-org")


@pytest.fixture
def partnership(organization):
    brand = Brand.objects.create(organization=organization, name="Quill", slug="quill")
    return Partnership.objects.create(brand=brand, creator=Creator.objects.create(display_name="Ada"),
                                      stage=Stage.DISCOVERED)  # fmt: skip


@pytest.fixture
def write_client(organization):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=organization, scope='write')[1]}")
    return client


def move(partnership, client: APIClient | None = None):
    """An event for every subscription: the partnership moves (through the API when a client is given)."""
    if client is not None:
        return client.post(f"/api/v1/partnerships/{partnership.pk}/move/", {"stage": "observing"}, format="json")
    from partnerships.services import partnership_move

    return partnership_move(partnership=partnership, to_stage="observing")


# --- the policy's judgement of a URL, before any lookup -----------------------------------------
REFUSED_URLS = [
    "http://127.0.0.1:8199/redir", "http://localhost:3000/", "http://LOCALHOST./", "http://api.localhost/",
    "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://0.0.0.0:80/",
    "http://[::]/", "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://224.0.0.1/",
    "http://[::ffff:127.0.0.1]/", "http://[::127.0.0.1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a00:1]/",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[fec0::1]/", "http://[ff02::1]/",
    "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/",
    "http://user:pass@hooks.example.com/", "http://user@hooks.example.com/", "http://@hooks.example.com/",
    "ftp://hooks.example.com/", "file:///etc/passwd", "gopher://hooks.example.com/",
]  # fmt: skip
ACCEPTED_URLS = ["https://hooks.example.com/x", f"http://{PUBLIC_ADDRESS}:8080/", "https://[2606:4700:4700::1111]/"]


@NOTHING_ALLOWED
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_urls_no_dns_answer_can_make_acceptable_are_refused(url):
    assert outbound_url_refusal(url) is not None


@NOTHING_ALLOWED
@pytest.mark.parametrize("url", ACCEPTED_URLS)
def test_public_addresses_and_names_may_be_tried(url):
    assert outbound_url_refusal(url) is None


def test_the_resolver_s_spellings_of_loopback_are_read_as_loopback():
    for spelling in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1"):
        assert address_is_refused(literal_address(spelling)), spelling
    assert literal_address("forum.example.org") is None


@override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1:8199", "forum.intranet", "[::1]"])
def test_an_operator_allows_hosts_or_host_and_port():
    assert outbound_url_refusal("http://127.0.0.1:8199/x") is None
    assert outbound_url_refusal("http://127.0.0.1:8200/x") is not None  # another port
    assert outbound_url_refusal("http://[::1]:9000/") is None
    assert outbound_url_refusal("http://FORUM.intranet./") is None
    assert outbound_url_refusal("http://0x7f000001:8199/") is not None  # another spelling is not the host allowed


# --- webhooks: refused where they are typed -----------------------------------------------------
API_REFUSED = [
    "http://127.0.0.1:8199/hook", "http://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/latest",
    "http://10.0.0.1/hook", "http://0.0.0.0/hook", "http://[::ffff:127.0.0.1]/hook",
    "https://user:pass@hooks.example.com/hook",
]  # fmt: skip


@NOTHING_ALLOWED
@pytest.mark.parametrize("url", API_REFUSED)
def test_a_webhook_to_a_refused_address_is_a_400_naming_url(url, organization, write_client):
    created = write_client.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert created.status_code == 400 and "url" in created.json(), created.content
    assert "refused: " in json.dumps(created.json()["url"]).lower()
    assert not WebhookSubscription.objects.exists()
    subscription, _ = webhook_subscription_create(organization=organization, url="https://hooks.example.com/h")
    changed = write_client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"url": url}, format="json")
    assert changed.status_code == 400 and "url" in changed.json()
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example.com/h"


@NOTHING_ALLOWED
@pytest.mark.parametrize("url", API_REFUSED)
def test_the_model_refuses_them_too_so_the_admin_does(url, organization):
    with pytest.raises(ValidationError) as refused:
        WebhookSubscription(organization=organization, url=url, secret="s").full_clean()
    assert "url" in refused.value.message_dict


# --- webhooks: refused where they connect -------------------------------------------------------
@NOTHING_ALLOWED
@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254"])
def test_a_name_that_resolves_to_a_refused_address_is_refused_when_delivering(
    address, servers, fake_dns, organization, partnership
):
    receiver = servers()
    fake_dns({"hooks.example.test": [address]})
    subscription, _ = webhook_subscription_create(
        organization=organization, url=receiver.url("/hook", "hooks.example.test")
    )
    move(partnership)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert receiver.requests == []
    # Refused for good at once: no retry can make the address acceptable.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "refused: the address is on a loopback, private, link-local or reserved network"
    assert address not in delivery.last_error


@NOTHING_ALLOWED
def test_a_dns_answer_that_changes_after_the_check_is_never_followed(servers, fake_dns, monkeypatch):
    """The name resolves to a public address first and to loopback on every later lookup: the
    connection goes to the address that was checked, the name is looked up once, and the server on
    loopback is never reached."""
    receiver = servers()
    lookups = fake_dns({"rebind.example.test": [PUBLIC_ADDRESS, "127.0.0.1"]})
    real_connect, connected_to = urllib3.util.connection.create_connection, []

    def create_connection(address, *args, **kwargs):
        connected_to.append(address[0])
        if address[0] == PUBLIC_ADDRESS:  # the public host is down, as far as this test goes
            raise ConnectionRefusedError(111, "Connection refused")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    with outbound_session() as session, pytest.raises(requests.ConnectionError) as failed:
        session.post(receiver.url("/hook", "rebind.example.test"), data=b"{}", timeout=5)
    assert connected_to == [PUBLIC_ADDRESS] and lookups == {"rebind.example.test": 1}
    assert receiver.requests == []
    assert outbound_failure(failed.value) == "failed: could not connect"


def test_the_delivery_log_says_failed_never_what_the_network_said(organization, partnership, servers):
    unreachable, _ = webhook_subscription_create(
        organization=organization, url=f"http://127.0.0.1:{closed_port()}/hook"
    )
    unreachable.consecutive_failures = WebhookSubscription.DISABLE_AFTER - 1
    unreachable.save()
    erring = servers(answer=lambda path: (503, {}, {}))
    answering, _ = webhook_subscription_create(organization=organization, url=erring.url("/hook"))
    move(partnership)
    failed = WebhookDelivery.objects.get(subscription=unreachable)
    assert (failed.status, failed.last_error) == (DeliveryStatus.FAILED, "failed: could not connect")
    unreachable.refresh_from_db()
    assert not unreachable.is_active and "(last: failed: could not connect)" in unreachable.disabled_reason
    assert WebhookDelivery.objects.get(subscription=answering).last_error == "failed: answered 503"
    shown = [*WebhookDelivery.objects.values_list("last_error", flat=True), unreachable.disabled_reason]
    assert not any(word in text for text in shown for word in NETWORK_WORDS), shown


# --- item 11: a delivery failing for good inside an API key's request ----------------------------
def test_without_a_broker_a_delivery_failing_for_good_after_a_key_s_action_disables_and_goes_on(
    organization, partnership, write_client, servers
):
    """In-process (no broker), the delivery ran inside the key's request, where simple_history
    found the key's principal as the request's user and could not record it: the subscription was
    never disabled, the delivery stayed pending, and the subscriptions after it were never tried."""
    listening = servers()
    later, _ = webhook_subscription_create(organization=organization, url=listening.url("/later"))
    failing_server = servers(answer=lambda path: (500, {}, {}))
    failing, _ = webhook_subscription_create(organization=organization, url=failing_server.url("/first"))
    WebhookSubscription.objects.filter(pk=failing.pk).update(consecutive_failures=WebhookSubscription.DISABLE_AFTER - 1)
    assert [s.pk for s in WebhookSubscription.objects.all()][0] == failing.pk  # tried first

    response = move(partnership, write_client)

    assert response.status_code == 200, response.content
    failing.refresh_from_db()
    assert not failing.is_active and "failed: answered 500" in failing.disabled_reason
    assert failing.history.latest("history_date").history_user is None  # the system, not the key
    assert WebhookDelivery.objects.get(subscription=failing).status == DeliveryStatus.FAILED
    assert WebhookDelivery.objects.get(subscription=later).status == DeliveryStatus.SUCCEEDED
    assert [path for path, _ in listening.requests] == ["/later"]
    partnership.refresh_from_db()
    assert partnership.stage == Stage.OBSERVING


def test_one_delivery_raising_in_process_neither_stops_the_others_nor_fails_the_action(
    organization, partnership, write_client, servers, monkeypatch
):
    """Whatever goes wrong in one in-process delivery (item 11's error, or any other), the next
    subscription is still tried and the caller's committed move is not answered with an error."""
    import api.tasks

    listening = servers()
    later, _ = webhook_subscription_create(organization=organization, url=listening.url("/later"))
    broken, _ = webhook_subscription_create(organization=organization, url=listening.url("/broken"))
    real_deliver = api.tasks.deliver

    def deliver(delivery):
        if delivery.subscription_id == broken.pk:
            raise RuntimeError("a bug in one delivery")
        return real_deliver(delivery)

    monkeypatch.setattr(api.tasks, "deliver", deliver)
    response = move(partnership, write_client)
    assert response.status_code == 200
    assert [path for path, _ in listening.requests] == ["/later"]
    assert WebhookDelivery.objects.get(subscription=later).status == DeliveryStatus.SUCCEEDED


def test_history_saved_inside_a_key_s_request_without_a_named_actor_names_no_one(organization):
    """The class behind item 11: simple_history's middleware offers the request's user to every
    save that names no actor, and behind an API key that user is the key's principal."""
    from django.test import RequestFactory
    from simple_history.models import HistoricalRecords

    from api.authentication import ApiKeyPrincipal

    request = RequestFactory().post("/api/v1/webhooks/")
    request.user = ApiKeyPrincipal(api_key_create(organization=organization, scope="write")[0])
    HistoricalRecords.context.request = request
    try:
        subscription = WebhookSubscription.objects.create(
            organization=organization, url="https://hooks.example.com/h", secret="s"
        )
    finally:
        del HistoricalRecords.context.request
    assert subscription.history.get().history_user is None


# --- Discourse: the operator's key goes to public forums only ------------------------------------
def forum_answer(path):
    if path.startswith("/latest.json"):
        return 200, {}, {"topic_list": {"topics": []}}
    return 404, {}, {"errors": ["not found"]}


def redirecting_to(target: str):
    return lambda path: (302, {"Location": target + path}, {})


@pytest.fixture
def api_key(settings):
    settings.DISCOURSE_API_KEY = "operator-discourse-key"
    settings.DISCOURSE_API_USERNAME = "system"


@NOTHING_ALLOWED
@pytest.mark.parametrize(
    "forum",
    ["http://127.0.0.1:8199/redir", "http://localhost:3000", "http://[::1]", "http://169.254.169.254",
     "http://2130706433", "http://0x7f.1", "http://user:pw@forum.example.org"],
)  # fmt: skip
def test_a_discourse_community_at_a_refused_address_cannot_be_saved(forum):
    community = Community(platform=Platform.DISCOURSE, external_id=forum, name="forum")
    with pytest.raises(ValidationError) as refused:
        community.clean()
    assert "external_id" in refused.value.message_dict and "refused: " in str(refused.value).lower()
    Community(platform=Platform.DISCOURSE, external_id="https://forum.example.org", name="ok").clean()
    Community(platform=Platform.REDDIT, external_id="fountainpens", name="r").clean()


@NOTHING_ALLOWED
def test_a_tracked_community_at_a_loopback_address_is_never_asked_and_its_run_says_refused(
    transactional_db, servers, api_key, django_capture_on_commit_callbacks
):
    """Item 1 as reported: a shared community's id set to a loopback URL and tracked. Saved past
    the form (as a row written before this check existed would be), beat's sync still never
    connects, and the run every member can read says refused."""
    target = servers(answer=forum_answer)
    community = Community.objects.create(
        platform=Platform.DISCOURSE, external_id=target.url("/redir").rstrip("/"), name="internal", is_tracked=True
    )
    with django_capture_on_commit_callbacks(execute=True):  # the sync is queued after commit
        sync_tracked_communities.delay()
    run = SyncRun.objects.get(communities=community)
    assert target.requests == []
    assert run.status == SyncStatus.FAILED and "refused:" in run.error, run.error
    assert not any(word in run.error for word in NETWORK_WORDS)


@NOTHING_ALLOWED
def test_a_forum_name_resolving_to_loopback_is_refused_when_connecting(servers, fake_dns, api_key):
    forum = servers(answer=forum_answer)
    fake_dns({"forum.example.test": ["127.0.0.1"]})
    with pytest.raises(SourceError, match="^refused: ") as refused:
        list(discourse.read_forum(forum.url("", "forum.example.test")))
    assert forum.requests == [] and "127.0.0.1" not in str(refused.value)


@pytest.mark.parametrize("target_host", ["127.0.0.2", "localhost", "internal.example.test"])
def test_a_redirect_from_an_allowed_forum_to_a_refused_address_is_not_followed(servers, api_key, fake_dns, target_host):
    fake_dns({"internal.example.test": ["127.0.0.2"]})  # refused when the connection is opened
    internal = servers(host="127.0.0.1" if target_host == "localhost" else "127.0.0.2", answer=forum_answer)
    forum = servers(answer=redirecting_to(internal.url("", target_host)))
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1"]):  # the forum's host; not the target's name
        with pytest.raises(SourceError, match="^refused: "):
            list(discourse.read_forum(forum.url("")))
    assert [path for path, _ in forum.requests] == ["/latest.json"]
    assert internal.requests == []


def test_a_redirect_to_another_allowed_host_carries_no_credentials(servers, api_key):
    other = servers(host="127.0.0.2", answer=forum_answer)

    def answer(path):  # first a move within the forum (the key goes along), then to another host
        if path.startswith("/moved/"):
            return 302, {"Location": other.url(path.removeprefix("/moved"))}, {}
        return 301, {"Location": "/moved" + path}, {}

    forum = servers(answer=answer)
    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1", "127.0.0.2"]):
        list(discourse.read_forum(forum.url("")))
        with outbound_session(follow_redirects=True, credential_headers=["X-Secret-Token"]) as session:
            session.get(forum.url("/latest.json"),
                        headers={"Authorization": "Bearer t", "Api-Key": "k", "X-Secret-Token": "s"})  # fmt: skip
    assert {path for path, _ in forum.requests} >= {"/latest.json", "/moved/latest.json"}
    assert all(headers.get("Api-Key") in ("operator-discourse-key", "k") for _, headers in forum.requests)
    assert other.requests, "the redirect to the other allowed host was followed"
    for _, headers in other.requests:
        sent = {name.lower() for name in headers}
        assert not sent & {"api-key", "api-username", "authorization", "x-secret-token"}, headers


def test_a_forum_that_cannot_be_reached_says_failed_in_the_run(transactional_db, monkeypatch):
    monkeypatch.setattr(discourse, "MAX_RETRIES", 0)
    run = sync_run_create(source="discourse", arguments={"target": f"http://127.0.0.1:{closed_port()}"})
    with pytest.raises(SourceError):
        sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "failed: " in run.error and run.error.endswith("could not connect")
    assert not any(word in run.error for word in NETWORK_WORDS), run.error
