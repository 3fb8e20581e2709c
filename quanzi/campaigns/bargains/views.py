"""Bargain pages (mounted at /bargains/): the campaign page with "start bargaining", the
bargain page (public, shareable: true price, exact amount left, helpers, countdown, help and
buy buttons) and the merchant console's campaign list and form. Thin: the services work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import LIVE, Bargain
from quanzi.catalog.models import Sku
from quanzi.core.errors import DomainError, InvalidInput
from quanzi.core.money import format_fen, yuan_to_fen
from quanzi.core.validation import local_datetime
from quanzi.referrals.posters import og_image
from quanzi.referrals.services.links import attribute_orders

NUMBER_FIELDS = ("helpers_needed", "hours", "max_helps_per_user", "spread_percent")


# --- Customers ----------------------------------------------------------------------------------


def campaign_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """A campaign: its rules in plain words and the "start bargaining" button."""
    user = page_user(request)
    campaign = services.access_campaign(user, campaign_id)
    live = None
    if user is not None:
        live = Bargain.objects.filter(campaign=campaign, starter=user, status__in=LIVE).first()
    low, high = services.first_cut_range(campaign)
    context = {
        "campaign": campaign,
        "live": live,
        "running": services.is_running(campaign),
        "cut_low": low,
        "cut_high": high,
    }
    return render(request, "bargains/campaign.html", context)


def _act(request: HttpRequest, back: str, action: Callable[[User], str]) -> HttpResponse:
    """Run a customer's POST action: a logged-out visitor logs in first and comes back; a
    refusal goes back with its message (404 stays a 404); success goes where `action` says."""
    user = page_user(request)
    if user is None:
        return redirect_to_login(back)
    try:
        return redirect(action(user))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return redirect(back)


@require_POST
def start(request: HttpRequest, campaign_id: str) -> HttpResponse:
    def action(user: User) -> str:
        bargain = services.start_bargain(user, campaign_id)
        return reverse("bargains:bargain", args=[bargain.pk])

    return _act(request, reverse("bargains:campaign", args=[campaign_id]), action)


def bargain_page(request: HttpRequest, bargain_id: str) -> HttpResponse:
    """The bargain as anyone sees it through its share link."""
    user = page_user(request)
    bargain = services.access_bargain(user, bargain_id)
    helps = services.helps_of(bargain)
    is_starter = user is not None and user.pk == bargain.starter_id
    context = {
        "bargain": bargain,
        "campaign": bargain.campaign,
        "helps": helps,
        "is_starter": is_starter,
        "helped": user is not None and any(h.helper_id == user.pk for h in helps),
        "can_buy": is_starter and services.can_buy(bargain),
        "live": bargain.status in LIVE,
        "og_image": og_image(request, bargain.campaign.sku.product),
    }
    return render(request, "bargains/bargain.html", context)


@require_POST
def help_cut(request: HttpRequest, bargain_id: str) -> HttpResponse:
    """砍一刀, then back to the bargain."""
    back = reverse("bargains:bargain", args=[bargain_id])

    def action(user: User) -> str:
        cut = services.help_bargain(user, bargain_id).help.amount
        messages.success(
            request, _("You cut %(amount)s off. Thank you!") % {"amount": format_fen(cut)}
        )
        return back

    return _act(request, back, action)


@require_POST
def buy(request: HttpRequest, bargain_id: str) -> HttpResponse:
    """The starter buys at the current price and goes to the order to pay it."""

    def action(user: User) -> str:
        order = services.buy_bargain(user, bargain_id)
        attribute_orders(request, [order])  # referrals (issue 4): last-touch attribution
        return reverse("orders:detail", args=[order.pk])

    return _act(request, reverse("bargains:bargain", args=[bargain_id]), action)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    bargains = services.my_bargains(signed_in_user(request))
    return render(request, "bargains/mine.html", {"bargains": bargains})


# --- Merchant console -------------------------------------------------------------------------


def _campaign_fields(post: QueryDict) -> services.BargainInput:
    """The form's fields for the service: yuan become fen, Beijing times become datetimes."""
    fields: dict[str, Any] = {name: post.get(name, "").strip() for name in NUMBER_FIELDS}
    fields |= {
        "sku_id": post.get("sku_id", ""),
        "title": post.get("title", ""),
        "start_price": yuan_to_fen(post.get("start_price", ""), field="start_price"),
        "floor_price": yuan_to_fen(post.get("floor_price", ""), field="floor_price"),
        "allow_above_floor": post.get("allow_above_floor") == "1",
        "starts_at": local_datetime(post.get("starts_at", ""), field="starts_at"),
        "ends_at": local_datetime(post.get("ends_at", ""), field="ends_at"),
    }
    return services.BargainInput(**fields)


@login_required
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's bargain campaigns and the form to create one (owner and staff)."""
    user = signed_in_user(request)
    store, campaigns = services.store_campaigns(user, store_id)
    error = None
    form: dict[str, Any] = {"helpers_needed": 3, "hours": 24, "max_helps_per_user": 1}
    form["spread_percent"] = 50
    if request.method == "POST":
        form = request.POST.dict()
        try:
            campaign = services.create_campaign(user, store_id, _campaign_fields(request.POST))
        except InvalidInput as exc:
            error = exc
        else:
            messages.success(request, _("Bargain campaign created."))
            return redirect("bargains:campaign", campaign.pk)
    skus = Sku.objects.filter(product__store=store, is_active=True).select_related("product")
    context = {
        "store": store,
        "campaigns": campaigns,
        "skus": skus,
        "form": form,
        "error": error,
        "console_tab": "bargains",
    }
    return render(request, "bargains/console.html", context, status=400 if error else 200)


@login_required
@require_POST
def console_end(request: HttpRequest, store_id: str, campaign_id: str) -> HttpResponse:
    services.end_campaign(signed_in_user(request), campaign_id)
    messages.success(request, _("The campaign takes no new bargains."))
    return redirect("bargains:console", store_id)
