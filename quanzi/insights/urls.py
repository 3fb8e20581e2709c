"""The insights pages of the merchant console: /insights/console/<store>/…"""

from __future__ import annotations

from django.urls import path

from quanzi.insights.views import cascades

app_name = "insights"
urlpatterns: list[object] = []

urlpatterns += [
    path("console/<str:store_id>/cascades/", cascades.cascades, name="cascades"),
    path("console/<str:store_id>/cascades/<str:code>/", cascades.cascade, name="cascade"),
]
