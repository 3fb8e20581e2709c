"""Admin for platform operators: payments, refunds, payouts and received webhooks, read-only.

Money records change only through the services and the providers' webhooks, never by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin, money
from quanzi.payments.models import Payment, PaymentOrder, Payout, Refund, WebhookEvent


class PaymentOrderInline(admin.TabularInline):
    model = PaymentOrder
    amount_yuan = money("amount", _("amount"))
    fields = ("order", "amount_yuan", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    amount_yuan = money("amount", _("amount"))
    fields = ("id", "order", "amount_yuan", "status", "reason", "after_sale_id", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("amount"))
    list_display = ("id", "payer", "amount_yuan", "status", "provider", "created_at", "captured_at")
    exclude = ("amount",)
    readonly_fields = ("amount_yuan",)
    list_filter = ("status", "provider")
    search_fields = (
        "id",
        "provider_ref",
        "payer__username",
        "parts__order__id",
        "parts__order__number",
    )
    list_select_related = ("payer",)
    inlines = [PaymentOrderInline, RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("amount"))
    list_display = ("id", "order", "payment", "amount_yuan", "status", "created_at", "succeeded_at")
    exclude = ("amount",)
    readonly_fields = ("amount_yuan",)
    list_filter = ("status",)
    search_fields = (
        "id",
        "order__id",
        "order__number",
        "payment__id",
        "after_sale_id",
        "provider_ref",
    )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("amount"))
    list_display = (
        "id",
        "recipient",
        "amount_yuan",
        "status",
        "purpose",
        "created_at",
        "settled_at",
    )
    exclude = ("amount",)
    readonly_fields = ("amount_yuan",)
    list_filter = ("status", "purpose", "provider")
    search_fields = ("id", "reference", "provider_ref", "recipient__username")
    list_select_related = ("recipient",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "provider", "type", "status", "received_at", "processed_at")
    list_filter = ("provider", "type", "status")
    search_fields = ("event_id",)
