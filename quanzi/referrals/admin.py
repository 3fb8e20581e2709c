"""Admin for platform operators: stores' distribution settings (editable) and the bindings and
commissions they produce (read-only: commissions move only through ledger postings)."""

from __future__ import annotations

from django.contrib import admin

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.referrals.models import (
    Binding,
    Commission,
    DistributionConfig,
    ProductCommission,
    Promoter,
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
    list_display = ("order", "promoter", "level", "amount", "reversed_amount", "status")
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
    list_display = ("pk", "promoter", "store", "amount", "fee", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("promoter", "store", "reviewed_by")
