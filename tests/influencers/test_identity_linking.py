"""One person, several accounts: linking identities to a creator, and same-handle suggestions."""

import pytest
from django.urls import reverse

from influencers import selectors, services
from influencers.models import Creator, Identity
from partnerships.models import Activity, Partnership

pytestmark = pytest.mark.django_db


def test_linking_accounts_keeps_the_existing_creator_and_merges_the_empty_one(make_identity, partnership_a):
    reddit = make_identity("inkyfingers", creator=partnership_a.creator)
    discord = make_identity("InkyFingers", platform="discord", creator=Creator.objects.create(display_name="Inky"))
    Activity.objects.create(
        organization=partnership_a.brand.organization, creator=discord.creator, summary="Met at a meetup"
    )
    creator = services.creator_link_identities(identities=[reddit, discord])
    assert creator == partnership_a.creator
    assert set(creator.identities.all()) == {reddit, discord}
    assert Creator.objects.count() == 1  # the other creator had nothing left: merged and removed
    assert Activity.objects.get(summary="Met at a meetup").creator == creator
    assert Partnership.objects.get().creator == creator


def test_linking_unlinked_accounts_creates_one_creator(make_identity):
    accounts = [make_identity("nibmeister"), make_identity("nibmeister", platform="slack")]
    creator = services.creator_link_identities(identities=accounts)
    assert creator.display_name == "nibmeister"
    assert Identity.objects.filter(creator=creator).count() == 2


def test_same_handle_on_several_platforms_is_suggested_until_linked(make_identity):
    make_identity("sheen_queen")
    make_identity("Sheen_Queen", platform="discord")
    make_identity("only_here")
    make_identity("sheen_queen_bot", is_bot=True)
    groups = selectors.identity_same_handle_suggestions()
    assert [[i.platform for i in group] for group in groups] == [["discord", "reddit"]]
    services.creator_link_identities(identities=groups[0])
    assert selectors.identity_same_handle_suggestions() == []


def test_operators_link_from_the_admin_and_members_only_look(client, manager_a, viewer_a, make_user, make_identity):
    """Linking moves every organization's partnerships with the person: operators link; a manager
    sees the suggestions like a viewer, and a crafted POST changes nothing."""
    a, b = make_identity("sheen_queen"), make_identity("Sheen_Queen", platform="discord")
    url = reverse("admin:influencers_identity_same_handle")
    for member in (viewer_a, manager_a):
        client.force_login(member)
        page = client.get(url)
        assert page.status_code == 200 and b"Sheen_Queen" in page.content and b"Link as one person" not in page.content
        assert client.post(url, {"identity": [a.pk, b.pk]}).status_code == 403
    a.refresh_from_db()
    assert a.creator is None
    client.force_login(make_user("operator", is_superuser=True))
    assert client.post(url, {"identity": [a.pk, b.pk]}).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.creator is not None and a.creator == b.creator
