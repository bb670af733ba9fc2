"""Configuration from the environment: defaults, parsing, and one clear line per mistake."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crm.env import LOCAL_SETTINGS_FILE, ConfigError, load_local_settings, read_config

BASE = Path("/srv/crm")
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 30 + "0123456789abcdefghij",
    "ALLOWED_HOSTS": "crm.example.com, api.crm.example.com",
}


def test_fresh_machine_in_debug_uses_sqlite_and_eager_tasks():
    config = read_config({"DEBUG": "1"}, base_dir=BASE)
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == str(BASE / "db.sqlite3")
    assert config.broker_url is None and config.runs_tasks_in_process
    assert config.allowed_hosts == ["127.0.0.1", "localhost"]


def test_database_url_selects_postgresql():
    config = read_config({**PRODUCTION, "DATABASE_URL": "postgres://crm:s3cret@db.internal:5433/crm"}, base_dir=BASE)
    assert config.database["ENGINE"] == "django.db.backends.postgresql"
    assert (config.database["HOST"], config.database["PORT"], config.database["NAME"]) == ("db.internal", 5433, "crm")
    assert config.database["PASSWORD"] == "s3cret"


def test_allowed_hosts_is_a_comma_separated_list():
    assert read_config(PRODUCTION, base_dir=BASE).allowed_hosts == ["crm.example.com", "api.crm.example.com"]


def test_broker_url_turns_off_eager_tasks():
    config = read_config({**PRODUCTION, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, base_dir=BASE)
    assert config.broker_url == "redis://127.0.0.1:6379/0"
    assert not config.runs_tasks_in_process


def test_sources_and_retries_are_read_here_and_nowhere_else():
    config = read_config(
        {
            "DEBUG": "1", "OUTBOUND_ALLOWED_HOSTS": "forum.intranet, [::1]:8080", "REQUESTS_CA_BUNDLE": "/etc/ca.pem",
            "SYNC_FIRST_RETRY_SECONDS": "2", "WEBHOOK_FIRST_RETRY_SECONDS": "0.5", "DISCOURSE_API_KEY": "k",
            "REDDIT_CLIENT_ID": "id", "REDDIT_PASSWORD": "", "UNRELATED": "x",
        },
        base_dir=BASE,
    )  # fmt: skip
    assert config.outbound_allowed_hosts == ["forum.intranet", "[::1]:8080"]
    assert config.ca_bundle == "/etc/ca.pem"
    assert (config.sync_first_retry_seconds, config.webhook_first_retry_seconds) == (2, 0.5)
    assert (config.discourse_api_key, config.discourse_api_username) == ("k", "system")
    assert config.reddit == {"REDDIT_CLIENT_ID": "id"}  # blanks are unset
    defaults = read_config({"DEBUG": "1"}, base_dir=BASE)
    assert (defaults.sync_first_retry_seconds, defaults.webhook_first_retry_seconds) == (30, 30)
    assert (defaults.outbound_allowed_hosts, defaults.discourse_api_key, defaults.reddit) == ([], None, {})


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://root@localhost/crm"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u@host:notaport/crm"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u@host:5432/"}, "DATABASE_URL"),
        ({"DEBUG": "1", "CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL"),
        ({"DEBUG": "1", "SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
        ({"DEBUG": "1", "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DEBUG": "1", "CSRF_TRUSTED_ORIGINS": "crm.example.com"}, "CSRF_TRUSTED_ORIGINS"),
        ({"DEBUG": "1", "OUTBOUND_ALLOWED_HOSTS": "http://forum.intranet/"}, "OUTBOUND_ALLOWED_HOSTS"),
        ({"DEBUG": "1", "SYNC_FIRST_RETRY_SECONDS": "0"}, "SYNC_FIRST_RETRY_SECONDS"),
        ({"DEBUG": "1", "WEBHOOK_FIRST_RETRY_SECONDS": "nan"}, "WEBHOOK_FIRST_RETRY_SECONDS"),
        ({"DEBUG": "1", "ENCRYPTION_KEYS": "not-a-key"}, "ENCRYPTION_KEYS"),
        ({"DEBUG": "1", "PUBLIC_URL": "crm.example.com"}, "PUBLIC_URL"),
        ({"DEBUG": "1", "PUBLIC_URL": "https://crm.example.com/app"}, "PUBLIC_URL"),
    ],
)
def test_each_mistake_is_one_line_naming_the_variable(environ, variable):
    with pytest.raises(ConfigError) as error:
        read_config(environ, base_dir=BASE)
    message = str(error.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_a_password_in_a_bad_database_url_is_not_repeated():
    with pytest.raises(ConfigError) as error:
        read_config({"DEBUG": "1", "DATABASE_URL": "mysql://root:hunter2@localhost/crm"}, base_dir=BASE)
    assert "hunter2" not in str(error.value)


def test_production_defaults_are_secure():
    config = read_config(PRODUCTION, base_dir=BASE)
    assert config.debug is False
    assert config.secure_ssl_redirect is True
    assert config.hsts_seconds >= 31_536_000


def test_the_local_settings_file_fills_only_what_the_environment_leaves_unset(tmp_path):
    settings_file = tmp_path / LOCAL_SETTINGS_FILE
    settings_file.write_text("# written by make\nDEBUG=1\nSECRET_KEY='local-secret'\nexport LOG_LEVEL=WARNING\n")
    environ = {"DEBUG": "0"}

    filled = load_local_settings(settings_file, environ)

    assert filled == ["SECRET_KEY", "LOG_LEVEL"]
    assert environ == {"DEBUG": "0", "SECRET_KEY": "local-secret", "LOG_LEVEL": "WARNING"}
    assert load_local_settings(tmp_path / "absent", environ) == []


def test_manage_py_reads_the_local_settings_file_beside_it(tmp_path):
    """The README's commands run as written after `make demo`: no DEBUG=1 or SECRET_KEY typed."""
    repository = Path(__file__).resolve().parents[2]
    shutil.copy(repository / "manage.py", tmp_path / "manage.py")
    (tmp_path / LOCAL_SETTINGS_FILE).write_text("DEBUG=1\n")
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    environ["PYTHONPATH"] = str(repository)
    command = [
        sys.executable,
        str(tmp_path / "manage.py"),
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
    ]

    with_file = subprocess.run(command, env=environ, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    (tmp_path / LOCAL_SETTINGS_FILE).unlink()
    without_file = subprocess.run(command, env=environ, capture_output=True, text=True, cwd=tmp_path, timeout=60)

    assert with_file.returncode == 0, with_file.stderr
    assert with_file.stdout.strip().splitlines()[-1] == "True"
    assert without_file.returncode != 0
    assert "SECRET_KEY is not set" in without_file.stderr


def test_every_page_writes_dates_one_way():
    """Dates the templates print without a format (and the admin's) read as the pages' own: 2026-12-05."""
    import datetime

    from django.template import Context, Template

    page = Template("{{ day }} | {{ moment }} | {{ day|date }} | {{ moment|date:'DATETIME_FORMAT' }}")
    day, moment = datetime.date(2026, 12, 5), datetime.datetime(2026, 12, 5, 13, 4)

    assert (
        page.render(Context({"day": day, "moment": moment}))
        == "2026-12-05 | 2026-12-05 13:04 | 2026-12-05 | 2026-12-05 13:04"
    )


def test_encryption_keys_and_the_public_address():
    from cryptography.fernet import Fernet

    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    config = read_config({**PRODUCTION, "ENCRYPTION_KEYS": f"{new}, {old}", "PUBLIC_URL": "https://crm.example.com/"},
                         base_dir=BASE)  # fmt: skip
    assert (config.encryption_keys, config.public_url) == ([new, old], "https://crm.example.com")
    local = read_config({"DEBUG": "1"}, base_dir=BASE)
    assert (local.encryption_keys, local.public_url) == ([], "http://127.0.0.1:8000")
    assert read_config(PRODUCTION, base_dir=BASE).public_url == ""  # emails then refuse to go, saying why


def test_the_chat_apis_addresses_default_to_slack_and_discord_and_must_be_web_addresses():
    config = read_config(PRODUCTION, base_dir=BASE)
    assert (config.slack_api_url, config.discord_api_url) == ("https://slack.com/api/", "https://discord.com/api/v10")
    assert config.slack_bot_token is None and config.discord_bot_token is None
    with pytest.raises(ConfigError, match="SLACK_API_URL must be an http"):
        read_config({**PRODUCTION, "SLACK_API_URL": "ftp://slack.example/api"}, base_dir=BASE)
    with pytest.raises(ConfigError, match="DISCORD_API_URL"):
        read_config({**PRODUCTION, "DISCORD_API_URL": "https://user:pw@discord.example/api"}, base_dir=BASE)
