"""Admin for platform operators: coupons and the copies people hold, read-only (they change
only through the services, which keep the quantities and the orders consistent)."""

from __future__ import annotations

from django.contrib import admin

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.coupons.models import AnnouncementCoupon, Coupon, StoreCampaignSettings, UserCoupon


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("name", "store", "kind", "issued", "total", "claimable", "is_active")
    list_filter = ("kind", "validity", "claimable", "is_active")
    search_fields = ("name", "store__name")
    raw_id_fields = ("store",)


@admin.register(UserCoupon)
class UserCouponAdmin(ReadOnlyAdmin):
    list_display = ("coupon", "user", "source", "status", "expires_at", "order")
    list_filter = ("source", "status")
    raw_id_fields = ("coupon", "store", "user", "order")


@admin.register(StoreCampaignSettings)
class StoreCampaignSettingsAdmin(ReadOnlyAdmin):
    list_display = ("store", "coupons_on_campaign_price", "join_cashback")
    raw_id_fields = ("store", "join_cashback")


@admin.register(AnnouncementCoupon)
class AnnouncementCouponAdmin(ReadOnlyAdmin):
    list_display = ("announcement", "coupon")
    raw_id_fields = ("announcement", "coupon")
