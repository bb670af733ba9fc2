"""The board's comforts: "+ New partnership" without the admin, the community on a card linking to
its page by the name every page uses, a move form that goes forward by default and keeps what was
typed when refused, and a task form that offers each person once."""

import re

import pytest
from django.urls import reverse

from crm.models import OrganizationMember, Role
from influencers.models import Community, Creator, Membership, Platform
from partnerships.models import Activity, ActivityKind, Brand, Partnership, Stage

pytestmark = pytest.mark.django_db
NEW = "/pipeline/new/"


@pytest.fixture
def pens():
    # Named by its export, as an import may leave it; pages call it as people write it.
    return Community.objects.create(platform=Platform.REDDIT, external_id="fountainpens", name="FountainPens export")


@pytest.fixture
def sheen(make_identity, pens):
    identity = make_identity("sheen_queen", display_name="Sheena Q.")
    Membership.objects.create(identity=identity, community=pens)
    return identity


def radio_values(html: str) -> list[str]:
    return re.findall(r'name="who" value="([^"]+)"', html)


# --- + New partnership ---------------------------------------------------------------------------------


def test_the_board_offers_new_partnership_to_editors_only(client, manager_a, viewer_a, brand_a):
    client.force_login(manager_a)
    board = client.get(f"/pipeline/?brand={brand_a.pk}").content.decode()
    assert f'href="{NEW}?brand={brand_a.pk}">+ New partnership</a>' in board
    client.force_login(viewer_a)
    assert "+ New partnership" not in client.get("/pipeline/").content.decode()
    assert client.get(NEW + "?q=sheen").status_code == 403


def test_a_handle_finds_the_account_with_its_community_and_a_name_finds_the_creator(
    client, manager_a, brand_a, sheen, pens
):
    ivy = Creator.objects.create(display_name="Ivy Sheen")
    client.force_login(manager_a)
    response = client.get(NEW, {"q": "sheen"})
    assert response.status_code == 200
    html = response.content.decode()
    assert radio_values(html) == [f"identity:{sheen.pk}", f"creator:{ivy.pk}"]
    assert "Sheena Q." in html and "Reddit · sheen_queen" in html and "r/fountainpens" in html
    assert "FountainPens export" not in html
    # The only community found is chosen; the brand menu holds the brands the user may add to.
    assert f'<option value="{pens.pk}" selected>r/fountainpens</option>' in html
    assert f'<option value="{brand_a.pk}">Inkwell</option>' in html


def test_nobody_found_says_so_and_offers_no_form_to_submit(client, manager_a, brand_a, sheen):
    client.force_login(manager_a)
    html = client.get(NEW, {"q": "zzz-nobody"}).content.decode()
    assert "Nobody found for “zzz-nobody”" in html and "Add to the pipeline" not in html


def test_a_bot_is_not_offered(client, manager_a, brand_a, make_identity):
    make_identity("sheen_bot", is_bot=True)
    client.force_login(manager_a)
    assert radio_values(client.get(NEW, {"q": "sheen"}).content.decode()) == []


def test_adding_an_account_creates_the_partnership_in_discovered_with_its_community(
    client, manager_a, brand_a, sheen, pens
):
    client.force_login(manager_a)
    response = client.post(
        reverse("pipeline-add"),
        {"brand": brand_a.pk, "who": f"identity:{sheen.pk}", "community": pens.pk, "next": NEW + "?q=sheen"},
    )
    partnership = Partnership.objects.get(brand=brand_a)
    assert response.status_code == 302 and response.url == reverse("partnership", args=[partnership.pk])
    sheen.refresh_from_db()
    assert partnership.creator == sheen.creator and partnership.creator.display_name == "Sheena Q."
    assert (partnership.stage, partnership.owner) == (Stage.DISCOVERED, manager_a)
    assert list(partnership.communities.all()) == [pens]
    entry = Activity.objects.get(partnership=partnership)
    assert (entry.kind, entry.to_stage, entry.actor) == (ActivityKind.STAGE_CHANGE, Stage.DISCOVERED, manager_a)


def test_adding_a_creator_by_name_and_again_is_refused_saying_where_they_are(client, manager_a, brand_a, creator):
    client.force_login(manager_a)
    form = {"brand": brand_a.pk, "who": f"creator:{creator.pk}", "next": NEW + "?q=ivy"}
    client.post(reverse("pipeline-add"), form)
    assert Partnership.objects.get(brand=brand_a).creator == creator
    again = client.post(reverse("pipeline-add"), form, follow=True)
    assert again.redirect_chain[-1][0] == NEW + "?q=ivy"
    assert "Ivy Lambert is already in Inkwell&#x27;s pipeline (Discovered)." in again.content.decode()
    # The page says so before anyone tries.
    assert "Already with Inkwell (Discovered)" in client.get(NEW, {"q": "ivy"}).content.decode()
    assert Partnership.objects.count() == 1


def test_a_choice_not_from_the_list_is_a_message_not_a_500(client, manager_a, brand_a):
    client.force_login(manager_a)
    response = client.post(reverse("pipeline-add"), {"brand": brand_a.pk, "who": "brand:1", "next": NEW}, follow=True)
    assert response.status_code == 200 and "Who: Choose someone from the list." in response.content.decode()
    nobody = client.post(reverse("pipeline-add"), {"brand": brand_a.pk, "next": NEW}, follow=True)
    assert "Say whom to add." in nobody.content.decode()
    assert not Partnership.objects.exists()


def test_another_organizations_brand_is_not_offered_nor_accepted(client, manager_a, brand_a, brand_b, creator):
    client.force_login(manager_a)
    html = client.get(NEW, {"q": "ivy"}).content.decode()
    assert "Inkwell" in html and "Ridgeline" not in html
    refused = client.post(reverse("pipeline-add"), {"brand": brand_b.pk, "who": f"creator:{creator.pk}"})
    assert refused.status_code == 404 and not Partnership.objects.exists()


