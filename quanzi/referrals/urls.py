"""Referral pages: short share links, posters, the sharer's centre."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.referrals.views import shares as views

app_name = "referrals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.create, name="create"),
    path("<str:code>/poster.png", views.poster, name="poster"),
    path("<str:code>/share/", views.share_page, name="share"),
    path("<str:code>", views.go, name="go"),
    path("<str:code>/", views.go),
]
