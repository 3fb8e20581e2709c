"""The promoter centre (推广中心): a person's standing, earnings, team and commissions in one
store's distribution programme, the products to promote, and the application form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.catalog.models import Product
from quanzi.core.errors import DomainError
from quanzi.referrals.models import DistributionConfig
from quanzi.referrals.services import programme
from quanzi.referrals.services.distribution import BP
from quanzi.referrals.views import rewards as reward_views
from quanzi.referrals.views import withdrawals as withdrawal_views

PRODUCTS_SHOWN = 20


def _products(config: DistributionConfig) -> list[dict[str, Any]]:
    """On-shelf products with what a level 1 promoter earns at the lowest price."""
    products = list(
        Product.objects.filter(store_id=config.store_id, on_shelf=True)
        .select_related("commission_rates")
        .order_by("-sales_count", "-created_at")[:PRODUCTS_SHOWN]
    )
    shown = []
    for product in products:
        rates = getattr(product, "commission_rates", None)
        rate = rates.level1_rate_bp if rates is not None else config.level1_rate_bp
        shown.append({"product": product, "rate_bp": rate, "earn": product.min_price * rate // BP})
    return shown


@login_required
@require_GET
def centre(request: HttpRequest, store_id: str) -> HttpResponse:
    user = signed_in_user(request)
    store, config = programme.programme_for(user, store_id)
    team = programme.team(user, store)
    context: dict[str, Any] = {
        "store": store,
        "config": config,
        "standing": programme.standing(user, config),
        "balance": programme.balance_of(user, store),
        "team": team,
        "commissions": list(programme.commissions_of(user, store)[: programme.MAX_LIST]),
        "products": _products(config),
    }
    context.update(withdrawal_views.panel_context(user, store))
    context.update(reward_views.panel_context(user, store))
    return render(request, "referrals/promoter_centre.html", context)


@login_required
@require_POST
def apply(request: HttpRequest, store_id: str) -> HttpResponse:
    try:
        programme.apply(signed_in_user(request), store_id, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Application sent. The merchant will review it."))
    return redirect("promote:centre", store_id)
