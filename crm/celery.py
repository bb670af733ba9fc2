"""The Celery application, wired as in Celery's "First steps with Django" guide.

Every ``CELERY_*`` setting configures it; tasks are discovered in each app's ``tasks.py``.
Without ``CELERY_BROKER_URL`` the settings make tasks run eagerly in the calling process.
"""

import os

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A task that only reads and writes the database: acknowledged late (a killed worker's task is
# delivered again; such tasks are safe to run twice) and retried with backoff while the database
# is unreachable.
RETRY_WHILE_DATABASE_IS_DOWN = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 10 * 60,
    "retry_jitter": True,
    "max_retries": 5,
}
