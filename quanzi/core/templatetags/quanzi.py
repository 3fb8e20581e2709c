"""Template helpers available in every template (registered as a builtin)."""

from __future__ import annotations

from django import template

from quanzi.core.money import format_fen

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Render integer fen as ¥ yuan: {{ order.total|yuan }}."""
    if fen is None or fen == "":
        return ""
    return format_fen(int(fen))
