"""Read the project's configuration from environment variables.

Pure functions over a mapping (usually ``os.environ``) so they can be tested without touching the
process environment. Every problem is a ``ConfigError`` whose message is one line that names the
variable, because an operator who mistypes ``DATABASE_URL`` needs to know which value to fix, not a
traceback from deep inside Django.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import dotenv

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
SUPPORTED_DATABASE_SCHEMES = ("postgres", "postgresql", "pgsql", "sqlite")
MIN_SECRET_KEY_LENGTH = 50


LOCAL_SETTINGS_FILE = ".env.local"


def load_local_settings(path: Path, environ) -> list[str]:
    """Fill in, from the file ``make`` writes for local work (``.env.local``: DEBUG=1 and a generated
    SECRET_KEY), the variables the environment does not set; returns the names it filled.

    Read by ``manage.py`` only — the command line of a checkout someone works in — never by
    ``wsgi.py``/``asgi.py`` or the Celery app (which every process imports, the test suite too),
    so a web server or worker is configured only by its own environment. A variable set in the
    environment always wins, so production, which sets SECRET_KEY and DEBUG itself, is not changed
    by a stray file. python-dotenv parses it (quotes, comments, ``export``) as other tools do.
    """
    if not path.is_file():
        return []
    filled = []
    for name, value in dotenv.dotenv_values(path).items():
        if value is not None and name not in environ:
            environ[name] = value
            filled.append(name)
    return filled


class ConfigError(ValueError):
    """A missing or malformed environment variable; the message names it."""


@dataclass(frozen=True)
class Config:
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database: dict
    broker_url: str | None
    cache_url: str | None
    api_rate: str
    secure_ssl_redirect: bool
    trust_forwarded_proto: bool
    hsts_seconds: int
    hsts_preload: bool
    log_level: str
    webhook_deliveries_kept_days: int
    # Outbound requests (crm/outbound.py): hosts reachable even on a private network, and an
    # operator's own certificate authority (requests' usual variables, read here, not by requests).
    outbound_allowed_hosts: list[str]
    ca_bundle: str | None
    # Background retries: the first wait, doubled each time (tests and drills shorten them).
    sync_first_retry_seconds: int
    webhook_first_retry_seconds: float
    # Sources' credentials: Discourse's optional API key, Reddit's script app (REDDIT_*).
    discourse_api_key: str | None
    discourse_api_username: str
    reddit: dict[str, str]
    # Live chat sources: an operator's bot tokens (used for a community that has none of its own)
    # and the APIs' addresses (the real ones unless a proxy, or a test's fake, stands in).
    slack_bot_token: str | None
    slack_api_url: str
    discord_bot_token: str | None
    discord_api_url: str
    # Keys that seal stored secrets (senders' passwords and tokens): the first seals, all open,
    # so a new key can be put first while old rows are still read (crm/sealed.py).
    encryption_keys: list[str]
    # Where people outside reach this server (the unsubscribe link in outreach emails).
    public_url: str

    @property
    def runs_tasks_in_process(self) -> bool:
        """Without a broker (a fresh machine, the demo) Celery tasks run eagerly, in-process."""
        return self.broker_url is None


def env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def env_int(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(environ: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks between commas are ignored."""
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str | None, *, base_dir: Path) -> dict:
    """Django's DATABASES['default'] from DATABASE_URL; unset means the embedded SQLite file."""
    if url is None or url.strip() == "":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "db.sqlite3"),
            # Several writers (runserver, an eager task, a management command) share one file:
            # wait for the lock instead of failing at once.
            "OPTIONS": {"timeout": 20},
        }
    url = url.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL must look like postgres://USER@HOST:PORT/NAME or sqlite:///PATH, got {_redact_url(url)!r}"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"DATABASE_URL is malformed ({exc}): {_redact_url(url)!r}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigError(f"DATABASE_URL names no database: {_redact_url(url)!r}")
    return config


