"""Measuring a brand: its mentions found once, the absence split, the measure command."""

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from partnerships.measurement.mentions import brand_mentions_refresh
from partnerships.measurement.services import brand_measure
from partnerships.models import BrandMeasurement, BrandMention, CommunityStance, Stage

pytestmark = pytest.mark.django_db


def at(day: int) -> datetime:
    return datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)


@pytest.fixture
def watched(brand_a, community):
    """Inkwell watches r/fountainpens."""
    CommunityStance.objects.create(brand=brand_a, community=community)
    brand_a.aliases = ["Inkwell", "I&N"]
    brand_a.website = "https://inkwell.example"
    brand_a.save()
    return brand_a


def test_mentions_are_found_once_and_the_brands_own_accounts_are_not_mentions(watched, make_identity, make_interaction):
    ivy, bob, official = make_identity("ivy"), make_identity("bob"), make_identity("InkwellOfficial")
    watched.official_identities.add(official)
    make_interaction("t3_a", ivy, title="Which ink?", text="I'd recommend Inkwell blue, it flows well.", at=at(1))
    make_interaction("t1_b", bob, kind="comment", text="pineapple ink is a thing?", at=at(2))
    make_interaction("t1_c", official, kind="comment", text="Inkwell here: thanks!", at=at(3))
    make_interaction("t1_d", bob, kind="comment", text="see https://inkwell.example/blue", at=at(4))
    summary = brand_mentions_refresh(brand=watched)
    mentions = {m.interaction.external_id: m for m in BrandMention.objects.select_related("interaction")}
    assert set(mentions) == {"t3_a", "t1_d"} and summary.found == 2
    assert mentions["t3_a"].is_recommendation and mentions["t3_a"].sentiment > 0.2
    assert mentions["t1_d"].matched_alias == "inkwell.example"
    assert (mentions["t3_a"].community, mentions["t3_a"].author) == (watched.community_stances.get().community, ivy)

    again = brand_mentions_refresh(brand=watched)
    assert again.candidates == 0 and BrandMention.objects.count() == 2  # nothing read twice
    make_interaction("t1_e", bob, kind="comment", text="Inkwell's bottles leak, avoid.", at=at(5))
    assert brand_mentions_refresh(brand=watched).found == 1

    watched.aliases = ["Inkwell", "Midnight Sheen"]  # new names: the community is read again
    watched.save()
    make_interaction("t1_f", bob, kind="comment", text="Midnight Sheen is lovely", at=at(6))
    summary = brand_mentions_refresh(brand=watched)
    assert summary.read_from_start == ["reddit:fountainpens"]
    assert BrandMention.objects.count() == 4 and BrandMention.objects.filter(matched_alias="Midnight Sheen").exists()


def test_threads_the_brand_or_its_partners_joined_are_not_in_its_absence(
    watched, make_identity, make_interaction, creator, partnership_a
):
    member, partner, official = make_identity("member"), make_identity("partner"), make_identity("brandacct")
    partner.creator = creator
    partner.save()
    watched.official_identities.add(official)
    for thread, joiner in (("t3_alone", None), ("t3_brand", official), ("t3_partner", partner)):
        make_interaction(thread, member, title="Pens", text="Inkwell is great", thread_external_id=thread, at=at(1))
        if joiner is not None:
            make_interaction(f"t1_{thread}", joiner, kind="comment", text="hi", thread_external_id=thread, at=at(2))
    brand_mentions_refresh(brand=watched)
    flags = {m.thread_external_id: (m.brand_took_part, m.partner_took_part) for m in BrandMention.objects.all()}
    # The creator is not a partner until the partnership has started.
    assert flags == {"t3_alone": (False, False), "t3_brand": (True, False), "t3_partner": (False, False)}
    partnership_a.stage, partnership_a.started_on = Stage.ACTIVE, date(2026, 1, 1)
    partnership_a.save()
    brand_mentions_refresh(brand=watched)
    flags = {m.thread_external_id: (m.brand_took_part, m.partner_took_part) for m in BrandMention.objects.all()}
    assert flags["t3_partner"] == (False, True) and flags["t3_alone"] == (False, False)


