"""Group buying pages (mounted at /groupbuy/)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.campaigns.groupbuy import views

app_name = "groupbuy"
urlpatterns: list[URLPattern | URLResolver] = [
    path("c/<str:campaign_id>/", views.campaign_page, name="campaign"),
    path("c/<str:campaign_id>/start/", views.start_group, name="start"),
    path("g/<str:group_id>/", views.group_page, name="group"),
    path("g/<str:group_id>/join/", views.join, name="join"),
    path("console/<str:store_id>/", views.console, name="console"),
    path("console/<str:store_id>/new/", views.console_new, name="console_new"),
    path("console/<str:store_id>/<str:campaign_id>/", views.console_edit, name="console_edit"),
]
