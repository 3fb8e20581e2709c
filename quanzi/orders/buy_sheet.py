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
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import Address, User
from quanzi.accounts.services import AddressInput, access_address, save_address
from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, DomainError
from quanzi.core.htmx import hx_redirect, is_htmx
from quanzi.core.ids import is_public_id, new_id
from quanzi.coupons.checkout import Picker, StoreGoods, coupon_pickers
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order
from quanzi.orders.services import checkout as checkouts
from quanzi.orders.services.paying import pay_from_wallet, start_payment
from quanzi.orders.signals import orders_placed
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

    @property
    def can_pay_from_wallet(self) -> bool:
        return self.wallet >= self.picker.total


def local_path(request: HttpRequest, url: str) -> str:
    """`url` as a path of this site, or the home page for anything else."""
    parsed = urlparse(url)
    if parsed.netloc and parsed.netloc != request.get_host():
        return "/"
    path = parsed.path if parsed.path.startswith("/") else "/"
    return path + (f"?{parsed.query}" if parsed.query else "")


def _variants(sku: Sku) -> list[Sku]:
    """The product's variants on sale, in the order the merchant made them."""
    variants = list(
        Sku.objects.filter(product_id=sku.product_id, is_active=True).order_by("created_at", "id")
    )
    for variant in variants:
        variant.product = sku.product  # labels follow the product's attribute order
    return variants


def _sku_id(data: QueryDict) -> str:
    """The variant chosen, or — the sheet opened before one was — the product's first variant
    in stock, shown chosen so the buyer sees what they would buy."""
    sku_id = data.get("sku", "")
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


def _chosen_address(addresses: list[Address], wanted: str) -> str:
    ids = [a.pk for a in addresses]
    if wanted in ids:
        return wanted
    return next((a.pk for a in addresses if a.is_default), ids[0] if ids else "")


def build_sheet(user: User, data: QueryDict) -> Sheet:
    """The sheet for the request's choices; DomainError (unknown SKU, bad quantity, sold out)
    when there is nothing to buy."""
    goods = checkouts.checkout_goods([(_sku_id(data), data.get("quantity", "1"))])[0]
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
        variants=_variants(sku),
        goods=goods,
        picker=picker,
        addresses=addresses,
        address_id=_chosen_address(addresses, data.get("address", "")),
        typed_address={name: data.get(name, "")[:200] for name in ADDRESS_FIELDS},
        wallet=wallet,
        pay=pay,
        checkout_key=data.get("checkout_key", "")[:64] or new_id(),
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
    if sheet.sku.stock >= sheet.quantity:
        return None
    if sheet.sku.stock <= 0:
        message = _("This variant is sold out. Choose another one.")
    else:
        message = _("Only %(n)d left of this variant.") % {"n": sheet.sku.stock}
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
        order = checkouts.buy_now(
            user,
            current.sku.pk,
            current.quantity,
            address_id=address_id,
            checkout_key=current.checkout_key,
            coupon_id=current.picker.chosen,
            best_coupon=False,
        )
    except DomainError as exc:
        return _render(request, current, exc)
    orders_placed.send(sender=Order, request=request, orders=[order])
    return _pay(request, order, current.pay)


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
                return render(request, "orders/_buy_done.html", {"order": order})
            messages.success(request, _("Paid from your wallet."))
            return redirect("orders:detail", order_id=order.pk)
        pay_url = start_payment(user, [order]).pay_url
    except DomainError as exc:
        messages.error(request, str(exc.message))
        pay_url = reverse("orders:detail", args=[order.pk])
    return hx_redirect(pay_url) if htmx else redirect(pay_url)
