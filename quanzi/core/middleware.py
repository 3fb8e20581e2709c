"""Turn domain errors raised inside page views into a 4xx page in the user's language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import DomainError, InvalidInput, PayloadTooLarge

# A JSON escape of a UTF-16 surrogate (\ud800–\udfff): paired, it is one emoji; alone, it
# decodes to text that cannot be encoded as UTF-8, so no database can store it.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        response = render(
            request, "core/error.html", {"error": exc, "status": exc.status}, status=exc.status
        )
        for name, value in exc.headers().items():
            response[name] = value
        return response


class RequestGuardMiddleware:
    """Refuse, before any view reads them, requests that no view should see (rule 8):

    - a body over QUANZI_MAX_REQUEST_BYTES (413): Django bounds form fields but streams file
      uploads of any size to disk, so a 50 MB body is stopped at the door;
    - text carrying a NUL character (400) in the path, the query or a non-file field: PostgreSQL
      cannot store or compare it and would fail with a 500 deep inside a query;
    - a JSON body with a lone surrogate escape such as "\\ud800" (400): Python decodes it, but
      the text cannot be encoded as UTF-8 and the database driver would fail with a 500.
    The answer is in the user's language (this runs after LocaleMiddleware).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.QUANZI_MAX_REQUEST_BYTES:
            return self._refuse(request, PayloadTooLarge())
        if self._has_nul(request):
            return self._refuse(
                request,
                InvalidInput(_("Text must not contain NUL characters."), code="nul_character"),
            )
        if self._has_lone_surrogate(request):
            return self._refuse(
                request,
                InvalidInput(
                    _("Text must not contain invalid Unicode characters."),
                    code="invalid_unicode",
                ),
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            return any("\x00" in v for values in request.POST.lists() for v in values[1])
        body = request.body
        if b"\x00" in body or b"\\u0000" in body:
            return True
        return content_type == "application/x-www-form-urlencoded" and b"%00" in body

    @staticmethod
    def _has_lone_surrogate(request: HttpRequest) -> bool:
        """Whether the body is JSON whose text holds a surrogate without its pair. Only JSON can
        carry one (form fields, queries and paths are UTF-8 bytes, decoded with replacement);
        bodies without a surrogate escape, nearly all, are not parsed here."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if (request.content_type or "").startswith("multipart/"):
            return False
        body = request.body
        if not _SURROGATE_ESCAPE.search(body):
            return False
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return False  # not JSON: the view refuses it
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            return True
        except RecursionError:
            return False  # nested too deep for any of our schemas: the view refuses it
        return False

    @staticmethod
    def _refuse(request: HttpRequest, error: DomainError) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(error.as_dict(), status=error.status)
        return render(
            request,
            "core/error.html",
            {"error": error, "status": error.status},
            status=error.status,
        )
