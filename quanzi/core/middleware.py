"""Middleware: domain errors raised inside page views as a 4xx page in the user's language,
requests no view should see refused at the door, and the Content-Security-Policy header."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from quanzi.core.body_limit import body_over_limit
from quanzi.core.error_pages import error_response
from quanzi.core.errors import DomainError, InvalidInput, PayloadTooLarge
from quanzi.core.text import check_text, nul_character_error

# A JSON escape of NUL or of a UTF-16 surrogate (\ud800–\udfff; paired, it is one emoji):
# only a body holding one can decode to text that quanzi.core.text refuses.
_NUL_OR_SURROGATE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        return error_response(request, exc)


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
        if length > settings.QUANZI_MAX_REQUEST_BYTES or body_over_limit(request):
            return error_response(request, PayloadTooLarge())
        try:
            self._check_text(request)
        except InvalidInput as error:
            return error_response(request, error)
        except RequestDataTooBig:
            return error_response(request, PayloadTooLarge())
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A view that reads a body the checks above did not (a GET's) gets the same 413."""
        if isinstance(exc, RequestDataTooBig):
            return error_response(request, PayloadTooLarge())
        return None

    @staticmethod
    def _check_text(request: HttpRequest) -> None:
        """Raise the error of quanzi.core.text.check_text for text that no database can store.
        Raw bytes are scanned first; a JSON body is parsed only when it holds a NUL or
        surrogate escape (nearly none do), so an escaped backslash ("\\\\u0000") is text."""
        check_text(request.path)
        if "%00" in request.META.get("QUERY_STRING", ""):
            raise nul_character_error()
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            check_text(list(request.POST.lists()))
            return
        body = request.body
        if b"\x00" in body:
            raise nul_character_error()
        if content_type == "application/x-www-form-urlencoded":
            if b"%00" in body:
                raise nul_character_error()
            return  # form fields are UTF-8 bytes, decoded with replacement: no surrogates
        if not _NUL_OR_SURROGATE_ESCAPE.search(body):
            return
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return  # not JSON, or nested too deep for any of our schemas: the view refuses it
        check_text(data)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY), with connect-src also naming
    ws:// and wss:// of the request's own host for the chat socket: 'self' covers them only in
    browsers that implement CSP level 3."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts  # the 400 for a host we do not serve needs no socket
        sockets = {"connect-src": [f"ws://{host}", f"wss://{host}"]}
        parts.update = {**(parts.update or {}), **sockets}
        return parts
