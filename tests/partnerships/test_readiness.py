"""Observe first: the observation log and the readiness checklist gate a brand's move from
observing to contributing — in the service, on the pages and in the admin."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerships import readiness, services
from partnerships.admin import CommunityStanceForm
from partnerships.models import CommunityStance, ObservationNote, ReadinessCheck, ReadinessItem


def _log(brand, community, *days_ago):
    """Notes logged on each of those days (written then: the gate counts from when the log began)."""
    for days in days_ago:
        note = readiness.observation_note_add(
            brand=brand, community=community, text=f"Seen {days} days ago", observed_on=date.today() - timedelta(days)
        )
        ObservationNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days))


def _tick(brand, community, items=None):
    for item in items or ReadinessItem.values:
        readiness.readiness_item_set(brand=brand, community=community, item=item, checked=True)


def test_a_brand_that_has_not_observed_cannot_start_contributing(brand_a, community):
    with pytest.raises(ValidationError) as refused:
        services.community_stance_set(brand=brand_a, community=community, stance="contributing")
    said = refused.value.message_dict["stance"][0]
    assert "Inkwell is not ready to speak in r/fountainpens yet" in said
    assert "Read the community's rules" in said and "Observe for at least 28 days" in said
    assert "at least 3 notes (0 so far)" in said
    assert not CommunityStance.objects.exists()  # nothing half-done
    services.community_stance_set(brand=brand_a, community=community, stance="observing")  # observing is free
    assert CommunityStance.objects.get().stance == "observing"


@pytest.mark.parametrize(
    "missing",
    ["one item unticked", "observed only three weeks", "two notes only"],
)
def test_every_part_of_readiness_is_needed(brand_a, community, missing):
    services.community_stance_set(brand=brand_a, community=community, stance="observing")
    if missing == "one item unticked":
        _log(brand_a, community, 30, 15, 2)
        _tick(brand_a, community, [i for i in ReadinessItem.values if i != "disclosure"])
        expected = "Agreed how the brand's accounts say who they are"
    elif missing == "observed only three weeks":
        _log(brand_a, community, 21, 15, 2)
        _tick(brand_a, community)
        expected = "the log was started 21 days ago"
    else:
        _log(brand_a, community, 30, 2)
        _tick(brand_a, community)
        expected = "(2 so far)"
    state = readiness.readiness(brand=brand_a, community=community)
    assert not state.ready and len(state.missing) == 1 and expected in state.missing[0]
    for speaking in ("contributing", "partnered"):
        with pytest.raises(ValidationError, match="not ready to speak"):
            services.community_stance_set(brand=brand_a, community=community, stance=speaking)
    assert CommunityStance.objects.get().stance == "observing"


def test_a_ready_brand_moves_and_may_step_back_and_forward_again(brand_a, community):
    _log(brand_a, community, 35, 20, 1)
    _tick(brand_a, community)
    state = readiness.readiness(brand=brand_a, community=community)
    assert state.ready and state.ticked == len(ReadinessItem.values) and state.observed_days == 35
    assert services.community_stance_set(brand=brand_a, community=community, stance="contributing").stance == (
        "contributing"
    )
    # Unticking later does not take the stance back, and moving on to partnered is not gated again.
    readiness.readiness_item_set(brand=brand_a, community=community, item="rules", checked=False)
    assert services.community_stance_set(brand=brand_a, community=community, stance="partnered").stance == "partnered"
    assert services.community_stance_set(brand=brand_a, community=community, stance="observing").stance == "observing"
    with pytest.raises(ValidationError):  # back to observing: the gate holds again
        services.community_stance_set(brand=brand_a, community=community, stance="contributing")


def test_readiness_is_per_brand_and_community(brand_a, brand_b, community):
    _log(brand_a, community, 35, 20, 1)
    _tick(brand_a, community)
    assert readiness.readiness(brand=brand_a, community=community).ready
    assert not readiness.readiness(brand=brand_b, community=community).ready


def test_observation_notes_are_checked(brand_a, community):
    with pytest.raises(ValidationError) as empty:
        readiness.observation_note_add(brand=brand_a, community=community, text="   ")
    assert "text" in empty.value.message_dict
    with pytest.raises(ValidationError) as future:
        readiness.observation_note_add(
            brand=brand_a, community=community, text="Later", observed_on=date.today() + timedelta(days=1)
        )
    assert "observed_on" in future.value.message_dict
    with pytest.raises(ValidationError):
        readiness.readiness_item_set(brand=brand_a, community=community, item="vibes", checked=True)
    assert not ObservationNote.objects.exists() and not ReadinessCheck.objects.exists()


def test_the_pages_log_tick_and_refuse_with_what_is_missing(client, manager_a, viewer_a, manager_b, brand_a, community):
    client.force_login(manager_a)
    note = client.post(
        reverse("observation-new", args=[community.pk]),
        {"brand": brand_a.pk, "text": "Weekly 'pen of the week' threads; links get removed.", "return_to": "insight"},
    )
    assert note.status_code == 302 and note["Location"].endswith(f"/communities/{community.pk}/insight/#readiness")
    logged = ObservationNote.objects.get()
    assert (logged.written_by, logged.observed_on) == (manager_a, date.today())
    checklist = client.post(
        reverse("readiness-checklist", args=[community.pk]), {"brand": brand_a.pk, "item": ["rules", "vocabulary"]}
    )
    assert checklist["Location"] == reverse("community", args=[community.pk])
    assert set(ReadinessCheck.objects.values_list("item", flat=True)) == {"rules", "vocabulary"}
    client.post(reverse("readiness-checklist", args=[community.pk]), {"brand": brand_a.pk, "item": ["rules"]})
    assert set(ReadinessCheck.objects.values_list("item", flat=True)) == {"rules"}  # unticked by leaving it out
    refused = client.post(
        reverse("community-stance", args=[community.pk]), {"brand": brand_a.pk, "stance": "contributing"}
    )
    said = [str(m) for m in refused.wsgi_request._messages]
    assert any(m.startswith("Stance: Inkwell is not ready to speak") and "(1 so far)" in m for m in said)
    assert not CommunityStance.objects.filter(stance="contributing").exists()
    unknown = client.post(reverse("readiness-checklist", args=[community.pk]), {"brand": brand_a.pk, "item": ["x"]})
    assert "Item: Unknown checklist item 'x'." in [str(m) for m in unknown.wsgi_request._messages]
    client.force_login(viewer_a)
    assert (
        client.post(reverse("observation-new", args=[community.pk]), {"brand": brand_a.pk, "text": "x"}).status_code
        == 403
    )
    client.force_login(manager_b)
    assert client.post(reverse("readiness-checklist", args=[community.pk]), {"brand": brand_a.pk}).status_code == 404
    assert ObservationNote.objects.count() == 1 and ReadinessCheck.objects.count() == 1


def test_the_admin_moves_stances_under_the_same_rule(brand_a, community):
    form = CommunityStanceForm(
        data={"community": community.pk, "stance": "contributing", "notes": ""}, instance=CommunityStance(brand=brand_a)
    )
    assert not form.is_valid() and "not ready to speak" in form.errors["stance"][0]
    assert CommunityStanceForm(
        data={"community": community.pk, "stance": "observing", "notes": ""}, instance=CommunityStance(brand=brand_a)
    ).is_valid()
    _log(brand_a, community, 35, 20, 1)
    _tick(brand_a, community)
    assert CommunityStanceForm(
        data={"community": community.pk, "stance": "contributing", "notes": ""}, instance=CommunityStance(brand=brand_a)
    ).is_valid()


def test_notes_dated_long_ago_do_not_make_a_month_of_observing(brand_a, community):
    for _ in range(3):  # three notes written today, dated last year
        readiness.observation_note_add(
            brand=brand_a, community=community, text="From memory", observed_on=date.today() - timedelta(days=400)
        )
    _tick(brand_a, community)
    state = readiness.readiness(brand=brand_a, community=community)
    assert state.observed_since == date.today() - timedelta(days=400)  # shown as dated
    assert state.missing == ["Observe for at least 28 days (the log was started today)"]
    with pytest.raises(ValidationError):
        services.community_stance_set(brand=brand_a, community=community, stance="contributing")


def test_the_checklist_is_saved_in_one_transaction_and_its_state_returned(brand_a, community, manager_a, owner_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    readiness.readiness_checklist_set(brand=brand_a, community=community, checked={"rules": True}, actor=owner_a)
    with CaptureQueriesContext(connection) as queries:
        state = readiness.readiness_checklist_set(
            brand=brand_a, community=community, actor=manager_a,
            checked={item: item in ("rules", "vocabulary", "formats") for item in ReadinessItem.values},
        )  # fmt: skip
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the whole checklist, not a transaction per item
    assert [item["item"] for item in state.items if item["checked"]] == ["rules", "vocabulary", "formats"]
    assert state.ticked == 3 and not state.ready
    who = dict(ReadinessCheck.objects.values_list("item", "checked_by"))
    assert who == {"rules": owner_a.pk, "vocabulary": manager_a.pk, "formats": manager_a.pk}  # first ticker kept
    # Items not named are left as they are.
    readiness.readiness_checklist_set(brand=brand_a, community=community, checked={"formats": False}, actor=manager_a)
    assert set(ReadinessCheck.objects.values_list("item", flat=True)) == {"rules", "vocabulary"}


def test_an_unknown_checklist_item_is_named_and_nothing_is_saved(brand_a, community, manager_a):
    with pytest.raises(ValidationError) as one:
        readiness.readiness_checklist_set(
            brand=brand_a, community=community, checked={"rules": True, "vibes": True}, actor=manager_a
        )
    assert one.value.message_dict == {"item": ["Unknown checklist item 'vibes'."]}
    with pytest.raises(ValidationError) as two:
        readiness.readiness_checklist_set(
            brand=brand_a, community=community, checked={"vibes": True, "aura": False}, actor=manager_a
        )
    assert two.value.message_dict == {"item": ["Unknown checklist items 'aura', 'vibes'."]}
    assert not ReadinessCheck.objects.exists()
