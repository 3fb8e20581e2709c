"""The site's URLs plus two views for the outage tests: one that only writes the session (so the
database is first needed by SessionMiddleware, after the view), one that fails on its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from quanzi.urls import urlpatterns as site_urlpatterns


def remember(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = True
    return HttpResponse("ok")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not an outage")


urlpatterns = [
    path("outage-test/remember", remember),
    path("outage-test/broken", broken),
    *site_urlpatterns,
]
