"""`{% load circles_notifications %}{% unread_notifications_badge %}`: the top bar's link to the
notification centre with the unread count, polled every 30 s by HTMX (one COUNT query)."""

from __future__ import annotations

from typing import Any

from django import template

from quanzi.accounts.models import User
from quanzi.circles.services.notifications import unread_count

register = template.Library()


@register.inclusion_tag("circles/notifications_badge.html", takes_context=True)
def unread_notifications_badge(context: template.Context) -> dict[str, Any]:
    """Nothing for anonymous visitors; otherwise the badge with the unread count."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if not isinstance(user, User) or not user.is_authenticated:
        return {"count": None}
    return {"count": unread_count(user)}
