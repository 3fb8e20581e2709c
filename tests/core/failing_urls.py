"""A urlconf for the real-server tests of tests/core/test_no_debug_pages.py: the site's own urls
plus a page and an API operation that fail on purpose, with words in their error that must
never reach a user. Nothing of this is mounted outside these tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from ninja import Router

from quanzi.api import api

LEAKY_ERROR = "Traceback: settings.SECRET_KEY in quanzi/settings.py (URLconf)"

failing = Router()


@failing.get("/boom", auth=None)
def api_boom(request: HttpRequest) -> dict[str, str]:
    raise RuntimeError(LEAKY_ERROR)


def page_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(LEAKY_ERROR)


api.add_router("/test-failures", failing)

# The site's urls are read after the router is added: api.urls lists the operations it has then.
# The error handlers are the site's (Django reads them from the root urlconf).
from quanzi.urls import (  # noqa: E402
    handler400,
    handler403,
    handler404,
    handler500,
)
from quanzi.urls import urlpatterns as site  # noqa: E402

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns: list[URLPattern | URLResolver] = [path("test-failures/boom/", page_boom), *site]
