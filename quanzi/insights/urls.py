"""The insights pages of the merchant console: /insights/console/<store>/…"""

from __future__ import annotations

from django.urls import path

from quanzi.insights.views import overview

app_name = "insights"
urlpatterns: list[object] = [
    path("console/<str:store_id>/", overview.overview, name="overview"),
    path("console/<str:store_id>/sources/", overview.sources, name="sources"),
    path("console/<str:store_id>/people/", overview.people, name="people"),
]
