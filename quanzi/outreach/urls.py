"""The outreach pages: the merchant console's (/outreach/console/<store>/…) and the member's."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from quanzi.outreach import views

app_name = "outreach"
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/<str:store_id>/", views.outreach_list, name="list"),
    path("console/<str:store_id>/new/", views.outreach_new, name="new"),
    path("console/<str:store_id>/<str:outreach_id>/", views.outreach_detail, name="detail"),
    path("console/<str:store_id>/<str:outreach_id>/send/", views.outreach_send, name="send"),
    path("m/<str:outreach_id>/", views.member_message, name="message"),
    path("settings/", views.member_settings, name="settings"),
    path("settings/<str:store_id>/", views.member_choice, name="choice"),
]
