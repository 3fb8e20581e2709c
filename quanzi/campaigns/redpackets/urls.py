"""Red packet and wallet pages (mounted at /redpackets/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.campaigns.redpackets import views

app_name = "redpackets"
urlpatterns: list[URLPattern | URLResolver] = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/topup/", views.topup_start, name="topup"),
    path("wallet/pay/<str:order_id>/", views.pay_order, name="pay_order"),
    path("circle/<str:circle_id>/", views.circle, name="circle"),
    path("circle/<str:circle_id>/send/", views.send, name="send"),
    path("<str:packet_id>/", views.detail, name="detail"),
    path("<str:packet_id>/grab/", views.grab, name="grab"),
]
