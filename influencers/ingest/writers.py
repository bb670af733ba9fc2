"""Writing new interactions: PostgreSQL COPY when available, the ORM's bulk insert elsewhere.

Both receive rows as dicts of column values and return the new ids in order. The COPY writer
takes ids from the table's sequence first, so replies can point at parents in the same batch
before anything is written.
"""

from __future__ import annotations

from django.db import connection

from influencers.models import Interaction

COLUMNS = [
    "community_id", "external_id", "kind", "author_id", "target_id", "parent_id", "parent_external_id",
    "thread_external_id", "posted_at", "edited_at", "title", "text", "url", "score", "is_removed", "imported_at",
]  # fmt: skip


class OrmWriter:
    """Portable (SQLite, the embedded default): bulk_create, then link in-batch parents."""

    assigns_ids_first = False

    def insert(self, rows: list[dict]) -> list[int]:
        objects = [Interaction(**row) for row in rows]
        Interaction.objects.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]

    def set_parents(self, links: list[tuple[int, int]]) -> None:
        """(child id, parent id) pairs for parents that were inserted in the same batch."""
        objects = [Interaction(pk=child, parent_id=parent) for child, parent in links]
        Interaction.objects.bulk_update(objects, ["parent"], batch_size=500)


class PostgresCopyWriter:
    """COPY straight into the table, ids taken from its sequence beforehand.

    Safe because the ingest service holds a per-community advisory lock while it checks which
    rows exist and writes the new ones.
    """

    assigns_ids_first = True

    def __init__(self):
        table = Interaction._meta.db_table
        self._sequence_sql = f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)"
        self._copy_sql = f"COPY {table} (id, {', '.join(COLUMNS)}) FROM STDIN"

    def allocate_ids(self, count: int) -> list[int]:
        with pg_cursor() as cursor:
            cursor.execute(self._sequence_sql, [count])
            return [row[0] for row in cursor.fetchall()]

    def insert(self, rows: list[dict]) -> list[int]:
        with connection.cursor() as cursor, cursor.copy(self._copy_sql) as copy:
            for row in rows:
                copy.write_row([row["id"], *(row[column] for column in COLUMNS)])
        return [row["id"] for row in rows]


def pg_cursor():
    """A plain psycopg cursor on Django's connection, binding parameters on the server.

    Django's cursors bind client-side, which formats a 5,000-element array parameter in Python;
    the ingest's lookups send such arrays for every batch.
    """
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def writer_for_connection():
    return PostgresCopyWriter() if connection.vendor == "postgresql" else OrmWriter()
