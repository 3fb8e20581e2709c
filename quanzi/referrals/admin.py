"""Admin for platform operators: stores' distribution settings (editable) and the bindings and
commissions they produce (read-only: commissions move only through ledger postings)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.referrals.models import Binding, Commission, DistributionConfig


@admin.register(DistributionConfig)
class DistributionConfigAdmin(admin.ModelAdmin):
    list_display = ("store", "enabled", "level1_rate_bp", "level2_rate_bp", "binding_mode")
    list_filter = ("enabled", "binding_mode")
    raw_id_fields = ("store",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ("customer", "promoter", "store", "expires_at", "updated_at")
    raw_id_fields = ("customer", "promoter", "store")


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ("order", "promoter", "level", "amount", "reversed_amount", "status")
    list_filter = ("status", "level")
    raw_id_fields = ("order", "promoter")
