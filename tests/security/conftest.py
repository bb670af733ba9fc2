"""The world the permission matrix runs in: organization A with one record of every kind,
organization B with a little of its own, and a caller in every role.

Built once per module, inside a transaction rolled back at the end; each test runs in a savepoint
of it (``db`` below, in place of pytest-django's), and the matrix undoes each role's request before
the next. It sends thousands of requests: building these records per test would take minutes. The
names and values follow tests/conftest.py's fixtures (``team-a``, ``manager-a``…), which are per
test and so cannot be used from a module-scoped fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.db.models import Model
from django.template import Template
from django.test import Client
from django.test.utils import _TestState
from django.urls import NoReverseMatch, reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import ApiKey
from api.webhooks import webhook_subscription_create
from crm.models import Organization, OrganizationMember, Role
from discovery.models import SavedView
from discovery.services import saved_view_save
from influencers.models import (
    Community,
    Creator,
    Identity,
    Interaction,
    MemberScore,
    Membership,
    Platform,
    RankingRun,
    SyncRun,
)
from insight.adapter import refresh_insight
from partnerships import services
from partnerships.community_requests import community_request_create
from partnerships.creator_notes import creator_note_save
from partnerships.measurement.services import brand_measure
from partnerships.models import (
    Activity,
    AgreementStatus,
    Brand,
    BrandMention,
    CommunityStance,
    Partnership,
    Payment,
    ReferralEvent,
    ReferralLink,
)
from partnerships.models.outreach import ConsentSource, Direction, Message, MessageStatus, Sequence, SequenceStatus
from partnerships.outreach.senders import sender_connect, template_save
from partnerships.outreach.services import do_not_contact_mark

# Written into every private text of organization A (its name, its brand's name, notes, titles,
# labels, URLs). An answer to anyone outside A that contains it has leaked A's data.
MARKER = "qzsecret"


@dataclass(frozen=True)
class Caller:
    """How a role authenticates: a browser session, an API key, or nothing."""

    session_key: str | None = None
    api_key: str | None = None

    def client(self) -> APIClient:
        client = APIClient(raise_request_exception=False)  # a 500 is an answer like any other
        if self.api_key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.api_key}")
        return self.reset(client)

    def reset(self, client: APIClient) -> APIClient:
        """Only the session cookie: nothing carried over from an earlier request (messages, CSRF)."""
        client.cookies.clear()
        if self.session_key:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
        return client


@dataclass
class World:
    org_a: Organization
    org_b: Organization
    callers: dict[str, Caller]
    # Organization A's record of each model (for shared discovery data: the one record there is).
    objects: dict[type[Model], Model] = field(default_factory=dict)
    # One client per role, reused: a new client loads the whole middleware stack on its first request.
    clients: dict[str, APIClient] = field(default_factory=dict)

    def client(self, role: str) -> APIClient:
        if role not in self.clients:
            self.clients[role] = self.callers[role].client()
        return self.callers[role].reset(self.clients[role])

    def of(self, model: type[Model]) -> Model | None:
        return self.objects.get(model)


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _user(username: str, organization: Organization | None = None, role: str = Role.MANAGER, **extra):
    # As in tests/conftest.py's make_user: everyone is staff unless told otherwise.
    extra.setdefault("is_staff", True)
    user = get_user_model().objects.create_user(username=username, password="pw", **extra)
    if organization is not None:
        OrganizationMember.objects.create(organization=organization, user=user, role=role)
    return user


def _shared_discovery_data(world: World) -> tuple[Community, Creator, Identity]:
    community = Community.objects.create(platform=Platform.REDDIT, external_id="fountainpens", name="r/fountainpens")
    creator = Creator.objects.create(display_name="Ivy Lambert")
    identity = Identity.objects.create(platform=Platform.REDDIT, external_id="ivy", handle="ivy", creator=creator)
    membership = Membership.objects.create(identity=identity, community=community)
    now = datetime.now(UTC)
    # The brand is named by its alias only: the alias is what members say, and shared text must not
    # carry the marker (every organization may read interactions).
    interaction = Interaction.objects.create(
        community=community, external_id="t3_ink", kind="post", author=identity,
        posted_at=now - timedelta(days=3), text="Nibworks pens are great, I'd recommend them.",
    )  # fmt: skip
    run = RankingRun.objects.create(
        community=community, status="completed", algorithm_version="test",
        window_start=now - timedelta(days=90), window_end=now, finished_at=now, ranked_members=1,
    )  # fmt: skip
    score = MemberScore.objects.create(
        run=run, membership=membership, rank=1, score=0.8, consistency=0.8, embeddedness=0.7, alignment=0.9
    )
    Membership.objects.filter(pk=membership.pk).update(latest_score=score)
    sync = SyncRun.objects.create(source="reddit")
    refresh_insight(community)  # its insight page and API answer with a document, not "none yet"
    for record in (community, creator, identity, membership, interaction, run, score, sync):
        world.objects[type(record)] = record
    return community, creator, identity


def _organization_a_records(world: World, manager, community: Community, creator: Creator) -> None:
    org_a = world.org_a
    brand = Brand.objects.create(
        organization=org_a, name=f"Inkwell {MARKER}", slug="inkwell", aliases=["Nibworks"],
        website=f"https://{MARKER}.example",
    )  # fmt: skip
    CommunityStance.objects.create(brand=brand, community=community, notes=f"{MARKER} norms")
    partnership = services.partnership_create(
        brand=brand, creator=creator, actor=manager, owner=manager, communities=[community], note=f"{MARKER} added"
    )
    Partnership.objects.filter(pk=partnership.pk).update(notes=f"{MARKER} partnership notes")
    agreement = services.agreement_create(
        partnership=partnership, actor=manager, starts_on=date(2025, 1, 1), status=AgreementStatus.SIGNED,
        notes=f"{MARKER} terms",
    )  # fmt: skip
    deliverable = services.deliverable_plan(partnership=partnership, actor=manager, title=f"{MARKER} ink guide")
    task = services.task_create(
        partnership=partnership, actor=manager, title=f"{MARKER} send samples", assignee=manager,
        due_on=date.today() + timedelta(days=3),
    )  # fmt: skip
    note = services.activity_log(partnership=partnership, actor=manager, kind="call", summary=f"{MARKER} intro call")
    link = ReferralLink.objects.create(
        partnership=partnership, code="ivy-ink", destination_url=f"https://{MARKER}.example/ink", label=MARKER
    )
    event = ReferralEvent.objects.create(
        link=link, kind="signup", occurred_at=datetime.now(UTC) - timedelta(days=1), external_id=f"{MARKER}-1"
    )
    # What the brand owes a second creator under a signed agreement (the ledger, issue 21). Not the
    # world's partnership: a payment is kept (PROTECT), so a partnership with one cannot be deleted,
    # and the admin's delete of the world's partnership is tested as it was.
    paid_creator = Creator.objects.create(display_name="Noor Haddad")  # shared data: no marker
    paid_partnership = Partnership.objects.create(brand=brand, creator=paid_creator, stage="active")
    paid_agreement = services.agreement_create(
        partnership=paid_partnership, actor=manager, starts_on=date(2025, 1, 1), status=AgreementStatus.SIGNED,
        signed_on=date(2025, 1, 1), compensation_type="flat_fee", compensation_amount="250.00",
    )  # fmt: skip
    payment = Payment.objects.create(
        agreement=paid_agreement, kind="flat_fee", key="signature", description=f"{MARKER} fee on signature",
        amount="250.00", currency="USD", due_on=date(2025, 1, 31),
    )  # fmt: skip
    measurement = brand_measure(brand=brand)
    # A's own view of the shared creator, and a community it asked the operators to track.
    creator_note = creator_note_save(
        organization=org_a, creator=creator, actor=manager, note=f"{MARKER} met at the pen show", not_a_fit=True
    )
    community_request = community_request_create(
        organization=org_a, platform=Platform.REDDIT, external_id="inkstained", reason=f"{MARKER} customers talk there",
        actor=manager,
    )  # fmt: skip
    subscription, _secret = webhook_subscription_create(
        organization=org_a, url=f"https://{MARKER}.example/hook", created_by=manager
    )
    key = ApiKey.objects.filter(organization=org_a).order_by("pk").first()
    membership = OrganizationMember.objects.get(user=manager, organization=org_a)
    for record in (org_a, membership, brand, partnership, agreement, deliverable, task, link, event, measurement,
                   subscription, key, creator_note, community_request, payment):  # fmt: skip
        world.objects[type(record)] = record
    world.objects[Activity] = note  # a call (not a stage change: those are read-only to everyone)
    world.objects[BrandMention] = BrandMention.objects.get(brand=brand)
    world.objects[CommunityStance] = brand.community_stances.get()
    world.objects[SavedView] = saved_view_save(user=manager, name="Talks about nibs", query="talks_about=nib")
    _organization_a_outreach(world, manager, partnership)
    _organization_a_creator_side(world, manager, partnership, agreement)


def _organization_a_creator_side(world: World, manager, partnership: Partnership, agreement) -> None:
    """The creator's link to A's partnership and a change they proposed (issue 21)."""
    from partnerships.creator_portal.acceptance import counter_proposal_create
    from partnerships.creator_portal.links import creator_link_issue

    link, _token = creator_link_issue(partnership=partnership, actor=manager)
    world.objects[type(link)] = link
    proposal = counter_proposal_create(
        link=link, agreement=agreement, changes={"usage_rights_days": "30"}, note=f"{MARKER} proposal"
    )
    world.objects[type(proposal)] = proposal


def _organization_a_outreach(world: World, manager, partnership: Partnership) -> None:
    """A's sender (its password sealed), a template, a reply received, its sequence and a do-not-contact mark."""
    sender = sender_connect(
        organization=world.org_a, channel="email", actor=manager, secrets={"password": f"{MARKER}-password"},
        address="maya@inkwell.example", display_name=MARKER, smtp_host="127.0.0.1", smtp_port=9,
        smtp_security="none", imap_host="127.0.0.1", imap_port=9, imap_security="none",  # "Test" fails fast
    )  # fmt: skip
    template = template_save(
        organization=world.org_a, actor=manager, name=f"{MARKER} hello", subject="Hi {{ first_name }}",
        body=f"{MARKER} first message",
    )  # fmt: skip
    sequence = Sequence.objects.create(partnership=partnership, sender=sender, status=SequenceStatus.REPLIED)
    message = Message.objects.create(
        organization=world.org_a, partnership=partnership, creator=partnership.creator, sender=sender,
        sequence=sequence, direction=Direction.IN, channel="email", status=MessageStatus.RECEIVED,
        from_address="ivy@example.com", subject=f"{MARKER} reply", body=f"{MARKER} words", external_id="1:1",
    )  # fmt: skip
    mark = do_not_contact_mark(
        organization=world.org_a, creator=partnership.creator, source=ConsentSource.MANAGER, note=MARKER, actor=manager
    )
    # A message that matched no partnership waits in A's inbox (the inbox page lists only those).
    Message.objects.create(
        organization=world.org_a, sender=sender, direction=Direction.IN, channel="email",
        status=MessageStatus.RECEIVED, from_address="stranger@example.com", subject=f"{MARKER} unfiled",
        body="hello", external_id="1:2",
    )  # fmt: skip
    for record in (sender, template, sequence, message, mark):
        world.objects[type(record)] = record


