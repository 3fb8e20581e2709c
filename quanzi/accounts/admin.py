"""Platform operators manage people here: accounts, their addresses and API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import Address, ApiToken, User


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("recipient", "phone", "province", "city", "district", "detail", "is_default")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "nickname", "phone", "is_staff", "is_active", "date_joined")
    search_fields = ("username", "nickname", "phone", "public_id")
    readonly_fields = ("public_id", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password", "public_id")}),
        (_("Profile"), {"fields": ("nickname", "phone", "avatar", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    inlines = [AddressInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "name", "public_id")
    readonly_fields = (
        "public_id",
        "user",
        "key_hash",
        "name",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued by logging in through the API
