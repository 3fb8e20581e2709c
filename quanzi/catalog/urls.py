"""Catalog pages."""

from __future__ import annotations

from django.urls import path

from quanzi.catalog import views

app_name = "catalog"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("<str:product_id>/", views.detail, name="detail"),
]
