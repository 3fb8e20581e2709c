"""The app shell every page sits in: which of the five tabs (首页 · 圈子 · 发现 · 消息 · 我的)
a page belongs to, and the unread counts the tab bar shows on 圈子 (chat messages) and 消息
(notifications)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from quanzi.accounts.models import User
from quanzi.circles.services.chat import unread_total
from quanzi.circles.services.notifications import unread_count

TABS = ("home", "circles", "discover", "messages", "me")

# A page's tab by its URL namespace; a URL name listed in PAGE_TABS wins over its namespace.
NAMESPACE_TABS = {
    "core": "home",
    "circles": "circles",
    "redpackets": "circles",
    "social": "discover",
    "me": "me",
    "accounts": "me",
    "wallets": "me",
}
PAGE_TABS = {
    "circles:notifications": "messages",
    "orders:my_orders": "me",
    "orders:detail": "me",
    "orders:cart": "me",
    "coupons:mine": "me",
    "bargains:mine": "me",
    "promote:centre": "me",
}
# The tabs' own pages: they show no back button.
TAB_ROOTS = {
    "core:home",
    "circles:mine",
    "circles:discover",
    "social:feed",
    "circles:notifications",
    "me:home",
}


def page_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


def active_tab(request: HttpRequest) -> str:
    """The tab the request's page belongs to, or "" for pages of no tab (product, console)."""
    name = page_name(request)
    if name in PAGE_TABS:
        return PAGE_TABS[name]
    namespace = name.rpartition(":")[0]
    return NAMESPACE_TABS.get(namespace, "")


def is_tab_root(request: HttpRequest) -> bool:
    return page_name(request) in TAB_ROOTS


@dataclass(frozen=True)
class Badges:
    chat: int
    notifications: int


def badges_for(user: User | None) -> Badges | None:
    """The unread counts of a signed-in person (two COUNT queries); None for a visitor."""
    if user is None or not user.is_authenticated:
        return None
    return Badges(chat=unread_total(user), notifications=unread_count(user))
