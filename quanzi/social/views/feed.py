"""Social pages: feed (thin; services do the work)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path

from quanzi.accounts.auth import signed_in_user
from quanzi.social.services import feed

FEED_PAGE_SIZE = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home feed; "More" follows the cursor of the page shown."""
    user = signed_in_user(request)
    page = feed.home_feed(user, request.GET.get("cursor") or None, FEED_PAGE_SIZE)
    return render(
        request,
        "social/feed_home.html",
        {"items": page.items, "next_cursor": page.next_cursor, "me": user},
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="feed"),
]
