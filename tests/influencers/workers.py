"""Real Celery workers for tests: started as processes on a private queue, reading the test database.

Needs a broker and a database a second process can share (PostgreSQL). On the embedded defaults
(no broker, SQLite in memory for tests) the tests using them are skipped with that reason; CI runs them.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from crm.celery import app

ROOT = Path(__file__).resolve().parents[2]

NEEDS_A_WORKER = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="no CELERY_BROKER_URL: no broker to test"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared PostgreSQL database"),
]


def needs_a_worker(test):
    for mark in NEEDS_A_WORKER:
        test = mark(test)
    return test


def start_worker(queue: str, **environment: str) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "solo", "-Q", queue, "--loglevel", "INFO",
         "--hostname", f"{queue}-{time.monotonic_ns()}@%h"],
        cwd=ROOT,
        env={
            **os.environ, "DJANGO_SETTINGS_MODULE": "crm.test_settings", "TEST_CELERY_WORKER": "1",
            "DATABASE_URL": url, "WEBHOOK_FIRST_RETRY_SECONDS": "1", **environment,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    output, _ = process.communicate(timeout=60)
    print(output)


def send_through_broker(task, args, queue):
    """Send for real (the test settings run tasks in-process otherwise)."""
    app.conf.task_always_eager = False
    try:
        task.apply_async(args=args, queue=queue)
    finally:
        app.conf.task_always_eager = True


def wait_until(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.5)
