"""Database helpers: recording a failure when the failure was the connection itself, reading
large results without the ORM's per-row work, and the one raw psycopg cursor (COPY, arrays bound
on the server) that the ingest and the ranking's snapshot write through.

Date-times are read by Django's own ``timestamptz`` loader. A compiled psycopg loader registered
in its place (it relied on Django comparing a private ``timezone`` attribute before adding its own
loader to each cursor) was measured and dropped: API list pages cost 4.9 and 5.2 ms of CPU in
process with it, 5.8 ms each without (20,000 creators, four runs, a shared two-core machine). That
0.7 ms is about 6 % of the 13 ms of machine time a list request costs end to end
(benchmarks/api_load.py, whose throughput on that machine varied by half from run to run), and
the ranking's load step was no slower without it (benchmarks/ranking_speed.py --comments 300000).
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def write_despite_a_broken_connection(write: Callable[[], object], what: str) -> bool:
    """Run ``write``, a small UPDATE recording how a task ended, even when what ended it was the
    database connection breaking (PostgreSQL restarted): then the first try fails too, so it is
    tried again on a new connection while the server comes back. Returns whether it was written;
    when it was not, the next attempt finds the record unfinished and says so."""
    for pause in (0, 1, 2, 4):
        time.sleep(pause)
        try:
            write()
            return True
        except DatabaseError:
            if connection.in_atomic_block:  # a caller's transaction: a new connection would not be in it
                break
            connection.close()  # a broken connection is replaced on the next query
    logger.warning("could not record %s: the database is unreachable", what, exc_info=True)
    return False


def fetch_rows(queryset, *, stream: bool = False):
    """Run a values_list query without the ORM's per-row conversions (plain ints and strings).

    On PostgreSQL with room to aggregate and sort in memory: the default 4 MB spilled the
    million-row DISTINCTs to disk. ``stream``: through a server-side cursor, so a large result
    (members' texts) arrives in pieces instead of being held whole by the client.
    """
    sql, params = queryset.query.sql_with_params()
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as settings:
        if postgresql:
            settings.execute("SET work_mem = '64MB'")
        try:
            with connection.chunked_cursor() if stream else connection.cursor() as cursor:
                cursor.execute(sql, params)
                while chunk := cursor.fetchmany(20_000):
                    yield from chunk
        finally:
            if postgresql:
                settings.execute("RESET work_mem")


@contextmanager
def pg_cursor() -> Iterator:
    """A plain psycopg cursor on Django's connection (inside its transaction), binding on the server.
    PostgreSQL only.

    Django's own cursors bind parameters client-side: a 5,000-element array is then formatted in
    Python for every batch, and they offer no COPY. Its errors are Django's
    (``django.db.OperationalError`` for a server that went away, as from any query), so the tasks
    that retry a lost database retry these too: a restart during a COPY raised psycopg's own
    AdminShutdown, which nothing retried.
    """
    import psycopg  # only installed where PostgreSQL is used

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
