"""Admin for platform operators: stores' distribution settings (editable) and the bindings and
commissions they produce (read-only: commissions move only through ledger postings); share
reward rules, rewards and points (read-only: written by the services)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin, money
from quanzi.referrals.models import (
    Binding,
    Commission,
    CommissionSuspension,
    DistributionConfig,
    PointsBalance,
    PointsEntry,
    ProductCommission,
    Promoter,
    ShareReward,
    ShareRewardRule,
    Withdrawal,
)


@admin.register(DistributionConfig)
class DistributionConfigAdmin(admin.ModelAdmin):
    list_display = ("store", "enabled", "level1_rate_bp", "level2_rate_bp", "binding_mode")
    list_filter = ("enabled", "binding_mode")
    raw_id_fields = ("store",)


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ("customer", "promoter", "store", "expires_at", "updated_at")
    raw_id_fields = ("customer", "promoter", "store")


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("amount"))
    reversed_yuan = money("reversed_amount", _("reversed"))
    list_display = ("order", "promoter", "level", "amount_yuan", "reversed_yuan", "status")
    exclude = ("amount", "reversed_amount")
    readonly_fields = ("amount_yuan", "reversed_yuan")
    list_filter = ("status", "level")
    raw_id_fields = ("order", "promoter")


@admin.register(ProductCommission)
class ProductCommissionAdmin(admin.ModelAdmin):
    list_display = ("product", "level1_rate_bp", "level2_rate_bp")
    raw_id_fields = ("product",)


@admin.register(Promoter)
class PromoterAdmin(ReadOnlyAdmin):
    list_display = ("user", "store", "status", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("user", "store", "decided_by")


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    amount_yuan = money("amount", _("amount"))
    fee_yuan = money("fee", _("fee"))
    list_display = ("pk", "promoter", "store", "amount_yuan", "fee_yuan", "status", "created_at")
    exclude = ("amount", "fee")
    readonly_fields = ("amount_yuan", "fee_yuan")
    list_filter = ("status",)
    raw_id_fields = ("promoter", "store", "reviewed_by")


@admin.register(ShareRewardRule)
class ShareRewardRuleAdmin(ReadOnlyAdmin):
    list_display = ("store", "trigger", "reward", "points", "coupon", "daily_cap", "is_active")
    list_filter = ("trigger", "reward", "is_active")
    raw_id_fields = ("store", "coupon")


@admin.register(ShareReward)
class ShareRewardAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "trigger", "sharer", "member", "points", "user_coupon")
    list_filter = ("trigger",)
    raw_id_fields = ("rule", "sharer", "member", "user_coupon")


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "store", "user", "delta", "reason", "reference")
    list_filter = ("reason",)
    raw_id_fields = ("store", "user")


@admin.register(PointsBalance)
class PointsBalanceAdmin(ReadOnlyAdmin):
    list_display = ("store", "user", "balance", "updated_at")
    raw_id_fields = ("store", "user")


@admin.register(CommissionSuspension)
class CommissionSuspensionAdmin(ReadOnlyAdmin):
    list_display = ("promoter", "store", "suspended", "suspended_at", "lifted_at")
    list_filter = ("suspended",)
    raw_id_fields = ("promoter", "store")
