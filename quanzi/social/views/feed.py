"""Social pages: 发现, the front door of notes (thin; services do the work).

Two tabs: 推荐 (the notes people engage with most, open to visitors) and 关注 (the signed-in
person's home feed: notes of people and stores they follow, friends' purchases and reviews).
A signed-in person lands on 关注 while it has something to show, a visitor on 推荐."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path

from quanzi.accounts.auth import page_user
from quanzi.core.pagination import page_number
from quanzi.social.services import feed
from quanzi.social.services.notes import popular_notes

FEED_PAGE_SIZE = 20
POPULAR_PAGE_SIZE = 20
TABS = ("following", "popular")


def home(request: HttpRequest) -> HttpResponse:
    """发现; "More" on 关注 follows the cursor of the page shown."""
    user = page_user(request)
    tab = request.GET.get("tab", "")
    if user is not None and tab != "popular":
        page = feed.home_feed(user, request.GET.get("cursor") or None, FEED_PAGE_SIZE)
        if page.items or tab == "following" or request.GET.get("cursor"):
            return render(
                request,
                "social/feed_home.html",
                {
                    "items": page.items,
                    "next_cursor": page.next_cursor,
                    "me": user,
                    "tab": "following",
                },
            )
    notes = popular_notes(user, page_number(request), POPULAR_PAGE_SIZE)
    return render(
        request, "social/feed_popular.html", {"page": notes, "me": user, "tab": "popular"}
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home, name="feed"),
]
