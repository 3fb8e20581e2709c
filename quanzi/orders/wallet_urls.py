"""The pay-from-wallet page, mounted at /redpackets/wallet/pay/ (before the wallet's and the red
packets' pages, see quanzi/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.orders import wallet_pay

app_name = "wallet_pay"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:order_id>/", wallet_pay.pay_page, name="pay_order"),
]
