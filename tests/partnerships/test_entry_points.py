"""One write path: each change to a partnership, made through every entry point that offers it (the
page, the admin, the API), leaves the same trace: a history row by whoever acted (for the models
that keep history), the same timeline entry by them, and the same webhook event.

Each row of ``WAYS`` is one write through one entry point; a new entry point is one line per write
it offers. (No management command writes any of these.) Someone acting through an API key is
nobody in particular: history and timeline record no user for it, as ``api.authentication.actor_of``
says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import WebhookDelivery
from api.webhooks import webhook_subscription_create
from partnerships.models import (
    Activity,
    Agreement,
    Deliverable,
    DeliverableStatus,
    Partnership,
    ReviewRights,
    Stage,
    Task,
)  # fmt: skip

TODAY = timezone.localdate()
SIGNED_ON = TODAY - timedelta(days=30)


@dataclass
class World:
    """What a write acts on, and who acts through which door."""

    partnership: Partnership
    manager: object
    page: object  # Django's test client, logged in as the manager (the pages and the admin)
    api: APIClient  # with a write key of the manager's organization
    agreement: Agreement | None = None
    deliverable: Deliverable | None = None
    task: Task | None = None
    creator: object = None

    @property
    def p(self) -> int:
        return self.partnership.pk


@pytest.fixture
def world(client, manager_a, partnership_a, org_a, creator, django_capture_on_commit_callbacks):
    webhook_subscription_create(organization=org_a, url="https://hooks.example.com/in")  # every event
    client.force_login(manager_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(organization=org_a, scope='write')[1]}")
    return World(partnership=partnership_a, manager=manager_a, page=client, api=api, creator=creator)


# --- What each write needs in place, and what it must leave behind ------------------------------------


def _agreement_in_force(world: World) -> None:
    # Sent, not yet accepted: a signed agreement's terms never change (a change is a new version).
    world.agreement = Agreement.objects.create(partnership=world.partnership, status="sent", starts_on=SIGNED_ON)


def _deliverable(world: World) -> None:
    world.deliverable = Deliverable.objects.create(partnership=world.partnership, title="Ink review")


def _task(world: World) -> None:
    world.task = Task.objects.create(
        organization=world.partnership.brand.organization, partnership=world.partnership, title="Send samples",
        assignee=world.manager,
    )  # fmt: skip


def _new_creator(world: World) -> None:
    from influencers.models import Creator

    world.creator = Creator.objects.create(display_name="Quill")


@dataclass
class Write:
    """A change and the trace it must leave, whoever makes it and however."""

    name: str
    history: list[tuple[type, str]]  # (model, "+" created / "~" changed), each by the actor
    timeline: list[tuple[str, str]]  # (kind, summary), each by the actor
    webhooks: list[str]
    done: Callable[[World], bool]  # the change itself is there
    prepare: Callable[[World], None] = lambda world: None
    record: Callable[[World, object], list] = field(default=lambda world, actor: [])  # rows it wrote, with who


TERMS = Write(
    "turn off editorial control",
    history=[(Agreement, "~")],
    timeline=[("agreement", "Creative-control terms changed")],
    webhooks=["agreement.updated"],
    prepare=_agreement_in_force,
    done=lambda w: Agreement.objects.get(pk=w.agreement.pk).creator_keeps_editorial_control is False,
)
AGREEMENT = Write(
    "write an agreement",
    history=[(Agreement, "+")],
    timeline=[("agreement", "Agreement written (open-ended, signed)")],
    webhooks=["agreement.created"],
    done=lambda w: Agreement.objects.filter(partnership=w.partnership, brand_review_rights="factual_check").exists(),
)
PLAN = Write(
    "plan a deliverable",
    history=[],
    timeline=[("deliverable", "Deliverable planned: AMA in r/fountainpens")],
    webhooks=[],
    done=lambda w: Deliverable.objects.filter(partnership=w.partnership, title="AMA in r/fountainpens").exists(),
)
PUBLISH = Write(
    "publish a deliverable",
    history=[],
    timeline=[("deliverable", "Published: Ink review")],
    webhooks=[],
    prepare=_deliverable,
    done=lambda w: Deliverable.objects.get(pk=w.deliverable.pk).status == DeliverableStatus.PUBLISHED,
)
TASK = Write(
    "add a task",
    history=[],
    timeline=[],
    webhooks=[],
    done=lambda w: Task.objects.filter(title="Ask about the meetup").exists(),
    record=lambda w, actor: list(
        Task.objects.filter(title="Ask about the meetup").values_list("created_by", "assignee")
    ),
)
COMPLETE = Write(
    "complete a task",
    history=[],
    timeline=[("note", "Done: Send samples")],
    webhooks=[],
    prepare=_task,
    done=lambda w: Task.objects.get(pk=w.task.pk).completed_at is not None,
)
MOVE = Write(
    "move to Observing",
    history=[(Partnership, "~")],
    timeline=[("stage_change", "Moved from Discovered to Observing")],
    webhooks=["partnership.stage_changed"],
    done=lambda w: Partnership.objects.get(pk=w.p).stage == Stage.OBSERVING,
)
NOTE = Write(
    "log a call",
    history=[],
    timeline=[("call", "Talked about the spring pens")],
    webhooks=[],
    done=lambda w: Activity.objects.filter(summary="Talked about the spring pens").exists(),
)
ADD = Write(
    "add a creator to the pipeline",
    history=[(Partnership, "+")],
    timeline=[("stage_change", "Added to the pipeline")],
    webhooks=[],
    prepare=_new_creator,
    done=lambda w: Partnership.objects.filter(creator=w.creator, stage=Stage.DISCOVERED).exists(),
)


# --- The entry points ---------------------------------------------------------------------------------


def admin_form(client, url: str, /, **changes) -> dict:
    """What the admin page at ``url`` would post back untouched, with ``changes``; inlines empty
    (nothing added through them). Values are read from the form the page shows."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        value = bound.value()
        if isinstance(bound.field, forms.SplitDateTimeField):
            if value:
                moment = timezone.localtime(value) if isinstance(value, datetime) else value
                data[f"{name}_0"], data[f"{name}_1"] = f"{moment:%Y-%m-%d}", f"{moment:%H:%M:%S}"
        elif isinstance(bound.field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    for name, value in changes.items():
        if value is None or value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return data


def admin_post(w: World, url: str, /, **changes):
    return w.page.post(url, admin_form(w.page, url, **changes))


def _admin(model: str, obj=None) -> str:
    if obj is None:
        return reverse(f"admin:partnerships_{model}_add")
    return reverse(f"admin:partnerships_{model}_change", args=[obj.pk])


def api(w: World, path: str, body: dict | None = None):
    return w.api.post(f"/api/v1/{path}", body or {}, format="json")


PUBLISHED_AT = timezone.make_aware(datetime.combine(TODAY - timedelta(days=1), clock(12)))
NEW_AGREEMENT = {
    "status": "signed", "starts_on": str(SIGNED_ON), "signed_on": str(SIGNED_ON), "compensation_type": "flat_fee",
    "currency": "EUR", "creator_keeps_editorial_control": True, "brand_review_rights": "factual_check",
    "disclosure_required": True, "usage_rights": "none",
}  # fmt: skip


def _page_form(values: dict) -> dict:
    """A dict of values as a browser posts them (a ticked box is "on", an unticked one absent)."""
    return {name: ("on" if value is True else value) for name, value in values.items() if value is not False}


WAYS = [
    # (write, entry point, how)
    (TERMS, "page", lambda w: w.page.post(reverse("agreement-terms", args=[w.p]), {
        "brand_review_rights": ReviewRights.NONE, "disclosure_required": "on", "usage_rights": "none"})),
    (TERMS, "admin", lambda w: admin_post(w, _admin("agreement", w.agreement), creator_keeps_editorial_control=False)),
    (TERMS, "api", lambda w: w.api.patch(f"/api/v1/agreements/{w.agreement.pk}/",
                                         {"creator_keeps_editorial_control": False}, format="json")),
    (AGREEMENT, "page", lambda w: w.page.post(reverse("agreement-new", args=[w.p]), _page_form(NEW_AGREEMENT))),
    (AGREEMENT, "admin", lambda w: admin_post(w, _admin("agreement"), partnership=w.p, **_page_form(NEW_AGREEMENT))),
    (AGREEMENT, "api", lambda w: api(w, "agreements/", {"partnership": w.p, **NEW_AGREEMENT})),
    (PLAN, "page", lambda w: w.page.post(reverse("deliverable-new", args=[w.p]),
                                         {"title": "AMA in r/fountainpens", "kind": "ama"})),
    (PLAN, "admin", lambda w: admin_post(w, _admin("deliverable"), partnership=w.p, title="AMA in r/fountainpens",
                                         kind="ama")),
    (PLAN, "api", lambda w: api(w, "deliverables/", {"partnership": w.p, "title": "AMA in r/fountainpens",
                                                     "kind": "ama"})),
    (PUBLISH, "page", lambda w: w.page.post(reverse("deliverable-status", args=[w.deliverable.pk]), {
        "status": "published", "url": "https://reddit.com/r/x/1", "published_on": str(PUBLISHED_AT.date())})),
    (PUBLISH, "admin", lambda w: admin_post(
        w, _admin("deliverable", w.deliverable), status="published", url="https://reddit.com/r/x/1",
        published_at_0=str(PUBLISHED_AT.date()), published_at_1="12:00:00")),
    (PUBLISH, "api", lambda w: api(w, f"deliverables/{w.deliverable.pk}/status/", {
        "status": "published", "url": "https://reddit.com/r/x/1", "published_at": PUBLISHED_AT.isoformat()})),
    (TASK, "page", lambda w: w.page.post(reverse("task-new", args=[w.p]), {"title": "Ask about the meetup"})),
    (TASK, "admin", lambda w: admin_post(w, _admin("task"), partnership=w.p, title="Ask about the meetup",
                                         assignee=w.manager.pk)),
    (TASK, "api", lambda w: api(w, "tasks/", {"partnership": w.p, "title": "Ask about the meetup",
                                              "assignee": w.manager.pk})),
    (COMPLETE, "page", lambda w: w.page.post(reverse("task-done", args=[w.task.pk]))),
    (COMPLETE, "admin", lambda w: admin_post(w, _admin("task", w.task), done=True)),
    (COMPLETE, "api", lambda w: api(w, f"tasks/{w.task.pk}/complete/")),
    (MOVE, "page", lambda w: w.page.post(reverse("pipeline-move", args=[w.p]), {"stage": "observing"})),
    (MOVE, "admin", lambda w: admin_post(w, _admin("partnership", w.partnership), stage="observing")),
    (MOVE, "api", lambda w: api(w, f"partnerships/{w.p}/move/", {"stage": "observing"})),
    (NOTE, "page", lambda w: w.page.post(reverse("activity-new", args=[w.p]),
                                         {"kind": "call", "summary": "Talked about the spring pens"})),
    (NOTE, "admin", lambda w: admin_post(w, _admin("activity"), partnership=w.p, kind="call",
                                         summary="Talked about the spring pens")),
    (NOTE, "admin (partnership page)", lambda w: w.page.post(_admin("partnership", w.partnership), {
        **admin_form(w.page, _admin("partnership", w.partnership)), "activities-TOTAL_FORMS": 1,
        "activities-0-kind": "call", "activities-0-summary": "Talked about the spring pens",
        "activities-0-occurred_at_0": str(TODAY - timedelta(days=1)), "activities-0-occurred_at_1": "09:00:00"})),
    (NOTE, "api", lambda w: api(w, "activities/", {"partnership": w.p, "kind": "call",
                                                   "summary": "Talked about the spring pens"})),
    (ADD, "page", lambda w: w.page.post(reverse("pipeline-add"), {"brand": w.partnership.brand_id,
                                                                  "creator": w.creator.pk})),
    (ADD, "admin", lambda w: admin_post(w, _admin("partnership"), brand=w.partnership.brand_id, creator=w.creator.pk,
                                        owner=w.manager.pk)),
    (ADD, "api", lambda w: api(w, "partnerships/", {"brand": w.partnership.brand_id, "creator": w.creator.pk,
                                                    "owner": w.manager.pk})),
]  # fmt: skip


def _trace(since: dict) -> dict:
    """What was written after ``since``: history rows, timeline entries, webhook deliveries."""
    return {
        "history": [
            (model, record.history_type, record.history_user_id)
            for model in (Agreement, Partnership)
            for record in model.history.filter(history_id__gt=since[model]).order_by("history_id")
        ],
        "timeline": list(
            Activity.objects.filter(pk__gt=since[Activity]).order_by("pk").values_list("kind", "summary", "actor")
        ),
        "webhooks": list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True)),
    }


