"""The pipeline board and its moves, for every role (the browser test drags the cards)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Role
from influencers.models import Creator
from partnerships.models import Activity, Agreement, Partnership, ReviewRights, Stage, Task

pytestmark = pytest.mark.django_db
BOARD = "/pipeline/"


def move(client, partnership, stage, **extra):
    return client.post(
        reverse("pipeline-move", args=[partnership.pk]), {"stage": stage, **extra}, HTTP_ACCEPT="application/json"
    )


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/login/" in response.url


def test_a_manager_sees_a_column_per_stage_with_only_their_organizations_cards(
    client, manager_a, partnership_a, partnership_b
):
    client.force_login(manager_a)
    response = client.get(BOARD)
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.stage for c in columns] == [
        "discovered", "observing", "engaging", "outreach", "negotiating", "active", "renewal", "ended", "declined",
    ]  # fmt: skip
    shown = [card.pk for column in columns for card in column.cards]
    assert shown == [partnership_a.pk]
    page = response.content.decode()
    assert f'id="card-{partnership_a.pk}"' in page and f'id="card-{partnership_b.pk}"' not in page
    assert 'draggable="true"' in page and "Move…" in page


def test_a_viewer_looks_but_cannot_move(client, viewer_a, partnership_a):
    client.force_login(viewer_a)
    page = client.get(BOARD).content.decode()
    assert f'id="card-{partnership_a.pk}"' in page
    assert 'draggable="true"' not in page and "Move…" not in page
    response = move(client, partnership_a, Stage.OBSERVING)
    assert response.status_code == 403 and "not change it" in response.json()["error"]
    assert client.get(reverse("pipeline-move", args=[partnership_a.pk])).status_code == 403
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED


def test_another_organizations_card_cannot_be_moved_or_even_found(client, manager_a, partnership_b):
    client.force_login(manager_a)
    assert move(client, partnership_b, Stage.ENGAGING).status_code == 404
    assert client.get(reverse("pipeline-move", args=[partnership_b.pk])).status_code == 404
    partnership_b.refresh_from_db()
    assert partnership_b.stage == Stage.OBSERVING


def test_a_move_is_saved_and_recorded_with_who_did_it(client, manager_a, partnership_a):
    client.force_login(manager_a)
    response = move(client, partnership_a, Stage.OBSERVING, note="Lurking in the weekly threads first")
    assert response.status_code == 200
    assert response.json() == {"stage": "observing", "label": "Observing"}
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.OBSERVING
    activity = Activity.objects.filter(partnership=partnership_a).latest("occurred_at")
    assert (activity.actor, activity.from_stage, activity.to_stage) == (manager_a, "discovered", "observing")
    assert activity.body == "Lurking in the weekly threads first"


def test_a_refused_move_says_why_and_changes_nothing(client, manager_a, partnership_a):
    client.force_login(manager_a)
    response = move(client, partnership_a, Stage.OUTREACH)
    assert response.status_code == 400
    assert response.json()["error"].startswith("Observe first:") and response.json()["stage"] == "discovered"
    response = move(client, partnership_a, Stage.DECLINED)
    assert response.status_code == 400 and response.json()["error"] == "Say why the partnership was declined."
    assert move(client, partnership_a, "sideways").status_code == 400
    partnership_a.refresh_from_db()
    assert partnership_a.stage == Stage.DISCOVERED


def test_without_javascript_the_move_page_moves_and_goes_back_to_the_board(client, manager_a, partnership_a):
    client.force_login(manager_a)
    url = reverse("pipeline-move", args=[partnership_a.pk])
    page = client.get(url + "?next=/pipeline/%3Fq%3Dnib")
    assert page.status_code == 200 and "To stage" in page.content.decode()
    refused = client.post(url, {"stage": "declined", "next": "/pipeline/?q=nib"})
    assert refused.status_code == 400 and "Say why the partnership was declined." in refused.content.decode()
    done = client.post(url, {"stage": "declined", "reason": "Not a fit", "next": "/pipeline/?q=nib"})
    assert done.status_code == 302 and done.url == "/pipeline/?q=nib"
    elsewhere = client.post(url, {"stage": "observing", "next": "https://evil.example/"})
    assert elsewhere.url == "/pipeline/"  # never sent off-site


def test_filters_by_brand_owner_community_and_creator_search(client, manager_a, partnership_a, brand_a, community):
    client.force_login(manager_a)
    other = Partnership.objects.create(
        brand=brand_a, creator=Creator.objects.create(display_name="Sheen Queen"), stage=Stage.ACTIVE, owner=manager_a
    )
    partnership_a.communities.add(community)

    def shown(**params):
        columns = client.get(BOARD, params).context["columns"]
        return {card.pk for column in columns for card in column.cards}

    assert shown() == {partnership_a.pk, other.pk}
    assert shown(q="sheen") == {other.pk}
    assert shown(owner=manager_a.pk) == {other.pk}
    assert shown(community=community.pk) == {partnership_a.pk}
    assert shown(brand=brand_a.pk) == {partnership_a.pk, other.pk}
    assert shown(brand="not-a-number") == {partnership_a.pk, other.pk}


def test_cards_show_rank_next_task_and_creative_control(client, manager_a, partnership_a, org_a):
    Task.objects.create(
        organization=org_a, partnership=partnership_a, title="Ask about the meetup", due_on="2026-01-10"
    )
    Agreement.objects.create(
        partnership=partnership_a, starts_on="2026-01-01", creator_keeps_editorial_control=False,
        brand_review_rights=ReviewRights.APPROVAL,
    )  # fmt: skip
    client.force_login(manager_a)
    card = client.get(BOARD).context["columns"][0].cards[0]
    assert card.next_task.title == "Ask about the meetup"
    assert (card.control.key, card.control.badge) == ("brand", "brand approves")
    page = client.get(BOARD).content.decode()
    assert "Ask about the meetup" in page
    # The badge's class is the stable key, whatever its words say.
    assert '<span class="badge control-brand">brand approves</span>' in page


@pytest.mark.parametrize(
    "editorial_control, review_rights, key, badge, summary",
    [
        (None, "", "none", "no agreement yet", "No agreement yet"),
        (True, ReviewRights.NONE, "creator", "creator keeps control",
         "Creator keeps editorial control; no brand review"),
        (True, ReviewRights.FACTUAL_CHECK, "creator-brand-checks", "creator controls, brand checks facts",
         "Creator keeps editorial control; brand checks facts only"),
        (False, ReviewRights.APPROVAL, "brand", "brand approves",
         "Brand has editorial say; review: approval before publishing"),
    ],
)  # fmt: skip
def test_creative_control_is_worded_once_for_the_board_the_page_and_the_api(
    editorial_control, review_rights, key, badge, summary
):
    """The card, the agreement (page, admin list, API summary) and the CSS class read one definition."""
    from partnerships.models import creative_control_of
    from partnerships.selectors import Card

    card = Card(pk=1, stage="active", creator_id=1, creator="Ivy", brand="Inkwell",
                editorial_control=editorial_control, review_rights=review_rights)  # fmt: skip
    assert (card.control.key, card.control.badge, card.control.summary) == (key, badge, summary)
    if editorial_control is not None:
        agreement = Agreement(creator_keeps_editorial_control=editorial_control, brand_review_rights=review_rights)
        assert agreement.creative_control_summary == summary
        assert agreement.creative_control == creative_control_of(
            editorial_control=editorial_control, review_rights=review_rights
        )


def test_the_board_costs_the_same_queries_whatever_the_number_of_cards(client, manager_a, brand_a, org_a, community):
    client.force_login(manager_a)

    def add(count):
        for i in range(count):
            creator = Creator.objects.create(display_name=f"creator {Creator.objects.count()}")
            partnership = Partnership.objects.create(brand=brand_a, creator=creator, stage=Stage.values[i % 9],
                                                     owner=manager_a, close_reason="no")  # fmt: skip
            partnership.communities.add(community)
            Task.objects.create(organization=org_a, partnership=partnership, title="follow up", due_on="2026-02-01")
            Agreement.objects.create(partnership=partnership, starts_on="2026-01-01")

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(BOARD).status_code == 200
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(BOARD)
    assert sum(column.count for column in response.context["columns"]) == 33
    assert len(many) == len(few), json.dumps([q["sql"][:120] for q in many.captured_queries], indent=1)


def test_someone_outside_any_organization_is_refused(client, make_user):
    client.force_login(make_user("loner", None, Role.MANAGER))
    assert client.get(BOARD).status_code == 403


def test_the_benchmarks_template_writes_the_same_cards_as_the_board(client, manager_a, partnership_a, org_a):
    """benchmarks/pipeline_board.py times board_html against a template loop: only a fair race if
    both write the same markup."""
    from pathlib import Path

    from django.template import Context, Engine

    from partnerships.board_html import cards_html

    Task.objects.create(
        organization=org_a, partnership=partnership_a, title="Ask <about> the meetup", due_on="2026-01-10"
    )
    Agreement.objects.create(partnership=partnership_a, starts_on="2026-01-01")
    client.force_login(manager_a)
    cards = client.get(BOARD).context["columns"][0].cards
    templates = Path(__file__).resolve().parents[2] / "benchmarks" / "templates"
    template = Engine(dirs=[str(templates)]).get_template("board_cards.html")
    for can_move in (True, False):
        context = Context({"cards": cards, "can_move": can_move, "back": "%2Fpipeline%2F"})
        by_template = template.render(context).replace("\n", "")
        assert by_template == str(cards_html(cards, can_move=can_move, back="%2Fpipeline%2F"))


def test_a_card_without_an_owner_names_nobody(manager_a, partnership_a):
    from partnerships.selectors import pipeline_board

    assert partnership_a.owner is None
    [card] = [card for column in pipeline_board(user=manager_a) for card in column.cards]
    assert card.owner == ""  # was "None None"
