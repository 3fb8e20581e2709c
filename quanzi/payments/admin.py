"""Admin for platform operators: payments, refunds, payouts and received webhooks, read-only.

Money records change only through the services and the providers' webhooks, never by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.payments.models import Payment, PaymentOrder, Payout, Refund, WebhookEvent


class PaymentOrderInline(admin.TabularInline):
    model = PaymentOrder
    fields = ("order", "amount", "outcome")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ("id", "order", "amount", "status", "reason", "after_sale_id", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "payer", "amount", "status", "provider", "created_at", "captured_at")
    list_filter = ("status", "provider")
    search_fields = ("id", "provider_ref", "payer__username", "parts__order__id")
    list_select_related = ("payer",)
    inlines = [PaymentOrderInline, RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "payment", "amount", "status", "created_at", "succeeded_at")
    list_filter = ("status",)
    search_fields = ("id", "order__id", "payment__id", "after_sale_id", "provider_ref")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "recipient", "amount", "status", "purpose", "created_at", "settled_at")
    list_filter = ("status", "purpose", "provider")
    search_fields = ("id", "reference", "provider_ref", "recipient__username")
    list_select_related = ("recipient",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "provider", "type", "status", "received_at", "processed_at")
    list_filter = ("provider", "type", "status")
    search_fields = ("event_id",)
