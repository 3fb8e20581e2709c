"""Wallet pages, mounted at /redpackets/wallet/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.wallets import views

app_name = "wallets"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.wallet, name="wallet"),
    path("topup/", views.topup_start, name="topup"),
]
