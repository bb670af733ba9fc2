"""Benchmark: the API's list endpoints under 50 concurrent clients, served by gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/api_load.py [--creators 100000] [--clients 50] [--seconds 30]

Creates a throw-away database, fills it with 100,000 creators (each with an account on a
platform), an organization with a brand and 2,000 partnerships, and a read API key; starts
gunicorn (8 workers) with production settings (DEBUG off, a Redis cache for the per-key throttle) on
loopback; then 50 clients, each on its own keep-alive connection, request
``/api/v1/creators/`` and ``/api/v1/partnerships/`` (50 a page, following the cursor to the next
page now and then) as fast as they are answered. Prints throughput, p50/p95/p99 latency per
endpoint, and errors. The clients run on the same two cores as the server: the figures include
their cost. Target: p95 under 150 ms with no errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import DEFAULT_URL, is_postgresql, throwaway_database  # noqa: E402

LISTS = ("/api/v1/creators/?page_size=50", "/api/v1/partnerships/?page_size=50")
# The API's root (links only: authentication, throttle, routing and rendering, no query): what a
# request costs before any work, on this machine, for comparison.
FLOOR = ("/api/v1/",)


def fill(creators: int) -> str:
    """The data set; returns a read API key."""
    from django.db import connection

    from api.keys import api_key_create
    from crm.models import Organization
    from partnerships.models import Brand, Partnership

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO influencers_creator (display_name, bio, created_at, updated_at) "
            "SELECT 'Creator ' || n, '', now(), now() FROM generate_series(1, %s) AS n",
            [creators],
        )
        cursor.execute(
            "INSERT INTO influencers_identity (creator_id, platform, external_id, handle, display_name, profile_url, "
            "reach_kind, is_bot, is_deleted, created_at) "
            "SELECT id, 'reddit', 'member' || id, 'member' || id, '', '', '', false, false, now() "
            "FROM influencers_creator"
        )
        cursor.execute("ANALYZE")
    organization = Organization.objects.create(name="Load test", slug="load")
    brand = Brand.objects.create(organization=organization, name="Inkwell", slug="inkwell")
    from influencers.models import Creator

    Partnership.objects.bulk_create(
        Partnership(brand=brand, creator_id=pk)
        for pk in Creator.objects.order_by("id").values_list("id", flat=True)[:2000]
    )
    return api_key_create(organization=organization, scope="read")[1]


def client(port: int, key: str, paths: tuple, stop: float, results: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}
    rng = random.Random()
    next_pages: dict[str, str] = {}
    while time.monotonic() < stop:
        path = rng.choice(paths)
        url = next_pages.pop(path, None) if rng.random() < 0.3 else None
        target = urlsplit(url).path + "?" + urlsplit(url).query if url else path
        started = time.perf_counter()
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if response.status != 200:
            errors.append(f"{response.status} on {target}")
            continue
        results.append((path, elapsed))
        if next_url := json.loads(body).get("next") if path in LISTS else None:
            next_pages[path] = next_url
    connection.close()


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def production_environment() -> dict:
    """The server's environment: production settings on loopback, a shared Redis cache, no throttle."""
    return {
        **os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "CACHE_URL": "redis://127.0.0.1:6379/14",
        "API_RATE": "1000000/min", "LOG_LEVEL": "WARNING",
    }  # fmt: skip


def start_gunicorn(port: int, env: dict, *, workers: int = 8, threads: int = 1) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return server


def wait_until_answering(port: int, key: str, path: str) -> None:
    for _ in range(100):
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", path, headers={"Authorization": f"Bearer {key}"})
            if probe.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)


def run_clients(port: int, key: str, paths: tuple, *, clients: int, seconds: int) -> tuple[list, list, float, float]:
    """``clients`` threads for ``seconds``: (path, seconds) per answer, errors, wall time, and the
    cores the clients themselves used."""
    results: list = []
    errors: list = []
    stop = time.monotonic() + seconds
    arguments = (port, key, paths, stop, results, errors)
    threads = [threading.Thread(target=client, args=arguments) for _ in range(clients)]
    began, cpu_before = time.monotonic(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    return results, errors, wall, (time.process_time() - cpu_before) / wall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    # 8 single-threaded workers answered best here (4 × 2 threads and 3 × 8 had longer tails).
    parser.add_argument("--workers", type=int, default=8, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn process")
    parser.add_argument("--floor", action="store_true", help="request only the API's root (no query), for comparison")
    options = parser.parse_args(argv)
    paths = FLOOR if options.floor else LISTS
    if not is_postgresql(os.environ.get("DATABASE_URL", DEFAULT_URL)):
        sys.exit("DATABASE_URL must point at PostgreSQL for this benchmark")
    with throwaway_database("crm_api_load"):
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        key = fill(options.creators)
        print(f"{options.creators:,} creators and 2,000 partnerships in {time.monotonic() - started:.1f} s")
        from django.db import connections

        connections.close_all()
        port = 8700 + os.getpid() % 200
        server = start_gunicorn(port, production_environment(), workers=options.workers, threads=options.threads)
        try:
            wait_until_answering(port, key, paths[0])
            results, errors, wall, client_cores = run_clients(
                port, key, paths, clients=options.clients, seconds=options.seconds
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        server_shape = f"{options.workers} workers × {options.threads} threads"
        print(f"{options.clients} clients for {wall:.1f} s against gunicorn ({server_shape})")
        print(f"  {len(results):,} requests answered, {len(results) / wall:,.0f} per second; errors: {len(errors)}")
        print(f"  the clients themselves used {client_cores:.2f} of the 2 cores")
        for path in paths:
            times = [t * 1000 for p, t in results if p == path]
            if times:
                p50, p95, p99 = (percentile(times, p) for p in (50, 95, 99))
                print(f"  {path.split('?')[0]:<24} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   "
                      f"({len(times):,} requests)")  # fmt: skip
        everything = [t * 1000 for _, t in results]
        if everything:
            p95 = percentile(everything, 95)
            print(f"  all: p95 {p95:.1f} ms — target < 150 ms with no errors: "
                  f"{'met' if p95 < 150 and not errors else 'NOT met'}")  # fmt: skip
        for error in errors[:5]:
            print(f"  error: {error}")


if __name__ == "__main__":
    main()
