"""crm.tenancy on its own: who may see and change what, for each role, for operators, for API keys
(a Principal) and for shared discovery data. The pages, admin and API that use it are covered by
tests/security; these pin each helper's answer, so a changed comparison or a dropped check fails here
first (docs/testing.md, mutation testing)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from crm import tenancy
from crm.models import Organization, Role
from influencers.models import Creator
from partnerships.models import Partnership

pytestmark = pytest.mark.django_db


class Key:
    """An API key as tenancy sees it: a Principal with its roles and no membership rows."""

    is_authenticated = True
    is_superuser = False

    def __init__(self, roles):
        self.roles, self.asked = roles, 0

    def organization_roles(self):
        self.asked += 1
        return self.roles


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "op@example.com", "pw")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")  # signed in, a member of nothing


def test_how_each_model_reaches_its_organization():
    assert tenancy.organization_lookup_of(Organization) == "pk"
    assert tenancy.organization_lookup_of(Partnership) == "brand__organization"
    assert tenancy.organization_lookup_of(Creator) is None  # shared discovery data


def test_the_organization_of_a_record_follows_the_lookup(org_a, partnership_a, creator):
    assert tenancy.organization_of(partnership_a) == org_a
    assert tenancy.organization_of(org_a) is org_a
    assert tenancy.organization_of(creator) is None

    class Loose:
        organization_lookup = "brand__organization"

    loose = Loose()
    loose.brand = None  # a hop that leads nowhere: no organization, not an error
    assert tenancy.organization_of(loose) is None
    loose.brand = SimpleNamespace(organization=org_a)
    assert tenancy.organization_of(loose) == org_a


def test_organization_ids_by_role_asked_once_per_request(
    make_user, org_a, org_b, manager_a, viewer_a, owner_a, django_assert_num_queries
):
    both = make_user("both", org_a, Role.VIEWER)
    both.organization_memberships.create(organization=org_b, role=Role.MANAGER)
    assert tenancy.organization_ids_for(manager_a) == {org_a.pk}
    assert tenancy.organization_ids_for(manager_a, editable=True) == {org_a.pk}
    assert tenancy.organization_ids_for(owner_a, editable=True) == {org_a.pk}
    assert tenancy.organization_ids_for(viewer_a) == {org_a.pk}
    assert tenancy.organization_ids_for(viewer_a, editable=True) == set()
    assert tenancy.organization_ids_for(both) == {org_a.pk, org_b.pk}
    assert tenancy.organization_ids_for(both, editable=True) == {org_b.pk}
    with django_assert_num_queries(0):  # kept on the user for the rest of the request
        assert tenancy.organization_ids_for(both, editable=True) == {org_b.pk}
    assert tenancy.organization_ids_for(AnonymousUser()) == set()
    assert tenancy.organization_ids_for(None) == set()


def test_an_api_key_tells_its_roles_itself_once(org_a, org_b, django_assert_num_queries):
    key = Key({org_a.pk: Role.MANAGER, org_b.pk: Role.VIEWER})
    assert isinstance(key, tenancy.Principal)
    with django_assert_num_queries(0):  # no membership rows asked for
        assert tenancy.organization_ids_for(key) == {org_a.pk, org_b.pk}
        assert tenancy.organization_ids_for(key, editable=True) == {org_a.pk}
    assert key.asked == 1


def test_scoping_a_queryset(operator, manager_a, viewer_a, outsider, partnership_a, partnership_b, creator):
    partnerships = Partnership.objects.all()
    assert set(tenancy.scope_to_user(partnerships, operator)) == {partnership_a, partnership_b}
    assert list(tenancy.scope_to_user(partnerships, manager_a)) == [partnership_a]
    assert list(tenancy.scope_to_user(partnerships, manager_a, editable=True)) == [partnership_a]
    assert list(tenancy.scope_to_user(partnerships, viewer_a)) == [partnership_a]
    assert list(tenancy.scope_to_user(partnerships, viewer_a, editable=True)) == []
    assert list(tenancy.scope_to_user(partnerships, outsider)) == []
    # Shared data: every member of any organization reads it, nobody else.
    assert list(tenancy.scope_to_user(Creator.objects.all(), viewer_a)) == [creator]
    assert list(tenancy.scope_to_user(Creator.objects.all(), outsider)) == []


def test_who_may_view_and_edit_what(
    operator, manager_a, viewer_a, owner_a, outsider, partnership_a, partnership_b, creator
):
    for user in (manager_a, viewer_a, owner_a):
        assert tenancy.can_view(user, partnership_a) and not tenancy.can_view(user, partnership_b)
        assert tenancy.can_view(user) and tenancy.can_view(user, creator)
    assert tenancy.can_edit(manager_a, partnership_a) and tenancy.can_edit(owner_a, partnership_a)
    assert not tenancy.can_edit(manager_a, partnership_b)
    assert not tenancy.can_edit(viewer_a, partnership_a) and not tenancy.can_edit(viewer_a)
    assert not tenancy.can_edit(viewer_a, creator)
    assert tenancy.can_edit(manager_a) and tenancy.can_edit(manager_a, creator)
    assert not tenancy.can_view(outsider) and not tenancy.can_view(outsider, creator)
    assert not tenancy.can_edit(outsider) and not tenancy.can_edit(outsider, creator)
    for check in (tenancy.can_view, tenancy.can_edit):
        assert check(operator, partnership_b) and check(operator)


def test_members_pass_and_anyone_else_is_told_why(manager_a, outsider, operator):
    tenancy.require_member(manager_a)
    tenancy.require_member(operator)
    with pytest.raises(PermissionDenied, match="^You are not a member of any organization.$"):
        tenancy.require_member(outsider)


def test_owners_manage_their_organization_and_operators_every_one(org_a, org_b, owner_a, manager_a, operator):
    assert tenancy.owned_organization_ids(owner_a) == {org_a.pk}
    assert tenancy.owned_organization_ids(manager_a) == set()
    assert tenancy.owned_organization_ids(operator) == {org_a.pk, org_b.pk}
    assert tenancy.is_owner(owner_a, org_a) and not tenancy.is_owner(owner_a, org_b)
    assert not tenancy.is_owner(manager_a, org_a)
    assert tenancy.owned_organization_ids(Key({org_a.pk: Role.OWNER, org_b.pk: Role.MANAGER})) == {org_a.pk}


def test_a_page_is_for_signed_in_members(manager_a, outsider):
    @tenancy.member_required
    def page(request, number):
        """A page of the product."""
        return HttpResponse(f"page {number}")

    assert page.__name__ == "page" and page.__doc__ == "A page of the product."
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = page(request, 7)
    assert response.status_code == 302 and response.url == "/admin/login/?next=/somewhere/"
    request.user = outsider
    with pytest.raises(PermissionDenied, match="not a member of any organization"):
        page(request, 7)
    request.user = manager_a
    assert page(request, 7).content == b"page 7"


def test_a_record_is_found_only_where_it_may_be_seen_and_changed_only_where_it_may_be_edited(
    manager_a, viewer_a, partnership_a, partnership_b
):
    partnerships = Partnership.objects.all()
    assert tenancy.visible_or_404(viewer_a, partnerships, pk=partnership_a.pk) == partnership_a
    with pytest.raises(Http404):
        tenancy.visible_or_404(manager_a, partnerships, pk=partnership_b.pk)  # not admitted to exist
    assert tenancy.editable_or_403(manager_a, partnerships, pk=partnership_a.pk) == partnership_a
    with pytest.raises(Http404):
        tenancy.editable_or_403(manager_a, partnerships, pk=partnership_b.pk)
    with pytest.raises(PermissionDenied, match="^Viewers cannot move partnerships.$"):
        tenancy.editable_or_403(
            viewer_a, partnerships, refusal="Viewers cannot move partnerships.", pk=partnership_a.pk
        )
    with pytest.raises(PermissionDenied, match="^You can look at this but not change it.$"):
        tenancy.editable_or_403(viewer_a, partnerships, pk=partnership_a.pk)
    # A manager elsewhere is still only a viewer here: the record's own organization decides.
    viewer_a.organization_memberships.create(organization=partnership_b.brand.organization, role=Role.MANAGER)
    viewer_a._organization_roles = None
    with pytest.raises(PermissionDenied):
        tenancy.editable_or_403(viewer_a, partnerships, pk=partnership_a.pk)
    assert tenancy.editable_or_403(viewer_a, partnerships, pk=partnership_b.pk) == partnership_b
