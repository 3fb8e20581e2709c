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
from django.utils.translation import gettext_lazy as _

from quanzi.core.body_limit import body_over_limit
from quanzi.core.error_pages import error_response
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
            refusal = self._refusal(request)
        except RequestDataTooBig:
            refusal = PayloadTooLarge()
        if refusal is not None:
            return error_response(request, refusal)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A view that reads a body the checks above did not (a GET's) gets the same 413."""
        if isinstance(exc, RequestDataTooBig):
            return error_response(request, PayloadTooLarge())
        return None

    def _refusal(self, request: HttpRequest) -> DomainError | None:
        if self._has_nul(request):
            return InvalidInput(_("Text must not contain NUL characters."), code="nul_character")
        if self._has_lone_surrogate(request):
            return InvalidInput(
                _("Text must not contain invalid Unicode characters."), code="invalid_unicode"
            )
        return None

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
