"""Discover: ranked members of every community, filtered, sorted, paged by keyset; saved views;
adding one or many members to pipelines."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from crm.models import Role
from discovery.models import SavedView
from partnerships.models import Brand, CommunityStance, Partnership, Stance

pytestmark = pytest.mark.django_db
URL = "/discover/"


def handles(response) -> list[str]:
    """The members listed, in order (each row's handle)."""
    return re.findall(r'class="handle">([^<]+)<', response.content.decode())


@pytest.fixture
def people(coffee, pens, scored, creator, brand_a):
    """Four coffee people and two pen people. ``carol`` is already in Inkwell's pipeline."""
    made = {
        "alice": scored(coffee, "alice", score=0.91, rank=1, days_ago=2, weeks=40,
                        terms={"grinder": 7, "burr grinder": 3, "espresso": 12}, reach=90000, reach_kind="karma"),
        "bob": scored(coffee, "bob", score=0.72, rank=2, days_ago=20, weeks=25, terms={"grinder": 1, "kettle": 4}),
        "carol": scored(coffee, "carol", score=0.55, rank=3, days_ago=100, weeks=51, terms={"pour over": 2}),
        "dave": scored(coffee, "dave", score=0.20, rank=4, days_ago=None, weeks=2, terms={"espresso": 1}),
        "erin": scored(pens, "erin", score=0.88, rank=1, days_ago=5, weeks=12, terms={"nib": 30, "grinder": 1}),
        "frank": scored(pens, "frank", score=0.40, rank=2, days_ago=1, weeks=30, terms={"ink": 3}),
    }  # fmt: skip
    carol = made["carol"].identity
    carol.creator = creator
    carol.save()
    Partnership.objects.create(brand=brand_a, creator=creator, stage="discovered")
    return made


def test_every_ranked_member_of_every_community_by_score_with_rank_weeks_last_active_and_reach(
    client, manager_a, people
):
    client.force_login(manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert handles(response) == ["alice", "erin", "bob", "carol", "frank", "dave"]
    page = response.content.decode()
    alice_row = page[page.index(">alice<") : page.index(">erin<")]
    assert "0.91" in alice_row and "#1" in alice_row and "of 100" in alice_row
    assert "40" in alice_row and "90000 karma" in alice_row and "r/coffee" in alice_row
    assert "Reach (not ranked)" in page
    carol_row = page[page.index(">carol<") : page.index(">frank<")]
    assert "Inkwell: Discovered" in carol_row


def test_talks_about_finds_words_and_phrases_and_shows_how_often(client, manager_a, people):
    client.force_login(manager_a)
    assert handles(client.get(URL, {"talks_about": "grinder"})) == ["alice", "erin", "bob"]
    response = client.get(URL, {"talks_about": "Burr  Grinder"})
    assert handles(response) == ["alice"]
    assert "<mark>burr grinder</mark> ×3" in response.content.decode()
    assert handles(client.get(URL, {"talks_about": "kettle, nib"})) == ["erin", "bob"]
    assert handles(client.get(URL, {"talks_about": "tamper"})) == []


def test_talks_about_refuses_long_phrases_and_stop_words_with_a_message(client, manager_a, people):
    client.force_login(manager_a)
    response = client.get(URL, {"talks_about": "the best burr grinder"})
    assert response.status_code == 200
    assert "phrases of one or two words only" in response.content.decode()
    assert handles(response) == []
    response = client.get(URL, {"talks_about": "the, nib"})
    assert "too common a word" in response.content.decode()
    assert handles(response) == ["erin"]


def test_filters_by_community_platform_score_activity_and_pipeline(client, manager_a, people, coffee, pens):
    client.force_login(manager_a)
    assert handles(client.get(URL, {"community": [pens.pk]})) == ["erin", "frank"]
    assert handles(client.get(URL, {"community": [pens.pk, coffee.pk]}))[:2] == ["alice", "erin"]
    assert handles(client.get(URL, {"platform": "discourse"})) == ["erin", "frank"]
    assert handles(client.get(URL, {"min_score": "0.7"})) == ["alice", "erin", "bob"]
    assert handles(client.get(URL, {"active_weeks": "2"})) == ["alice", "erin", "frank"]
    assert "carol" not in handles(client.get(URL, {"not_in_pipeline": "on"}))
    combined = client.get(URL, {"talks_about": "grinder", "min_score": "0.5", "community": [coffee.pk]})
    assert handles(combined) == ["alice", "bob"]


def test_another_organizations_pipeline_does_not_count_as_yours(client, manager_b, people):
    client.force_login(manager_b)
    page = client.get(URL, {"not_in_pipeline": "on"})
    assert "carol" in handles(page)
    assert "Inkwell" not in page.content.decode()


def test_sorting_by_rank_last_active_and_weeks_active(client, manager_a, people):
    client.force_login(manager_a)
    assert handles(client.get(URL, {"sort": "rank"}))[:2] in (["alice", "erin"], ["erin", "alice"])
    assert handles(client.get(URL, {"sort": "rank"}))[2:4] in (["bob", "frank"], ["frank", "bob"])
    assert handles(client.get(URL, {"sort": "last_active"})) == ["frank", "alice", "erin", "bob", "carol", "dave"]
    assert handles(client.get(URL, {"sort": "weeks_active"})) == ["carol", "alice", "frank", "bob", "erin", "dave"]


def test_invalid_filters_are_named_and_left_out_never_a_500(client, manager_a, people):
    client.force_login(manager_a)
    response = client.get(
        URL, {"min_score": "lots", "active_weeks": "٣", "community": ["x"], "platform": "myspace", "sort": "karma"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Minimum score" in page and "Enter a whole number of weeks" in page and "(left out)" in page
    assert len(handles(response)) == 6
    for cursor in ("nonsense", "abc~1", "0.5~x", "~", "1e999~3"):
        assert client.get(URL, {"after": cursor}).status_code == 200
        assert client.get(URL, {"before": cursor, "sort": "last_active"}).status_code == 200


def test_keyset_pages_walk_every_member_once_forward_and_back(client, manager_a, coffee, scored):
    for n in range(120):
        scored(coffee, f"m{n:03}", score=round(1 - n / 200, 4) if n % 7 else 0.5, rank=n + 1, weeks=n % 9)
    client.force_login(manager_a)
    for sort in ("score", "rank", "weeks_active", "last_active"):
        seen, pages, params = [], [], {"sort": sort}
        while True:
            response = client.get(URL, params)
            pages.append(handles(response))
            seen += pages[-1]
            found = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', response.content.decode())
            if not found:
                break
            params = parse_qs(found.group(1).replace("&amp;", "&"))
        assert len(seen) == 120 and len(set(seen)) == 120, sort
        assert [len(p) for p in pages] == [50, 50, 20]
        back = re.search(r'href="\?([^"]*before=[^"]*)" rel="prev"', response.content.decode()).group(1)
        assert handles(client.get(URL, parse_qs(back.replace("&amp;", "&")))) == pages[1]
    # a filter survives paging: the next link keeps it
    response = client.get(URL, {"sort": "score", "min_score": "0.1"})
    next_link = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode()).group(1)
    assert parse_qs(next_link.replace("&amp;", "&"))["min_score"] == ["0.1"]


@pytest.mark.parametrize("members", [5, 50])
def test_a_page_costs_the_same_queries_whatever_its_length(
    client, manager_a, coffee, scored, brand_a, django_assert_num_queries, members
):
    CommunityStance.objects.create(brand=brand_a, community=coffee, stance=Stance.OBSERVING)
    for n in range(members):
        scored(coffee, f"m{n}", score=0.5 + n / 200, rank=n + 1, terms={"grinder": n + 1})
    client.force_login(manager_a)
    client.get(URL)  # the session and the user's roles, once
    # session, user, roles, communities, the page's ids, its rows, brands, saved views, stances, terms
    with django_assert_num_queries(10):
        response = client.get(URL, {"talks_about": "grinder", "min_score": "0.1", "community": [coffee.pk]})
    assert len(handles(response)) == members


def test_saved_views_are_kept_per_user_opened_and_deleted(client, manager_a, viewer_a, people):
    client.force_login(manager_a)
    response = client.post(
        reverse("discover-view-save"), {"name": " Grinder  people ", "query": "talks_about=grinder&after=0.5~3"}
    )
    view = SavedView.objects.get(user=manager_a)
    assert (view.name, view.query) == ("Grinder people", "talks_about=grinder")
    assert response.status_code == 302 and response["Location"] == "/discover/?talks_about=grinder"
    page = client.get(URL).content.decode()
    assert 'href="/discover/?talks_about=grinder">Grinder people</a>' in page
    client.post(reverse("discover-view-save"), {"name": "Grinder people", "query": "talks_about=kettle"})
    assert list(SavedView.objects.filter(user=manager_a).values_list("query", flat=True)) == ["talks_about=kettle"]
    assert client.post(reverse("discover-view-save"), {"name": "  ", "query": "x=1"}).status_code == 302
    assert SavedView.objects.count() == 1
    assert "Give the view a name." in client.get(URL).content.decode()  # (and the messages are read)

    client.force_login(viewer_a)  # another user of the same organization
    assert "Grinder people" not in client.get(URL).content.decode()
    assert client.post(reverse("discover-view-delete", args=[view.pk])).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.post(reverse("discover-view-save"), {"name": "Mine", "query": "sort=rank"})  # viewers may keep views

    client.force_login(manager_a)
    assert client.post(reverse("discover-view-delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert SavedView.objects.get().user == viewer_a


def test_add_many_goes_to_the_brands_watching_each_community_not_the_first_brand(
    client, manager_a, org_a, people, coffee, pens, brand_a
):
    bakery = Brand.objects.create(organization=org_a, name="Aardvark Bakery", slug="bakery")  # first by name
    CommunityStance.objects.create(brand=brand_a, community=pens, stance=Stance.OBSERVING)
    client.force_login(manager_a)
    erin, frank, alice = people["erin"], people["frank"], people["alice"]
    response = client.post(
        reverse("discover-add"),
        {"membership": [erin.pk, frank.pk, alice.pk], "brand": "", "query": "talks_about=grinder"},
    )
    assert response.status_code == 302 and response["Location"] == "/discover/?talks_about=grinder"
    in_pipeline = set(Partnership.objects.values_list("brand__name", "creator__identities__handle"))
    assert {("Inkwell", "erin"), ("Inkwell", "frank")} <= in_pipeline
    assert not Partnership.objects.filter(brand=bakery).exists()
    assert not Partnership.objects.filter(creator__identities__handle="alice").exists()
    said = [str(m) for m in response.wsgi_request._messages]
    assert any("erin: added to Inkwell's pipeline" in m and "frank: added" in m for m in said)
    assert any("alice: none of your brands watches r/coffee; choose a brand." in m for m in said)


def test_add_to_a_chosen_brand_reports_added_already_there_and_refused(
    client, manager_a, people, make_identity, scored, coffee, brand_a
):
    bot = scored(coffee, "autobot", score=0.3, rank=9, is_bot=True)
    client.force_login(manager_a)
    chosen = [people["alice"].pk, people["carol"].pk, bot.pk]
    response = client.post(reverse("discover-add"), {"membership": chosen, "brand": brand_a.pk})
    said = " | ".join(str(m) for m in response.wsgi_request._messages)
    assert "alice: added to Inkwell's pipeline." in said
    assert "carol: already in Inkwell's pipeline." in said
    assert "autobot: autobot is a bot or a deleted account." in said
    assert Partnership.objects.filter(brand=brand_a).count() == 2  # carol's, and alice's


def test_twenty_identical_requests_add_once(client, manager_a, people, brand_a):
    client.force_login(manager_a)
    for _ in range(20):
        client.post(reverse("discover-add"), {"only": people["bob"].pk, "brand": brand_a.pk})
    assert Partnership.objects.filter(brand=brand_a, creator__identities__handle="bob").count() == 1


def test_viewers_see_no_checkboxes_and_cannot_add(client, viewer_a, people, brand_a):
    client.force_login(viewer_a)
    page = client.get(URL).content.decode()
    assert 'name="membership"' not in page and "discover-add" not in page and "Add to pipeline" not in page
    response = client.post(reverse("discover-add"), {"membership": [people["bob"].pk], "brand": brand_a.pk})
    assert response.status_code == 403
    assert not Partnership.objects.filter(creator__identities__handle="bob").exists()


def test_another_organizations_brand_is_not_found_and_nothing_is_added(client, manager_b, people, brand_a):
    client.force_login(manager_b)
    response = client.post(reverse("discover-add"), {"membership": [people["bob"].pk], "brand": brand_a.pk})
    assert response.status_code == 404
    assert not Partnership.objects.filter(creator__identities__handle="bob").exists()


def test_nothing_ticked_or_garbage_ids_say_so(client, manager_a, people, brand_a):
    client.force_login(manager_a)
    for body in ({"brand": brand_a.pk}, {"membership": ["x", "-1", "٣"], "brand": brand_a.pk}):
        response = client.post(reverse("discover-add"), body)
        assert response.status_code == 302
        assert "Tick the members to add first." in [str(m) for m in response.wsgi_request._messages]
    response = client.post(reverse("discover-add"), {"membership": [people["bob"].pk], "brand": "abc"})
    assert "Choose one of your brands." in [str(m) for m in response.wsgi_request._messages]


def test_the_page_needs_a_member_login(client, make_user, people):
    assert client.get(URL).status_code == 302
    client.force_login(make_user("outsider"))
    assert client.get(URL).status_code == 403
    assert urlsplit(reverse("discover")).path == URL


def test_a_manager_of_one_organization_and_viewer_of_another_adds_only_where_they_edit(
    client, make_user, org_a, org_b, people, pens, brand_a, brand_b
):
    both = make_user("both", org_b, Role.MANAGER)
    from crm.models import OrganizationMember

    OrganizationMember.objects.create(organization=org_a, user=both, role=Role.VIEWER)
    for brand in (brand_a, brand_b):
        CommunityStance.objects.create(brand=brand, community=pens, stance=Stance.OBSERVING)
    client.force_login(both)
    client.post(reverse("discover-add"), {"membership": [people["erin"].pk], "brand": ""})
    assert list(
        Partnership.objects.filter(creator__identities__handle="erin").values_list("brand__name", flat=True)
    ) == ["Ridgeline"]


def test_naming_a_brand_one_only_views_is_refused_before_anything_else(client, make_user, org_a, org_b, brand_a):
    both = make_user("both", org_b, Role.MANAGER)
    from crm.models import OrganizationMember

    OrganizationMember.objects.create(organization=org_a, user=both, role=Role.VIEWER)
    client.force_login(both)
    assert client.post(reverse("discover-add"), {"brand": brand_a.pk}).status_code == 403
