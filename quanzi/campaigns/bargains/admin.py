"""Admin for platform operators: bargain campaigns, bargains and helps, read-only (they change
only through the services, which keep prices, helps and orders consistent)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainHelp
from quanzi.core.admin import ReadOnlyAdmin, money


@admin.register(BargainCampaign)
class BargainCampaignAdmin(ReadOnlyAdmin):
    start_yuan = money("start_price", _("start price"))
    floor_yuan = money("floor_price", _("floor price"))
    list_display = ("title", "store", "start_yuan", "floor_yuan", "helpers_needed", "is_active")
    exclude = ("start_price", "floor_price")
    readonly_fields = ("start_yuan", "floor_yuan")
    list_filter = ("is_active", "allow_above_floor")
    search_fields = ("title", "store__name")
    raw_id_fields = ("store", "sku")


@admin.register(Bargain)
class BargainAdmin(ReadOnlyAdmin):
    start_yuan = money("start_price", _("start price"))
    floor_yuan = money("floor_price", _("floor price"))
    current_yuan = money("current_price", _("current price"))
    list_display = ("campaign", "starter", "current_yuan", "helps_count", "status", "expires_at")
    exclude = ("start_price", "floor_price", "current_price")
    readonly_fields = ("start_yuan", "floor_yuan", "current_yuan")
    list_filter = ("status",)
    raw_id_fields = ("campaign", "starter", "order")


@admin.register(BargainHelp)
class BargainHelpAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("cut"))
    price_after_yuan = money("price_after", _("price after"))
    list_display = ("bargain", "helper", "amount_yuan", "price_after_yuan", "created_at")
    exclude = ("amount", "price_after")
    readonly_fields = ("amount_yuan", "price_after_yuan")
    raw_id_fields = ("bargain", "campaign", "helper")