def _operator_records(world: World, manager) -> None:
    """Records only operators (superusers) manage: users, groups, the beat schedules, sign-in logs."""
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    records = [
        manager,
        Group.objects.create(name="operators"),
        interval,
        CrontabSchedule.objects.create(minute="0", hour="4"),
        SolarSchedule.objects.create(event="sunrise", latitude=52.5, longitude=13.4),
        ClockedSchedule.objects.create(clocked_time=datetime(2030, 1, 1, tzinfo=UTC)),
        PeriodicTask.objects.create(name="sync", task="influencers.tasks.sync_tracked", interval=interval),
    ]
    if apps.is_installed("axes"):  # sign-in throttling: its records are the operators' too
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        seen = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "manager-a", "http_accept": "*/*",
                "path_info": "/admin/login/"}  # fmt: skip
        records += [
            AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1),
            AccessFailureLog.objects.create(**seen),
            AccessLog.objects.create(**seen),
        ]
    try:  # a workspace read live through a bot: its token is the operators' alone
        from influencers.services import live_connection_save
    except ImportError:
        pass
    else:
        records.append(
            live_connection_save(platform="slack", external_id="T0MATRIX1", token="xoxb-matrix-token-000000000")
        )
    for record in records:
        world.objects[type(record)] = record


def build_world() -> World:
    org_a = Organization.objects.create(name=f"Brand Team A {MARKER}", slug="team-a")
    org_b = Organization.objects.create(name="Agency B", slug="agency-b")
    owner_a = _user("owner-a", org_a, Role.OWNER)
    manager_a = _user("manager-a", org_a, Role.MANAGER)
    viewer_a = _user("viewer-a", org_a, Role.VIEWER)
    nonstaff_a = _user("nonstaff-a", org_a, Role.MANAGER, is_staff=False)
    manager_b = _user("manager-b", org_b, Role.MANAGER)
    stranger = _user("stranger")  # staff, but a member of no organization
    views_a_manages_b = _user("views-a-manages-b", org_b, Role.MANAGER)
    OrganizationMember.objects.create(organization=org_a, user=views_a_manages_b, role=Role.VIEWER)
    _read_key, read_a = api_key_create(organization=org_a, scope="read", name=f"{MARKER} reporting")
    _write_key, write_a = api_key_create(organization=org_a, scope="write", name=f"{MARKER} agency tool")
    _write_key_b, write_b = api_key_create(organization=org_b, scope="write")
    callers = {
        "anonymous": Caller(),
        "stranger": Caller(session_key=_session(stranger)),
        "owner_a": Caller(session_key=_session(owner_a)),
        "manager_a": Caller(session_key=_session(manager_a)),
        "viewer_a": Caller(session_key=_session(viewer_a)),
        "nonstaff_a": Caller(session_key=_session(nonstaff_a)),
        "manager_b": Caller(session_key=_session(manager_b)),
        "views_a_manages_b": Caller(session_key=_session(views_a_manages_b)),
        "read_a": Caller(api_key=read_a),
        "write_a": Caller(api_key=write_a),
        "write_b": Caller(api_key=write_b),
    }
    world = World(org_a=org_a, org_b=org_b, callers=callers)
    community, creator, _identity = _shared_discovery_data(world)
    _organization_a_records(world, manager_a, community, creator)
    # Organization B works with the same creator: its lists are not empty, and must still not show A's.
    brand_b = Brand.objects.create(organization=org_b, name="Ridgeline", slug="ridgeline")
    services.partnership_create(brand=brand_b, creator=creator, actor=manager_b, note="B's own")
    creator_note_save(
        organization=org_b, creator=creator, actor=manager_b, suspected_bot=True, bot_reason="B's own suspicion"
    )
    _operator_records(world, manager_a)
    _erased_account(world)
    return world


