"""Coupon pages (mounted at /coupons/) and the merchant console's coupon pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.coupons import views

app_name = "coupons"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("console/<str:store_id>/", views.console, name="console"),
    path("console/<str:store_id>/new/", views.console_new, name="console_new"),
    path("console/<str:store_id>/settings/", views.console_settings, name="console_settings"),
    path("console/<str:store_id>/<str:coupon_id>/", views.console_edit, name="console_edit"),
    path(
        "console/<str:store_id>/<str:coupon_id>/deactivate/",
        views.console_deactivate,
        name="console_deactivate",
    ),
    path("<str:coupon_id>/claim/", views.claim, name="claim"),
]
