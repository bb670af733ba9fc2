"""The portable write path (SQLite, the embedded default): the plan carried out through the ORM.

Slower than the PostgreSQL path and meant for small imports; the outcome is the same.
"""

from __future__ import annotations

from influencers.connectors.records import InteractionRecord
from influencers.ingest.identities import IdentityResolver
from influencers.ingest.planning import CHANGE_FIELDS, COLUMNS, BatchPlan, plan_batch
from influencers.models import Community, Interaction

QUERY_CHUNK = 1000


def stored_rows(community: Community, external_ids: list[str]) -> dict[str, tuple]:
    """Stored rows among ``external_ids``: (id, author id, *CHANGE_FIELDS) by external id."""
    found = {}
    for start in range(0, len(external_ids), QUERY_CHUNK):
        chunk = external_ids[start : start + QUERY_CHUNK]
        for row in Interaction.objects.filter(community=community, external_id__in=chunk).values_list(
            "external_id", "id", "author_id", *CHANGE_FIELDS
        ):
            found[row[0]] = row[1:]
    return found


def lookup_keys(records: list[InteractionRecord]) -> list[str]:
    """The batch's own ids and the ids of the parents it names."""
    keys = {r.external_id for r in records}
    return list(keys | {r.parent_external_id for r in records if r.parent_external_id})


def apply_changes(changed: list[tuple[int, tuple]]) -> None:
    if changed:
        objects = [Interaction(pk=pk, **dict(zip(CHANGE_FIELDS, values, strict=True))) for pk, values in changed]
        Interaction.objects.bulk_update(objects, list(CHANGE_FIELDS), batch_size=500)


class PortableBatchWriter:
    """The same two steps as the PostgreSQL writer, run one after the other in one transaction."""

    def __init__(self):
        self.identities = IdentityResolver()

    def prepare(self, community: Community, records: list[InteractionRecord]) -> BatchPlan:
        identity_ids = self.identities.resolve([r.author for r in records] + [r.target for r in records])
        return plan_batch(community.pk, records, stored_rows(community, lookup_keys(records)), identity_ids)

    def write(self, plan: BatchPlan) -> tuple[int, int, int]:
        """Store a planned batch; returns (created, updated, unchanged)."""
        apply_changes(plan.changed)
        objects = [Interaction(**dict(zip(COLUMNS, row, strict=True))) for row in plan.new_rows]
        Interaction.objects.bulk_create(objects, batch_size=500)
        if plan.in_batch_parents:
            links = [Interaction(pk=objects[row].pk, parent_id=objects[up].pk) for row, up in plan.in_batch_parents]
            Interaction.objects.bulk_update(links, ["parent"], batch_size=500)
        return len(objects), len(plan.changed), plan.unchanged
