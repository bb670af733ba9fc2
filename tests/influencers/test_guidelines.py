"""A community's own rules, as its source gives them: subreddit rules and forum categories.

They are stored on the community (``Community.guidelines``) when a sync reads them, replace what
was stored, and are left alone by anything that does not read them (a dump) or cannot (a 403).
"""

import json
import threading
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influencers.connectors.discourse import categories_to_guidelines, read_saved
from influencers.connectors.records import (
    MAX_GUIDELINE_DESCRIPTION,
    MAX_GUIDELINE_TITLE,
    MAX_GUIDELINES,
    CommunityRecord,
    Guideline,
    InteractionRecord,
)
from influencers.connectors.reddit_things import rules_to_guidelines
from influencers.ingest.runs import sync_run_create
from influencers.ingest.service import run_ingest
from influencers.models import Community, Interaction, SyncRun
from tests.fakes.reddit import rule
from tests.influencers.connectors.test_discourse import FakeForum
from tests.influencers.test_reddit_live import fountainpens, ingest_live

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CATEGORIES = json.loads((FIXTURES / "discourse" / "categories.json").read_text())
RC = str(FIXTURES / "reddit" / "RC_fountainpens_2024-01.ndjson")

NO_SHOPS = rule("No shop links", "Link to a shop only when asked.", kind="link", priority=0)
BE_KIND = rule("Be kind to beginners", "Everyone started with a Safari.\n\nNo gatekeeping.", kind="comment", priority=1)
SWATCHES = rule("Swatch posts need the ink's name", "In the title.", kind="link", priority=2)


def stored(key="reddit:fountainpens") -> Community:
    platform, external_id = key.split(":", 1)
    return Community.objects.get(platform=platform, external_id=external_id)


def as_stored(*rules: dict) -> list[dict]:
    return [{"kind": "rule", "title": r["short_name"], "description": r["description"]} for r in rules]


def asked_for_rules(fake) -> bool:
    return any(path.startswith("/r/fountainpens/about/rules") for method, path in fake.requests if method == "GET")


@pytest.fixture
def praw_pauses(monkeypatch):
    """prawcore's pauses before its own retries, recorded instead of slept."""
    from prawcore.sessions import FiniteRetryStrategy

    pauses = []
    monkeypatch.setattr(FiniteRetryStrategy, "sleep", lambda self: pauses.append(self._sleep_seconds()))
    return pauses


# --- Reddit, live --------------------------------------------------------------------------------


def test_a_live_sync_stores_the_subreddits_rules_in_the_subreddits_order(monkeypatch):
    with fountainpens() as fake:
        fake.set_rules("fountainpens", [NO_SHOPS, BE_KIND, SWATCHES])
        summary = ingest_live(fake, monkeypatch)
    assert (summary["created"], summary["skipped"]) == (6, 0)  # the posts as before
    community = stored()
    assert community.guidelines == as_stored(NO_SHOPS, BE_KIND, SWATCHES)  # Reddit's site_rules are not its own
    assert community.guidelines_updated_at is not None
    assert asked_for_rules(fake)


def test_rules_are_ordered_by_their_priority_and_ties_keep_the_order_reddit_listed_them_in():
    listed = [SWATCHES, NO_SHOPS, rule("Tie", priority=2), rule("No priority", priority=None), BE_KIND]
    titles = [g.title for g in rules_to_guidelines(listed)]
    assert titles == ["No shop links", "Be kind to beginners", "Swatch posts need the ink's name", "Tie", "No priority"]


@pytest.mark.parametrize("status", [403, 404])
def test_rules_refused_do_not_stop_the_sync_and_the_community_goes_without_them(monkeypatch, status):
    with fountainpens() as fake:
        fake.set_rules("fountainpens", [], status=status)  # private or quarantined (403), gone (404)
        summary = ingest_live(fake, monkeypatch)
    assert (summary["created"], summary["skipped"]) == (6, 0)
    assert SyncRun.objects.get().status == "completed"
    assert Interaction.objects.filter(community=stored()).count() == 6
    assert (stored().guidelines, stored().guidelines_updated_at) == ([], None)
    assert asked_for_rules(fake)  # asked, and went without


@pytest.mark.parametrize("status", [403, 503])
def test_rules_that_cannot_be_read_again_leave_the_stored_ones(monkeypatch, praw_pauses, status):
    with fountainpens() as fake:
        fake.set_rules("fountainpens", [NO_SHOPS])
        ingest_live(fake, monkeypatch)
        first_read = stored().guidelines_updated_at
        fake.set_rules("fountainpens", [], status=status)  # 503: still failing after prawcore's retries
        again = ingest_live(fake, monkeypatch)
    assert SyncRun.objects.order_by("pk").last().status == "completed" and again["skipped"] == 0
    assert (stored().guidelines, stored().guidelines_updated_at) == (as_stored(NO_SHOPS), first_read)


