"""Admin for platform operators: outreaches, their frozen audiences and members' opt-outs,
read-only (they change only through the services, which keep the holdout and delivery honest)."""

from __future__ import annotations

from django.contrib import admin

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.outreach.models import Outreach, OutreachMember, OutreachOptOut


@admin.register(Outreach)
class OutreachAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "store",
        "channel",
        "state",
        "holdout_percent",
        "reached_count",
        "holdout_count",
        "sent_at",
    )
    list_filter = ("channel", "state")
    search_fields = ("name", "store__name")
    raw_id_fields = (
        "store",
        "segment",
        "coupon",
        "circle",
        "product",
        "announcement",
        "created_by",
    )


@admin.register(OutreachMember)
class OutreachMemberAdmin(ReadOnlyAdmin):
    list_display = ("outreach", "user", "group", "delivery", "skip_reason")
    list_filter = ("group", "delivery", "skip_reason")
    raw_id_fields = ("outreach", "user")


@admin.register(OutreachOptOut)
class OutreachOptOutAdmin(ReadOnlyAdmin):
    list_display = ("store", "user", "created_at")
    raw_id_fields = ("store", "user")
