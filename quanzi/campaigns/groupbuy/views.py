"""Group buying pages (mounted at /groupbuy/): the campaign page, the group page (shared by
link, works logged out), the start/join actions that go straight to payment, and the merchant
console's campaign list and form. Thin: the services do the work and check permissions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.catalog.models import Product
from quanzi.core.errors import DomainError
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.core.validation import form_whole_number, local_datetime, local_input
from quanzi.referrals.posters import og_image
from quanzi.referrals.services.links import attribute_orders
from quanzi.stores.services import access_store

NUMBER_FIELDS = ("team_size", "hours", "per_user_limit", "per_order_limit", "leader_points")


# --- Customers -------------------------------------------------------------------------------


def campaign_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """The group buy: SKUs with group and normal price, the completion rule in plain words,
    open groups with their members and countdowns, and "start a group"."""
    campaign = services.access_campaign(page_user(request), campaign_id)
    groups = services.open_groups(campaign)
    now = timezone.now()
    for group in groups:
        group.left = services.seconds_left(group, now)  # type: ignore[attr-defined]
        group.seats_left = group.team_size - group.seats_taken  # type: ignore[attr-defined]
    return render(
        request,
        "groupbuy/campaign.html",
        {
            "campaign": campaign,
            "groups": groups,
            "needed": services.needed_to_complete(campaign.team_size, campaign.complete_at_percent),
        },
    )


def group_page(request: HttpRequest, group_id: str) -> HttpResponse:
    """A group, as its share link shows it: members, seats left, countdown, join."""
    group = services.get_group(group_id)
    user = page_user(request)
    seats = getattr(group, "seats", [])
    return render(
        request,
        "groupbuy/group.html",
        {
            "group": group,
            "campaign": group.campaign,
            "seats": seats,
            "empty_seats": range(group.team_size - group.seats_taken),
            "left": services.seconds_left(group) if group.status == "open" else 0,
            "mine": user is not None and any(s.user_id == user.pk for s in seats),
            "group_price": services.lowest_group_price(group.campaign),
            "og_image": og_image(request, group.campaign.product),
            "needed": services.needed_to_complete(group.team_size, group.complete_at_percent),
        },
    )


def _pay(request: HttpRequest, seat: services.Seat) -> HttpResponse:
    """Start paying the seat's order; if that fails, the order waits on its page."""
    from quanzi.orders.services.paying import start_payment

    try:
        payment = start_payment(signed_in_user(request), [seat.order])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("orders:detail", order_id=seat.order.pk)
    return redirect(payment.pay_url)


def _take(request: HttpRequest, back: str, take: Any) -> HttpResponse:
    if request.method != "POST":
        return redirect(back)
    if page_user(request) is None:
        return redirect_to_login(back)
    try:
        seat = take(request.POST.get("sku_id", ""), _quantity(request.POST))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    attribute_orders(request, [seat.order])  # referrals (issue 4): last-touch attribution
    return _pay(request, seat)


def _quantity(post: QueryDict) -> int | str:
    raw = post.get("quantity", "1").strip()
    return int(raw) if raw.isdecimal() and len(raw) < 4 else raw


