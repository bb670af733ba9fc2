"""Schemathesis against our own OpenAPI schema, in process: generated requests (valid and not)
to every operation with a write key; no answer is a 5xx, and every answer conforms to the schema
(documented status codes, content types and bodies).

The examples per operation are few (``SCHEMATHESIS_EXAMPLES``, default 15) so the whole suite
stays quick; CI raises it.
"""

import os
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.keys import api_key_create
from api.throttling import PerCallerThrottle

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema():
    from crm.wsgi import application

    # Loaded through the app itself, as a client would (the schema endpoint needs no database).
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


schema = _schema()


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: the app must not close the test's database connection (and
    with it the test's transaction) at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(keep_the_test_connection, org_a, partnership_a, manager_a, monkeypatch):
    """A write key of an organization with a little of everything to find."""
    from partnerships.services import agreement_create, deliverable_plan, task_create

    agreement_create(partnership=partnership_a, actor=manager_a, starts_on=date(2026, 1, 1))
    deliverable_plan(partnership=partnership_a, title="Guide")
    task_create(partnership=partnership_a, actor=manager_a, title="Follow up")
    monkeypatch.setattr(PerCallerThrottle, "rate", "100000/min", raising=False)
    return api_key_create(organization=org_a, scope="write")[1]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_outside_its_schema(case, write_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {write_key}"}, checks=CHECKS)
