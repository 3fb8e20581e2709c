"""Social pages (notes, feed, people): each area lists its own URL patterns."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from quanzi.social.views import feed, graph, notes

app_name = "social"
urlpatterns: list[URLPattern | URLResolver] = [
    *feed.urlpatterns,
    *notes.urlpatterns,
    *graph.urlpatterns,
]