def test_a_resync_replaces_the_rules(monkeypatch):
    with fountainpens() as fake:
        fake.set_rules("fountainpens", [NO_SHOPS, BE_KIND])
        ingest_live(fake, monkeypatch)
        first_read = stored().guidelines_updated_at
        reworded = rule("No shop links, no affiliate codes", "Not even in your flair.", priority=0)
        fake.set_rules("fountainpens", [reworded])
        ingest_live(fake, monkeypatch)
    assert stored().guidelines == as_stored(reworded)
    assert stored().guidelines_updated_at > first_read


def test_a_subreddit_that_dropped_all_its_rules_has_none_stored(monkeypatch):
    with fountainpens() as fake:
        fake.set_rules("fountainpens", [NO_SHOPS])
        ingest_live(fake, monkeypatch)
        fake.set_rules("fountainpens", [])  # read, and empty: that is news too
        ingest_live(fake, monkeypatch)
    assert stored().guidelines == []


def test_a_dump_import_leaves_stored_rules_alone():
    read_at = datetime(2026, 3, 1, tzinfo=UTC)
    Community.objects.create(
        platform="reddit",
        external_id="fountainpens",
        name="r/fountainpens",
        guidelines=as_stored(NO_SHOPS),
        guidelines_updated_at=read_at,
    )
    call_command("ingest", "reddit-dump", RC, "--json", stdout=StringIO())
    assert Interaction.objects.filter(community=stored()).exists()  # the dump was imported into it
    assert (stored().guidelines, stored().guidelines_updated_at) == (as_stored(NO_SHOPS), read_at)


def test_rules_hostile_in_size_are_clipped_counted_and_stored(monkeypatch):
    rules = [
        rule("R" * 10_000, "D" * 100_000, priority=0),
        rule("   ", "a rule without a name", priority=1),
        rule("Nul\x00 and half an emoji \ud83d", 17, priority=2),  # a description that is not text
        *(rule(f"Rule {n}", priority=3 + n) for n in range(150)),
    ]
    with fountainpens() as fake:
        fake.set_rules("fountainpens", rules)
        summary = ingest_live(fake, monkeypatch)
    assert summary["created"] == 6
    guidelines = stored().guidelines
    assert len(guidelines) == MAX_GUIDELINES
    long = guidelines[0]
    assert len(long["title"]) == MAX_GUIDELINE_TITLE and long["title"].endswith("…")
    assert len(long["description"]) == MAX_GUIDELINE_DESCRIPTION
    assert guidelines[1] == {"kind": "rule", "title": "Nul and half an emoji \ufffd", "description": ""}
    assert guidelines[2]["title"] == "Rule 0" and guidelines[-1]["title"] == f"Rule {MAX_GUIDELINES - 3}"


# --- the ingest contract -----------------------------------------------------------------------


