"""Bargain pages (mounted at /bargains/) and the console's bargain campaign pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.campaigns.bargains import views

app_name = "bargains"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("console/<str:store_id>/", views.console, name="console"),
    path("console/<str:store_id>/<str:campaign_id>/end/", views.console_end, name="console_end"),
    path("c/<str:campaign_id>/", views.campaign_page, name="campaign"),
    path("c/<str:campaign_id>/start/", views.start, name="start"),
    path("<str:bargain_id>/", views.bargain_page, name="bargain"),
    path("<str:bargain_id>/help/", views.help_cut, name="help"),
    path("<str:bargain_id>/buy/", views.buy, name="buy"),
]
