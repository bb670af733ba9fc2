"""PostgreSQL connections: date-times read as the same instants in UTC, and the raw psycopg cursor
(``crm.database.pg_cursor``) raising Django's errors."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from influencers.models import Creator


@pytest.mark.django_db
def test_date_times_from_postgresql_are_the_same_instants_in_utc():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite stores date-times as text (DATABASE_URL is not PostgreSQL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2024-03-01 12:00:00.5+05'::timestamptz, NULL::timestamptz")
        away, missing = cursor.fetchone()
    assert away == datetime(2024, 3, 1, 7, 0, 0, 500000, tzinfo=UTC) and away.tzinfo is UTC
    assert missing is None

    moment = datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-7)))
    creator = Creator.objects.create(display_name="Ink")
    Creator.objects.filter(pk=creator.pk).update(created_at=moment)
    read = Creator.objects.get(pk=creator.pk).created_at
    assert read == moment and read.tzinfo is UTC


@pytest.mark.django_db
def test_errors_of_the_raw_psycopg_cursor_are_djangos_so_tasks_retry_them():
    """The ingest writes through a plain psycopg cursor (COPY): a server restart there must raise
    django.db.OperationalError, the error the import task retries, not psycopg's own."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the raw cursor exists on psycopg connections (DATABASE_URL is not PostgreSQL)")
    import psycopg
    from django.db import OperationalError, ProgrammingError

    from crm.database import pg_cursor

    with pytest.raises(ProgrammingError) as wrapped:
        with pg_cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM influencers_community")
    assert isinstance(wrapped.value.__cause__, psycopg.errors.UndefinedColumn)
    assert issubclass(psycopg.errors.AdminShutdown, psycopg.OperationalError)  # what a restart raises
    with pytest.raises(OperationalError):
        with pg_cursor():
            raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
