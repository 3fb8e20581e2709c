"""`{% load storefront_shell %}`: the app shell's parts in base.html — `{% app_tabbar %}` (the
five tabs with their unread badges, re-fetched by HTMX every QUANZI_BADGE_POLL_SECONDS and
when a page announces new messages) and `{% page_is_tab_root as root %}` (no back button on a
tab's own page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest

from quanzi.accounts.models import User
from quanzi.storefront.shell import active_tab, badges_for, is_tab_root

register = template.Library()


def _user(context: template.Context) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


@register.inclusion_tag("storefront/_tabbar.html", takes_context=True)
def app_tabbar(context: template.Context, active: str | None = None) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    user = _user(context)
    return {
        "active": active if active is not None else (active_tab(request) if request else ""),
        "badges": badges_for(user),
        "signed_in": user is not None,
        "poll_seconds": settings.QUANZI_BADGE_POLL_SECONDS,
    }


@register.simple_tag(takes_context=True)
def page_is_tab_root(context: template.Context) -> bool:
    request = context.get("request")
    return bool(request is not None and is_tab_root(request))
