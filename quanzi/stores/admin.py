"""Django admin for platform operators: stores and their people; an operator may close a store."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import money
from quanzi.stores.models import Store, StoreStaff
from quanzi.stores.signals import store_renamed


class StaffInline(admin.TabularInline[StoreStaff, Store]):
    model = StoreStaff
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin[Store]):
    shipping_yuan = money("shipping_fee", _("shipping fee"))
    free_shipping_yuan = money("free_shipping_threshold", _("free shipping from"))
    list_display = ("name", "is_active", "shipping_yuan", "free_shipping_yuan", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "staff__user__username", "staff__user__phone")
    inlines = (StaffInline,)

    def save_model(self, request: HttpRequest, obj: Store, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:  # products are found by store name
            store_renamed.send(sender=Store, store=obj)
