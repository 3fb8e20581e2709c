"""Template helpers available in every template (registered as a builtin)."""

from __future__ import annotations

from django import template

from quanzi.core.money import bp_to_percent_str, format_fen

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Render integer fen as ¥ yuan: {{ order.total|yuan }}."""
    if fen is None or fen == "":
        return ""
    return format_fen(int(fen))


@register.filter
def percent_bp(basis_points: int | None) -> str:
    """Render basis points as a percentage without trailing zeros: 1050 → "10.5%"."""
    if basis_points is None or basis_points == "":
        return ""
    return bp_to_percent_str(int(basis_points)) + "%"
