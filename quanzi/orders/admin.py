"""Orders in the Django admin, for platform operators: read and search; changes go through
the services (the console and the API), so the admin shows orders read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import money
from quanzi.orders import thread_lines
from quanzi.orders.carriers import carrier_label
from quanzi.orders.models import AfterSale, AfterSaleMessage, Order, OrderEvent, OrderItem


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


class AfterSaleMessageInline(ReadOnlyInline):
    """The request's thread: what each step was (in the operator's language), the messages and
    their photos (thumbnails opening the full image)."""

    model = AfterSaleMessage
    fields = ("seq", "role", "author", "step", "text", "photo_links", "created_at")
    readonly_fields = fields

    @admin.display(description=_("what happened"))
    def step(self, line: AfterSaleMessage) -> str:
        return thread_lines.describe(line)

    @admin.display(description=_("photos"))
    def photo_links(self, line: AfterSaleMessage) -> SafeString:
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="60"></a>',
            ((photo.image.url, photo.thumbnail.url) for photo in line.photos.all()),
        )


@admin.register(AfterSale)
class AfterSaleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """After-sales requests with their threads and photo evidence, read-only: the buyer and the
    store act through the pages and the API."""

    amount_yuan = money("amount", _("refund amount"))
    list_display = ("order", "kind", "status", "amount_yuan", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("order__number", "id")
    list_select_related = ("order",)
    exclude = ("amount",)
    readonly_fields = ("amount_yuan",)
    inlines = (AfterSaleMessageInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
