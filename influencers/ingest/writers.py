"""Low-level writers: the portable ORM insert, and a raw psycopg cursor for the PostgreSQL path."""

from __future__ import annotations

from django.db import connection

from influencers.models import Interaction


class OrmWriter:
    """Portable (SQLite, the embedded default): bulk_create, then link in-batch parents."""

    def insert(self, rows: list[dict]) -> list[int]:
        objects = [Interaction(**row) for row in rows]
        Interaction.objects.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in objects]

    def set_parents(self, links: list[tuple[int, int]]) -> None:
        """(child id, parent id) pairs for parents that were inserted in the same batch."""
        objects = [Interaction(pk=child, parent_id=parent) for child, parent in links]
        Interaction.objects.bulk_update(objects, ["parent"], batch_size=500)


def pg_cursor():
    """A plain psycopg cursor on Django's connection (its transaction), binding on the server.

    Django's cursors bind parameters client-side and cannot stream COPY rows as tuples as cheaply.
    """
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
