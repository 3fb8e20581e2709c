"""Order pages."""

from __future__ import annotations

from django.urls import path

from quanzi.orders import views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("", views.my_orders, name="my_orders"),
]
