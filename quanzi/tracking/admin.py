"""The rollups in the operators' admin, read-only (the rollup task writes them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin, money
from quanzi.tracking.models import DailyCount, DailyVisitor, RollupMark


@admin.register(DailyCount)
class DailyCountAdmin(ReadOnlyAdmin):
    list_display = ("day", "store_id", "kind", "source", "ref", "count", "amount_yuan")
    list_filter = ("kind", "source")
    search_fields = ("store_id", "ref")
    date_hierarchy = "day"
    exclude = ("amount",)
    readonly_fields = ("amount_yuan",)
    amount_yuan = money("amount", _("amount"))


@admin.register(DailyVisitor)
class DailyVisitorAdmin(ReadOnlyAdmin):
    list_display = ("day", "store_id", "visitor", "source")
    search_fields = ("store_id",)


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_event_id", "rolled_at")
