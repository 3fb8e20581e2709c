"""What a user sees when a request fails: the API answers JSON (`{"detail", "code"}`), pages a
plain page in the user's language; never Django's own pages, which say nothing useful to a user
(and under DEBUG show settings, paths and every URL pattern).

`handler400/403/404/500` in quanzi/urls.py and CSRF_FAILURE_VIEW point here; the middleware's
refusals (RequestGuardMiddleware, DomainErrorMiddleware) answer through `error_response`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import CoreCode, DomainError, InvalidInput, NotFound, PermissionDenied

SERVER_ERROR = _("Something went wrong on our side. Please try again later.")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The error as the API's JSON or as the site's error page, with the error's status and
    headers (a 429's Retry-After)."""
    if is_api(request):
        response: HttpResponse = JsonResponse(error.as_dict(), status=error.status)
    else:
        response = render(
            request,
            "core/error.html",
            {"error": error, "status": error.status},
            status=error.status,
        )
    for name, value in error.headers().items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, InvalidInput())


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, PermissionDenied())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return error_response(request, NotFound())
    return error_response(request, NotFound(_("This page does not exist.")))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its CSRF token, typically from a page left open past its session."""
    message = _("This form has expired. Reload the page and try again.")
    return error_response(request, PermissionDenied(message, code=CoreCode.CSRF_FAILED))


def server_error(request: HttpRequest) -> HttpResponse:
    """The answer to an unexpected exception (Django has logged it). The page is rendered
    without the request's context: whatever failed (the database, a context processor) may fail
    again, and this page must still show."""
    if is_api(request):
        return JsonResponse(
            {"detail": str(SERVER_ERROR), "code": CoreCode.SERVER_ERROR}, status=500
        )
    return HttpResponseServerError(render_to_string("core/500.html", {"message": SERVER_ERROR}))
