"""Django admin for platform operators: circles and what happens in them.

Operators may edit a circle's texts, listing and limits. Memberships, join requests, messages
and the moderation log are read-only here: their changes move counters and notify people, so
they go through the services (the circle's own pages and API)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from quanzi.circles.models import (
    Announcement,
    Circle,
    JoinRequest,
    Membership,
    Message,
    MessageReport,
    ModerationLog,
    Notification,
)
from quanzi.core.admin import ReadOnlyAdmin


@admin.register(Circle)
class CircleAdmin(admin.ModelAdmin[Circle]):
    list_display = (
        "name",
        "store",
        "owner",
        "join_policy",
        "is_listed",
        "member_count",
        "created_at",
    )
    list_filter = ("join_policy", "is_listed")
    search_fields = ("name", "store__name", "owner__username")
    raw_id_fields = ("store", "owner")
    readonly_fields = ("invite_code", "member_count", "last_message_seq", "created_at")
    fields = (
        "name",
        "avatar",
        "description",
        "rules",
        "store",
        "owner",
        "join_policy",
        "is_listed",
        "commercial_share_percent",
        "commercial_daily_cap",
        "flood_per_minute",
        "member_share_daily_limit",
        "blocked_words",
        *readonly_fields,
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a circle starts with its owner's membership: created by the services


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("circle", "user", "role", "state", "muted_until", "joined_at")
    list_filter = ("role", "state")
    search_fields = ("circle__name", "user__username", "user__nickname")
    list_select_related = ("circle", "user")


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ("circle", "user", "state", "decided_by", "created_at", "decided_at")
    list_filter = ("state",)
    search_fields = ("circle__name", "user__username")
    list_select_related = ("circle", "user", "decided_by")


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = ("circle", "actor", "action", "target", "until", "created_at")
    list_filter = ("action",)
    search_fields = ("circle__name", "actor__username", "target__username")
    list_select_related = ("circle", "actor", "target")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("circle", "seq", "sender", "kind", "is_commercial", "created_at", "removed_at")
    list_filter = ("kind", "is_commercial")
    search_fields = ("circle__name", "sender__username", "text")
    list_select_related = ("circle", "sender")


@admin.register(MessageReport)
class MessageReportAdmin(ReadOnlyAdmin):
    list_display = ("message", "reporter", "reason", "resolution", "created_at", "resolved_at")
    list_filter = ("resolution",)
    search_fields = ("reason", "reporter__username")
    list_select_related = ("message", "reporter")


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ("title", "circle", "author", "is_pinned", "launch_at", "launched_at")
    list_filter = ("is_pinned",)
    search_fields = ("title", "circle__name")
    list_select_related = ("circle", "author")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "circle", "text", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "text")
    list_select_related = ("user", "circle")
