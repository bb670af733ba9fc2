"""The ingest service: idempotent, resumable, and it resolves who answered whom."""

import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from influencers.connectors import open_source
from influencers.connectors.reddit_dump import read_dump
from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.ingest.service import Ingestor, run_ingest
from influencers.models import Identity, Interaction, Membership, SyncRun, SyncStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
RS = str(FIXTURES / "RS_fountainpens_2024-01.ndjson")
RC = str(FIXTURES / "RC_fountainpens_2024-01.ndjson")

pytestmark = pytest.mark.django_db


def ingest(*paths, batch_size=5000):
    run = sync_run_create(source="reddit-dump", arguments={"paths": list(paths)})
    return run, run_ingest(sync_run=run, items=open_source("reddit-dump", run.arguments), batch_size=batch_size)


def stored():
    """Everything a ranking would read, by natural keys (ids differ between runs)."""
    return sorted(
        (
            i.community.key,
            i.external_id,
            i.kind,
            i.author.handle if i.author else None,
            i.target.handle if i.target else None,
            i.parent.external_id if i.parent else None,
            i.text,
        )
        for i in Interaction.objects.select_related("community", "author", "target", "parent")
    )


def test_a_dump_is_stored_with_who_answered_whom():
    run, summary = ingest(RS, RC)
    assert (summary.read, summary.created, summary.unchanged, summary.skipped) == (13, 8, 1, 4)
    assert sorted(summary.communities) == ["reddit:fountainpens", "reddit:pens"]
    reply = Interaction.objects.get(external_id="t1_k00002")
    assert reply.parent.external_id == "t1_k00001"
    assert reply.target.handle == "sheen_queen"
    top_level = Interaction.objects.get(external_id="t1_k00001")
    assert (top_level.parent.external_id, top_level.target.handle) == ("t3_1a2b3c", "nibmeister")
    # The submission was never imported, but the dump names its author.
    assert Interaction.objects.get(external_id="t1_k00008").target.handle == "paper_trail_pat"
    assert Identity.objects.get(handle="AutoModerator").is_bot
    assert Identity.objects.get(handle="[deleted]").is_deleted
    nib = Membership.objects.get(identity__handle="nibmeister", community__external_id="fountainpens")
    assert (nib.post_count, nib.reply_count) == (1, 1)
    run.refresh_from_db()
    assert (run.status, run.read, run.created, run.skipped) == (SyncStatus.COMPLETED, 13, 8, 4)
    assert run.skipped_reasons["no subreddit"] == 1
    assert {e["where"] for e in run.skipped_examples} >= {"RC_fountainpens_2024-01.ndjson line 8"}


def test_importing_again_creates_nothing():
    ingest(RS, RC)
    before = stored()
    _, again = ingest(RS, RC)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 9)
    assert stored() == before


def test_an_edited_comment_is_updated_not_duplicated(tmp_path):
    ingest(RC)
    edited = tmp_path / "RC_edited.ndjson"
    edited.write_text(
        Path(RC).read_text().replace("Micromesh saved my EF nib.", "Micromesh saved my EF nib (edit: and my M).")
    )
    _, summary = ingest(str(edited))
    assert summary.updated == 1 and summary.created == 0
    assert Interaction.objects.get(external_id="t1_k00001").text.endswith("(edit: and my M).")
    assert Interaction.objects.filter(external_id="t1_k00001").count() == 1


def test_replies_imported_before_their_submissions_are_linked_when_the_submissions_arrive():
    ingest(RC)
    assert Interaction.objects.get(external_id="t1_k00004").parent is None
    ingest(RS)
    bot_reply = Interaction.objects.get(external_id="t1_k00004")
    assert bot_reply.parent.external_id == "t3_1a2b9z"
    assert bot_reply.target.handle == "pen_deals_4u"


def test_a_crash_mid_import_then_a_rerun_ends_exactly_like_a_clean_run():
    def crashing(items, after):
        for count, item in enumerate(items):
            if count == after:
                raise RuntimeError("worker killed")
            yield item

    run = sync_run_create(source="reddit-dump", arguments={"paths": [RS, RC]})
    with pytest.raises(RuntimeError):
        run_ingest(sync_run=run, items=crashing(open_source("reddit-dump", run.arguments), 9), batch_size=2)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "worker killed" in run.error
    assert 0 < Interaction.objects.count() < 8  # some batches were committed
    assert run.created == Interaction.objects.count()  # counters were saved with the data

    ingest(RS, RC, batch_size=2)
    resumed = stored()
    Interaction.objects.all().delete()
    Membership.objects.all().delete()
    ingest(RS, RC, batch_size=2)
    assert stored() == resumed
    assert len(resumed) == 8


def test_a_bad_source_marks_the_run_failed_and_stores_nothing(tmp_path):
    not_a_dump = tmp_path / "notes.ndjson"
    not_a_dump.write_text("\n".join("hello" for _ in range(30)))
    run = sync_run_create(source="reddit-dump", arguments={"paths": [str(not_a_dump)]})
    with pytest.raises(Exception, match="not a Reddit dump"):
        sync_run_execute(sync_run=run)
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    assert Interaction.objects.count() == 0


