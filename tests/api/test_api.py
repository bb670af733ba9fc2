"""/api/v1/: keys, scopes, tenant isolation, validation naming the field, pagination, schema."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey
from influencers.models import Community, Creator, Identity
from partnerships.models import Activity, Partnership, ReferralEvent, ReferralLink, Stage

pytestmark = pytest.mark.django_db


def client_with(plain: str | None) -> APIClient:
    client = APIClient()
    if plain:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def write_a(org_a):
    return client_with(api_key_create(organization=org_a, scope="write", name="agency tool")[1])


@pytest.fixture
def read_a(org_a):
    return client_with(api_key_create(organization=org_a, scope="read")[1])


@pytest.fixture
def write_b(org_b):
    return client_with(api_key_create(organization=org_b, scope="write")[1])


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash(org_a, capsys):
    out = io.StringIO()
    call_command("create_api_key", "--org", org_a.slug, "--scope", "write", "--name", "Reporting", stdout=out)
    plain = out.getvalue().strip()
    key = ApiKey.objects.get()
    assert plain.startswith(f"crm_{key.prefix}_") and key.scope == "write" and key.name == "Reporting"
    secret = plain.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()  # the README: a SHA-256 hash of the secret
    assert client_with(plain).get("/api/v1/partnerships/").status_code == 200
    with pytest.raises(SystemExit) as exit_:
        call_command("create_api_key", "--org", "nope")
    assert exit_.value.code == 2 and "no organization 'nope'" in capsys.readouterr().err


def test_no_key_a_wrong_key_or_a_revoked_key_is_401(org_a):
    # The schema documents 401 for "No API key": it says how to authenticate, as RFC 9110 asks.
    missing = client_with(None).get("/api/v1/partnerships/")
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == 'Bearer realm="api"'
    wrong = client_with("crm_0000_notakey").get("/api/v1/partnerships/")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == 'Bearer realm="api"'
    key, plain = api_key_create(organization=org_a)
    assert client_with(plain).get("/api/v1/partnerships/").status_code == 200
    api_key_revoke(key=key)
    assert client_with(plain).get("/api/v1/partnerships/").status_code == 401
    assert key.history.count() == 2  # created, revoked: audited


def test_a_read_key_reads_but_cannot_write(read_a, partnership_a, brand_a, creator):
    assert read_a.get(f"/api/v1/partnerships/{partnership_a.pk}/").status_code == 200
    assert read_a.post(f"/api/v1/partnerships/{partnership_a.pk}/move/", {"stage": "observing"}).status_code == 403
    assert read_a.patch(f"/api/v1/partnerships/{partnership_a.pk}/", {"notes": "x"}).status_code == 403
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED and partnership_a.notes == ""


def test_another_organizations_objects_are_404_everywhere(write_b, partnership_a, brand_a):
    url = f"/api/v1/partnerships/{partnership_a.pk}/"
    assert write_b.get(url).status_code == 404
    assert write_b.patch(url, {"notes": "mine now"}).status_code == 404
    assert write_b.post(url + "move/", {"stage": "observing"}).status_code == 404
    assert write_b.get("/api/v1/partnerships/").json()["results"] == []
    assert write_b.get(f"/api/v1/partnerships/?brand={brand_a.pk}").json()["results"] == []
    creator = Creator.objects.create(display_name="Someone")
    refused = write_b.post("/api/v1/partnerships/", {"brand": brand_a.pk, "creator": creator.pk}, format="json")
    assert refused.status_code == 400 and "does not exist" in refused.json()["brand"][0]
    assert Partnership.objects.count() == 1


def test_creating_moving_and_updating_a_partnership_through_the_services(
    write_a, brand_a, creator, manager_a, community
):
    created = write_a.post(
        "/api/v1/partnerships/",
        {"brand": brand_a.pk, "creator": creator.pk, "communities": [community.pk], "note": "Found on r/fountainpens"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["stage"] == "discovered" and body["communities"] == [community.pk] and "note" not in body
    pk = body["id"]
    refused = write_a.post(f"/api/v1/partnerships/{pk}/move/", {"stage": "outreach"}, format="json")
    assert refused.status_code == 400 and "observ" in refused.json()["stage"][0].lower()
    moved = write_a.post(f"/api/v1/partnerships/{pk}/move/", {"stage": "observing", "note": "Lurking"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == "observing"
    entry = Activity.objects.filter(partnership_id=pk, to_stage="observing").get()
    assert entry.actor is None and entry.body == "Lurking"  # an API key is not a user
    updated = write_a.patch(f"/api/v1/partnerships/{pk}/", {"owner": manager_a.pk, "notes": "Warm"}, format="json")
    assert updated.status_code == 200 and updated.json()["owner"] == manager_a.pk
    again = write_a.post("/api/v1/partnerships/", {"brand": brand_a.pk, "creator": creator.pk}, format="json")
    assert again.status_code == 409 and "already in Inkwell's pipeline (Observing)" in again.json()["creator"][0]
    # The same move again is one move: answered with the partnership, nothing added to the timeline.
    same = write_a.post(f"/api/v1/partnerships/{pk}/move/", {"stage": "observing"}, format="json")
    assert same.status_code == 200 and Activity.objects.filter(partnership_id=pk, to_stage="observing").count() == 1


def test_invalid_input_is_a_400_naming_each_field_and_saves_nothing(write_a, brand_a, manager_b, partnership_a):
    response = write_a.post("/api/v1/partnerships/", {"brand": "x", "owner": manager_b.pk}, format="json")
    errors = response.json()
    assert response.status_code == 400 and {"brand", "creator", "owner"} <= set(errors)
    moved = write_a.post(f"/api/v1/partnerships/{partnership_a.pk}/move/", {"stage": "nowhere"}, format="json")
    assert moved.status_code == 400 and list(moved.json()) == ["stage"] and "nowhere" in moved.json()["stage"][0]
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED and Partnership.objects.count() == 1
    assert not Activity.objects.filter(partnership=partnership_a).exists()


def test_sign_ups_and_sales_are_posted_once_and_codes_are_scoped(write_a, write_b, partnership_a):
    ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://inkwell.example")
    sale = {"code": "ivy", "kind": "sale", "occurred_at": "2026-01-02T10:00:00Z", "external_id": "o-1",
            "amount": "24.50", "currency": "EUR"}  # fmt: skip
    first = write_a.post("/api/v1/referral-events/", sale, format="json")
    assert first.status_code == 201 and first.json()["amount"] == "24.50"
    again = write_a.post("/api/v1/referral-events/", sale, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert write_b.post("/api/v1/referral-events/", {**sale, "external_id": "o-2"}, format="json").json() == {
        "code": ["unknown referral code 'ivy'"]
    }
    bad = write_a.post("/api/v1/referral-events/", {**sale, "amount": "-3", "kind": "refund"}, format="json")
    assert bad.status_code == 400 and {"amount", "kind"} <= set(bad.json())
    assert ReferralEvent.objects.count() == 1


def test_lists_are_cursor_paginated_with_a_constant_number_of_queries(read_a, brand_a, org_a):
    for index in range(30):
        creator = Creator.objects.create(display_name=f"Creator {index}")
        Identity.objects.create(platform="reddit", external_id=f"c{index}", handle=f"c{index}", creator=creator)
        Partnership.objects.create(brand=brand_a, creator=creator)
    read_a.get("/api/v1/communities/")  # the key's first use of the day is written once: not counted below
    for path in ("/api/v1/partnerships/", "/api/v1/creators/"):
        counts = []
        for size in (3, 30):
            with CaptureQueriesContext(connection) as queries:
                response = read_a.get(f"{path}?page_size={size}")
            assert response.status_code == 200 and len(response.json()["results"]) == size
            counts.append(len(queries))
        assert counts[0] == counts[1], (path, counts)
    first = read_a.get("/api/v1/partnerships/?page_size=10").json()
    second = read_a.get(first["next"]).json()
    assert not {p["id"] for p in first["results"]} & {p["id"] for p in second["results"]}


def test_browser_sessions_work_with_the_same_roles(client, viewer_a, partnership_a):
    client.force_login(viewer_a)
    assert client.get("/api/v1/partnerships/").json()["results"][0]["id"] == partnership_a.pk
    assert client.post(f"/api/v1/partnerships/{partnership_a.pk}/move/", {"stage": "observing"}).status_code == 403


def test_the_schema_and_interactive_docs_are_served_offline(read_a, client, viewer_a):
    schema = read_a.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert "/api/v1/partnerships/{id}/move/" in document["paths"]
    move = document["paths"]["/api/v1/partnerships/{id}/move/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(move)
    assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    client.force_login(viewer_a)
    docs = client.get("/api/v1/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs and "cdn" not in docs.lower()


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(write_a, brand_a, creator):
    from api.models import IdempotentRequest

    body = {"brand": brand_a.pk, "creator": creator.pk}
    first = write_a.post("/api/v1/partnerships/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-ivy-1")
    replay = write_a.post("/api/v1/partnerships/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-ivy-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert Partnership.objects.count() == 1
    other = write_a.post(
        "/api/v1/partnerships/", {**body, "note": "different"}, format="json", HTTP_IDEMPOTENCY_KEY="create-ivy-1"
    )
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    # Without the header, a retry is a new request (here refused: already in the pipeline).
    assert write_a.post("/api/v1/partnerships/", body, format="json").status_code == 409
    assert IdempotentRequest.objects.count() == 1


def test_each_key_is_throttled_with_retry_after(write_a, read_a, monkeypatch):
    from django.core.cache import cache

    from api.throttling import PerCallerThrottle

    cache.clear()
    monkeypatch.setattr(PerCallerThrottle, "rate", "3/min", raising=False)
    statuses = [read_a.get("/api/v1/communities/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = read_a.get("/api/v1/communities/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert write_a.get("/api/v1/communities/").status_code == 200  # another key has its own allowance
    cache.clear()


def test_a_list_says_of_each_creator_and_partnership_what_its_detail_says(read_a, brand_a, community, manager_a):
    for index in range(3):
        creator = Creator.objects.create(display_name=f"C{index}", bio="Inks")
        for platform in ("reddit", "discord"):
            Identity.objects.create(platform=platform, external_id=f"{platform}{index}", handle=f"h{index}",
                                    creator=creator, reach=100 * index or None)  # fmt: skip
        partnership = Partnership.objects.create(brand=brand_a, creator=creator, owner=manager_a, notes="n")
        other = Community.objects.create(platform="discord", external_id=f"g{index}", name=f"A guild {index}")
        partnership.communities.add(community, other)
    for path in ("/api/v1/creators/", "/api/v1/partnerships/"):
        listed = read_a.get(path).json()["results"]
        assert len(listed) == 3
        for row in listed:
            assert row == read_a.get(f"{path}{row['id']}/").json()
    assert [len(row["communities"]) for row in listed] == [2, 2, 2]
