"""The merchant console's store pages (the public store page and the dashboard,
"stores:public" and "stores:console_dashboard", are quanzi.storefront's, mounted after these)."""

from __future__ import annotations

from django.urls import path

from quanzi.stores import views

app_name = "stores"
urlpatterns = [
    path("console/", views.console_home, name="console_home"),
    path("open/", views.open_store, name="open"),
    path("console/<str:store_id>/settings/", views.console_settings, name="console_settings"),
    path("console/<str:store_id>/staff/", views.console_staff, name="console_staff"),
    path(
        "console/<str:store_id>/staff/<str:user_id>/insights/",
        views.console_staff_right,
        {"right": "insights"},
        name="console_staff_insights",
    ),
    path(
        "console/<str:store_id>/staff/<str:user_id>/customers/",
        views.console_staff_right,
        {"right": "customers"},
        name="console_staff_customers",
    ),
    path(
        "console/<str:store_id>/staff/<str:user_id>/remove/",
        views.console_staff_remove,
        name="console_staff_remove",
    ),
]
