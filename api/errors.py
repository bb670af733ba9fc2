"""Errors in one shape: DRF's (``{"field": ["message"]}`` for a 400, ``{"detail": …}`` otherwise).

Services refuse with Django's ValidationError naming the field; here it becomes a 400 saying the
same, so the API and the pages give the same reasons.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(error, context):
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        detail = {("non_field_errors" if field == "__all__" else field): messages for field, messages in detail.items()}
        error = exceptions.ValidationError(detail)
    return drf_exception_handler(error, context)
