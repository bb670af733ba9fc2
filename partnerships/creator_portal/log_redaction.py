"""Keep creator-link tokens out of the logs.

Django's request logger writes the path of every 4xx answer ("Not Found: /c/<token>/") and the
development server writes every request line; a creator's token in either would let whoever reads
the logs open the creator's page. This filter rewrites the token in any record before a handler
sees it. ``with_hidden_creator_tokens`` adds it to a LOGGING dictionary (crm/settings.py).
"""

from __future__ import annotations

import copy
import logging
import re

TOKEN_IN_PATH = re.compile(r"/c/[^/\s?#\"']+")
HIDDEN = "/c/[hidden]"
# The loggers that print request paths: Django's request and security loggers, the development
# server, and the root (whatever else propagates there).
LOGGERS = ("django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost")


def hide_tokens(text: str) -> str:
    return TOKEN_IN_PATH.sub(HIDDEN, text)


class HideCreatorTokens(logging.Filter):
    """Rewrite ``/c/<token>`` in a record's message, arguments and request path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/c/" in message:
            record.msg, record.args = hide_tokens(message), None
        request = getattr(record, "request", None)
        if request is not None and "/c/" in getattr(request, "path", ""):
            # The formatter of an error email or a structured handler may print the request itself.
            record.request = None
        return True


def with_hidden_creator_tokens(logging_config: dict) -> dict:
    """``logging_config`` with the filter on every logger that prints request paths."""
    config = copy.deepcopy(logging_config)
    config.setdefault("filters", {})["hide_creator_tokens"] = {"()": HideCreatorTokens}
    loggers = config.setdefault("loggers", {})
    for name in LOGGERS:
        logger = loggers.setdefault(name, {})
        filters = logger.setdefault("filters", [])
        if "hide_creator_tokens" not in filters:
            filters.append("hide_creator_tokens")
    return config
