"""The portable write path (SQLite, the embedded default): the same outcome through the ORM.

Per batch: identities found or created, stored rows looked up by external id, changed ones
updated, new ones bulk-inserted with their parent and target resolved (parents in the same batch
are linked once both have ids). Slower than the PostgreSQL path, and meant for small imports.
"""

from __future__ import annotations

from django.utils import timezone

from influencers.connectors.records import InteractionRecord
from influencers.ingest.identities import IdentityResolver
from influencers.models import Community, Interaction, InteractionKind

QUERY_CHUNK = 1000
CHANGE_FIELDS = ("title", "text", "url", "score", "edited_at", "is_removed")
INT32 = 2**31 - 1


def clean_text(value: str, length: int | None = None) -> str:
    value = value.replace("\x00", "") if value else ""  # PostgreSQL text cannot hold NUL
    return value[:length] if length else value


def _select_by_external_ids(community: Community, external_ids: list[str], columns: list[str]) -> list[tuple]:
    """Rows of one community by external id, on the (community, external_id) unique index."""
    rows = []
    for start in range(0, len(external_ids), QUERY_CHUNK):
        chunk = external_ids[start : start + QUERY_CHUNK]
        rows += Interaction.objects.filter(community=community, external_id__in=chunk).values_list(*columns)
    return rows


class PortableBatchWriter:
    def __init__(self):
        self.identities = IdentityResolver()

    def write_batch(self, community: Community, records: list[InteractionRecord]) -> tuple[int, int, int]:
        """Store one community's batch; returns (created, updated, unchanged)."""
        identity_ids = self.identities.resolve([r.author for r in records] + [r.target for r in records])
        existing = self._existing(community, [r.external_id for r in records])
        new_records = [r for r in records if r.external_id not in existing]
        updated, unchanged = self._update_changed([r for r in records if r.external_id in existing], existing)
        if new_records:
            self._insert(community, records, new_records, existing, identity_ids)
        return len(new_records), updated, unchanged

    def _insert(self, community, records, new_records, existing, identity_ids) -> None:
        # Parents: in this batch, or already stored (earlier batches, earlier imports).
        batch_authors = {r.external_id: identity_ids.get(r.author.key) if r.author else None for r in records}
        outside = {r.parent_external_id for r in new_records if r.parent_external_id} - batch_authors.keys()
        stored_parents = {
            external_id: (pk, author_id)
            for external_id, pk, author_id in _select_by_external_ids(
                community, list(outside), ["external_id", "id", "author_id"]
            )
        }
        new_set = {r.external_id for r in new_records}
        now = timezone.now()
        objects, in_batch_links = [], []
        for index, record in enumerate(new_records):
            parent_ext = record.parent_external_id
            parent_id = parent_author = None
            if parent_ext in stored_parents:
                parent_id, parent_author = stored_parents[parent_ext]
            elif parent_ext in existing:
                parent_id, parent_author = existing[parent_ext][0], existing[parent_ext][1]
            elif parent_ext in batch_authors:
                parent_author = batch_authors[parent_ext]
                if parent_ext in new_set:
                    in_batch_links.append((index, parent_ext))  # linked once both have ids
            target = identity_ids.get(record.target.key) if record.target else None
            if target is None and record.kind == InteractionKind.COMMENT:
                target = parent_author
            objects.append(
                Interaction(
                    community_id=community.pk,
                    external_id=record.external_id,
                    kind=record.kind,
                    author_id=identity_ids.get(record.author.key) if record.author else None,
                    target_id=target,
                    parent_id=parent_id,
                    parent_external_id=parent_ext,
                    thread_external_id=record.thread_external_id,
                    posted_at=record.posted_at,
                    edited_at=record.edited_at,
                    title=clean_text(record.title, 500),
                    text=clean_text(record.text),
                    url=record.url if len(record.url) <= 1000 else "",
                    score=max(-INT32, min(INT32, record.score)),
                    is_removed=record.is_removed,
                    imported_at=now,
                )
            )
        Interaction.objects.bulk_create(objects, batch_size=500)
        if in_batch_links:
            position = {r.external_id: i for i, r in enumerate(new_records)}
            links = [Interaction(pk=objects[i].pk, parent_id=objects[position[ext]].pk) for i, ext in in_batch_links]
            Interaction.objects.bulk_update(links, ["parent"], batch_size=500)

    @staticmethod
    def _existing(community: Community, external_ids: list[str]) -> dict[str, tuple]:
        """Stored rows among ``external_ids``: id, author and the fields an update may change."""
        columns = ["external_id", "id", "author_id", *CHANGE_FIELDS]
        return {row[0]: row[1:] for row in _select_by_external_ids(community, external_ids, columns)}

    @staticmethod
    def _update_changed(records, existing) -> tuple[int, int]:
        changed, unchanged = [], 0
        for record in records:
            pk, _author, *stored = existing[record.external_id]
            incoming = (
                clean_text(record.title, 500),
                clean_text(record.text),
                record.url if len(record.url) <= 1000 else "",
                max(-INT32, min(INT32, record.score)),
                record.edited_at,
                record.is_removed,
            )
            if tuple(stored) == incoming:
                unchanged += 1
                continue
            changed.append(Interaction(pk=pk, **dict(zip(CHANGE_FIELDS, incoming, strict=True))))
        if changed:
            Interaction.objects.bulk_update(changed, list(CHANGE_FIELDS), batch_size=500)
        return len(changed), unchanged
