"""Store pages and the merchant console."""

from __future__ import annotations

from django.urls import path

from quanzi.stores import views

app_name = "stores"
urlpatterns = [path("console/", views.console_home, name="console_home")]
