"""While the database is unreachable, answer 503 with `Retry-After` instead of a 500.

An outage shows up as `OperationalError` or `InterfaceError` (the connection is refused, lost
mid-query or closed) or as the pool's `PoolTimeout` (no connection became free in time; Django
wraps it in `OperationalError`). The error is the same for every request of the outage, and it
passes by itself: the pool reconnects in the background and the first request after that is
served normally. So the answer is "come back in a few seconds", never an error page:

- the API (`/api/`) answers JSON `{"detail", "code": "unavailable"}` (quanzi/api.py registers
  `unavailable_response` for these errors with ninja);
- pages answer a small self-contained page that does not touch the database itself.

`DatabaseUnavailableMiddleware.process_exception` handles the errors raised by views. An error
raised outside a view (saving the session in SessionMiddleware, for example) has already been
turned into a 500 by Django's handler when it reaches an outer middleware; the receiver of
`got_request_exception` marks such a request, and the middleware replaces that 500 with the 503.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from prometheus_client import Counter
from psycopg_pool import PoolTimeout

from quanzi.core.errors import CoreCode

logger = logging.getLogger(__name__)

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)
MESSAGE = _("The service is briefly unavailable. Please try again in a few seconds.")
LOG_EVERY_SECONDS = 10.0

UNAVAILABLE = Counter(
    "quanzi_database_unavailable_responses",
    "Requests answered 503 because the database was unreachable.",
    ["kind"],
)
_last_logged = 0.0


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The 503 for a request the database could not serve (JSON on the API, a page elsewhere)."""
    api = request.path.startswith("/api/")
    _log(exc)
    UNAVAILABLE.labels("api" if api else "page").inc()
    retry_after = int(settings.QUANZI_DB_RETRY_AFTER)
    response: HttpResponse
    if api:
        response = JsonResponse({"detail": str(MESSAGE), "code": CoreCode.UNAVAILABLE}, status=503)
    else:
        # Rendered without the request: the context processors (the signed-in user, the
        # notifications badge) would query the database that just failed.
        page = render_to_string(
            "core/unavailable.html",
            {
                "message": MESSAGE,
                "retry_after": retry_after,
                "reload": request.method == "GET",
                "path": request.get_full_path(),
            },
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _log(exc: Exception) -> None:
    """One warning line, at most every LOG_EVERY_SECONDS per process: an outage fails every
    request the same way, and a line for each would bury the rest of the log."""
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("database unavailable, answering 503: %s: %s", type(exc).__name__, exc)


@receiver(got_request_exception, dispatch_uid="quanzi.core.outage.mark")
def _mark_database_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django is turning an exception into a 500 (it is being handled: sys.exc_info() is it)."""
    exc = sys.exc_info()[1]
    if request is not None and is_database_outage(exc):
        request._quanzi_database_error = exc  # type: ignore[attr-defined]


class DatabaseUnavailableMiddleware:
    """Place it outside every middleware that may query the database (SessionMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, "_quanzi_database_error", None)
        if exc is not None and response.status_code >= 500:
            return unavailable_response(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if is_database_outage(exc):
            return unavailable_response(request, exc)
        return None
