"""The needs pages: /needs/console/<store>/… for the merchant, /needs/privacy/ for members."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.needs import views

app_name = "needs"
urlpatterns: list[URLPattern | URLResolver] = [
    path("privacy/", views.privacy, name="privacy"),
    path("console/<str:store_id>/", views.overview, name="overview"),
    path("console/<str:store_id>/wishes/<str:wish_id>/", views.wish, name="wish"),
    path("console/<str:store_id>/digests/", views.digests, name="digests"),
    path("console/<str:store_id>/digests/<str:digest_id>/", views.digest, name="digest"),
]
