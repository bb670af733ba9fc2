"""The two speed-ups under the API: psycopg's compiled date-time loader on PostgreSQL connections,
and one Redis client object per pool in the cache."""

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from influencers.models import Creator


@pytest.mark.django_db
def test_date_times_from_postgresql_are_the_same_instants_in_utc():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the loader is registered on psycopg connections (DATABASE_URL is not PostgreSQL)")
    from psycopg.pq import Format

    from crm.database import COMPILED_UTC_LOADER

    assert COMPILED_UTC_LOADER is not None, "psycopg's compiled build (psycopg[binary]) is in requirements.txt"
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, Format.TEXT) is COMPILED_UTC_LOADER
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


def _redis_location() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    base = broker.rsplit("/", 1)[0] if broker.startswith("redis://") else "redis://127.0.0.1:6379"
    return f"{base}/13"


def test_the_redis_cache_keeps_one_client_and_still_counts():
    import redis

    from crm.cache import SharedClientRedisCache

    location = _redis_location()
    try:
        redis.Redis.from_url(location, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
            raise  # CI names a Redis: it must be there
        pytest.skip(f"no Redis at {location} (CI runs this against its Redis)")
    cache = SharedClientRedisCache(location, {"KEY_PREFIX": "cache-test"})
    cache.clear()
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("key", {"scope": "read"}, 30)
    assert cache.get("key") == {"scope": "read"}
    assert cache.add("counter", 1, 30) and cache.incr("counter") == 2
    with pytest.raises(ValueError):
        cache.incr("never-set")
    cache.clear()


@pytest.mark.django_db
def test_errors_of_the_raw_psycopg_cursor_are_djangos_so_tasks_retry_them():
    """The ingest writes through a plain psycopg cursor (COPY): a server restart there must raise
    django.db.OperationalError, the error the import task retries, not psycopg's own."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the raw cursor exists on psycopg connections (DATABASE_URL is not PostgreSQL)")
    import psycopg
    from django.db import OperationalError, ProgrammingError

    from influencers.ingest.postgres import pg_cursor

    with pytest.raises(ProgrammingError) as wrapped:
        with pg_cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM influencers_community")
    assert isinstance(wrapped.value.__cause__, psycopg.errors.UndefinedColumn)
    assert issubclass(psycopg.errors.AdminShutdown, psycopg.OperationalError)  # what a restart raises
    with pytest.raises(OperationalError):
        with pg_cursor():
            raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
