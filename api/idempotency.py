"""``Idempotency-Key`` on POST: the first answer is kept for 24 hours and replayed for the same
key and body; the same key with another body (or another path) is a 409, and so is a second
request while the first is still running.

A request that fails on our side (a 5xx answer, or an exception that becomes Django's 500) keeps
nothing: its key is released, so the retry runs, with the same body or a corrected one. Before,
an exception skipped the release and stranded the key as "still running" for 24 hours (issue 17).
A record still running after RUNNING_AT_MOST is taken to be a request whose process died, and
is released in the same way."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.authentication import ApiKeyPrincipal
from api.models import IdempotentRequest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
# Far longer than any request runs (gunicorn kills a worker after 30 s by default; the API's
# slowest write, a measurement, is queued): a record pending longer belongs to a dead process.
RUNNING_AT_MOST = timedelta(minutes=10)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


class _Replay(Exception):
    def __init__(self, stored: IdempotentRequest):
        self.stored = stored


def _caller(request) -> str:
    user = request.user
    return f"key:{user.api_key.pk}" if isinstance(user, ApiKeyPrincipal) else f"user:{user.pk}"


def _body_hash(request) -> str:
    try:
        canonical = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        canonical = request.body.decode("utf-8", "replace") if hasattr(request, "body") else ""
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotentPostMixin:
    """For API views: honour ``Idempotency-Key`` on POST (after authentication and permissions)."""

    _idempotent: IdempotentRequest | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotent = None
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key:
            return
        if len(key) > 255:
            raise exceptions.ValidationError({HEADER: "At most 255 characters."})
        caller, body_hash = _caller(request), _body_hash(request)
        now = timezone.now()
        IdempotentRequest.objects.filter(caller=caller, key=key, created_at__lt=now - KEPT_FOR).delete()
        IdempotentRequest.objects.filter(
            caller=caller, key=key, status_code__isnull=True, created_at__lt=now - RUNNING_AT_MOST
        ).delete()
        try:
            with transaction.atomic():
                self._idempotent = IdempotentRequest.objects.create(
                    caller=caller, key=key, method=request.method, path=request.path, body_hash=body_hash
                )
            return
        except IntegrityError:
            stored = IdempotentRequest.objects.get(caller=caller, key=key)
        if stored.body_hash != body_hash or stored.path != request.path:
            raise Conflict(f"This {HEADER} was used with a different request: use a new key for a new request.")
        if stored.status_code is None:
            raise Conflict(f"The first request with this {HEADER} is still running: retry in a moment.")
        raise _Replay(stored)

    def handle_exception(self, error):
        if isinstance(error, _Replay):
            response = Response(error.stored.response, status=error.stored.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            return super().handle_exception(error)
        except BaseException:
            # Not an answer DRF gives (an exception Django turns into a 500): finalize_response
            # will not run, so the key is released here.
            self._release()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 500:
            self._release()  # nothing to replay: the caller may try again with the same key
        elif self._idempotent is not None:
            record, self._idempotent = self._idempotent, None
            record.status_code, record.response = response.status_code, getattr(response, "data", None)
            record.save(update_fields=["status_code", "response"])
        return response

    def _release(self) -> None:
        record, self._idempotent = self._idempotent, None
        if record is None:
            return
        try:
            IdempotentRequest.objects.filter(pk=record.pk, status_code__isnull=True).delete()
        except DatabaseError:
            # The connection is unusable (the failure may be the database's): the record stays
            # pending and is released after RUNNING_AT_MOST. The request's own error is the one to report.
            logger.warning("Idempotency-Key %r not released; it will be after %s", record.key, RUNNING_AT_MOST)