def start_group(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """POST: open a group with the chosen SKU and go to payment."""
    back = reverse("groupbuy:campaign", args=[campaign_id])
    return _take(
        request,
        back,
        lambda sku, qty: services.open_group(page_user(request), campaign_id, sku, qty),
    )


def join(request: HttpRequest, group_id: str) -> HttpResponse:
    """POST: join the group with the chosen SKU and go to payment."""
    back = reverse("groupbuy:group", args=[group_id])
    return _take(
        request, back, lambda sku, qty: services.join_group(page_user(request), group_id, sku, qty)
    )


# --- Merchant console ------------------------------------------------------------------------


@login_required
def console(request: HttpRequest, store_id: str) -> HttpResponse:
    """The store's group buys."""
    campaigns = services.store_campaigns(signed_in_user(request), store_id)
    store = access_store(signed_in_user(request), store_id)
    return render(
        request,
        "groupbuy/console.html",
        {"store": store, "console_tab": "groupbuy", "campaigns": campaigns},
    )


def _form_fields(post: QueryDict, product: Product) -> services.GroupBuyFields:
    """The form's fields for the services: yuan become fen, Beijing times become datetimes."""
    fields: dict[str, Any] = {}
    for name in NUMBER_FIELDS:
        raw = post.get(name, "").strip()
        if raw:
            fields[name] = form_whole_number(raw, field=name, max_digits=7)
    percent = post.get("complete_at_percent", "").strip()
    fields["complete_at_percent"] = (
        form_whole_number(percent, field="complete_at_percent", max_digits=3) if percent else None
    )
    for name in ("starts_at", "ends_at"):
        fields[name] = local_datetime(post.get(name, ""), field=name)
    fields["is_active"] = post.get("is_active") == "1"
    fields["prices"] = {
        sku.pk: yuan_to_fen(post.get(f"price_{sku.pk}", ""), field="prices")
        for sku in product.skus.all()
        if post.get(f"price_{sku.pk}", "").strip()
    }
    return services.GroupBuyFields(product_id=product.pk, **fields)


def _form(
    request: HttpRequest,
    store_id: str,
    campaign: GroupCampaign | None,
    product: Product | None,
    error: DomainError | None = None,
) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id)
    prices = {row.sku_id: row.price for row in campaign.prices.all()} if campaign else {}
    skus = [
        {
            "sku": sku,
            "value": request.POST.get(f"price_{sku.pk}")
            or (fen_to_yuan_str(prices[sku.pk]) if sku.pk in prices else ""),
        }
        for sku in (product.skus.filter(is_active=True) if product else [])
    ]
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
    elif campaign is not None:
        values = {name: getattr(campaign, name) for name in NUMBER_FIELDS}
        values |= {
            "complete_at_percent": campaign.complete_at_percent or "",
            "starts_at": local_input(campaign.starts_at),
            "ends_at": local_input(campaign.ends_at),
            "is_active": "1" if campaign.is_active else "",
        }
    else:
        values = {"hours": 24, "per_user_limit": 1, "per_order_limit": 1, "is_active": "1"}
    return render(
        request,
        "groupbuy/console_form.html",
        {
            "store": store,
            "console_tab": "groupbuy",
            "campaign": campaign,
            "product": product,
            "products": Product.objects.filter(store=store).order_by("-created_at")[:200],
            "skus": skus,
            "values": values,
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
def console_new(request: HttpRequest, store_id: str) -> HttpResponse:
    """Choose a product, then its group prices and terms."""
    store = access_store(signed_in_user(request), store_id)
    product_id = request.GET.get("product") or request.POST.get("product_id", "")
    product = Product.objects.filter(pk=product_id, store=store).first() if product_id else None
    if request.method != "POST" or product is None:
        return _form(request, store_id, None, product)
    try:
        campaign = services.create_campaign(
            signed_in_user(request), store_id, _form_fields(request.POST, product)
        )
    except DomainError as exc:
        return _form(request, store_id, None, product, exc)
    messages.success(request, _("Group buy created."))
    return redirect("groupbuy:console_edit", store_id=store.pk, campaign_id=campaign.pk)


@login_required
def console_edit(request: HttpRequest, store_id: str, campaign_id: str) -> HttpResponse:
    """Change a group buy's prices and terms (open groups keep theirs)."""
    campaign = services.access_campaign(signed_in_user(request), campaign_id, need="staff")
    if campaign.store_id != store_id:
        return redirect(
            "groupbuy:console_edit", store_id=campaign.store_id, campaign_id=campaign.pk
        )
    if request.method != "POST":
        return _form(request, store_id, campaign, campaign.product)
    try:
        campaign = services.update_campaign(
            signed_in_user(request), campaign.pk, _form_fields(request.POST, campaign.product)
        )
    except DomainError as exc:
        return _form(request, store_id, campaign, campaign.product, exc)
    messages.success(request, _("Group buy saved."))
    return redirect("groupbuy:console_edit", store_id=store_id, campaign_id=campaign.pk)
