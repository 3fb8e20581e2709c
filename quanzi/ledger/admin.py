"""Admin for platform operators: ledger accounts and transactions, read-only.

Corrections are new transactions posted by the services, never edits of existing entries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin, money
from quanzi.ledger.kinds import label_of, registered_kinds
from quanzi.ledger.models import Account, Entry, Transaction


class KindFilter(admin.SimpleListFilter):
    """The transactions of one kind, listed by the labels the domains registered."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((kind, label_of(kind)) for kind in registered_kinds()), key=lambda k: k[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(kind=value) if value else queryset


class EntryInline(admin.TabularInline):
    model = Entry
    amount_yuan = money("amount", _("amount (debit positive)"))
    fields = ("account", "amount_yuan", "order")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    balance_yuan = money("balance", _("balance (debit positive)"))
    list_display = ("code", "kind", "store", "balance_yuan", "created_at")
    exclude = ("balance",)
    readonly_fields = ("balance_yuan",)
    list_filter = ("kind",)
    search_fields = ("code",)
    list_select_related = ("store",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind_label", "kind", "reference", "memo", "created_at")
    list_filter = (KindFilter,)
    search_fields = ("id", "reference")
    inlines = [EntryInline]

    @admin.display(description=_("movement"), ordering="kind")
    def kind_label(self, obj: Transaction) -> str:
        return label_of(obj.kind)
