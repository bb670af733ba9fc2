"""Malformed input answers 400 naming what is wrong, never 500 (issue 17, items 9, 10 and 12).

Each case here was a 500 (or a key stranded, or a number read as another) on the code before:
hand-edited cursors; ids and numbers that are not plain ASCII digits or not finite; JSON nested
past any sane depth; a body over Django's size limit; impossible dates in a referral upload; and
a failed request that stranded its Idempotency-Key. The demo loader is here too: it refuses
production settings.
"""

import base64
import hashlib
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401
from rest_framework import exceptions
from rest_framework.test import APIClient

from api import views as api_views
from api.idempotency import RUNNING_AT_MOST
from api.keys import api_key_create
from api.models import IdempotentRequest
from api.urls import router
from partnerships import services
from partnerships.models import Activity, Partnership, ReferralEvent, ReferralLink
from partnerships.referrals import referral_events_import

pytestmark = pytest.mark.django_db

NOT_ASCII_IDS = ["1e400", "-1e400", "NaN", "Infinity", "²", "٣", "１", "1_0", "+7", "7.0"]
NOT_ASCII_NUMBERS = ["1e400", "-1e400", "NaN", "Infinity", "inf", "²", "٣", "٠.٥", "1_0"]
TIMES_UTC_LACKS = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "٢٠٢٦-01-02T00:00:00Z"]


@pytest.fixture
def api_key(org_a):
    return api_key_create(organization=org_a, scope="write", name="agency tool")


@pytest.fixture
def write_a(api_key):
    client = APIClient(raise_request_exception=False)  # a 500 is an answer to look at, not an error of the test
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key[1]}")
    return client


@pytest.fixture
def pages(manager_a):
    client = Client(raise_request_exception=False)
    client.force_login(manager_a)
    return client


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


IN_A_PARTNERSHIP = re.compile(r"\(\?P<partnership_pk>[^)]*\)")  # partnerships/<id>/messages


def _lists(partnership_id: int):
    """Every list of the API (the router's), with its FilterSet; a partnership's own lists (its
    messages) are those of ``partnership_id``."""
    for prefix, viewset, basename in router.registry:
        yield f"/api/v1/{IN_A_PARTNERSHIP.sub(str(partnership_id), prefix)}/", viewset, basename


# --- item 9: a failed request releases its Idempotency-Key --------------------------------------
def test_a_request_that_fails_releases_its_idempotency_key_so_a_corrected_retry_runs(
    write_a, partnership_a, monkeypatch
):
    real_task_create, failures = services.task_create, []

    def fails_first(**kwargs):
        if failures:
            raise failures.pop()
        return real_task_create(**kwargs)

    monkeypatch.setattr(services, "task_create", fails_first)
    key = {"HTTP_IDEMPOTENCY_KEY": "task-1"}
    body = {"partnership": partnership_a.pk, "title": "Send samples"}

    failures.append(RuntimeError("the disk is full"))  # an exception: Django's 500 page, after DRF
    assert write_a.post("/api/v1/tasks/", body, format="json", **key).status_code == 500
    assert not IdempotentRequest.objects.exists()
    failures.append(exceptions.APIException("Unavailable"))  # an answer of 500 from DRF itself
    assert write_a.post("/api/v1/tasks/", body, format="json", **key).status_code == 500
    assert not IdempotentRequest.objects.exists()

    corrected = write_a.post("/api/v1/tasks/", {**body, "title": "Send samples (corrected)"}, format="json", **key)
    assert corrected.status_code == 201, corrected.content  # not 409 "still running" for 24 hours
    replayed = write_a.post("/api/v1/tasks/", {**body, "title": "Send samples (corrected)"}, format="json", **key)
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == corrected.json() and partnership_a.tasks.count() == 1


