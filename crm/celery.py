"""The Celery application, wired as in Celery's "First steps with Django" guide.

Every ``CELERY_*`` setting configures it; tasks are discovered in each app's ``tasks.py``.
Without ``CELERY_BROKER_URL`` the settings make tasks run eagerly in the calling process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
