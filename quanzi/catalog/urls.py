"""Catalog pages: the storefront's search and the console's product pages (the product page,
/products/<id>/ "catalog:detail", is quanzi.storefront's, mounted after these)."""

from __future__ import annotations

from django.urls import path

from quanzi.catalog import views

app_name = "catalog"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("console/<str:store_id>/", views.console_products, name="console_products"),
    path("console/<str:store_id>/new/", views.console_new, name="console_new"),
    path("console/<str:store_id>/import/", views.console_import, name="console_import"),
    path("console/<str:store_id>/export/", views.console_export, name="console_export"),
    path("console/<str:store_id>/<str:product_id>/", views.console_edit, name="console_edit"),
    path(
        "console/<str:store_id>/<str:product_id>/shelf/",
        views.console_shelf,
        name="console_shelf",
    ),
    path(
        "console/<str:store_id>/<str:product_id>/delete/",
        views.console_delete,
        name="console_delete",
    ),
    path(
        "console/<str:store_id>/<str:product_id>/images/<str:image_id>/delete/",
        views.console_image_delete,
        name="console_image_delete",
    ),
    path(
        "console/<str:store_id>/<str:product_id>/images/<str:image_id>/move/",
        views.console_image_move,
        name="console_image_move",
    ),
    path(
        "console/<str:store_id>/<str:product_id>/images/<str:image_id>/variant/",
        views.console_image_variant,
        name="console_image_variant",
    ),
]
