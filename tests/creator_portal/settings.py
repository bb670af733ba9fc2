"""The test settings with the portal's URLs included (see tests/creator_portal/urls.py), for
running the neighbouring suites (tests/partnerships) against this branch before integration:
``pytest --ds tests.creator_portal.settings tests/partnerships``."""

from crm.test_settings import *  # noqa: F403

ROOT_URLCONF = "tests.creator_portal.urls"
