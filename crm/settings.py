"""Settings, read from the environment (see crm/env.py and the README's configuration table).

Without any variable set this is a safe production-shaped configuration that refuses to start
until SECRET_KEY and ALLOWED_HOSTS are given; `DEBUG=1` gives the local embedded defaults
(SQLite file, tasks run eagerly in-process).
"""

import base64
import hashlib
import os
import sys
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from crm.env import ConfigError, read_config

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    CONFIG = read_config(os.environ, base_dir=BASE_DIR)  # the one place the environment is read
except ConfigError as error:
    # One line naming the variable, then a distinct exit status; no traceback for an operator.
    sys.stderr.write(f"configuration error: {error}\n")
    raise SystemExit(2) from None

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    # The project's apps, lowest layer first: each imports only apps listed before it
    # (docs/architecture.md; `lint-imports` checks it).
    "crm",
    "influencers",
    "graph",
    "insight",
    "partnerships",
    "discovery",
    "api",
    "demo",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from
# one address, that pair is locked out for AXES_COOLOFF_TIME (an administrator can unlock it
# sooner in the admin, "Access attempts"). Per pair, so a stranger cannot lock a colleague out
# from elsewhere and one office behind one address is not locked out by one person's typos.
# The address is REMOTE_ADDR: behind a proxy, the proxy's, unless AXES_CLIENT_IP_CALLABLE names a
# function that reads the client's from the header the proxy sets.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # its start-up banner and per-attempt lines; failures are logged as warnings anyway

# Content security policy (django-csp): scripts, styles, images and fonts from this site only;
# no inline script anywhere, and no inline style except the one attribute django-simple-history's
# admin history page carries (allowed by its hash, nothing else) and the API's pages for people
# (the browsable API and Swagger UI style themselves inline: api/renderers.py, api/urls.py);
# never framed.


def _style_attribute(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


API_PAGE_STYLES = {"style-src": [SELF, "'unsafe-inline'"], "style-src-attr": ["'unsafe-inline'"]}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-hashes'", _style_attribute("border-top: 0")],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["crm.formats"]  # one date format everywhere: 2026-12-05 (crm/formats/en/formats.py)

# --- Static files (whitenoise serves them in production and under runserver) ---------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (check --deploy is clean when DEBUG is off) -----------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = CONFIG.secure_ssl_redirect
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_seconds > 0
SECURE_HSTS_PRELOAD = CONFIG.hsts_preload and CONFIG.hsts_seconds > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if CONFIG.trust_forwarded_proto:
    # Only behind a proxy that sets this header itself (gunicorn behind nginx, a load balancer).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Celery (crm/celery.py reads every CELERY_* name) --------------------------------------
# Without a broker a fresh machine still works: tasks run eagerly, in-process.
# Shared by every process when CACHE_URL names a Redis (API throttling counts per key across
# gunicorn workers); otherwise each process counts on its own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG.cache_url}
    if CONFIG.cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

CELERY_BROKER_URL = CONFIG.broker_url or "memory://"
CELERY_TASK_ALWAYS_EAGER = CONFIG.runs_tasks_in_process
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# Imports and rankings are long: a task is acknowledged only once done, so a killed worker's
# task is redelivered, and a worker takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Written into django-celery-beat's tables at beat start; operators can change times in the admin.
CELERY_BEAT_SCHEDULE = {
    "sync-tracked-communities": {"task": "influencers.tasks.sync_tracked_communities", "schedule": 3600.0},
    "resume-interrupted-syncs": {"task": "influencers.tasks.resume_interrupted_syncs", "schedule": 600.0},
    "purge-expired-api-records": {"task": "api.tasks.purge_expired_api_records", "schedule": 3600.0},
    # Outreach: send what is due, write follow-ups, recover interrupted sends; read replies.
    "outreach-every-minute": {"task": "partnerships.outreach.tasks.outreach_every_minute", "schedule": 60.0},
    "read-inboxes": {"task": "partnerships.outreach.tasks.read_inboxes", "schedule": 300.0},
    # The ledger: months that ended become payments, and what fell due is told (payment.due) once.
    "payments-daily": {"task": "partnerships.payments.tasks.payments_daily", "schedule": crontab(minute=10, hour=0)},
}
# How long the webhook delivery log is kept (as pretix keeps its webhook calls): finished deliveries
# older than this are deleted hourly; pending ones stay until they finish.
WEBHOOK_DELIVERIES_KEPT_DAYS = CONFIG.webhook_deliveries_kept_days
WEBHOOK_FIRST_RETRY_SECONDS = CONFIG.webhook_first_retry_seconds
SYNC_FIRST_RETRY_SECONDS = CONFIG.sync_first_retry_seconds

# --- Outbound requests and sources ---------------------------------------------------------
# Hosts (host or host:port) that outbound requests made for tenants, webhooks and forum syncs,
# may reach even on a private network: an operator's own forum, say (crm/outbound.py).
OUTBOUND_ALLOWED_HOSTS = CONFIG.outbound_allowed_hosts
OUTBOUND_CA_BUNDLE = CONFIG.ca_bundle
DISCOURSE_API_KEY = CONFIG.discourse_api_key
DISCOURSE_API_USERNAME = CONFIG.discourse_api_username
REDDIT_API = CONFIG.reddit  # REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, … as set
# Live Slack and Discord (influencers/connectors/slack_live.py, discord_live.py): the operator's bot
# tokens, for communities without a token of their own, and the APIs' base addresses.
SLACK_BOT_TOKEN = CONFIG.slack_bot_token
SLACK_API_URL = CONFIG.slack_api_url
DISCORD_BOT_TOKEN = CONFIG.discord_bot_token
DISCORD_API_URL = CONFIG.discord_api_url
ENCRYPTION_KEYS = CONFIG.encryption_keys  # crm/sealed.py
PUBLIC_URL = CONFIG.public_url  # links in outreach emails (unsubscribe)

# --- REST API (/api/v1/): organization API keys or browser sessions -------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.OrganizationAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "api.filtering.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPage",
    # JSON that refuses non-finite numbers and deep nesting with a 400 naming the field (api/parsers.py);
    # forms as before (the browsable API and test clients send them).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerCallerThrottle"],
    "DEFAULT_THROTTLE_RATES": {"caller": CONFIG.api_rate},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community partnerships API",
    "DESCRIPTION": (
        "Discover the members embedded in niche communities and run long-term, creator-led partnerships. "
        "Authenticate with an organization API key: `Authorization: Bearer crm_…` (create one with "
        "`manage.py create_api_key --org SLUG`). Every object belongs to one organization; another "
        "organization's objects answer 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "WebhookEventEnum": "api.models.WebhookEvent",
        "StageEnum": "partnerships.models.Stage",
        "AgreementStatusEnum": "partnerships.models.AgreementStatus",
        "DeliverableStatusEnum": "partnerships.models.DeliverableStatus",
        "DeliveryStatusEnum": "api.models.DeliveryStatus",
        "ReadinessItemEnum": "partnerships.models.ReadinessItem",
        "StanceEnum": "partnerships.models.Stance",
    },
}

# --- Logging: one line per record on stderr, level from LOG_LEVEL --------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # A creator's private link (/c/<token>/) must never reach a log: the loggers that print request
    # paths print it as /c/[hidden]. (Their lines then go to the root handler above.)
    "filters": {"hide_creator_tokens": {"()": "partnerships.creator_portal.log_redaction.HideCreatorTokens"}},
    "root": {"handlers": ["stderr"], "level": CONFIG.log_level},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        **{
            name: {"filters": ["hide_creator_tokens"]}
            for name in ("django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost")
        },
    },
}
