"""The insights pages of the merchant console: /insights/console/<store>/…"""

from __future__ import annotations

from django.urls import path

from quanzi.insights.views import cascades, dividend, overview
from quanzi.insights.views.campaigns import campaigns_page
from quanzi.insights.views.circles import circles_page

app_name = "insights"
urlpatterns: list[object] = [
    path("console/<str:store_id>/", overview.overview, name="overview"),
    path("console/<str:store_id>/sources/", overview.sources, name="sources"),
    path("console/<str:store_id>/people/", overview.people, name="people"),
    path("console/<str:store_id>/dividend/", dividend.dividend, name="dividend"),
    path("console/<str:store_id>/cascades/", cascades.cascades, name="cascades"),
    path("console/<str:store_id>/cascades/<str:code>/", cascades.cascade, name="cascade"),
    path("console/<str:store_id>/circles/", circles_page, name="circles"),
    path("console/<str:store_id>/campaigns/", campaigns_page, name="campaigns"),
]
