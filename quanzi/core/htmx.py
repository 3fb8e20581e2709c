"""The two HTMX facts a view needs (django-htmx's middleware parses the headers): whether the
request came from HTMX — then a fragment goes back instead of a page — and how to send HTMX to
another page with a full load (`HX-Redirect`; a plain redirect would be followed inside the
fragment)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def hx_redirect(url: str) -> HttpResponse:
    return HttpResponse(status=204, headers={"HX-Redirect": url})
