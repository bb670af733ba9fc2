"""The services refuse whoever may not make the change, whatever calls them: a viewer of the
organization, or a user of another one. (The pages, the admin and the API check first and answer
403 or 404; these tests call the services directly, so removing a check inside a service fails
here even though every entry point still refuses.) People a record names — an owner, an assignee —
must be members of the partnership's organization."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from partnerships import readiness, services
from partnerships.models import (
    Activity,
    Agreement,
    Deliverable,
    ObservationNote,
    Partnership,
    ReadinessCheck,
    Stage,
    Task,
)  # fmt: skip


@pytest.fixture
def records(partnership_a, org_a, manager_a):
    # Sent, not yet accepted: a signed agreement's terms never change (a change is a new version).
    agreement = Agreement.objects.create(partnership=partnership_a, starts_on=date(2026, 1, 1), status="sent")
    return {
        "partnership": partnership_a,
        "agreement": agreement,
        "deliverable": Deliverable.objects.create(partnership=partnership_a, title="Ink review"),
        "task": Task.objects.create(organization=org_a, partnership=partnership_a, title="Call", assignee=manager_a),
    }


def _new_creator():
    from influencers.models import Creator

    return Creator.objects.create(display_name="Quill")


# Each write service, called by ``actor`` on organization A's records.
WRITES = {
    "partnership_move": lambda r, actor: services.partnership_move(
        partnership=r["partnership"], to_stage=Stage.OBSERVING, actor=actor
    ),
    "partnership_create": lambda r, actor: services.partnership_create(
        brand=r["partnership"].brand, creator=_new_creator(), actor=actor
    ),
    "pipeline_add": lambda r, actor: services.pipeline_add(
        brand=r["partnership"].brand, creator=_new_creator(), actor=actor
    ),
    "partnership_update": lambda r, actor: services.partnership_update(
        partnership=r["partnership"], actor=actor, notes="mine now"
    ),
    "agreement_create": lambda r, actor: services.agreement_create(
        partnership=r["partnership"], actor=actor, starts_on=date(2027, 1, 1)
    ),
    "agreement_update_terms": lambda r, actor: services.agreement_update_terms(
        agreement=r["agreement"], actor=actor, creator_keeps_editorial_control=False
    ),
    "agreement_renew": lambda r, actor: services.agreement_renew(
        agreement=r["agreement"], actor=actor, starts_on=date(2027, 1, 1)
    ),
    "task_create": lambda r, actor: services.task_create(
        partnership=r["partnership"], actor=actor, title="Chase", assignee=r["task"].assignee
    ),
    "task_complete": lambda r, actor: services.task_complete(task=r["task"], actor=actor),
    "activity_log": lambda r, actor: services.activity_log(partnership=r["partnership"], actor=actor, summary="x"),
    "deliverable_plan": lambda r, actor: services.deliverable_plan(
        partnership=r["partnership"], actor=actor, title="AMA"
    ),
    "deliverable_set_status": lambda r, actor: services.deliverable_set_status(
        deliverable=r["deliverable"], actor=actor, status="in_progress"
    ),
    "readiness_checklist_set": lambda r, actor: readiness.readiness_checklist_set(
        brand=r["partnership"].brand, community=_community(), checked={"rules": True}, actor=actor
    ),
    "observation_note_add": lambda r, actor: readiness.observation_note_add(
        brand=r["partnership"].brand, community=_community(), text="Quiet on Mondays", actor=actor
    ),
}


def _community():
    from influencers.models import Community

    return Community.objects.get_or_create(platform="reddit", external_id="inks", defaults={"name": "r/inks"})[0]


def _footprint() -> tuple:
    """Everything the writes above could leave behind."""
    return (
        Partnership.objects.count(),
        Partnership.history.count(),
        Agreement.history.count(),
        Activity.objects.count(),
        Task.objects.count(),
        Task.objects.filter(completed_at__isnull=False).count(),
        list(Deliverable.objects.values_list("status", flat=True)),
        ReadinessCheck.objects.count(),
        ObservationNote.objects.count(),
        list(Partnership.objects.values_list("stage", "notes")),
    )


@pytest.mark.parametrize("who", ["viewer_a", "manager_b"])
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_service_refuses_a_viewer_and_another_organizations_user(request, records, write, who):
    actor = request.getfixturevalue(who)
    before = _footprint()
    with pytest.raises(PermissionDenied):
        write(records, actor)
    assert _footprint() == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_same_write_by_a_manager_of_the_organization_is_done(records, write, manager_a):
    """The refusals above are about who asks, not about the write."""
    before = _footprint()
    write(records, manager_a)
    assert _footprint() != before


def test_an_owner_or_assignee_from_another_organization_is_refused(records, manager_a, manager_b, viewer_a):
    partnership = records["partnership"]
    message = f"Choose one of the members of {partnership.brand.organization}."
    with pytest.raises(ValidationError) as owner:
        services.partnership_update(partnership=partnership, actor=manager_a, owner=manager_b)
    assert owner.value.message_dict == {"owner": [message]}
    with pytest.raises(ValidationError) as assignee:
        services.task_create(partnership=partnership, actor=manager_a, title="Chase", assignee=manager_b)
    assert assignee.value.message_dict == {"assignee": [message]}
    with pytest.raises(ValidationError) as new_owner:
        services.partnership_create(brand=partnership.brand, creator=_new_creator(), actor=manager_a, owner=manager_b)
    assert new_owner.value.message_dict == {"owner": [message]}
    # Nobody in particular (an API key) assigns to someone outside just as little.
    with pytest.raises(ValidationError):
        services.task_create(partnership=partnership, actor=None, title="Chase", assignee=manager_b)
    assert not Task.objects.filter(title="Chase").exists() and Partnership.objects.count() == 1
    partnership.refresh_from_db()
    assert partnership.owner is None
    # A viewer is a member: they may be given a task or a partnership to follow.
    services.partnership_update(partnership=partnership, actor=manager_a, owner=viewer_a)
    assert services.task_create(partnership=partnership, actor=manager_a, title="Read", assignee=viewer_a).pk


def test_a_write_by_nobody_in_particular_is_done(records):
    """The product itself, or an API key (whose organization and scope were checked where it came in)."""
    services.partnership_move(partnership=records["partnership"], to_stage=Stage.OBSERVING, actor=None)
    assert Partnership.objects.get().stage == Stage.OBSERVING
