"""Orders in the Django admin, for platform operators: read and search; changes go through
the services (the console and the API), so the admin shows orders read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.orders.models import AfterSale, Order, OrderEvent, OrderItem


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ItemInline(ReadOnlyInline):
    model = OrderItem


class EventInline(ReadOnlyInline):
    model = OrderEvent


class AfterSaleInline(ReadOnlyInline):
    model = AfterSale
    fk_name = "order"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "store", "buyer", "status", "total", "refunded_amount", "created_at")
    list_filter = ("status",)
    search_fields = (
        "number",
        "id",
        "buyer__username",
        "buyer__phone",
        "store__name",
        "tracking_number",
    )
    list_select_related = ("store", "buyer")
    inlines = (ItemInline, AfterSaleInline, EventInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
