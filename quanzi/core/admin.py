"""What the operators' admin pages of several domains share: read-only admins, and amounts in
fen shown in yuan (`money`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from quanzi.core.money import format_fen

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Look, search and filter; never add, change or delete (records written by services)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def yuan(fen: int | None) -> str:
    """An amount in fen as the admin shows it: 1234 → "¥12.34" ("-" when there is none)."""
    return "-" if fen is None else format_fen(fen)


def money(field: str, description: str | _StrPromise) -> Callable[[Any, Any], str]:
    """A display method showing the amount in fen of `field` in yuan, sorted by the field: in
    an admin class, `total_yuan = money("total", _("total"))`, then "total_yuan" in
    `list_display` and, where the page is read-only, in `readonly_fields` (with the fen field
    itself in `exclude`)."""

    @admin.display(description=description, ordering=field)
    def column(self: Any, obj: Any) -> str:
        return yuan(getattr(obj, field))

    return column