def test_a_brand_with_no_mentions_reports_zeros_with_the_counts_they_rest_on(watched, make_identity, make_interaction):
    make_interaction("t3_a", make_identity("ivy"), title="Nibs", text="Which nib for left-handers?", at=at(1))
    document = brand_measure(brand=watched).document
    assert document["mentions"]["total"] == 0 and document["mentions"]["sentiment_in_absence"] == {"mean": None, "n": 0}
    assert document["counts"]["interactions"] == 1 and document["counts"]["communities"] == 1
    assert document["referrals"] == {"clicks": 0, "signups": 0, "sales": 0, "revenue": {}}
    assert BrandMeasurement.objects.get(brand=watched).document == document


def test_a_partnership_is_measured_before_and_after_it_started(
    watched, make_identity, make_interaction, creator, partnership_a, community
):
    ivy = make_identity("ivy")
    ivy.creator = creator
    ivy.save()
    partnership_a.stage, partnership_a.started_on = Stage.ACTIVE, date(2026, 2, 1)
    partnership_a.save()
    partnership_a.communities.add(community)
    members = [make_identity(f"m{i}") for i in range(6)]
    post = make_interaction("t3_ivy", ivy, title="My ink notes", thread_external_id="t3_ivy", at=at(0))
    for day in range(0, 120, 3):
        member = members[(day // 3) % 6]
        thread = {"thread_external_id": "t3_ivy", "kind": "comment"}
        reply = make_interaction(
            f"t1_r{day}", member, parent=post, parent_external_id="t3_ivy", target=ivy, text="Thanks!", at=at(day),
            **thread,
        )  # fmt: skip
        make_interaction(
            f"t1_b{day}", ivy, parent=reply, parent_external_id=f"t1_r{day}", target=member, text="Glad it helped",
            at=at(day) + timedelta(hours=1), **thread,
        )  # fmt: skip
    document = brand_measure(brand=watched).document
    [measured] = [p for p in document["partnerships"] if p["id"] == partnership_a.pk]
    depth = measured["depth"]
    assert depth["return_engagement"]["before_start"]["members"] > 0
    assert depth["return_engagement"]["after_start"]["members"] > 0
    first_month = depth["conversations_by_month"][0]
    assert first_month["answered_by"] == 6 and first_month["answered_back_share"] == 1.0
    [change] = depth["before_after"]
    assert change["event"] == "partnership started" and change["interactions"]["before"] > 0
    assert change["mentions"]["verdict"].startswith("too few to say")


def test_the_measure_command_prints_json_and_refuses_unknown_brands(watched, capsys):
    out = io.StringIO()
    call_command("measure", "inkwell", "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["brand"]["slug"] == "inkwell" and "mentions" in document and "partnerships" in document
    with pytest.raises(SystemExit) as exit_:
        call_command("measure", "no-such-brand")
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("measure: no brand 'no-such-brand'") and "\n" not in error
    with pytest.raises(SystemExit):
        call_command("measure")  # neither a brand nor --all
    out = io.StringIO()
    call_command("measure", "--all", stdout=out)
    assert "Inkwell (team-a/inkwell)" in out.getvalue()


def test_a_completed_sync_measures_the_brands_that_watch_its_community(
    brand_a, community, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from influencers.ingest.runs import sync_run_create
    from influencers.tasks import run_sync

    dump = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "RC_fountainpens_2024-01.ndjson"
    CommunityStance.objects.create(brand=brand_a, community=community)  # reddit:fountainpens, as in the dump
    with django_capture_on_commit_callbacks(execute=True):  # the measurement is queued after commit
        run_sync.delay(sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]}).pk).get()
    from django.utils.dateparse import parse_datetime

    from influencers.models import Interaction

    document = BrandMeasurement.objects.get(brand=brand_a).document
    since = parse_datetime(document["window"]["from"])
    in_window = Interaction.objects.filter(community=community, posted_at__gte=since)
    assert document["counts"]["interactions"] == in_window.count() > 0
    assert document["counts"]["mention_scan"]["communities"] == 1
