"""Payment pages, mounted at /pay/."""

from __future__ import annotations

from django.urls import path

from quanzi.payments import views

app_name = "payments"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("sandbox/<str:charge_id>/", views.sandbox_pay, name="sandbox_pay"),
    path("sandbox/<str:charge_id>/confirm/", views.sandbox_confirm, name="sandbox_confirm"),
    path("sandbox/<str:charge_id>/decline/", views.sandbox_decline, name="sandbox_decline"),
]