def _high_water() -> dict:
    return {
        Agreement: Agreement.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0,
        Partnership: Partnership.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0,
        Activity: Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }


@pytest.mark.parametrize("write, door, how", [pytest.param(*way, id=f"{way[0].name} / {way[1]}") for way in WAYS])
def test_every_entry_point_leaves_the_same_trace(world, write, door, how, django_capture_on_commit_callbacks):
    write.prepare(world)
    since = _high_water()
    with django_capture_on_commit_callbacks() as after_commit:
        answer = how(world)
    assert answer.status_code in (200, 201, 302), answer.content[:2000]
    if answer.status_code == 200 and answer.context and "adminform" in answer.context:
        inlines = [f.formset.errors for f in answer.context["inline_admin_formsets"]]
        pytest.fail(f"the admin refused: {answer.context['adminform'].form.errors} {inlines}")
    for callback in after_commit:  # the service's events, told once the change is committed
        callback()
    if door == "page":
        refusals = [str(m) for m in answer.wsgi_request._messages if m.level_tag == "error"]
        assert not refusals, refusals
    actor = None if door == "api" else world.manager.pk
    assert write.done(world), f"{write.name} through the {door}: the change is not there"
    assert _trace(since) == {
        "history": [(model, kind, actor) for model, kind in write.history],
        "timeline": [(kind, summary, actor) for kind, summary in write.timeline],
        "webhooks": write.webhooks,
    }
    if write is TASK:  # no history, no timeline: the task itself remembers who wrote it
        assert write.record(world, actor) == [(actor, world.manager.pk)]


