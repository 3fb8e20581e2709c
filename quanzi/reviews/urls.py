"""Review pages: the review form, a product's reviews, and the console's review list."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.reviews import views

app_name = "reviews"
urlpatterns: list[URLPattern | URLResolver] = [
    path("new/<str:order_id>/<str:item_id>/", views.new_review, name="new"),
    path("product/<str:product_id>/", views.product_reviews, name="product"),
    path("console/<str:store_id>/", views.console_reviews, name="console_reviews"),
]
