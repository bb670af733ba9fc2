"""Errors in one shape: DRF's (``{"field": ["message"]}`` for a 400, ``{"detail": …}`` otherwise).

Services refuse with Django's ValidationError naming the field; here it becomes a 400 saying the
same, so the API and the pages give the same reasons. A body Django refuses to read (larger than
DATA_UPLOAD_MAX_MEMORY_SIZE, or with too many fields or files) answers in JSON too: left to
Django, it was the HTML "Bad Request (400)" page meant for browsers.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def exception_handler(error, context):
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        detail = {("non_field_errors" if field == "__all__" else field): messages for field, messages in detail.items()}
        error = exceptions.ValidationError(detail)
    elif isinstance(error, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        error = BodyTooLarge(f"The body is larger than this API reads ({limit:,} bytes): send less at a time.")
    elif isinstance(error, TooManyFieldsSent | TooManyFilesSent):
        error = exceptions.ParseError(f"The body has too many fields or files: {error}")
    return drf_exception_handler(error, context)
