"""The trust pages: the operators' case queue (/trust/cases/…), appeals (/trust/appeal/…) and the
merchants' reputation alerts (/trust/console/<store>/alerts/…)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from quanzi.trust.views import alerts, cases

app_name = "trust"
urlpatterns: list[URLPattern | URLResolver] = [*cases.urlpatterns, *alerts.urlpatterns]
