"""Shared fixtures: two organizations with people in every role, and a small CRM in each."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from crm.models import Organization, OrganizationMember, Role
from influencers.models import Community, Creator, Identity, Interaction, Platform
from partnerships.models import Brand, Partnership, Stage


@pytest.fixture
def make_user(db):
    def make(username, organization=None, role=Role.MANAGER, **extra):
        user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True, **extra)
        if organization is not None:
            OrganizationMember.objects.create(organization=organization, user=user, role=role)
        return user

    return make


@pytest.fixture
def org_a(db):
    return Organization.objects.create(name="Brand Team A", slug="team-a")


@pytest.fixture
def org_b(db):
    return Organization.objects.create(name="Agency B", slug="agency-b")


@pytest.fixture
def manager_a(make_user, org_a):
    return make_user("manager-a", org_a, Role.MANAGER)


@pytest.fixture
def viewer_a(make_user, org_a):
    return make_user("viewer-a", org_a, Role.VIEWER)


@pytest.fixture
def owner_a(make_user, org_a):
    return make_user("owner-a", org_a, Role.OWNER)


@pytest.fixture
def manager_b(make_user, org_b):
    return make_user("manager-b", org_b, Role.MANAGER)


@pytest.fixture
def community(db):
    return Community.objects.create(platform=Platform.REDDIT, external_id="fountainpens", name="r/fountainpens")


@pytest.fixture
def make_identity(db):
    def make(handle, platform=Platform.REDDIT, **extra):
        return Identity.objects.create(platform=platform, external_id=handle.lower(), handle=handle, **extra)

    return make


@pytest.fixture
def make_interaction(community):
    def make(external_id, author, *, kind="post", at=None, **extra):
        return Interaction.objects.create(
            community=extra.pop("community", community),
            external_id=external_id,
            kind=kind,
            author=author,
            posted_at=at or datetime(2026, 1, 5, 12, tzinfo=UTC),
            **extra,
        )

    return make


@pytest.fixture
def brand_a(org_a):
    return Brand.objects.create(organization=org_a, name="Inkwell", slug="inkwell", aliases=["Inkwell"])


@pytest.fixture
def brand_b(org_b):
    return Brand.objects.create(organization=org_b, name="Ridgeline", slug="ridgeline")


@pytest.fixture
def creator(db):
    return Creator.objects.create(display_name="Ivy Lambert")


@pytest.fixture
def partnership_a(brand_a, creator):
    return Partnership.objects.create(brand=brand_a, creator=creator, stage=Stage.DISCOVERED)


@pytest.fixture
def partnership_b(brand_b, creator):
    return Partnership.objects.create(brand=brand_b, creator=creator, stage=Stage.OBSERVING)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (API keys and throttle counts are kept there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