def test_a_community_record_arriving_again_in_one_import_brings_or_keeps_its_guidelines():
    plain = CommunityRecord("discourse", "https://forum.homebrewers.example", name="forum.homebrewers.example")
    told = CommunityRecord(**{**_fields(plain), "guidelines": (Guideline("category", "Brewing Help", "Recipes."),)})
    post = InteractionRecord(
        community_key=plain.key,
        external_id="42/1",
        kind="post",
        author=None,
        posted_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    run = sync_run_create(source="discourse", arguments={"target": plain.external_id})
    summary = run_ingest(sync_run=run, items=[plain, post, told, plain])  # the last one says nothing
    assert summary.communities == ["discourse:https://forum.homebrewers.example"] and summary.created == 1
    community = stored("discourse:https://forum.homebrewers.example")
    assert community.guidelines == [{"kind": "category", "title": "Brewing Help", "description": "Recipes."}]


def _fields(record: CommunityRecord) -> dict:
    return {name: getattr(record, name) for name in ("platform", "external_id", "name", "url", "description")}


# --- Discourse ---------------------------------------------------------------------------------

EXPECTED_CATEGORIES = [
    {
        "kind": "category",
        "title": "Brewing Help",
        "description": "Stuck fermentations, off-flavours, water chemistry."
        " Post your recipe and your gravity readings.",
    },
    {"kind": "category", "title": "Kegging", "description": "Carbonation, lines & taps."},  # after its parent
    {
        "kind": "category",
        "title": "Marketplace",
        "description": "Selling gear? One thread per seller.  https://forum.homebrewers.example/t/marketplace-rules/3"
        " Read the rules first; no affiliate links.",
    },
    {"kind": "category", "title": "Uncategorized", "description": ""},
]


@pytest.fixture
def forum():
    FakeForum.calls, FakeForum.categories = [], None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeForum)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def ingest(*arguments) -> dict:
    out = StringIO()
    call_command("ingest", *arguments, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_live_forum_sync_stores_its_categories(forum):
    FakeForum.categories = (200, CATEGORIES)
    summary = ingest("discourse", forum)
    assert summary["created"] == 4
    community = stored(f"discourse:{forum}")
    assert community.guidelines == EXPECTED_CATEGORIES and community.guidelines_updated_at is not None
    assert "/categories.json" in FakeForum.calls


@pytest.mark.parametrize("answer", [(403, {"errors": ["private"]}), (200, {"topic_list": {}})], ids=["403", "odd"])
def test_forum_categories_that_cannot_be_read_do_not_stop_the_sync(forum, answer):
    FakeForum.categories = answer
    summary = ingest("discourse", forum)
    assert (summary["created"], summary["skipped"]) == (4, 0)
    assert SyncRun.objects.get().status == "completed"
    assert (stored(f"discourse:{forum}").guidelines, stored(f"discourse:{forum}").guidelines_updated_at) == ([], None)


def test_saved_forum_files_bring_their_categories(tmp_path):
    for name in ("topic_42.json", "categories.json"):
        (tmp_path / name).write_bytes((FIXTURES / "discourse" / name).read_bytes())
    summary = ingest("discourse", str(tmp_path), "--forum", "https://forum.homebrewers.example")
    assert (summary["created"], summary["skipped"]) == (4, 0)
    assert stored("discourse:https://forum.homebrewers.example").guidelines == EXPECTED_CATEGORIES


def test_a_saved_categories_file_alone_is_understood():
    items = list(read_saved(FIXTURES / "discourse" / "categories.json", forum="https://forum.homebrewers.example"))
    assert [type(item) for item in items] == [CommunityRecord, CommunityRecord]
    assert items[0].guidelines is None  # before the file is read: says nothing yet
    assert [g.as_dict() for g in items[1].guidelines] == EXPECTED_CATEGORIES


# --- anything a source may send ------------------------------------------------------------------

ODD_TEXT = st.sampled_from(["\ud83d half an emoji", "nul\x00", "<p>html &amp; <b>tags</b></p>", "x" * 6000, " "])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
KEYS = ["name", "description", "description_text", "description_excerpt", "subcategory_list"]
CATEGORY = st.dictionaries(st.sampled_from(KEYS), JSON | st.text(max_size=400), max_size=5)
RULE = st.dictionaries(st.sampled_from(["short_name", "description", "priority", "kind"]), JSON, max_size=4)
FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def check(guidelines) -> None:
    assert isinstance(guidelines, tuple)
    for guideline in CommunityRecord("reddit", "x", name="x", guidelines=guidelines).guidelines:
        assert guideline.kind in ("rule", "category")
        assert 0 < len(guideline.title) <= MAX_GUIDELINE_TITLE
        assert len(guideline.description) <= MAX_GUIDELINE_DESCRIPTION
        for text in (guideline.title, guideline.description):
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogate: storable


def category_list(categories) -> st.SearchStrategy:
    return st.fixed_dictionaries({"category_list": st.fixed_dictionaries({"categories": categories})})


@FUZZ
@given(document=JSON | category_list(JSON) | category_list(st.lists(CATEGORY)))
def test_any_categories_document_is_read_or_passed_over_never_a_crash(document):
    guidelines = categories_to_guidelines(document)
    if guidelines is not None:
        check(guidelines)


@FUZZ
@given(rules=st.lists(RULE | JSON, max_size=8))
def test_any_list_of_rules_is_read_never_a_crash(rules):
    check(rules_to_guidelines(rules))


# --- the admin -------------------------------------------------------------------------------------


def test_the_admin_shows_guidelines_escaped_and_read_only(client, manager_a, make_user):
    community = Community.objects.create(
        platform="reddit",
        external_id="fountainpens",
        name="r/fountainpens",
        guidelines=[{"kind": "rule", "title": "<script>alert(1)</script>", "description": "line one\nline <b>two</b>"}],
    )
    url = reverse("admin:influencers_community_change", args=[community.pk])
    # The operator's form (communities are shared data: members only look at them).
    client.force_login(make_user("operator", is_superuser=True))
    page = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "line one<br>line &lt;b&gt;two&lt;/b&gt;" in page
    assert 'name="name"' in page and 'name="guidelines"' not in page  # shown, not a field of the form
    form = {
        "platform": "reddit",
        "external_id": "fountainpens",
        "name": "r/fountainpens",
        "topic_tags": "[]",
        "timezone": "UTC",
        "language": "en",
    }
    form["guidelines"] = "[]"  # a crafted POST cannot replace them either
    assert client.post(url, form).status_code == 302
    client.force_login(manager_a)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(url).content.decode()
    assert client.post(url, form).status_code == 403  # not a manager's to change at all
    community.refresh_from_db()
    assert community.guidelines[0]["title"] == "<script>alert(1)</script>"
