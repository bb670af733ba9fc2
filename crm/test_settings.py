"""Settings for the test suite: the real settings, read from the same environment, plus speed.

The suite runs on a fresh machine with nothing set (SQLite, eager tasks) and in CI with
DATABASE_URL pointing at PostgreSQL and CELERY_BROKER_URL at Redis.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x1y2z3" * 10)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("PUBLIC_URL", "http://testserver")
# No test reaches Slack or Discord: one that forgets to point at its fake finds nothing listening here.
os.environ.setdefault("SLACK_API_URL", "http://127.0.0.1:9/slack-api/")
os.environ.setdefault("DISCORD_API_URL", "http://127.0.0.1:9/discord-api")

from crm.settings import *  # noqa: E402,F403

# Hashing passwords with PBKDF2 dominates test time; the suite tests no password strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Calls to .delay() run in-process unless a test starts a real worker on purpose; that worker
# (TEST_CELERY_WORKER=1) sends what it sends through the broker, as in production.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_WORKER") != "1"
# Serve static files from the apps, as in development: tests don't run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The tests' fake receivers and forums listen on 127.0.0.1; the outbound policy refuses loopback
# otherwise (tests/security/test_outbound.py takes this away to prove it).
OUTBOUND_ALLOWED_HOSTS = [*OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]  # noqa: F405
