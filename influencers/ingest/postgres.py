"""The PostgreSQL write path: plan in Python, then COPY the new rows straight into the table.

COPY is the fastest way in (PostgreSQL inserts its rows in multi-row batches; an INSERT ...
SELECT with ON CONFLICT goes row by row and was measured twice as slow here). So each batch:
one array query finds which of its ids, and of its parents' ids, are stored already; ids for
the new rows are drawn from the table's sequence, so replies can point at parents in the same
batch; then one COPY. The ingest service holds a per-community advisory lock meanwhile, so no
other import can insert the same ids between the lookup and the COPY.
"""

from __future__ import annotations

from django.db import connection

from influencers.connectors.records import InteractionRecord
from influencers.ingest.identities import IdentityResolver
from influencers.ingest.planning import CHANGE_FIELDS, COLUMNS, PARENT, plan_batch
from influencers.ingest.portable import apply_changes, lookup_keys
from influencers.models import Community, Interaction

TABLE = Interaction._meta.db_table
COPY_SQL = f"COPY {TABLE} (id, {', '.join(COLUMNS)}) FROM STDIN"
# Driven by the array, one probe of the (community, external_id) index per id: written as
# `external_id = ANY(...)`, a freshly filled table's stale statistics made the planner filter the
# whole community instead (300 ms a batch at a million rows, against a few ms).
LOOKUP_SQL = (
    f"SELECT i.external_id, i.id, i.author_id, {', '.join('i.' + f for f in CHANGE_FIELDS)} "
    f"FROM unnest(%s::text[]) AS wanted(external_id) "
    f"JOIN {TABLE} i ON i.community_id = %s AND i.external_id = wanted.external_id"
)
# One row holding an array: 5,000 single-value rows cost more to ship than the numbers themselves.
IDS_SQL = f"SELECT array_agg(nextval(pg_get_serial_sequence('{TABLE}', 'id'))) FROM generate_series(1, %s)"


def pg_cursor():
    """A plain psycopg cursor on Django's connection (inside its transaction), binding on the server.

    Django's own cursors bind parameters client-side: a 5,000-element array is then formatted in
    Python for every batch.
    """
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


class PostgresBatchWriter:
    def __init__(self):
        self.identities = IdentityResolver()

    def write_batch(self, community: Community, records: list[InteractionRecord]) -> tuple[int, int, int]:
        """Store one community's batch; returns (created, updated, unchanged)."""
        identity_ids = self.identities.resolve([r.author for r in records] + [r.target for r in records])
        with pg_cursor() as cursor:
            cursor.execute(LOOKUP_SQL, [lookup_keys(records), community.pk])
            stored = {row[0]: row[1:] for row in cursor.fetchall()}
            plan = plan_batch(community.pk, records, stored, identity_ids)
            apply_changes(plan.changed)
            if plan.new_rows:
                cursor.execute(IDS_SQL, [len(plan.new_rows)])
                ids = cursor.fetchone()[0]
                for row, parent in plan.in_batch_parents:
                    plan.new_rows[row][PARENT] = ids[parent]
                with cursor.copy(COPY_SQL) as copy:
                    for pk, row in zip(ids, plan.new_rows, strict=True):
                        copy.write_row([pk, *row])
        return len(plan.new_rows), len(plan.changed), plan.unchanged
