"""Admin for platform operators: coupons and the copies people hold, read-only (they change
only through the services, which keep the quantities and the orders consistent)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin, money
from quanzi.coupons.models import AnnouncementCoupon, Coupon, StoreCampaignSettings, UserCoupon


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    amount_off_yuan = money("amount_off", _("amount off"))
    max_off_yuan = money("max_off", _("at most off (0 = no cap)"))
    min_spend_yuan = money("min_spend", _("minimum spend"))
    list_display = (
        "name",
        "store",
        "kind",
        "amount_off_yuan",
        "min_spend_yuan",
        "issued",
        "total",
        "claimable",
        "is_active",
    )
    exclude = ("amount_off", "max_off", "min_spend")
    readonly_fields = ("amount_off_yuan", "max_off_yuan", "min_spend_yuan")
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
