"""Background work is queued one way: after the transaction that asked for it commits.

``enqueue_after_commit(task, *args)`` is the only way production code starts a Celery task from a
request, a service or another task. After commit, because a worker must find the rows the task
reads (and must not run at all if the request rolls back); robustly, because the work asked for
is not worth failing the user's change: a broker that cannot be reached, or a task that raises
while run in-process (no broker: the embedded demo and the tests, where Celery runs tasks eagerly),
is logged with the task's name and the caller's change stands.

Tests do not branch on eagerness either: they capture the callbacks with pytest-django's
``django_capture_on_commit_callbacks`` and run them (or look at what was queued).
"""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args, queue: str | None = None, using: str | None = None) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_send, task, args, queue), using=using)


def _send(task: Task, args: tuple, queue: str | None) -> None:
    try:
        task.apply_async(args, queue=queue)
    except Exception:
        # Not `robust=True` on on_commit: that logs a bare traceback without naming the work.
        logger.exception("could not run or queue %s%r; the change that asked for it stands", task.name, args)
