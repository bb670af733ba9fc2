"""One import's stream in batches: connector records in, interactions upserted on (community,
external id), each batch in one transaction with the SyncRun's counters and checkpoint.

``Ingestor`` reads the stream (validating records, creating the communities they name, leaving out
erased accounts), gathers records into batches and stores each with ``PostgresBatchWriter`` (array
lookups, then COPY) or ``PortableBatchWriter`` (the ORM, for SQLite). On PostgreSQL, outside a
caller's transaction, planning and writing run on their own threads (``stages.Stages``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from influencers import services
from influencers.connectors.records import AuthorRecord, Checkpoint, CommunityRecord, InteractionRecord, Skipped
from influencers.ingest.identities import IdentityResolver
from influencers.ingest.portable import PortableBatchWriter
from influencers.ingest.postgres import PostgresBatchWriter
from influencers.ingest.stages import Stages
from influencers.ingest.summary import IngestSummary, Progress
from influencers.models import (
    Community,
    ErasedAccount,
    Identity,
    Interaction,
    InteractionKind,
    SyncRun,
    account_fingerprint,
)

BATCH_SIZE = 5000
ANALYZE_AFTER = 20_000  # rows created since the tables' statistics were last refreshed
KINDS = set(InteractionKind.values)


def import_lock_key(community: Community) -> int:
    """The PostgreSQL advisory lock an import of ``community`` holds: whoever reads the community's
    newest rows by id (the brand-mention scan) takes it too, so no import is half-way meanwhile."""
    return zlib.crc32(f"ingest:{community.pk}".encode())


def _validation_problem(record: InteractionRecord) -> str | None:
    if not record.external_id or len(record.external_id) > 128:
        return "external id missing or longer than 128 characters"
    if record.kind not in KINDS:
        return f"unknown interaction kind {record.kind!r}"
    if record.posted_at is None or record.posted_at.tzinfo is None:
        return "no time with a timezone"
    if len(record.parent_external_id) > 128 or len(record.thread_external_id) > 128:
        return "parent or thread id longer than 128 characters"
    return None


def _community_guidelines_store(*, community: Community, record: CommunityRecord) -> None:
    """What the source says the community's own rules are now replaces what is stored (a record
    without guidelines never comes here: a dump knows none, and stored ones stay). One UPDATE of
    those columns alone: what an operator edited on the community (its notes, tags) is kept."""
    now = timezone.now()
    guidelines = [guideline.as_dict() for guideline in record.guidelines]
    Community.objects.filter(pk=community.pk).update(guidelines=guidelines, guidelines_updated_at=now, updated_at=now)
    community.guidelines, community.guidelines_updated_at, community.updated_at = guidelines, now, now


class Ingestor:
    """Consumes one connector's stream. Use ``run(items)``; read ``summary`` afterwards.

    Reading, planning and writing are three steps per batch; on PostgreSQL outside a caller's
    transaction planning and writing run on their own threads (``Stages``), otherwise one after
    the other in the batch's transaction.
    """

    def __init__(
        self,
        *,
        sync_run: SyncRun,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[IngestSummary], None] | None = None,
    ):
        self.sync_run = sync_run
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.summary = IngestSummary()
        self.identities = IdentityResolver()  # for what sources say about accounts themselves
        self.writer = PostgresBatchWriter() if connection.vendor == "postgresql" else PortableBatchWriter()
        self._communities: dict[str, Community] = {}
        self._pending: dict[tuple[str, str], tuple[str, InteractionRecord]] = {}
        self._checkpoint: dict | None = None
        self._analyzed_at = 0  # rows created when statistics were last refreshed
        self._repeated = 0  # records seen twice within a batch (counted unchanged when it is stored)
        self._stages: Stages | None = None  # the planner and writer threads (PostgreSQL)
        self._locked: set[int] = set()  # communities whose import lock the planner holds
        # Accounts whose people asked to be erased: what they write is not imported again.
        self._erased = set(
            ErasedAccount.objects.filter(reapproved_at__isnull=True).values_list("platform", "fingerprint")
        )

    # --- the stream -----------------------------------------------------------------------
    def run(self, items: Iterable) -> IngestSummary:
        """Store what ``items`` holds; returns the summary (also ``self.summary``)."""
        started = time.monotonic()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._stages = Stages(prepare=self._prepare, write=self._write)
        try:
            self._consume(items)
            self._flush()
            if self._stages is not None:
                self._stages.drain()
        except BaseException:
            if self._stages is not None:
                self._stages.drain(raise_errors=False)  # what was handed over is stored (or failed) before we report
            raise
        finally:
            if self._stages is not None:
                self._stages.close()
        self._finish()
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _is_erased(self, author: AuthorRecord | None) -> bool:
        return bool(
            self._erased
            and author is not None
            and (author.platform, account_fingerprint(author.platform, author.external_id)) in self._erased
        )

    def _consume(self, items: Iterable) -> None:
        for item in items:
            if isinstance(item, InteractionRecord):
                self.summary.read += 1
                problem = _validation_problem(item)
                if item.community_key not in self._communities:
                    problem = f"unknown community {item.community_key}"
                if not problem and self._erased:
                    if self._is_erased(item.author):
                        problem = "its author asked to be erased (an operator can re-approve them)"
                    elif self._is_erased(item.target):
                        item.target = None  # stored, but not as directed at them
                if problem:
                    self.summary.skip(f"record {item.external_id[:60]!r}", problem)
                    continue
                # The same id twice in one batch (exports repeat messages): the later one wins,
                # and the earlier counts as unchanged.
                key = (item.community_key, item.external_id)
                if key in self._pending:
                    self._repeated += 1
                self._pending[key] = (item.community_key, item)
                if len(self._pending) >= self.batch_size:
                    self._flush()
            elif isinstance(item, CommunityRecord):
                self._community(item)
            elif isinstance(item, Skipped):
                self.summary.read += 1
                self.summary.skip(item.location, item.reason)
            elif isinstance(item, AuthorRecord) and self._is_erased(item):
                continue  # what a source says about an erased account is not kept either
            elif isinstance(item, AuthorRecord):
                # What a source says about an account itself (reach, bot): applied at once.
                with transaction.atomic():
                    self.identities.resolve([item])
            elif isinstance(item, Checkpoint):
                self._checkpoint = item.values
                self._flush()
            else:
                raise TypeError(f"connector produced {type(item).__name__}")

    def _community(self, record: CommunityRecord) -> Community:
        """The community a record names, created the first time; the same one for every later
        record of it in this import, each of which may bring the community's guidelines."""
        community = self._communities.get(record.key)
        if community is None:
            community, created = Community.objects.get_or_create(
                platform=record.platform,
                external_id=record.external_id,
                defaults={"name": record.name[:200], "url": record.url[:500], "description": record.description},
            )
            if not created and community.is_named_by_its_id and record.name != record.external_id:
                community.name = record.name[:200]
                Community.objects.filter(pk=community.pk).update(name=community.name)
            if not created and record.url and not community.url:
                # Imported before without it (saved files once left it blank): the ranking needs the
                # community's own site to tell its links from promotion. An operator's URL stays.
                community.url = record.url[:500]
                Community.objects.filter(pk=community.pk).update(url=community.url)
            self._communities[record.key] = community
            self.sync_run.communities.add(community)
            self.summary.communities.append(community.key)
        if record.guidelines is not None:
            _community_guidelines_store(community=community, record=record)
        return community

    # --- one batch ------------------------------------------------------------------------
    def _flush(self) -> None:
        """Hand the pending records over to be stored, with the counters that describe them."""
        batch = list(self._pending.values())
        self._pending.clear()
        progress = Progress(
            read=self.summary.read,
            skipped=self.summary.skipped,
            skipped_reasons=dict(self.summary.skipped_reasons.most_common()),
            skipped_examples=list(self.summary.skipped_examples),
            checkpoint=self._checkpoint,
            repeated=self._repeated,
        )
        self._checkpoint, self._repeated = None, 0
        if self._stages is None:
            with transaction.atomic():
                self._write(self._prepare(batch), progress)
        else:
            self._stages.hand_over(batch, progress)

    def _prepare(self, batch: list) -> list:
        by_community: dict[str, list[InteractionRecord]] = {}
        for key, record in batch:
            by_community.setdefault(key, []).append(record)
        prepared = []
        for key, records in by_community.items():
            community = self._communities[key]
            self._lock(community)
            prepared.append(self.writer.prepare(community, records))
        return prepared

    def _write(self, prepared: list, progress: Progress) -> None:
        """One transaction: the batch's interactions and the run's counters and checkpoint.

        Commits without waiting for its WAL flush: a crash may lose the last batches, but data,
        counters and checkpoint go together, and a re-run restores them.
        """
        with transaction.atomic():
            if connection.vendor == "postgresql" and self._stages is None:  # a stage's connection has it
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for batch in prepared:
                created, updated, unchanged = self.writer.write(batch)
                self.summary.created += created
                self.summary.updated += updated
                self.summary.unchanged += unchanged
            self.summary.unchanged += progress.repeated
            self._save_progress(progress)
        self._refresh_statistics()
        if self.on_progress:
            self.on_progress(self.summary)

    def _lock(self, community: Community) -> None:
        """Serialise imports of one community, so no two insert the same ids and counts are exact.

        In the threaded pipeline the planner takes the lock once and keeps it until the import
        ends (a second import of the community waits for the first); otherwise it is held by the
        batch's transaction.
        """
        if connection.vendor != "postgresql":
            return
        key = import_lock_key(community)
        with connection.cursor() as cursor:
            if self._stages is None:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            elif community.pk not in self._locked:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
                self._locked.add(community.pk)

    def _refresh_statistics(self) -> None:
        """ANALYZE the tables as an import makes them grow (PostgreSQL).

        Until autovacuum comes by, a table that was small when last analysed is planned as small:
        the per-batch lookups then filtered the whole community instead of probing the unique
        index (minutes at a million rows instead of seconds). Re-analysing each time the table has
        grown by half (at least 20,000 rows) costs a few seconds per million rows.
        """
        if connection.vendor != "postgresql":
            return
        if self.summary.created - self._analyzed_at < max(ANALYZE_AFTER, self._analyzed_at // 2):
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Interaction._meta.db_table}, {Identity._meta.db_table}")
        self._analyzed_at = self.summary.created

    def _save_progress(self, progress: Progress) -> None:
        run = self.sync_run
        run.read, run.created, run.updated = progress.read, self.summary.created, self.summary.updated
        run.unchanged, run.skipped = self.summary.unchanged, progress.skipped
        run.skipped_reasons = progress.skipped_reasons
        run.skipped_examples = progress.skipped_examples
        if progress.checkpoint is not None:
            run.checkpoint = {**run.checkpoint, **progress.checkpoint}
        run.save(
            update_fields=[
                "read", "created", "updated", "unchanged", "skipped", "skipped_reasons", "skipped_examples",
                "checkpoint",
            ]
        )  # fmt: skip

    # --- after the last batch ---------------------------------------------------------------
    def _finish(self) -> None:
        self._refresh_statistics()  # the queries below, and the ranking after, plan for the new size
        for community in self._communities.values():
            services.interactions_link_parents(community=community)
            services.community_memberships_refresh(community=community)
