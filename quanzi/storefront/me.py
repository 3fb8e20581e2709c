"""我的: a member's own corner — orders counted by state, wallet, coupons, points, promoter
centres, circles, notes, addresses, settings and language; the merchant console only for store
staff. Thin: every figure comes from the domain that owns it (a handful of COUNT/SUM queries).
Also the tab bar's fragment, which the shell re-fetches to keep its badges live."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from quanzi.accounts.auth import page_user
from quanzi.coupons.checkout import held_count
from quanzi.orders.selectors import buyer_counts
from quanzi.referrals.services.points import points_by_store
from quanzi.referrals.services.programme import centres_for
from quanzi.reviews.models import Moderation, Review
from quanzi.storefront.shell import TABS
from quanzi.stores.services import stores_of
from quanzi.wallets.services import wallet_balance


@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The 我的 tab; a visitor sees the ways in (log in, sign up) and the language switch."""
    user = page_user(request)
    if user is None:
        return render(request, "storefront/me.html", {"member": None})
    points = points_by_store(user)
    return render(
        request,
        "storefront/me.html",
        {
            "member": user,
            "counts": buyer_counts(user),
            "wallet": wallet_balance(user),
            "coupons": held_count(user),
            "points": points,
            "points_total": sum(p.balance for p in points),
            "centres": centres_for(user),
            "stores": stores_of(user),
            "held_reviews": Review.objects.filter(author=user, moderation=Moderation.HELD).count(),
        },
    )


@require_GET
@never_cache
def tabbar(request: HttpRequest) -> HttpResponse:
    """The tab bar alone, with fresh badges (HTMX swaps it in place)."""
    active = request.GET.get("active", "")
    return render(
        request, "storefront/_tabbar_only.html", {"active": active if active in TABS else ""}
    )
