"""Twenty identical requests at once: the helper the concurrency tests share (PostgreSQL only;
SQLite runs one write at a time, so there is nothing to race)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

TIMES = 20


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writes need PostgreSQL (SQLite runs one write at a time): run with DATABASE_URL.")


def at_once(call, times: int = TIMES) -> list:
    """``call()`` in ``times`` threads released together; what each returned or raised (every
    thread answers, or the test fails: a thread stuck on a lock is a finding too)."""
    barrier = threading.Barrier(times)
    outcomes, lock = [], threading.Lock()

    def run():
        try:
            barrier.wait(timeout=30)
            try:
                outcome = call()
            except Exception as error:  # noqa: BLE001 - what each thread met is the result
                outcome = error
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == times, outcomes
    return outcomes