def _redact_url(url: str) -> str:
    """Hide a password in a URL so it can be printed in an error line."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def env_float(environ: Mapping[str, str], name: str, default: float, *, minimum: float = 0) -> float:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise ConfigError(f"{name} must be at least {minimum}, got {raw.strip()}")
    return value


REDDIT_VARIABLES = (
    "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT", "REDDIT_USERNAME", "REDDIT_PASSWORD",
    "REDDIT_OAUTH_URL", "REDDIT_AUTH_URL", "REDDIT_TIMEOUT",
)  # fmt: skip


def outbound_allowed_hosts(environ: Mapping[str, str]) -> list[str]:
    from crm.outbound import parse_allowed_host  # the one parser of host[:port], shared with the policy

    entries = env_list(environ, "OUTBOUND_ALLOWED_HOSTS", [])
    for entry in entries:
        try:
            parse_allowed_host(entry)
        except ValueError as error:
            raise ConfigError(f"OUTBOUND_ALLOWED_HOSTS entries {error}") from None
    return entries


def read_config(environ: Mapping[str, str], *, base_dir: Path) -> Config:
    """Everything settings.py needs, validated; raises ConfigError naming the first bad variable."""
    debug = env_bool(environ, "DEBUG", False)

    secret_key = environ.get("SECRET_KEY", "")
    if not secret_key:
        if not debug:
            raise ConfigError(
                "SECRET_KEY is not set; it is required when DEBUG is off "
                "(for local work set DEBUG=1, or use `make demo`)"
            )
        secret_key = "django-insecure-local-development-only"
    elif not debug and (len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5):
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters when DEBUG is off")

    default_hosts = ["127.0.0.1", "localhost"] if debug else []
    allowed_hosts = env_list(environ, "ALLOWED_HOSTS", default_hosts)
    if not debug and not allowed_hosts:
        raise ConfigError("ALLOWED_HOSTS is not set; it is required when DEBUG is off")

    origins = env_list(environ, "CSRF_TRUSTED_ORIGINS", [])
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ConfigError(f"CSRF_TRUSTED_ORIGINS entries must start with https://, got {origin!r}")

    broker_url = environ.get("CELERY_BROKER_URL", "").strip() or None
    if broker_url and "://" not in broker_url:
        raise ConfigError(f"CELERY_BROKER_URL must look like redis://HOST:PORT/DB, got {broker_url!r}")

    cache_url = environ.get("CACHE_URL", "").strip() or None
    if cache_url and not cache_url.startswith(("redis://", "rediss://")):
        raise ConfigError(f"CACHE_URL must look like redis://HOST:PORT/DB, got {cache_url!r}")
    api_rate = environ.get("API_RATE", "1200/min").strip()
    number, _, period = api_rate.partition("/")
    periods = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}
    if not (number.isascii() and number.isdigit()) or period not in periods:
        raise ConfigError(f"API_RATE must look like 1200/min (a number per s, min, hour or day), got {api_rate!r}")

    log_level = environ.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {log_level!r}")

    return Config(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts,
        csrf_trusted_origins=origins,
        database=database_from_url(environ.get("DATABASE_URL"), base_dir=base_dir),
        broker_url=broker_url,
        cache_url=cache_url,
        api_rate=api_rate,
        secure_ssl_redirect=env_bool(environ, "SECURE_SSL_REDIRECT", not debug),
        trust_forwarded_proto=env_bool(environ, "TRUST_X_FORWARDED_PROTO", False),
        hsts_seconds=env_int(environ, "SECURE_HSTS_SECONDS", 0 if debug else 31_536_000),
        hsts_preload=env_bool(environ, "SECURE_HSTS_PRELOAD", not debug),
        log_level=log_level,
        webhook_deliveries_kept_days=env_int(environ, "WEBHOOK_DELIVERIES_KEPT_DAYS", 30, minimum=1),
        outbound_allowed_hosts=outbound_allowed_hosts(environ),
        ca_bundle=environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or None,
        sync_first_retry_seconds=env_int(environ, "SYNC_FIRST_RETRY_SECONDS", 30, minimum=1),
        webhook_first_retry_seconds=env_float(environ, "WEBHOOK_FIRST_RETRY_SECONDS", 30, minimum=0.1),
        discourse_api_key=environ.get("DISCOURSE_API_KEY") or None,
        discourse_api_username=environ.get("DISCOURSE_API_USERNAME") or "system",
        reddit={name: environ[name] for name in REDDIT_VARIABLES if environ.get(name)},
        slack_bot_token=environ.get("SLACK_BOT_TOKEN") or None,
        slack_api_url=api_url(environ, "SLACK_API_URL", "https://slack.com/api/"),
        discord_bot_token=environ.get("DISCORD_BOT_TOKEN") or None,
        discord_api_url=api_url(environ, "DISCORD_API_URL", "https://discord.com/api/v10"),
        encryption_keys=encryption_keys(environ),
        public_url=public_url(environ, debug=debug),
    )


def api_url(environ: Mapping[str, str], name: str, default: str) -> str:
    """An API's base address: http(s), a host, no credentials in it."""
    raw = (environ.get(name) or default).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ConfigError(f"{name} must be an http(s) address such as {default}, got {raw!r}")
    return raw


def encryption_keys(environ: Mapping[str, str]) -> list[str]:
    """ENCRYPTION_KEYS: comma-separated Fernet keys (32 url-safe base64 bytes each; make one with
    ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
    Empty: secrets are sealed with a key derived from SECRET_KEY (crm/sealed.py), so changing
    SECRET_KEY then makes stored passwords unreadable — production sets ENCRYPTION_KEYS."""
    keys = env_list(environ, "ENCRYPTION_KEYS", [])
    for position, key in enumerate(keys, start=1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ConfigError(
                f"ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes, 44 characters)"
            )
    return keys


def public_url(environ: Mapping[str, str], *, debug: bool) -> str:
    """PUBLIC_URL: this server's address as people outside reach it (https://crm.example.com),
    for links in emails; locally http://127.0.0.1:8000."""
    url = environ.get("PUBLIC_URL", "").strip().rstrip("/")
    if not url:
        return "http://127.0.0.1:8000" if debug else ""
    if not url.startswith(("http://", "https://")) or "/" in url.split("://", 1)[1]:
        raise ConfigError(f"PUBLIC_URL must look like https://crm.example.com (no path), got {url!r}")
    return url
