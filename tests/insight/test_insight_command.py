"""`manage.py insight`, the task that refreshes insight after a sync, and what is stored."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from influencers.ingest.runs import sync_run_create
from influencers.models import Community
from influencers.tasks import run_sync
from insight.adapter import refresh_insight
from insight.models import CommunityInsight
from insight.tasks import refresh_community_insight

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
pytestmark = pytest.mark.django_db


def _insight(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("insight", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _talk(community, make_identity, make_interaction, *, members=6, start=datetime(2026, 3, 2, 14, tzinfo=UTC)):
    """Each member asks one question a day for a week (14:00 UTC), and each is answered by the next."""
    people = [make_identity(f"member{i}") for i in range(members)]
    n = 0
    for day in range(7):
        for i, person in enumerate(people):
            at = start + timedelta(days=day)
            n += 1
            post = make_interaction(
                f"t3_{n}", person, at=at, title=f"Which converter fits a Pilot {n}?",
                text="My nib sheen converter question.", thread_external_id=f"t3_{n}",
            )  # fmt: skip
            make_interaction(
                f"t1_{n}", people[(i + 1) % members], kind="comment", at=at + timedelta(minutes=20), parent=post,
                parent_external_id=f"t3_{n}", thread_external_id=f"t3_{n}", text="Try the converter; the nib is fine.",
            )  # fmt: skip
    return people


def test_an_unknown_community_is_one_clear_error_and_status_2(community):
    status, out, err = _insight("reddit:nosuchplace", "--json")
    assert (status, out) == (2, "")
    assert err.strip() == "insight: no community 'reddit:nosuchplace' (import it first with `manage.py ingest`)"
    assert _insight("fountainpens")[0] == 2  # not PLATFORM:COMMUNITY
    status, _, err = _insight("reddit:fountainpens")  # known, but nothing imported yet
    assert status == 2 and "has no posts or replies yet" in err
    assert not CommunityInsight.objects.exists()


def test_json_holds_vocabulary_formats_rhythms_and_questions(community, make_identity, make_interaction):
    _talk(community, make_identity, make_interaction)
    status, out, err = _insight("reddit:fountainpens", "--json")
    assert status == 0, err
    document = json.loads(out)
    assert {"vocabulary", "formats", "rhythms", "questions", "norms", "basis", "highlights"} <= set(document)
    vocabulary = document["vocabulary"]
    assert vocabulary and all({"term", "score"} <= set(term) for term in vocabulary)
    assert [t["score"] for t in vocabulary] == sorted((t["score"] for t in vocabulary), reverse=True)
    assert {"nib", "sheen", "converter"} <= {t["term"] for t in vocabulary}
    assert document["formats"]["posts"]["count"] == 42 and document["formats"]["replies"]["count"] == 42
    assert document["formats"]["first_answer"]["minutes"]["median"] == 20
    assert document["rhythms"]["timezone"] == "UTC" and document["rhythms"]["heatmap"][0][14] == 12  # Mondays 14:00
    assert document["questions"]["basis"]["questions"] == 42
    # A small community says how little the figures rest on.
    assert document["basis"]["small"] is True and "Only 6 members and 84 messages" in document["basis"]["caution"]
    assert document["highlights"][0] == document["basis"]["caution"]
    stored = CommunityInsight.objects.get()
    assert stored.document == document and stored.messages == 84


def test_rhythms_in_the_communitys_time_zone(community, make_identity, make_interaction):
    _talk(community, make_identity, make_interaction)
    _, out, _ = _insight("reddit:fountainpens", "--json", "--timezone", "Asia/Tokyo")
    heatmap = json.loads(out)["rhythms"]["heatmap"]
    assert heatmap[0][23] == 12 and heatmap[0][14] == 0  # 14:00 UTC is 23:00 in Tokyo (UTC+9)
    assert not CommunityInsight.objects.exists()  # a look in another zone is not kept
    community.timezone = "America/Los_Angeles"
    community.save()
    _, out, _ = _insight("reddit:fountainpens", "--json")
    rhythms = json.loads(out)["rhythms"]
    assert rhythms["timezone"] == "America/Los_Angeles" and rhythms["heatmap"][0][6] == 12  # 06:00 PST
    for wrong in ("Mars/Olympus", "America", "x" * 5000, "../etc"):
        status, _, err = _insight("reddit:fountainpens", "--timezone", wrong)
        assert status == 2 and "unknown time zone" in err and len(err) < 300


def test_the_text_report_reads_like_a_briefing(community, make_identity, make_interaction):
    _talk(community, make_identity, make_interaction)
    status, out, _ = _insight("reddit:fountainpens")
    assert status == 0
    assert "r/fountainpens (reddit:fountainpens): 84 posts and replies by 6 members" in out
    assert "Its own words" in out and "When members talk (UTC" in out and "Recurring questions" in out
    assert "  Mon |" in out


def test_only_the_newest_insights_are_kept(community, make_identity, make_interaction):
    _talk(community, make_identity, make_interaction, members=3)
    for _ in range(CommunityInsight.KEEP + 2):
        refresh_insight(community)
    assert CommunityInsight.objects.filter(community=community).count() == CommunityInsight.KEEP


def test_insight_is_refreshed_after_a_sync(django_capture_on_commit_callbacks):
    run = sync_run_create(
        source="reddit-dump",
        arguments={
            "paths": [
                str(FIXTURES / "RS_fountainpens_2024-01.ndjson"),
                str(FIXTURES / "RC_fountainpens_2024-01.ndjson"),
            ]
        },
    )
    with django_capture_on_commit_callbacks(execute=True):  # what the sync queued, run
        run_sync.delay(run.pk).get()
    community = Community.objects.get(platform="reddit", external_id="fountainpens")
    insight = CommunityInsight.objects.get(community=community)
    talk = community.interactions.filter(kind__in=["post", "comment"]).exclude(author__is_bot=True).count()
    assert insight.messages == talk == 6 and insight.document["basis"]["small"] is True
    assert CommunityInsight.objects.get(community__external_id="pens").messages == 1  # every synced community


def test_the_task_is_harmless_for_a_community_without_talk_or_gone(community):
    assert refresh_community_insight.delay(community.pk).get() is None
    assert refresh_community_insight.delay(987654).get() is None
    assert not CommunityInsight.objects.exists()


def test_erasing_a_person_takes_their_words_out_of_stored_insight(
    community, make_identity, make_interaction, django_capture_on_commit_callbacks
):
    from influencers.models import Creator, Interaction
    from partnerships.privacy import creator_erase

    people = _talk(community, make_identity, make_interaction)
    document = refresh_insight(community).document
    quoted = {e["interaction"] for t in document["vocabulary"] for e in t["examples"]}
    asked = {e["thread_id"] for t in document["questions"]["themes"] for e in t["examples"]}
    author = Interaction.objects.get(pk=sorted(quoted)[0]).author
    assert author in people
    author.creator = Creator.objects.create(display_name="Someone")
    author.save()
    theirs = set(Interaction.objects.filter(author=author).values_list("pk", flat=True))
    their_threads = set(Interaction.objects.filter(author=author, kind="post").values_list("external_id", flat=True))
    assert quoted & theirs
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        creator_erase(creator=author.creator)
    scrubbed = CommunityInsight.objects.get().document  # before any new computation
    assert not {e["interaction"] for t in scrubbed["vocabulary"] for e in t["examples"]} & theirs
    assert not {e["thread_id"] for t in scrubbed["questions"]["themes"] for e in t["examples"]} & their_threads
    assert asked - their_threads <= {e["thread_id"] for t in scrubbed["questions"]["themes"] for e in t["examples"]}
    for callback in callbacks:  # the insight computed again, without their texts
        callback()
    newest = CommunityInsight.objects.order_by("-computed_at").first().document
    assert CommunityInsight.objects.count() == 2
    assert not {e["interaction"] for t in newest["vocabulary"] for e in t["examples"]} & theirs


def test_a_sync_that_changes_nothing_keeps_the_latest_insight(django_capture_on_commit_callbacks):
    """Dump fixtures imported twice: the second sync creates and updates nothing."""
    paths = [str(FIXTURES / "RS_fountainpens_2024-01.ndjson"), str(FIXTURES / "RC_fountainpens_2024-01.ndjson")]

    def sync():  # and what it queued, run
        with django_capture_on_commit_callbacks(execute=True):
            return run_sync.delay(sync_run_create(source="reddit-dump", arguments={"paths": paths}).pk).get()

    sync()
    assert CommunityInsight.objects.count() == 2  # both synced communities described
    again = sync()
    assert (again["created"], again["updated"]) == (0, 0)
    assert CommunityInsight.objects.count() == 2  # nothing new: nothing read again
    from influencers.models import Interaction

    Interaction.objects.filter(external_id="t3_1a2b3c").update(score=-5)  # a change the next sync undoes
    changed = sync()
    assert changed["updated"] >= 1 and CommunityInsight.objects.count() == 4


@pytest.mark.parametrize("name", ["America", "Mars/Olympus", "x" * 60, ""])
def test_a_community_refuses_a_time_zone_the_database_does_not_know(community, name):
    from django.core.exceptions import ValidationError

    community.timezone = name
    with pytest.raises(ValidationError) as refused:
        community.full_clean()
    assert "timezone" in refused.value.message_dict
    community.timezone = "Asia/Kathmandu"
    community.full_clean()


def test_a_message_dated_in_the_future_does_not_move_the_window(community, make_identity, make_interaction):
    _talk(community, make_identity, make_interaction)
    make_interaction("t3_future", make_identity("clockless"), at=datetime(2099, 1, 1, tzinfo=UTC), title="Hi?")
    document = refresh_insight(community).document
    assert document["window"]["end"].startswith("2026-03-08")  # the newest message that has happened
    assert document["basis"]["future_dated_left_out"] == 1 and document["basis"]["messages"] == 84
    assert all(not row["month"].startswith("2099") for row in document["rhythms"]["monthly"])
