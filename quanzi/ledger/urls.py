"""Ledger pages, mounted at /ledger/."""

from __future__ import annotations

from django.urls import path

from quanzi.ledger import views

app_name = "ledger"
urlpatterns = [
    path("console/<str:store_id>/", views.console_balance, name="console_balance"),
]
