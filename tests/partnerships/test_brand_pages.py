"""The brand dashboard, its CSV, and importing referral events from the page, for every role."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerships.measurement.services import brand_measure
from partnerships.models import BrandMeasurement, CommunityStance, ReferralEvent, ReferralLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(brand_a, community, make_identity, make_interaction):
    CommunityStance.objects.create(brand=brand_a, community=community)
    member = make_identity("member")
    for day, text in enumerate(["Inkwell is great for beginners.", "Inkwell bottles leak, avoid.", "no brand here"]):
        make_interaction(f"t3_{day}", member, title="Ink", text=text, at=datetime(2026, 1, 5 + day, tzinfo=UTC))
    brand_measure(brand=brand_a)
    return brand_a


def test_a_manager_sees_the_brands_depth_and_can_measure_again(
    client, manager_a, measured, django_capture_on_commit_callbacks
):
    client.force_login(manager_a)
    listing = client.get(reverse("brands")).content.decode()
    assert "Inkwell" in listing and reverse("brand", args=[measured.pk]) in listing
    page = client.get(reverse("brand", args=[measured.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "in the brand's absence" in body and "2026-01" in body and "Measure now" in body
    assert page.context["d"]["mentions"]["total"] == 2
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("brand-measure", args=[measured.pk]), follow=True)
    # Queued, not run: the page says nothing it could not know yet.
    assert BrandMeasurement.objects.filter(brand=measured).count() == 1 and len(queued) == 1
    said = [str(m) for m in response.context["messages"]]
    assert said == [
        "Measuring Inkwell now: the figures below are from the latest measurement finished, and change to the new "
        "one when it is done (reload in a minute if their date has not changed)."
    ]
    queued[0]()  # the worker (or, with no broker, Celery in-process) runs it after the commit
    assert BrandMeasurement.objects.filter(brand=measured).count() == 2
    assert "Measured " in client.get(reverse("brand", args=[measured.pk])).content.decode()


def test_a_sync_queues_a_measurement_of_each_brand_concerned_after_it_commits(
    measured, community, django_capture_on_commit_callbacks
):
    from influencers.signals import sync_completed
    from partnerships.tasks import measure_brand

    with django_capture_on_commit_callbacks(execute=True) as queued:
        sync_completed.send(sender=None, community_ids=[community.pk], changed=True)
    # Ranking and insight listen to the same signal; of the measurements, one for this brand.
    measurements = [c for c in queued if getattr(c, "args", ())[:1] == (measure_brand,)]
    assert [c.args[1] for c in measurements] == [(measured.pk,)]
    assert BrandMeasurement.objects.filter(brand=measured).count() == 2


def test_the_metrics_download_as_tidy_csv(client, manager_a, measured):
    client.force_login(manager_a)
    response = client.get(reverse("brand-metrics-csv", args=[measured.pk]))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    mentions = next(r for r in rows if r["metric"] == "mentions" and r["period"] == "window")
    assert mentions["value"] == "2" and {r["scope"] for r in rows} >= {"brand", "community"}


def test_viewers_look_other_organizations_get_404_and_unmeasured_brands_say_so(
    client, viewer_a, manager_b, measured, brand_b
):
    client.force_login(viewer_a)
    assert "Measure now" not in client.get(reverse("brand", args=[measured.pk])).content.decode()
    assert client.post(reverse("brand-measure", args=[measured.pk])).status_code == 403
    upload = SimpleUploadedFile("e.csv", b"code,kind,occurred_at,external_id\n")
    assert client.post(reverse("referral-events-upload", args=[measured.pk]), {"file": upload}).status_code == 403
    client.force_login(manager_b)
    for name in ("brand", "brand-metrics-csv"):
        assert client.get(reverse(name, args=[measured.pk])).status_code == 404
    assert client.post(reverse("brand-measure", args=[measured.pk])).status_code == 404
    page = client.get(reverse("brand", args=[brand_b.pk]))
    assert "Not measured yet" in page.content.decode()
    assert client.get(reverse("brand-metrics-csv", args=[brand_b.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("brand", args=[measured.pk])).status_code == 302


def test_referral_sign_ups_and_sales_are_imported_from_the_page(client, manager_a, measured, partnership_a):
    ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://inkwell.example")
    client.force_login(manager_a)
    upload = SimpleUploadedFile(
        "events.csv", b"code,kind,occurred_at,external_id,amount,currency\nivy,sale,2026-01-02,o-1,12.5,EUR\n"
        b"nope,sale,2026-01-02,o-2,1,EUR\n", content_type="text/csv",
    )  # fmt: skip
    response = client.post(reverse("referral-events-upload", args=[measured.pk]), {"file": upload}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert "2 rows read: 1 recorded, 0 already recorded, 1 skipped." in said
    assert "Line 3: unknown referral code 'nope'" in said
    assert ReferralEvent.objects.get().amount == 12.5
    bad = SimpleUploadedFile("x.csv", b"\xff\xfe not text")
    said = [str(m) for m in client.post(reverse("referral-events-upload", args=[measured.pk]), {"file": bad},
                                        follow=True).context["messages"]]  # fmt: skip
    assert any("not UTF-8" in m for m in said)


def test_the_partnership_page_shows_its_depth_from_the_latest_measurement(client, manager_a, measured, partnership_a):
    client.force_login(manager_a)
    url = reverse("partnership", args=[partnership_a.pk])
    assert "Added after the last measurement" in client.get(url).content.decode()
    brand_measure(brand=measured)
    body = client.get(url).content.decode()
    assert "No member has recommended Inkwell yet in threads Ivy Lambert took part in." in body
    assert "measured once the partnership has started" in body
