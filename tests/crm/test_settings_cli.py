"""What an operator sees when starting the project with good and bad environments.

These start `manage.py` in a subprocess: settings are read once per process.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p" * 20 + "roduction-like-secret-key-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "crm.example.com",
}


# Everything crm/env.py reads: the parent's values (the test settings set some) must not leak in.
CONFIG_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "TRUST_X_FORWARDED_PROTO",
    "CSRF_TRUSTED_ORIGINS",
    "LOG_LEVEL",
}


# manage.py fills unset variables from the .env.local beside it (written by `make` for local
# work): these tests run a copy in a folder of its own, so a developer's file cannot change them.
ISOLATED = Path(tempfile.mkdtemp(prefix="manage-py-"))
shutil.copy(ROOT / "manage.py", ISOLATED / "manage.py")


def manage(*args, **environ):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return subprocess.run(
        [sys.executable, str(ISOLATED / "manage.py"), *args],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "crm.settings", **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_database_url_is_one_line_and_exit_status_2():
    result = manage("check", DEBUG="1", DATABASE_URL="postgres//missing-colon")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0]


def test_missing_secret_key_with_debug_off_is_one_line_and_exit_status_2():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_tasks_run_eagerly_without_a_broker_and_through_it_when_set():
    probe = "from django.conf import settings; from crm.celery import app; print(app.conf.task_always_eager)"
    eager = manage("shell", "-c", probe, DEBUG="1")
    assert eager.returncode == 0, eager.stderr
    assert eager.stdout.strip().endswith("True")
    brokered = manage(
        "shell", "-c", probe + "; print(app.conf.broker_url)", DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:6379/9"
    )
    assert brokered.returncode == 0, brokered.stderr
    assert brokered.stdout.split()[-2:] == ["False", "redis://127.0.0.1:6379/9"]
