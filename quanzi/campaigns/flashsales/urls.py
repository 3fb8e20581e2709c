"""Flash-sale pages, mounted at /flash/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.campaigns.flashsales import views

app_name = "flashsales"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/<str:store_id>/", views.console, name="console"),
    path(
        "console/<str:store_id>/<str:slot_id>/toggle/",
        views.console_toggle,
        name="console_toggle",
    ),
    path("<str:slot_id>/buy/", views.buy, name="buy"),
]
