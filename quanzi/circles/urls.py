"""Circle pages: each area lists its own URL patterns."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from quanzi.circles.views import announcements, chat, membership

app_name = "circles"
urlpatterns: list[URLPattern | URLResolver] = [
    # chat first: its fixed `share/` must come before membership's `<circle_id>/`
    *chat.urlpatterns,
    *membership.urlpatterns,
    *announcements.urlpatterns,
]
