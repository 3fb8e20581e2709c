"""Distribution pages, mounted at /promote/: the promoter centre (per store) and the merchant's
distribution console (settings, promoters, per-product rates, withdrawals, share rewards)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "promote"
urlpatterns: list[URLPattern | URLResolver] = []