# --- the card's community -----------------------------------------------------------------------------


def test_a_cards_community_links_to_its_page_by_its_label(client, manager_a, partnership_a, pens):
    partnership_a.communities.add(pens)
    client.force_login(manager_a)
    html = client.get("/pipeline/").content.decode()
    assert f'<a class="community" href="/communities/{pens.pk}/">r/fountainpens</a>' in html
    # The board's community filter names it the same way.
    assert f'<option value="{pens.pk}" >r/fountainpens</option>' in html
    assert "FountainPens export" not in html


# --- the move form ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "offered"),
    [(Stage.DISCOVERED, "observing"), (Stage.OBSERVING, "engaging"), (Stage.ACTIVE, "renewal")],
)
def test_the_move_page_offers_the_next_stage_first(client, manager_a, partnership_a, now, offered):
    Partnership.objects.filter(pk=partnership_a.pk).update(stage=now)
    client.force_login(manager_a)
    html = client.get(reverse("pipeline-move", args=[partnership_a.pk])).content.decode()
    assert re.findall(r'<option value="(\w+)" selected>', html) == [offered]
    assert re.findall(r'<option value="(\w+)" disabled>', html) == [now]


def test_the_board_tells_its_script_the_next_stage_of_each(client, manager_a, partnership_a):
    client.force_login(manager_a)
    html = client.get("/pipeline/").content.decode()
    assert (
        'data-next-stages="{&quot;discovered&quot;: &quot;observing&quot;, &quot;observing&quot;: &quot;engaging&quot;'
        in html
    )


def test_a_refused_decline_keeps_the_note_and_the_stage_typed(client, manager_a, partnership_a):
    client.force_login(manager_a)
    url = reverse("pipeline-move", args=[partnership_a.pk])
    refused = client.post(url, {"stage": "declined", "note": "They asked us <not> to write again", "reason": ""})
    html = refused.content.decode()
    assert refused.status_code == 400 and "Say why the partnership was declined." in html
    assert '<textarea name="note" rows="3">They asked us &lt;not&gt; to write again</textarea>' in html
    assert re.findall(r'<option value="(\w+)" selected>', html) == ["declined"]
    done = client.post(url, {"stage": "declined", "note": "They asked us not to write again", "reason": "No deals"})
    assert done.status_code == 302
    entry = Activity.objects.get(partnership=partnership_a, to_stage="declined")
    assert entry.body == "They asked us not to write again"


# --- the task form ------------------------------------------------------------------------------------


def test_the_task_form_offers_me_once_then_the_others(client, manager_a, make_user, org_a, partnership_a):
    make_user("zoe", org_a, Role.VIEWER, first_name="Zoe", last_name="Park")
    make_user("adam", org_a, Role.OWNER, first_name="Adam", last_name="Ames")
    client.force_login(manager_a)
    html = client.get(reverse("partnership", args=[partnership_a.pk])).content.decode()
    select = re.search(r'<select name="assignee"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]+)</option>', select)
    assert [(label, bool(chosen)) for _, chosen, label in options] == [
        ("Me", True), ("Adam Ames", False), ("Zoe Park", False),
    ]  # fmt: skip
    assert options[0][0] == str(manager_a.pk)


def test_a_task_for_me_or_for_someone_else_is_assigned_to_them(client, manager_a, make_user, org_a, partnership_a):
    zoe = make_user("zoe", org_a, Role.MANAGER, first_name="Zoe")
    client.force_login(manager_a)
    url = reverse("task-new", args=[partnership_a.pk])
    client.post(url, {"title": "Read their guides", "assignee": manager_a.pk})
    client.post(url, {"title": "Ask about the meetup", "assignee": zoe.pk})
    client.post(url, {"title": "Nobody chosen"})
    assignees = dict(partnership_a.tasks.values_list("title", "assignee__username"))
    assert assignees == {"Read their guides": "manager-a", "Ask about the meetup": "zoe", "Nobody chosen": "manager-a"}


def test_a_brand_of_the_users_other_organization_only_viewed_is_not_offered(client, make_user, org_a, org_b, creator):
    """Someone who manages B and only views A adds to B's brands, never A's."""
    Brand.objects.create(organization=org_a, name="Inkwell", slug="inkwell")
    Brand.objects.create(organization=org_b, name="Ridgeline", slug="ridgeline")
    person = make_user("both", org_b, Role.MANAGER)
    OrganizationMember.objects.create(organization=org_a, user=person, role=Role.VIEWER)
    client.force_login(person)
    html = client.get(NEW, {"q": "ivy"}).content.decode()
    assert "Ridgeline" in html and ">Inkwell<" not in html


def test_the_brand_offered_first_is_one_that_watches_their_community(client, manager_a, org_a, brand_a, sheen, pens):
    from partnerships.models import CommunityStance

    bakery = Brand.objects.create(organization=org_a, name="A Bakery", slug="bakery")  # first by name
    CommunityStance.objects.create(brand=brand_a, community=pens)
    client.force_login(manager_a)
    html = client.get(NEW, {"q": "sheen"}).content.decode()
    assert f'<option value="{brand_a.pk}" selected>Inkwell</option>' in html
    assert f'<option value="{bakery.pk}">A Bakery</option>' in html
    asked = client.get(NEW, {"q": "sheen", "brand": bakery.pk}).content.decode()
    assert f'<option value="{bakery.pk}" selected>A Bakery</option>' in asked
    assert f'<input type="hidden" name="brand" value="{bakery.pk}">' in asked
