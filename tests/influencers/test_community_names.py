"""One community name format: what the pages show is what every command accepts, and
`manage.py communities` lists what was imported."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from influencers.models import Community, Platform, RankingRun, RankingStatus
from influencers.selectors import community_by_key
from influencers.services import community_memberships_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(community):
    """r/fountainpens (the shared fixture), a Discord server and a forum."""
    server = Community.objects.create(platform=Platform.DISCORD, external_id="748545324524575035", name="Ink Lovers")
    forum = Community.objects.create(
        platform=Platform.DISCOURSE, external_id="https://forum.penhaven.example", name="Pen Haven"
    )
    return community, server, forum


@pytest.mark.parametrize(
    "typed",
    ["reddit:fountainpens", "reddit:FountainPens", "r/fountainpens", "R/FountainPens", "/r/fountainpens/"],
)
def test_a_subreddit_is_found_by_its_key_or_as_the_pages_write_it(places, typed):
    assert community_by_key(typed) == places[0]


def test_other_communities_are_found_by_the_name_the_pages_show_in_any_case(places):
    _, server, forum = places
    assert community_by_key("Ink Lovers") == server
    assert community_by_key("ink lovers") == server
    assert community_by_key("  Pen Haven ") == forum
    assert community_by_key("discord:748545324524575035") == server


def test_an_unknown_community_names_the_close_matches(places):
    with pytest.raises(LookupError) as typo:
        community_by_key("r/fountainpen")
    assert str(typo.value) == "no community 'r/fountainpen'; did you mean r/fountainpens (reddit:fountainpens)?"
    with pytest.raises(LookupError) as typo:
        community_by_key("reddit:fountainpen")
    assert str(typo.value).endswith("did you mean r/fountainpens (reddit:fountainpens)?")
    with pytest.raises(LookupError) as typo:
        community_by_key("Ink Lover")
    assert str(typo.value).startswith("'Ink Lover' is not PLATFORM:COMMUNITY")
    assert str(typo.value).endswith("did you mean Ink Lovers (discord:748545324524575035)?")


def test_nothing_close_says_how_to_import_and_two_of_a_name_ask_for_the_key(places):
    with pytest.raises(LookupError, match=r"^no community 'reddit:knitting' \(import it first"):
        community_by_key("reddit:knitting")
    Community.objects.create(platform=Platform.SLACK, external_id="T061A2UFL", name="Ink Lovers")
    with pytest.raises(LookupError) as twice:
        community_by_key("Ink Lovers")
    assert str(twice.value) == (
        "several communities are named 'Ink Lovers': name one by its key (discord:748545324524575035, slack:T061A2UFL)"
    )


def test_rank_and_insight_take_the_name_the_pages_show(places, make_identity, make_interaction):
    alice, bob = make_identity("alice"), make_identity("bob")
    post = make_interaction("t3_a", alice, title="Which nib?")
    make_interaction("t1_b", bob, kind="comment", parent=post, target=alice, text="A fine one")
    out = io.StringIO()
    call_command("rank", "r/FountainPens", "--json", stdout=out, stderr=io.StringIO())
    assert {row["handle"] for row in json.loads(out.getvalue())} == {"alice", "bob"}
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("insight", "r/fountainpen", stderr=err)
    assert exit_.value.code == 2
    assert (
        err.getvalue().strip()
        == "insight: no community 'r/fountainpen'; did you mean r/fountainpens (reddit:fountainpens)?"
    )


def test_the_communities_command_lists_key_name_counts_activity_and_ranking(places, make_identity, make_interaction):
    pens, server, _ = places
    alice, bob = make_identity("alice"), make_identity("bob")
    post = make_interaction("t3_a", alice, title="Which nib?")
    make_interaction("t1_b", bob, kind="comment", parent=post, target=alice)
    make_interaction("m1", alice, community=server)
    community_memberships_refresh(community=pens)
    Community.objects.filter(pk=pens.pk).update(last_activity_at=datetime(2026, 1, 5, 12, tzinfo=UTC))
    RankingRun.objects.create(
        community=pens, status=RankingStatus.COMPLETED, algorithm_version="t", ranked_members=2,
        window_start=datetime(2025, 1, 5, tzinfo=UTC), window_end=datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    out = io.StringIO()
    call_command("communities", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["key", "name", "members", "interactions", "last", "activity", "last", "ranking"]
    by_key = {line.split()[0]: line for line in lines[2:-1]}
    assert set(by_key) == {
        "reddit:fountainpens",
        "discord:748545324524575035",
        "discourse:https://forum.penhaven.example",
    }
    assert by_key["reddit:fountainpens"].split() == [
        "reddit:fountainpens", "r/fountainpens", "2", "2", "2026-01-05", "2026-01-05", "(2", "ranked)",
    ]  # fmt: skip
    assert by_key["discord:748545324524575035"].split()[1:] == ["Ink", "Lovers", "0", "1", "—", "never"]
    # Columns line up: every row's counts end where the header's do.
    assert len({line.index("members") + len("members") for line in lines[:1]} | {
        len(line[: lines[0].index("members") + len("members")]) for line in lines[2:-1]
    }) == 1  # fmt: skip
    assert lines[-1].startswith("3 communities.")

    out = io.StringIO()
    call_command("communities", "--json", stdout=out)
    rows = {row["key"]: row for row in json.loads(out.getvalue())}
    assert rows["reddit:fountainpens"] | {} == {
        "key": "reddit:fountainpens", "name": "r/fountainpens", "platform": "reddit", "members": 2,
        "interactions": 2, "last_activity": "2026-01-05T12:00:00+00:00", "last_ranking": "2026-01-05T00:00:00+00:00",
        "ranked_members": 2, "tracked": False,
    }  # fmt: skip
    assert (
        rows["discord:748545324524575035"]["members"] == 0 and rows["discord:748545324524575035"]["interactions"] == 1
    )


def test_the_communities_command_on_an_empty_database_says_how_to_start():
    out = io.StringIO()
    call_command("communities", stdout=out)
    assert out.getvalue().startswith("No communities yet: import one with `manage.py ingest`")
    out = io.StringIO()
    call_command("communities", "--json", stdout=out)
    assert json.loads(out.getvalue()) == []