def test_a_key_left_running_by_a_process_that_died_is_released_after_a_while(write_a, api_key, partnership_a):
    body = {"partnership": partnership_a.pk, "title": "Send samples"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    pending = IdempotentRequest.objects.create(
        caller=f"key:{api_key[0].pk}", key="task-2", method="POST", path="/api/v1/tasks/", body_hash=digest
    )
    key = {"HTTP_IDEMPOTENCY_KEY": "task-2"}
    running = write_a.post("/api/v1/tasks/", body, format="json", **key)
    assert running.status_code == 409 and "still running" in running.json()["detail"]  # as before: a moment ago
    IdempotentRequest.objects.filter(pk=pending.pk).update(created_at=timezone.now() - RUNNING_AT_MOST * 1.1)
    assert write_a.post("/api/v1/tasks/", body, format="json", **key).status_code == 201


# --- item 10: cursors ----------------------------------------------------------------------------
def test_a_hand_edited_cursor_is_a_400_naming_cursor_on_every_list(write_a, partnership_a, brand_a, creator):
    for number in range(3):  # enough for a second page at page_size=2
        Partnership.objects.create(brand=brand_a, creator=type(creator).objects.create(display_name=f"C{number}"))
    hand_edited = [
        _cursor("p=abc"), _cursor("p=1e400"), _cursor("p=-1e400"), _cursor("p=NaN"), _cursor("p=٣"),
        _cursor("p=a\x00b"), _cursor("p="), _cursor("o=-5"), _cursor("r=x"), "garbage!!", "%ff",
    ]  # fmt: skip
    for url, _viewset, _basename in _lists(partnership_a.pk):
        for cursor in hand_edited:
            response = write_a.get(url, {"cursor": cursor})
            assert response.status_code == 400, (url, cursor, response.content)
            assert list(response.json()) == ["cursor"], (url, cursor)
    # Ordered by a time: a position that is not one, or that UTC cannot hold.
    for position in ("2026-13-45 00:00:00", "0001-01-01 00:00:00+05:00", "9999-12-31 23:59:59-05:00"):
        response = write_a.get("/api/v1/partnerships/", {"ordering": "updated_at", "cursor": _cursor(f"p={position}")})
        assert response.status_code == 400 and "cursor" in response.json(), (position, response.content)
    # The cursors the API writes still lead from page to page and back, by id and by time.
    for ordering in ("-id", "updated_at"):
        first = write_a.get("/api/v1/partnerships/", {"page_size": 2, "ordering": ordering}).json()
        second = write_a.get(first["next"]).json()
        assert len(first["results"]) == 2 and len(second["results"]) == 2
        assert {row["id"] for row in first["results"]}.isdisjoint(row["id"] for row in second["results"])
        assert write_a.get(second["previous"]).json()["results"] == first["results"]


# --- item 10: filters of the API -----------------------------------------------------------------
def test_every_id_number_and_time_filter_refuses_what_is_not_plainly_written(write_a, partnership_a):
    tried = 0
    for url, viewset, _basename in _lists(partnership_a.pk):
        filterset = getattr(viewset, "filterset_class", None)
        for name, declared in filterset.base_filters.items() if filterset else ():
            if isinstance(declared, api_views.IdFilter):
                values = NOT_ASCII_IDS
            elif isinstance(declared, api_views.BoundedNumberFilter):
                values = NOT_ASCII_NUMBERS
            elif isinstance(declared, api_views.WhenFilter):
                values = TIMES_UTC_LACKS
            else:
                continue
            for value in values:
                response = write_a.get(url, {name: value})
                assert response.status_code == 400, (url, name, value, response.content)
                assert name in response.json(), (url, name, value, response.json())
                tried += 1
    assert tried > 150  # every list's filters, not a few
    # What is plainly written still filters.
    assert write_a.get("/api/v1/partnerships/", {"brand": partnership_a.brand_id}).json()["results"]
    assert write_a.get("/api/v1/activities/", {"since": "2026-01-01T00:00:00+05:00"}).status_code == 200


# --- item 10: JSON bodies ------------------------------------------------------------------------
def _post_operations(client: APIClient) -> list[str]:
    """Every POST of the API, from its own schema, with 1 for each id in the path."""
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    return [
        path.replace("{id}", "1").replace("{partnership_pk}", "1")
        for path, operations in paths.items()
        if "post" in operations
    ]


def test_json_bodies_with_numbers_beyond_a_double_or_nested_too_deep_are_400s(write_a, partnership_a):
    operations = _post_operations(write_a)
    assert len(operations) > 10
    bodies = {
        '{"partnership": 1e400, "title": "x"}': "partnership",
        '{"partnership": -1e400, "title": "x"}': "partnership",
        '{"partnership": NaN, "title": "x"}': "partnership",
        '{"partnership": Infinity, "title": "x"}': "partnership",
        '{"items": [1, {"id": 1e999}]}': "items.1.id",
        "[" * 100_000 + "]" * 100_000: "detail",  # a RecursionError in json
        '{"a": ' + "[" * 40 + "]" * 40 + "}": "detail",  # past the depth the API reads
    }
    for path in operations:
        for body, named in bodies.items():
            # With an Idempotency-Key the body is read first, whatever the path's object: every POST.
            response = write_a.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
            assert response.status_code == 400, (path, body[:40], response.content[:200])
            assert named in response.json(), (path, body[:40], response.json())
    # The case twice over, then corrected: 400, 400, and the corrected body runs.
    url, key = "/api/v1/tasks/", {"HTTP_IDEMPOTENCY_KEY": "task-3"}
    for _ in range(2):
        refused = write_a.post(url, '{"partnership": 1e400, "title": "x"}', content_type="application/json", **key)
        assert refused.status_code == 400 and "partnership" in refused.json()
    fixed = write_a.post(url, {"partnership": partnership_a.pk, "title": "x"}, format="json", **key)
    assert fixed.status_code == 201


def test_a_body_over_the_size_limit_is_answered_in_json(write_a, partnership_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = {"partnership": partnership_a.pk, "title": "x", "notes": "n" * 20_000}
    for body in ({"format": "json"}, {"format": "multipart"}):
        response = write_a.post("/api/v1/tasks/", big, **body)
        assert response.status_code == 413 and response["Content-Type"] == "application/json", response.content[:80]
        assert "10,000 bytes" in response.json()["detail"]
    assert not partnership_a.tasks.exists()


# --- item 10: pages ------------------------------------------------------------------------------
def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_page_filters_and_forms_refuse_ids_not_written_in_ascii_digits(
    pages, manager_a, brand_a, partnership_a, community, make_identity
):
    partnership_a.communities.add(community)
    for field in ("brand", "owner", "community"):
        for value in NOT_ASCII_IDS:
            response = pages.get(reverse("pipeline"), {field: value})
            assert response.status_code == 400, (field, value)
            assert f"{field.capitalize()}: Enter an id" in response.content.decode(), (field, value)
    # '٣' is not 3: the board is not filtered to community 3 (nor to any other).
    assert pages.get(reverse("pipeline"), {"q": "a\x00b"}).status_code == 400
    assert pages.get(reverse("pipeline"), {"community": community.pk}).status_code == 200

    bob = make_identity("bob")
    for field in ("identity", "creator", "community"):
        for value in ("²", "٣", "1e400"):
            data = {"brand": brand_a.pk, "identity": bob.pk, field: value, "next": "/pipeline/"}
            response = pages.post(reverse("pipeline-add"), data)
            assert response.status_code == 302 and response.url == "/pipeline/", (field, value)
            assert any(said.startswith(f"{field.capitalize()}: Enter an id") for said in _said(response))
    assert Partnership.objects.count() == 1
    for value in ("²", "٣", "1e400", ""):  # the brand named in a form: any id that is not one is no brand
        assert pages.post(reverse("pipeline-add"), {"brand": value, "identity": bob.pk}).status_code == 404
        stance = pages.post(reverse("community-stance", args=[community.pk]), {"brand": value, "stance": "observing"})
        assert stance.status_code == 404


def test_a_time_utc_cannot_hold_is_refused_by_the_activity_form(pages, partnership_a):
    url = reverse("activity-new", args=[partnership_a.pk])
    for moment in TIMES_UTC_LACKS:
        response = pages.post(url, {"kind": "note", "summary": "x", "occurred_at": moment})
        assert response.status_code == 302 and any(said.startswith("Occurred at: ") for said in _said(response))
    assert not Activity.objects.filter(summary="x").exists()


# --- item 10: the referral-events upload ---------------------------------------------------------
IMPOSSIBLE_ROWS = (
    "code,kind,occurred_at,external_id,amount,currency\n"
    "ivy,sale,2026-02-30,o-1,,\n"  # no 30 February
    "ivy,sale,2026-01-01T25:00:00,o-2,,\n"  # no 25 o'clock
    "ivy,sale,0001-01-01T00:00:00+05:00,o-3,,\n"  # before year 1 in UTC
    "ivy,sale,9999-12-31T23:59:59-05:00,o-4,,\n"  # after 9999 in UTC
    "ivy,sale,٢٠٢٦-01-02,o-5,,\n"  # not the digits 0-9
    "ivy,sale,2026-01-03,o-6,9999999999.999,EUR\n"  # rounds up past what the column holds
    "ivy,sale,2026-01-03,o-7,١٢,EUR\n"  # not the digits 0-9
    "ivy,sale,2026-01-04,o-\x00-8,,\n"  # PostgreSQL stores no NUL
    f"ivy,sale,2026-01-04,{'x' * 200_000},,\n"  # a field past the csv module's limit
    "ivy,signup,2026-01-05,o-9,,\n"
    "ivy,sale,2026-01-06,o-10,12.50,EUR\n"
)


def test_impossible_dates_and_amounts_skip_their_rows_and_the_rest_is_imported(partnership_a, org_a):
    ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://inkwell.example")
    summary = referral_events_import(organization=org_a, text=IMPOSSIBLE_ROWS)
    assert (summary.read, summary.created, summary.skipped) == (11, 2, 9), summary.as_dict()
    assert [example["line"] for example in summary.skipped_examples] == list(range(2, 11))
    assert summary.skipped_reasons == {
        "occurred_at is a date or time that does not exist (such as 2026-02-30 or T25:00)": 2,
        "occurred_at is outside the years 1 to 9999 once in UTC": 2,
        "occurred_at is not a date or time (use 2026-11-27 or 2026-11-27T14:05:00Z)": 1,
        "amount must be between 0 and 9,999,999,999.99": 1,
        "amount is not a number": 1,
        "external_id contains a NUL character": 1,
        "the row cannot be read as CSV (field larger than field limit (131072))": 1,
    }
    assert sorted(ReferralEvent.objects.values_list("external_id", flat=True)) == ["o-10", "o-9"]


def test_the_upload_page_reports_each_skipped_row_and_keeps_the_rest(pages, brand_a, partnership_a):
    ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://inkwell.example")
    upload = SimpleUploadedFile("events.csv", IMPOSSIBLE_ROWS.encode(), content_type="text/csv")
    response = pages.post(reverse("referral-events-upload", args=[brand_a.pk]), {"file": upload})
    assert response.status_code == 302
    said = _said(response)
    assert "11 rows read: 2 recorded, 0 already recorded, 9 skipped." in said
    assert "Line 2: occurred_at is a date or time that does not exist (such as 2026-02-30 or T25:00)" in said
    assert "Line 4: occurred_at is outside the years 1 to 9999 once in UTC" in said
    assert ReferralEvent.objects.count() == 2


# --- item 12: the demo loader --------------------------------------------------------------------
def test_load_demo_refuses_production_settings_unless_forced(settings, monkeypatch):
    loaded = []
    monkeypatch.setattr(
        "demo.management.commands.load_demo.load_demo", lambda: loaded.append(True) or {"communities": 4}
    )
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG is off.*demo.*'demo'.*--force"):
        call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert not loaded and not get_user_model().objects.filter(username="demo").exists()

    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", "--force", stdout=out, stderr=err)
    assert loaded == [True] and "loading the demo anyway (--force)" in err.getvalue()
    assert "Demo data ready: 4 communities." in out.getvalue()

    settings.DEBUG = True  # `make demo`: DEBUG=1, no flag needed, nothing to warn about
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=out, stderr=err)
    assert loaded == [True, True] and err.getvalue() == "" and "Demo data ready" in out.getvalue()