def test_each_write_is_offered_by_the_page_the_admin_and_the_api():
    """The table above covers every entry point of every write (a write added without its admin or
    API line fails here)."""
    doors: dict[str, set] = {}
    for write, door, _ in WAYS:
        doors.setdefault(write.name, set()).add(door.split(" ")[0])
    assert doors == {write.name: {"page", "admin", "api"} for write, _, _ in WAYS}


def test_the_agreement_task_and_deliverable_rows_on_a_partnerships_admin_page_are_read_only_links(world):
    """Changed on their own admin pages (through the services), not in the partnership's inlines."""
    _agreement_in_force(world)
    _deliverable(world)
    _task(world)
    page = world.page.get(_admin("partnership", world.partnership))
    inlines = {formset.formset.prefix: formset for formset in page.context["inline_admin_formsets"]}
    for prefix, record, model in (
        ("agreements", world.agreement, "agreement"),
        ("deliverables", world.deliverable, "deliverable"),
        ("tasks", world.task, "task"),
    ):
        inline = inlines[prefix]
        assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
        assert _admin(model, record) in page.content.decode()
    form = admin_form(world.page, _admin("partnership", world.partnership))
    tampered = {**form, "agreements-TOTAL_FORMS": 1, "agreements-INITIAL_FORMS": 1,
                "agreements-0-id": world.agreement.pk, "agreements-0-creator_keeps_editorial_control": ""}  # fmt: skip
    world.page.post(_admin("partnership", world.partnership), tampered)
    assert Agreement.objects.get(pk=world.agreement.pk).creator_keeps_editorial_control is True
    assert not Activity.objects.filter(kind="agreement").exists()


