from django.contrib import admin

from quanzi.tracking.models import DailyCount, DailyVisitor, RollupMark


@admin.register(DailyCount)
class DailyCountAdmin(admin.ModelAdmin[DailyCount]):
    list_display = ("day", "store_id", "kind", "source", "ref", "count", "amount")
    list_filter = ("kind", "source")
    search_fields = ("store_id", "ref")
    date_hierarchy = "day"


@admin.register(DailyVisitor)
class DailyVisitorAdmin(admin.ModelAdmin[DailyVisitor]):
    list_display = ("day", "store_id", "visitor", "source")
    search_fields = ("store_id",)


@admin.register(RollupMark)
class RollupMarkAdmin(admin.ModelAdmin[RollupMark]):
    list_display = ("name", "last_event_id", "rolled_at")
