"""Orders in the Django admin, for platform operators: read and search; changes go through
the services (the console and the API), so the admin shows orders read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import money
from quanzi.orders.carriers import carrier_label
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
    unit_price_yuan = money("unit_price", _("unit price"))
    fields = ("title", "sku_label", "unit_price_yuan", "quantity", "product", "sku")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OrderEvent


class AfterSaleInline(ReadOnlyInline):
    model = AfterSale
    fk_name = "order"
    amount_yuan = money("amount", _("refund amount"))
    fields = ("kind", "status", "amount_yuan", "reason", "merchant_reply", "decided_at")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    subtotal_yuan = money("subtotal", _("items"))
    shipping_yuan = money("shipping_fee", _("shipping"))
    discount_yuan = money("discount", _("discount"))
    total_yuan = money("total", _("total"))
    refunded_yuan = money("refunded_amount", _("refunded"))

    list_display = (
        "number",
        "store",
        "buyer",
        "status",
        "total_yuan",
        "refunded_yuan",
        "created_at",
    )
    exclude = ("subtotal", "shipping_fee", "discount", "total", "refunded_amount", "carrier")
    readonly_fields = (
        "subtotal_yuan",
        "shipping_yuan",
        "discount_yuan",
        "total_yuan",
        "refunded_yuan",
        "courier",
    )
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

    @admin.display(description=_("carrier"))
    def courier(self, obj: Order) -> str:
        """The courier's name in the reader's language, not its code."""
        return carrier_label(obj.carrier)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
