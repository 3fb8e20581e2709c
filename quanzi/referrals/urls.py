"""Referral pages: short share links, posters, the sharer's centre."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "referrals"
urlpatterns: list[URLPattern | URLResolver] = []