def _erased_account(world: World) -> None:
    """An account erased on request, the way an agency's tool does it: with organization A's write key."""
    try:
        erased_account = apps.get_model("influencers", "ErasedAccount")
        url = reverse("api:creator-erase", args=[0]).replace("/0/", "/{}/")
    except (LookupError, NoReverseMatch):
        return  # no erasure in this version of the app
    creator = Creator.objects.create(display_name="Erin Erased")
    Identity.objects.create(platform=Platform.REDDIT, external_id="erin", handle="erin", creator=creator)
    response = world.client("write_a").post(url.format(creator.pk), {"confirm": True}, format="json")
    if response.status_code == 202:  # filed as organization A's request: an operator confirms it
        from partnerships.privacy import erasure_request_confirm

        request = apps.get_model("influencers", "ErasureRequest").objects.get(pk=response.json()["id"])
        erasure_request_confirm(request=request, actor=_user("operator", is_superuser=True))
        world.objects[type(request)] = request
    if erased_account.objects.filter(identity__creator=creator).exists():  # else the matrix names the routes
        world.objects[erased_account] = erased_account.objects.get(identity__creator=creator)


@pytest.fixture(scope="module")
def plain_template_rendering():
    """Templates rendered without Django's test instrumentation, which copies the context of every
    template (an admin page includes dozens) for ``response.context``: the matrix reads statuses,
    headers and bodies only, and the copies cost a fifth of its time."""
    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render
    yield
    Template._render = instrumented


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, plain_template_rendering):
    with django_db_blocker.unblock(), transaction.atomic():
        # Never the developer's database: pytest-django sets the test database up only when a
        # collected test asks for ``db`` (which every test here does, through the fixture below).
        name = str(connection.settings_dict["NAME"])
        assert name.startswith(TEST_DATABASE_PREFIX) or "memory" in name, f"{name} is not a test database"
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def db(world, django_db_blocker):
    """pytest-django's ``db``, made cheap for the matrix: the world, with whatever the test writes
    undone afterwards (a savepoint in the module's transaction). The original also checks every
    foreign key of the database after each test, which costs more than most requests here. The
    name matters: pytest-django creates the test database for the tests that ask for ``db``."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world
        transaction.set_rollback(True)
