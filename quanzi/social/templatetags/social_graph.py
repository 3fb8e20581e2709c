"""Social bits other apps' pages show: the store follow button and "N friends bought this"."""

from __future__ import annotations

from typing import Any

from django import template

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.social.services.feed import friends_who_bought
from quanzi.social.services.graph import follows_store
from quanzi.stores.models import Store

register = template.Library()


def _viewer(context: template.Context) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


@register.inclusion_tag("social/graph_store_follow.html", takes_context=True)
def store_follow_button(context: template.Context, store: Store) -> dict[str, Any]:
    """{% store_follow_button store %}: follow / unfollow (one query when logged in)."""
    return {
        "store": store,
        "following": follows_store(_viewer(context), store),
        "user": context.get("user"),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def friends_bought(context: template.Context, product: Product) -> int:
    """{% friends_bought product as n %}: friends who bought it and share purchases."""
    return friends_who_bought(_viewer(context), product.pk)
