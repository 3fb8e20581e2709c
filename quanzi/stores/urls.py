"""Store pages and the merchant console."""

from __future__ import annotations

from django.urls import path

from quanzi.stores import views

app_name = "stores"
urlpatterns = [
    path("console/", views.console_home, name="console_home"),
    path("open/", views.open_store, name="open"),
    path("console/<str:store_id>/", views.console_dashboard, name="console_dashboard"),
    path("console/<str:store_id>/settings/", views.console_settings, name="console_settings"),
    path("console/<str:store_id>/staff/", views.console_staff, name="console_staff"),
    path(
        "console/<str:store_id>/staff/<str:user_id>/remove/",
        views.console_staff_remove,
        name="console_staff_remove",
    ),
    path("<str:store_id>/", views.public, name="public"),
]
