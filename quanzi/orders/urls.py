"""Order pages (mounted at /orders/) and the store console's order pages."""

from __future__ import annotations

from django.urls import path

from quanzi.orders import buy_sheet, views

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="my_orders"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("buy-now/", views.buy_now, name="buy_now"),
    path("buy-now/sheet/", buy_sheet.sheet, name="buy_sheet"),
    path("buy-now/confirm/", buy_sheet.confirm, name="buy_confirm"),
    path("console/<str:store_id>/", views.console_orders, name="console_orders"),
    # Before the order pages: "ship" and "ship-sheet" are no order ids.
    path("console/<str:store_id>/ship/", views.console_batch_ship, name="console_batch_ship"),
    path(
        "console/<str:store_id>/ship-sheet/",
        views.console_ship_template,
        name="console_ship_template",
    ),
    path(
        "console/<str:store_id>/ship-sheet/import/",
        views.console_ship_import,
        name="console_ship_import",
    ),
    path("console/<str:store_id>/<str:order_id>/", views.console_order, name="console_order"),
    path("console/<str:store_id>/<str:order_id>/ship/", views.console_ship, name="console_ship"),
    path(
        "console/<str:store_id>/<str:order_id>/after-sales/<str:after_sale_id>/approve/",
        views.console_after_sale_approve,
        name="console_after_sale_approve",
    ),
    path(
        "console/<str:store_id>/<str:order_id>/after-sales/<str:after_sale_id>/reject/",
        views.console_after_sale_reject,
        name="console_after_sale_reject",
    ),
    path(
        "console/<str:store_id>/<str:order_id>/after-sales/<str:after_sale_id>/messages/",
        views.console_after_sale_message,
        name="console_after_sale_message",
    ),
    path("<str:order_id>/", views.detail, name="detail"),
    path("<str:order_id>/pay/", views.pay, name="pay"),
    path("<str:order_id>/cancel/", views.cancel, name="cancel"),
    path("<str:order_id>/confirm-receipt/", views.confirm_receipt, name="confirm_receipt"),
    path("<str:order_id>/after-sales/", views.after_sales_request, name="after_sales"),
    path(
        "<str:order_id>/after-sales/<str:after_sale_id>/withdraw/",
        views.after_sales_withdraw,
        name="after_sales_withdraw",
    ),
    path(
        "<str:order_id>/after-sales/<str:after_sale_id>/messages/",
        views.after_sales_message,
        name="after_sales_message",
    ),
    path(
        "<str:order_id>/after-sales/<str:after_sale_id>/return-tracking/",
        views.after_sales_return_tracking,
        name="after_sales_return_tracking",
    ),
]
