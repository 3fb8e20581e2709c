"""Admin for platform operators: ledger accounts and transactions, read-only.

Corrections are new transactions posted by the services, never edits of existing entries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.ledger.models import Account, Entry, Transaction


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount", "order")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "store", "balance", "created_at")
    list_filter = ("kind",)
    search_fields = ("code",)
    list_select_related = ("store",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("id", "reference")
    inlines = [EntryInline]
