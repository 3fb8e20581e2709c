"""Django admin for platform operators: the social graph, privacy settings, notes and feed
entries.

Follows, blocks and feed entries are read-only here (their changes move feeds, so they go
through the services); operators may delete them. Notes can be hidden by moderation."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.social.models import Block, FeedEntry, Follow, Note, PrivacySettings


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Look, search, filter and delete; never add or change."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ("follower", "followee", "store", "created_at")
    search_fields = ("follower__username", "followee__username", "store__name")
    raw_id_fields = ("follower", "followee", "store")
    date_hierarchy = "created_at"


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("blocker", "blocked", "created_at")
    search_fields = ("blocker__username", "blocked__username")
    raw_id_fields = ("blocker", "blocked")


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(ReadOnlyAdmin):
    list_display = ("user", "share_purchases", "share_reviews")
    list_filter = ("share_purchases", "share_reviews")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "author", "store", "like_count", "is_hidden", "created_at")
    list_filter = ("is_hidden",)
    search_fields = ("id", "title", "author__username", "store__name")
    raw_id_fields = ("author", "store", "products")
    fields = ("title", "body", "author", "store", "products", "is_hidden")
    readonly_fields = ("author", "store")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeedEntry)
class FeedEntryAdmin(ReadOnlyAdmin):
    list_display = ("owner", "kind", "actor", "note", "product", "rank")
    list_filter = ("kind",)
    search_fields = ("owner__username", "actor__username")
    raw_id_fields = ("owner", "actor", "store", "note", "product")
