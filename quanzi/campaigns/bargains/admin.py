"""Admin for platform operators: bargain campaigns, bargains and helps, read-only (they change
only through the services, which keep prices, helps and orders consistent)."""

from __future__ import annotations

from django.contrib import admin

from quanzi.campaigns.bargains.models import Bargain, BargainCampaign, BargainHelp
from quanzi.core.admin import ReadOnlyAdmin


@admin.register(BargainCampaign)
class BargainCampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "store", "start_price", "floor_price", "helpers_needed", "is_active")
    list_filter = ("is_active", "allow_above_floor")
    search_fields = ("title", "store__name")
    raw_id_fields = ("store", "sku")


@admin.register(Bargain)
class BargainAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "starter", "current_price", "helps_count", "status", "expires_at")
    list_filter = ("status",)
    raw_id_fields = ("campaign", "starter", "order")


@admin.register(BargainHelp)
class BargainHelpAdmin(ReadOnlyAdmin):
    list_display = ("bargain", "helper", "amount", "price_after", "created_at")
    raw_id_fields = ("bargain", "campaign", "helper")