def test_a_refusal_in_the_admin_is_a_form_error_not_a_half_write(world, org_b, manager_b):
    """What the service refuses (a publication in the future, an assignee from another organization),
    the admin form refuses first, naming the field; nothing is written."""
    from crm.models import OrganizationMember, Role

    _deliverable(world)
    tomorrow = TODAY + timedelta(days=1)
    refused = admin_post(world, _admin("deliverable", world.deliverable), status="published",
                         published_at_0=str(tomorrow), published_at_1="12:00:00")  # fmt: skip
    assert refused.status_code == 200
    assert "published_at" in refused.context["adminform"].form.errors
    assert Deliverable.objects.get(pk=world.deliverable.pk).status == DeliverableStatus.PLANNED
    # The manager works for both organizations: B's people are among the choices, not assignable to A's work.
    OrganizationMember.objects.create(organization=org_b, user=world.manager, role=Role.MANAGER)
    refused = admin_post(world, _admin("task"), partnership=world.p, title="x", assignee=manager_b.pk)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["assignee"] == [
        f"Choose one of the members of {world.partnership.brand.organization}."
    ]
    assert not Task.objects.filter(title="x").exists()


def test_a_brands_stance_set_in_the_admin_goes_through_the_same_service(world, community):
    """The brand's admin page sets a stance in a community as the community page does: dated
    today by the service, and speaking refused until the brand is ready."""
    from partnerships.models import CommunityStance

    brand = world.partnership.brand
    url = reverse("admin:partnerships_brand_change", args=[brand.pk])
    page = world.page.get(url)
    [prefix] = [f.formset.prefix for f in page.context["inline_admin_formsets"]]

    def post(stance):
        data = admin_form(world.page, url)
        data.update({f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-0-community": community.pk,
                     f"{prefix}-0-stance": stance, f"{prefix}-0-notes": "Links get removed."})  # fmt: skip
        return world.page.post(url, data)

    refused = post("contributing")
    assert refused.status_code == 200 and not CommunityStance.objects.exists()
    assert post("observing").status_code == 302
    stance = CommunityStance.objects.get(brand=brand, community=community)
    assert (stance.stance, stance.since, stance.notes) == ("observing", TODAY, "Links get removed.")
