"""Brand readiness through the API: read it, tick the checklist, log observations, move the stance
(refused, naming what is missing, until the brand is ready)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from api.keys import api_key_create
from partnerships.models import CommunityStance, ObservationNote, ReadinessCheck, ReadinessItem
from tests.api.test_api import client_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_a(org_a):
    return client_with(api_key_create(organization=org_a, scope="write")[1])


def test_an_agency_reads_and_prepares_a_brands_readiness(write_a, org_a, brand_a, brand_b, community):
    url = f"/api/v1/communities/{community.pk}/"
    [row] = write_a.get(url + "readiness/").json()  # only its own organization's brand
    assert (row["brand"], row["brand_name"], row["stance"], row["ready"]) == (brand_a.pk, "Inkwell", None, False)
    assert len(row["items"]) == len(ReadinessItem.values) and not any(i["checked"] for i in row["items"])
    refused = write_a.post(url + "stance/", {"brand": brand_a.pk, "stance": "contributing"}, format="json")
    assert refused.status_code == 400 and "not ready to speak" in refused.json()["stance"][0]
    assert write_a.post(url + "stance/", {"brand": brand_a.pk, "stance": "observing"}, format="json").status_code == 200
    for days in (40, 20, 1):
        note = write_a.post(
            url + "observations/",
            {"brand": brand_a.pk, "text": f"Seen {days} days ago", "observed_on": str(date.today() - timedelta(days))},
            format="json",
        )
        assert note.status_code == 201 and note.json()["written_by"] is None  # an API key is no person
        written = timezone.now() - timedelta(days)  # as if each were sent on its day
        ObservationNote.objects.filter(pk=note.json()["id"]).update(created_at=written)
    ticked = write_a.post(
        url + "readiness/checklist/", {"brand": brand_a.pk, "items": ReadinessItem.values}, format="json"
    )
    assert ticked.status_code == 200 and ticked.json()["ready"] is True and ticked.json()["missing"] == []
    moved = write_a.post(url + "stance/", {"brand": brand_a.pk, "stance": "contributing"}, format="json")
    assert moved.status_code == 200 and moved.json()["stance"] == "contributing"
    assert CommunityStance.objects.get(brand=brand_a).stance == "contributing"


def test_bad_bodies_are_400s_naming_the_field_and_other_brands_do_not_exist(write_a, org_a, brand_b, community):
    url = f"/api/v1/communities/{community.pk}/"
    other = write_a.post(url + "observations/", {"brand": brand_b.pk, "text": "x"}, format="json")
    assert other.status_code == 400 and "brand" in other.json()  # another organization's brand: not there
    unknown = write_a.post(url + "readiness/checklist/", {"brand": brand_b.pk, "items": ["vibes"]}, format="json")
    assert unknown.status_code == 400 and {"brand", "items"} <= set(unknown.json())
    future = str(date.today() + timedelta(days=3))
    from partnerships.models import Brand

    own = Brand.objects.create(organization=org_a, name="Own", slug="own")
    dated = write_a.post(url + "observations/", {"brand": own.pk, "text": "x", "observed_on": future}, format="json")
    assert dated.status_code == 400 and "observed_on" in dated.json()
    assert write_a.post(url + "stance/", {"brand": own.pk, "stance": "shouting"}, format="json").status_code == 400
    assert not ObservationNote.objects.exists() and not ReadinessCheck.objects.exists()


def test_a_read_key_reads_but_cannot_prepare(org_a, brand_a, community):
    read = client_with(api_key_create(organization=org_a, scope="read")[1])
    url = f"/api/v1/communities/{community.pk}/"
    assert read.get(url + "readiness/").status_code == 200
    assert read.post(url + "observations/", {"brand": brand_a.pk, "text": "x"}, format="json").status_code == 403
    assert not ObservationNote.objects.exists()


def test_a_note_sent_twice_with_one_idempotency_key_is_logged_once(write_a, brand_a, community):
    url = f"/api/v1/communities/{community.pk}/observations/"
    body = {"brand": brand_a.pk, "text": "Weekly threads are pinned."}
    first = write_a.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="note-1")
    again = write_a.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="note-1")
    assert (first.status_code, again.status_code) == (201, 201) and again["Idempotent-Replayed"] == "true"
    assert ObservationNote.objects.count() == 1
