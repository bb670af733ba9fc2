"""Database connections: date-times read by psycopg's compiled loader; recording a failure when
the failure was the connection itself.

Django registers its own ``timestamptz`` loader on every connection (a Python subclass of
psycopg's pure-Python loader that then swaps the time zone), so each date-time read costs a
regular expression and two Python calls: 2 ms of a 50-row API page. When the session's time zone
is UTC, as Django sets it with ``USE_TZ``, psycopg's compiled loader already returns exactly what
Django wants (aware datetimes in ``datetime.timezone.utc``), so this puts it back.

``fetch_rows`` reads large results (a million interactions) as plain tuples, streamed.
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC

from django.db import DatabaseError, connection
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)


def _compiled_utc_loader():
    try:
        import psycopg
        from psycopg.pq import Format
    except ImportError:  # psycopg 2 or no PostgreSQL driver
        return None
    loader = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    if loader is None or not loader.__module__.startswith("psycopg_binary"):
        return None  # the pure-Python build: nothing to gain

    compiled = loader

    class CompiledUtcTimestamptzLoader(psycopg.adapt.Loader):
        """A Python loader (a compiled class can't be subclassed) whose ``load`` is the compiled
        loader's own: one C call per value."""

        timezone = UTC  # what Django's cursor compares with its own before registering its loader

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.load = compiled(oid, context).load

        def load(self, data):  # replaced per instance above; declared for the abstract base
            raise NotImplementedError

    return CompiledUtcTimestamptzLoader


COMPILED_UTC_LOADER = _compiled_utc_loader()


def use_compiled_timestamp_loader(sender, connection, **kwargs):
    if connection.vendor != "postgresql" or COMPILED_UTC_LOADER is None:
        return
    raw = connection.connection
    if raw.info.parameter_status("TimeZone") == "UTC":
        raw.adapters.register_loader("timestamptz", COMPILED_UTC_LOADER)


def connect():
    connection_created.connect(use_compiled_timestamp_loader, dispatch_uid="crm.compiled_timestamp_loader")


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
