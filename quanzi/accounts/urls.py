"""Account pages."""

from __future__ import annotations

from django.urls import path

from quanzi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("addresses/new/", views.address_edit, name="address_new"),
    path("addresses/<str:address_id>/", views.address_edit, name="address_edit"),
    path("addresses/<str:address_id>/default/", views.address_default, name="address_default"),
    path("addresses/<str:address_id>/delete/", views.address_delete, name="address_delete"),
]
