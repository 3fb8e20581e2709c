"""立即购买's checkout sheet: what the buyer pays, shown before they pay, and still one tap.

GET /orders/buy-now/sheet/?sku=…&quantity=… shows the variant chooser, the address (a form to
add one right there when there is none — never a dead end), the coupon applied (or a picker),
the shipping fee, the wallet when it holds enough, and the total broken down. HTMX fetches it
into the page as a bottom sheet (and again on every change, so the server's figures are the
ones shown); without JavaScript it is a page of its own. POST /orders/buy-now/confirm/ saves
a new address if one was typed, places the order (a double tap places it once: the sheet's
checkout key), and pays: from the wallet at once, or on the provider's pay page.

A returning buyer with a default address opens the sheet and confirms: one tap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import Address, User
from quanzi.accounts.services import AddressInput, access_address, save_address
from quanzi.catalog.models import ProductImage, Sku
from quanzi.catalog.services import sku_image
from quanzi.core.errors import Conflict, DomainError, InvalidInput
from quanzi.core.htmx import hx_redirect, is_htmx
from quanzi.core.ids import is_public_id, new_id
from quanzi.coupons.checkout import Picker, StoreGoods, coupon_pickers
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order
from quanzi.orders.panels import order_panels
from quanzi.orders.services import checkout as checkouts
from quanzi.orders.services.checkout import CampaignCheckout
from quanzi.orders.services.paying import pay_from_wallet, start_payment
from quanzi.orders.sheet_offers import SheetOffer, sheet_offer
from quanzi.orders.signals import orders_placed
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record
from quanzi.wallets.services import wallet_balance

ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
PAY_WALLET, PAY_ONLINE = "wallet", "online"


@dataclass
class Sheet:
    sku: Sku
    quantity: int
    variants: list[Sku]
    goods: StoreGoods
    picker: Picker
    addresses: list[Address]
    address_id: str
    typed_address: dict[str, str]
    wallet: int
    pay: str
    checkout_key: str
    # A campaign's price (group buy, bargain, flash sale): the offer and how it was asked for.
    offer: SheetOffer | None = None
    offer_kind: str = ""
    offer_ref: str = ""

    @property
    def can_pay_from_wallet(self) -> bool:
        return self.wallet >= self.picker.total

    @property
    def image(self) -> ProductImage | None:
        """The chosen variant's photo (规格图片), else the product's first."""
        return sku_image(self.sku, list(self.sku.product.images.all()))

    @property
    def unit_price(self) -> int:
        return self.offer.prices[self.sku.pk] if self.offer else self.sku.price

    @property
    def stock(self) -> int:
        """What can be bought: the campaign's own stock where it holds one, else the SKU's."""
        if self.offer is not None and self.offer.stock is not None:
            return min(self.offer.stock, self.sku.stock)
        return self.sku.stock

    @property
    def max_quantity(self) -> int:
        most = self.stock if self.offer is None else min(self.stock, self.offer.max_quantity)
        return max(most, 1)


def local_path(request: HttpRequest, url: str) -> str:
    """`url` as a path of this site, or the home page for anything else."""
    parsed = urlparse(url)
    if parsed.netloc and parsed.netloc != request.get_host():
        return "/"
    path = parsed.path if parsed.path.startswith("/") else "/"
    return path + (f"?{parsed.query}" if parsed.query else "")


def _variants(sku: Sku, offer: SheetOffer | None) -> list[Sku]:
    """The product's variants on sale (only those the campaign sells, at its prices), in the
    order the merchant made them."""
    found = Sku.objects.filter(product_id=sku.product_id, is_active=True)
    if offer is not None:
        found = found.filter(pk__in=list(offer.prices))
    variants = list(found.order_by("created_at", "id"))
    for variant in variants:
        variant.product = sku.product  # labels follow the product's attribute order
        if offer is not None:
            variant.offer_price = offer.prices[variant.pk]  # type: ignore[attr-defined]
    return variants


def _sku_id(data: QueryDict, offer: SheetOffer | None) -> str:
    """The variant chosen, or — the sheet opened before one was — the product's (or the
    campaign's) first variant in stock, shown chosen so the buyer sees what they would buy."""
    sku_id = data.get("sku", "") or data.get("sku_id", "")
    if offer is not None:
        if sku_id in offer.prices:
            return sku_id
        ids = list(offer.prices)
        in_stock = Sku.objects.filter(pk__in=ids, is_active=True, stock__gt=0)
        first = in_stock.order_by("created_at", "id").values_list("pk", flat=True).first()
        return first or ids[0]
    product_id = data.get("product", "")
    if sku_id or not is_public_id(product_id):
        return sku_id
    first = (
        Sku.objects.filter(product_id=product_id, is_active=True, stock__gt=0)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    return first or ""


def _offer(user: User, data: QueryDict) -> tuple[SheetOffer | None, str, str]:
    """The campaign the sheet sells at, if it was opened from one (`offer` and `ref`)."""
    kind, ref = data.get("offer", "")[:20], data.get("ref", "")[:40]
    if not kind:
        return None, "", ""
    return sheet_offer(user, kind, ref), kind, ref


def _goods(data: QueryDict, offer: SheetOffer | None) -> StoreGoods:
    """The store's goods of the sheet: at the campaign's price (so the coupons see a campaign
    price, as the campaign order will) or at the SKU's."""
    goods = checkouts.checkout_goods([(_sku_id(data, offer), data.get("quantity", "1"))])[0]
    if offer is None:
        return goods
    sku, quantity = goods.lines[0]
    subtotal = offer.prices[sku.pk] * quantity
    return StoreGoods(
        goods.store,
        goods.lines,
        subtotal,
        goods.store.shipping_for(subtotal),
        campaign_prices={sku.pk: offer.prices[sku.pk]},
    )


def _chosen_address(addresses: list[Address], wanted: str) -> str:
    ids = [a.pk for a in addresses]
    if wanted in ids:
        return wanted
    return next((a.pk for a in addresses if a.is_default), ids[0] if ids else "")


def build_sheet(user: User, data: QueryDict) -> Sheet:
    """The sheet for the request's choices; DomainError (unknown SKU, bad quantity, sold out)
    when there is nothing to buy."""
    offer, offer_kind, offer_ref = _offer(user, data)
    goods = _goods(data, offer)
    sku, quantity = goods.lines[0]
    coupon_field = f"coupon_{goods.store.pk}"
    posted = {goods.store.pk: data.get(coupon_field, "")} if coupon_field in data else None
    picker = coupon_pickers(user, [goods], posted)[goods.store.pk]
    addresses = sorted(Address.objects.filter(user=user), key=lambda a: (not a.is_default, a.pk))
    wallet = wallet_balance(user)
    pay = data.get("pay", "")
    if pay not in (PAY_WALLET, PAY_ONLINE):
        pay = PAY_WALLET if wallet >= picker.total else PAY_ONLINE
    return Sheet(
        sku=sku,
        quantity=quantity,
        variants=_variants(sku, offer),
        goods=goods,
        picker=picker,
        addresses=addresses,
        address_id=_chosen_address(addresses, data.get("address", "")),
        typed_address={name: data.get(name, "")[:200] for name in ADDRESS_FIELDS},
        wallet=wallet,
        pay=pay,
        checkout_key=data.get("checkout_key", "")[:64] or new_id(),
        offer=offer,
        offer_kind=offer_kind,
        offer_ref=offer_ref,
    )


def _render(
    request: HttpRequest, sheet: Sheet | None, error: DomainError | None = None
) -> HttpResponse:
    """The sheet alone for HTMX (it goes into the page it was opened from), else a page. A
    refusal is shown in the sheet: with its 4xx status for a page, with 200 for HTMX (which
    swaps in only successful answers)."""
    htmx = is_htmx(request)
    template = "orders/_buy_sheet.html" if htmx else "orders/buy_sheet.html"
    context: dict[str, Any] = {"sheet": sheet, "error": error}
    status = error.status if error is not None and not htmx else 200
    return render(request, template, context, status=status)


def _stock_problem(sheet: Sheet) -> DomainError | None:
    if sheet.offer is not None and sheet.quantity > sheet.offer.max_quantity:
        message = _("At most %(n)d per order at this price.") % {"n": sheet.offer.max_quantity}
        return InvalidInput(message, field="quantity")
    if sheet.stock >= sheet.quantity:
        return None
    if sheet.stock <= 0:
        message = _("This variant is sold out. Choose another one.")
    else:
        message = _("Only %(n)d left of this variant.") % {"n": sheet.stock}
    return Conflict(message, code=OrderCode.OUT_OF_STOCK)


def _login_first(request: HttpRequest) -> HttpResponse:
    """Log in, then come back to the product (HTMX follows HX-Redirect with a full load)."""
    back = request.META.get("HTTP_REFERER", "") if is_htmx(request) else request.get_full_path()
    login = f"{reverse('accounts:login')}?{urlencode({'next': local_path(request, back)})}"
    return hx_redirect(login) if is_htmx(request) else redirect(login)


@require_GET
def sheet(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return _login_first(request)
    try:
        found = build_sheet(user, request.GET)
    except DomainError as exc:
        return _render(request, None, exc)
    if "checkout_key" not in request.GET:  # opened, not recalculated
        record(
            EventKind.CHECKOUT,
            store_id=found.goods.store.pk,
            user_id=user.pk,
            ref=found.sku.product_id,
        )
    return _render(request, found, _stock_problem(found))


def _address_for(user: User, data: QueryDict, current: Sheet) -> str:
    """The address to ship to: the one chosen (someone else's is not found), or the one typed
    in the sheet (saved, and made the default when it is the person's first)."""
    if current.addresses and data.get("address_choice") != "new":
        chosen = data.get("address", "") or current.address_id
        return access_address(user, chosen).pk if is_public_id(chosen) else current.address_id
    typed = AddressInput(**{name: data.get(name, "") for name in ADDRESS_FIELDS})
    return save_address(user, typed, make_default=not current.addresses).pk


@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    user = page_user(request)
    if user is None:
        return _login_first(request)
    try:
        current = build_sheet(user, request.POST)
    except DomainError as exc:
        return _render(request, None, exc)
    try:
        address_id = _address_for(user, request.POST, current)
        order = _place(user, current, address_id)
    except DomainError as exc:
        return _render(request, current, exc)
    orders_placed.send(sender=Order, request=request, orders=[order])
    return _pay(request, order, current.pay)


def _place(user: User, current: Sheet, address_id: str) -> Order:
    """The sheet's order: at the SKU's price through buy-now, or through the campaign's own
    service at its price. A resent sheet (same checkout key) finds the first order."""
    if current.offer is None:
        return checkouts.buy_now(
            user,
            current.sku.pk,
            current.quantity,
            address_id=address_id,
            checkout_key=current.checkout_key,
            coupon_id=current.picker.chosen,
            best_coupon=False,
        )
    placed = checkouts.order_of_checkout(user, current.checkout_key)
    if placed is not None:
        return placed
    choices = CampaignCheckout(
        address_id=address_id, coupon_id=current.picker.chosen, checkout_key=current.checkout_key
    )
    try:
        return current.offer.place(user, current.sku.pk, current.quantity, choices)
    except IntegrityError:
        # A concurrent resend of this sheet placed it first (the checkout key's unique index).
        placed = checkouts.order_of_checkout(user, current.checkout_key)
        if placed is None:
            raise
        return placed


def _pay(request: HttpRequest, order: Order, pay: str) -> HttpResponse:
    """Pay the new order: from the wallet at once (HTMX: the sheet says so and the page stays,
    a chat keeps its socket), else on the provider's pay page."""
    user = signed_in_user(request)
    htmx = is_htmx(request)
    try:
        if pay == PAY_WALLET:
            pay_from_wallet(user, order.pk)
            if htmx:
                order.refresh_from_db()
                context = {"order": order, "panels": order_panels([order])}
                return render(request, "orders/_buy_done.html", context)
            messages.success(request, _("Paid from your wallet."))
            return redirect("orders:detail", order_id=order.pk)
        pay_url = start_payment(user, [order]).pay_url
    except DomainError as exc:
        messages.error(request, str(exc.message))
        pay_url = reverse("orders:detail", args=[order.pk])
    return hx_redirect(pay_url) if htmx else redirect(pay_url)
