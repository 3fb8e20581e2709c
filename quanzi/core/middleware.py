"""Turn domain errors raised inside page views into a 4xx page in the user's language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from quanzi.core.errors import DomainError, PayloadTooLarge


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        return render(
            request, "core/error.html", {"error": exc, "status": exc.status}, status=exc.status
        )


class RequestSizeLimitMiddleware:
    """Refuse a request body over QUANZI_MAX_REQUEST_BYTES before anything reads it (413).

    Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file uploads of any size
    to disk; this stops a 50 MB body at the door, in the user's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.QUANZI_MAX_REQUEST_BYTES:
            error = PayloadTooLarge()
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_dict(), status=413)
            return render(request, "core/error.html", {"error": error, "status": 413}, status=413)
        return self.get_response(request)
