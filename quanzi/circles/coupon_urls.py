"""The announcement coupon page, mounted at /coupons/announcements/ (the path it always had;
quanzi.urls mounts it ahead of the coupon pages). Its own URLconf because it lives outside
/circles/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.circles.views import coupons

app_name = "circle_coupons"
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "<str:circle_id>/<str:announcement_id>/", coupons.announcement_coupon, name="announcement"
    ),
]
