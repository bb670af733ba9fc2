"""A throw-away PostgreSQL database for a benchmark, beside the one DATABASE_URL names."""

from __future__ import annotations

import os
from contextlib import contextmanager

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


@contextmanager
def throwaway_database(prefix: str, base_url: str | None = None):
    """Create ``<prefix>_<pid>`` on DATABASE_URL's server, point DATABASE_URL (and Django's
    settings) at it, yield its name, and drop it afterwards whatever happened."""
    import psycopg

    base_url = base_url or os.environ.get("DATABASE_URL", DEFAULT_URL)
    name = f"{prefix}_{os.getpid()}"
    server = base_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    os.environ.update(DATABASE_URL=f"{server}/{name}", DEBUG="1", DJANGO_SETTINGS_MODULE="crm.settings")
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def migrated_postgresql(prefix: str):
    """For a benchmark that needs PostgreSQL: refuse another database, then a throw-away one with
    Django set up and migrated (``throwaway_database``); yields its name."""
    import sys

    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark")
    with throwaway_database(prefix) as name:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield name
