"""Red packet pages (mounted at /redpackets/; the wallet's pages under /redpackets/wallet/ are
the wallets' app's)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.campaigns.redpackets import views

app_name = "redpackets"
urlpatterns: list[URLPattern | URLResolver] = [
    path("circle/<str:circle_id>/", views.circle, name="circle"),
    path("circle/<str:circle_id>/send/", views.send, name="send"),
    path("<str:packet_id>/", views.detail, name="detail"),
    path("<str:packet_id>/grab/", views.grab, name="grab"),
]