def test_the_dump_reader_is_the_same_stream_the_service_reads():
    # Guards the registry: open_source must read dumps with read_dump, file after file.
    assert [type(i).__name__ for i in open_source("reddit-dump", {"paths": [RC]})] == [
        type(i).__name__ for i in read_dump(RC)
    ]
    assert SyncRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_are_planned_and_written_on_their_own_threads_with_the_same_result(
    monkeypatch,
):
    """On PostgreSQL, outside a transaction, a planner thread prepares each batch and a writer
    thread stores it, each on its own connection, while the next is parsed; inside a transaction
    (which another connection could not see) and on SQLite (whose test database another connection
    would find empty) both happen here, one after the other. The outcome is the same."""
    postgresql = connection.vendor == "postgresql"
    where = {"planned": set(), "written": set()}

    def session() -> tuple[str, int | None]:
        """The thread a stage runs on, and its database session (PostgreSQL's backend pid)."""
        if not postgresql:
            return threading.current_thread().name, None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return threading.current_thread().name, cursor.fetchone()[0]

    prepare, write = Ingestor._prepare, Ingestor._write

    def planned(self, batch):
        where["planned"].add(session())
        return prepare(self, batch)

    def written(self, prepared, progress):
        where["written"].add(session())
        return write(self, prepared, progress)

    monkeypatch.setattr(Ingestor, "_prepare", planned)
    monkeypatch.setattr(Ingestor, "_write", written)
    here = session()

    run, summary = ingest(RS, RC, batch_size=2)
    assert (summary.read, summary.created, summary.unchanged, summary.skipped) == (13, 8, 1, 4)
    run.refresh_from_db()
    assert (run.read, run.created, run.unchanged, run.skipped, run.status) == (13, 8, 1, 4, SyncStatus.COMPLETED)
    reply = Interaction.objects.get(external_id="t1_k00002")
    assert (reply.parent.external_id, reply.target.handle) == ("t1_k00001", "sheen_queen")
    if postgresql:
        [(planner, planner_session)] = where["planned"]  # one planner thread for the whole import
        [(writer, writer_session)] = where["written"]
        assert planner.startswith("ingest-planner") and writer.startswith("ingest-writer")
        assert len({here[1], planner_session, writer_session}) == 3  # three connections at work
    else:
        assert where == {"planned": {here}, "written": {here}}  # no thread, no other connection

    where["planned"].clear(), where["written"].clear()
    with transaction.atomic():
        _, again = ingest(RS, RC, batch_size=2)
    assert where == {"planned": {here}, "written": {here}}  # inside a transaction: all of it here
    assert (again.read, again.created, again.updated, again.skipped) == (13, 0, 0, 4)
    assert Interaction.objects.count() == 8


def test_text_with_tabs_newlines_backslashes_and_nul_is_stored_as_written(tmp_path):
    text = "tab\there\nnew line\r\nback\\slash \\N not null, nul\x00 removed, ünïcødé ✓"
    line = {"id": "zz1", "subreddit": "fountainpens", "author": "odd_chars", "created_utc": 1704103200,
            "body": text, "parent_id": "t3_x", "link_id": "t3_x"}  # fmt: skip
    path = tmp_path / "RC_odd.ndjson"
    path.write_text(__import__("json").dumps(line) + "\n")
    ingest(str(path))
    assert Interaction.objects.get(external_id="t1_zz1").text == text.replace("\x00", "")
    _, again = ingest(str(path))
    assert (again.created, again.unchanged) == (0, 1)


DISCOURSE_TOPIC = str(Path(__file__).resolve().parents[1] / "fixtures" / "discourse" / "topic_42.json")


def test_a_forum_imported_before_without_its_url_gets_it_and_an_operators_url_stays():
    from influencers.models import Community

    forum = "https://forum.homebrewers.example"
    blank = Community.objects.create(platform="discourse", external_id=forum, name="homebrewers")
    run = sync_run_create(source="discourse", arguments={"target": DISCOURSE_TOPIC, "forum": forum})
    sync_run_execute(sync_run=run)
    blank.refresh_from_db()
    assert blank.url == forum
    Community.objects.filter(pk=blank.pk).update(url="https://homebrewers.example/forum")
    again = sync_run_create(source="discourse", arguments={"target": DISCOURSE_TOPIC, "forum": forum})
    sync_run_execute(sync_run=again)
    blank.refresh_from_db()
    assert blank.url == "https://homebrewers.example/forum"


def test_removals_are_stored_with_who_removed_them_and_a_later_import_updates_them(tmp_path):
    import json

    topic = json.loads(Path(DISCOURSE_TOPIC).read_text())
    saved = tmp_path / "topic.json"
    saved.write_text(json.dumps(topic))
    arguments = {"target": str(saved), "forum": "https://forum.homebrewers.example"}
    sync_run_execute(sync_run=sync_run_create(source="discourse", arguments=arguments))
    assert not Interaction.objects.filter(is_removed=True).exists()
    topic["post_stream"]["posts"][1]["hidden"] = True  # flagged by the community since
    saved.write_text(json.dumps(topic))
    summary = sync_run_execute(sync_run=sync_run_create(source="discourse", arguments=arguments))
    assert summary.updated == 1
    assert list(Interaction.objects.filter(is_removed=True).values_list("external_id", "removed_by")) == [
        ("42/2", "community")
    ]
