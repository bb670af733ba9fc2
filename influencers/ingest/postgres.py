"""The PostgreSQL write path: plan in Python, then COPY the new rows straight into the table.

COPY is the fastest way in (PostgreSQL inserts its rows in multi-row batches; an INSERT ...
SELECT with ON CONFLICT goes row by row and was measured twice as slow here). So each batch:
one array query finds which of its ids, and of its parents' ids, are stored already; ids for
the new rows are drawn from the table's sequence, so replies can point at parents in the same
batch; then one COPY. The ingest service holds a per-community advisory lock meanwhile, so no
other import can insert the same ids between the lookup and the COPY. Planning and writing are
separate steps so that the service can plan one batch while the database stores the one before.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from crm.database import pg_cursor
from influencers.connectors.records import InteractionRecord
from influencers.ingest.identities import IdentityResolver
from influencers.ingest.planning import CHANGE_FIELDS, COLUMNS, PARENT, BatchPlan, incoming_values, plan_batch
from influencers.ingest.portable import apply_changes, lookup_keys
from influencers.models import Community, Interaction

TABLE = Interaction._meta.db_table
COPY_SQL = f"COPY {TABLE} (id, {', '.join(COLUMNS)}) FROM STDIN"
# Driven by the array, one probe of the (community, external_id) index per id: written as
# `external_id = ANY(...)`, a freshly filled table's stale statistics made the planner filter the
# whole community instead (300 ms a batch at a million rows, against a few ms). The array goes in
# binary (%b): three times faster to send than text, which quotes every element.
# The same round trip draws ids for the rows that may be new (one row holding an array: 5,000
# single-value rows cost more to ship than the numbers themselves). Ids drawn for rows that turn
# out to be stored are left unused: gaps in a bigint sequence, for one round trip less per batch
# (the planner's queries wait behind the writer's COPY on two cores: each costs tens of ms).
LOOKUP_SQL = (
    f"SELECT NULL AS external_id, NULL AS id, NULL AS author_id, {', '.join('NULL AS ' + f for f in CHANGE_FIELDS)}, "
    f"(SELECT array_agg(nextval(pg_get_serial_sequence('{TABLE}', 'id'))) FROM generate_series(1, %s)) AS new_ids "
    f"UNION ALL "
    f"SELECT i.external_id, i.id, i.author_id, {', '.join('i.' + f for f in CHANGE_FIELDS)}, NULL "
    f"FROM unnest(%b::text[]) AS wanted(external_id) "
    f"JOIN {TABLE} i ON i.community_id = %s AND i.external_id = wanted.external_id"
)
EXTERNAL_ID, AUTHOR = COLUMNS.index("external_id"), COLUMNS.index("author_id")


@dataclass
class PreparedBatch:
    """One community's batch, planned and given ids: ready to be written in the next transaction."""

    community: Community
    plan: BatchPlan  # new rows carry their ids first, in COPY column order


class PostgresBatchWriter:
    """Plans a batch on one connection (``prepare``) and writes it, possibly on another (``write``).

    The ingest service prepares batch N+1 while batch N is being written and committed, so the
    database works while Python does. Rows of batches that may not be committed yet are kept here
    (the last few batches per community) and consulted before the database: a row is then always
    found in one or the other, and replies find parents of the batch just before without a query.
    """

    RECENT_BATCHES = 3  # at most one batch is being written while the next is prepared

    def __init__(self):
        self.identities = IdentityResolver()
        self._recent: dict[int, deque[dict[str, tuple]]] = {}

    def prepare(self, community: Community, records: list[InteractionRecord]) -> PreparedBatch:
        identity_ids = self.identities.resolve([r.author for r in records] + [r.target for r in records])
        recent = self._recent.setdefault(community.pk, deque(maxlen=self.RECENT_BATCHES))
        keys = lookup_keys(records)
        # Read the recent batches before the database: a batch committed in between is then in one.
        in_flight = {}
        for key in keys:
            for rows in reversed(recent):
                if key in rows:
                    in_flight[key] = rows[key]
                    break
        may_be_new = sum(1 for r in records if r.external_id not in in_flight)
        with pg_cursor() as cursor:
            cursor.execute(LOOKUP_SQL, [may_be_new, [k for k in keys if k not in in_flight], community.pk])
            stored, drawn = {}, []
            for row in cursor.fetchall():
                if row[0] is None:
                    drawn = row[-1] or []
                else:
                    stored[row[0]] = row[1:-1]
        stored.update(in_flight)
        plan = plan_batch(community.pk, records, stored, identity_ids)
        ids = drawn[: len(plan.new_rows)]
        for row, parent in plan.in_batch_parents:
            plan.new_rows[row][PARENT] = ids[parent]
        rows = {r.external_id: (stored[r.external_id][0], stored[r.external_id][1], *incoming_values(r))
                for r in records if r.external_id in stored}  # fmt: skip
        for pk, row in zip(ids, plan.new_rows, strict=True):
            rows[row[EXTERNAL_ID]] = (pk, row[AUTHOR], *row[-len(CHANGE_FIELDS) :])
            row.insert(0, pk)  # the COPY's first column
        recent.append(rows)
        return PreparedBatch(community, plan)

    def write(self, prepared: PreparedBatch) -> tuple[int, int, int]:
        """Store a prepared batch (in the caller's transaction); returns (created, updated, unchanged)."""
        plan = prepared.plan
        apply_changes(plan.changed)
        if plan.new_rows:
            with pg_cursor() as cursor, cursor.copy(COPY_SQL) as copy:
                for row in plan.new_rows:
                    copy.write_row(row)
        return len(plan.new_rows), len(plan.changed), plan.unchanged
