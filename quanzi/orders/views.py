"""Order pages: cart, checkout, one-click buy, my orders, order detail, after-sales, and the
store console's order list and order page. Thin: the services do the work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.accounts.models import Address, User
from quanzi.core.errors import DomainError, InvalidInput, NotFound
from quanzi.core.htmx import is_htmx
from quanzi.core.ids import is_public_id, new_id
from quanzi.core.money import format_fen, yuan_to_fen
from quanzi.core.pagination import page_number
from quanzi.coupons.checkout import coupon_options, coupon_pickers
from quanzi.orders import carriers, selectors, ship_sheet, thread_lines
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import MAX_THREAD_PHOTOS, AfterSaleKind, Order, OrderStatus
from quanzi.orders.panels import order_panels
from quanzi.orders.services import (
    access,
    aftersales,
    batch_shipping,
    state,
    thread,
    timers,
    transitions,
)
from quanzi.orders.services import cart as carts
from quanzi.orders.services import checkout as checkouts
from quanzi.orders.signals import orders_placed
from quanzi.stores.models import Store
from quanzi.stores.services import access_store
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record


def _back(request: HttpRequest, default: str) -> str:
    """Where the request came from (the product page), if it is one of our pages."""
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parsed = urlparse(referer)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return default


def _login_first(request: HttpRequest) -> HttpResponse:
    back = _back(request, reverse("orders:cart"))
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")


# --- Cart ----------------------------------------------------------------------------------


@login_required
def cart(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    shown = carts.cart_for(user)
    options = coupon_options(user, [group.goods() for group in shown.stores])
    groups = [(group, options[group.store.pk].best) for group in shown.stores]
    return render(request, "orders/cart.html", {"cart": shown, "groups": groups})


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """POST sku, quantity (from the product page): add to the cart, then show the cart."""
    user = page_user(request)
    if user is None:
        return _login_first(request)
    try:
        carts.add_to_cart(user, request.POST.get("sku", ""), request.POST.get("quantity", "1"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_back(request, reverse("orders:cart")))
    messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@login_required
@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    try:
        carts.set_cart_quantity(
            signed_in_user(request), request.POST.get("sku", ""), request.POST.get("quantity", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("orders:cart")


@login_required
@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    try:
        carts.remove_from_cart(signed_in_user(request), request.POST.get("sku", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("orders:cart")


# --- Checkout and one-click buy ------------------------------------------------------------


def _pay_or_show(request: HttpRequest, orders: list[Order]) -> HttpResponse:
    """Start the payment of new orders and go to the pay page; if that fails, the orders are
    there to pay later from their page."""
    from quanzi.orders.services.paying import start_payment

    try:
        payment = start_payment(signed_in_user(request), orders)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if len(orders) == 1:
            return redirect("orders:detail", order_id=orders[0].pk)
        return redirect("orders:my_orders")
    return redirect(payment.pay_url)


def _posted_coupons(request: HttpRequest) -> dict[str, str]:
    """The checkout form's coupon choices: {store_id: user coupon id or ""}."""
    return {key[7:]: request.POST.get(key, "") for key in request.POST if key.startswith("coupon_")}


def _checkout_context(request: HttpRequest, shown: carts.Cart) -> dict[str, Any]:
    user = signed_in_user(request)
    addresses = list(Address.objects.filter(user=user))
    chosen = request.POST.get("address") or next(
        (a.pk for a in addresses if a.is_default), addresses[0].pk if addresses else ""
    )
    posted = _posted_coupons(request) if request.method == "POST" else None
    pickers = coupon_pickers(user, [g.goods() for g in shown.stores], posted)
    return {
        "cart": shown,
        "addresses": addresses,
        "chosen_address": chosen,
        "checkout_key": request.POST.get("checkout_key") or new_id(),
        "groups": [
            (g, request.POST.get(f"note_{g.store.pk}", ""), pickers[g.store.pk])
            for g in shown.stores
        ],
        "to_pay": sum(picker.total for picker in pickers.values()),
        "add_address_url": (
            f"{reverse('accounts:address_new')}?{urlencode({'next': reverse('orders:checkout')})}"
        ),
    }


def _available_only(full: carts.Cart) -> carts.Cart:
    groups = [
        carts.StoreCart(store=g.store, lines=[line for line in g.lines if line.available])
        for g in full.stores
    ]
    return carts.Cart(stores=[g for g in groups if g.lines])


def _line(raw: str) -> tuple[str, str]:
    """A checkout form line 'sku_id:quantity'."""
    sku_id, _sep, quantity = raw.partition(":")
    return sku_id, quantity


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    """GET: the cart's lines on sale with address, notes, shipping and totals per store.
    POST: place one order per store, then go to the pay page."""
    user = signed_in_user(request)
    shown = _available_only(carts.cart_for(user))
    if request.method != "POST":
        if not shown.stores:
            messages.error(request, _("Your cart has nothing on sale to check out."))
            return redirect("orders:cart")
        for store in shown.stores:
            record(EventKind.CHECKOUT, store_id=store.store.pk, user_id=user.pk, ref="cart")
        return render(request, "orders/checkout.html", _checkout_context(request, shown))
    lines = [_line(raw) for raw in request.POST.getlist("line")]
    notes = {key[5:]: request.POST.get(key, "") for key in request.POST if key.startswith("note_")}
    try:
        orders = checkouts.place_orders(
            user,
            lines,
            request.POST.get("address", ""),
            notes,
            checkout_key=request.POST.get("checkout_key", ""),
            from_cart=True,
            coupon_ids=_posted_coupons(request),
        )
    except DomainError as exc:
        context = {**_checkout_context(request, shown), "error": exc}
        return render(request, "orders/checkout.html", context, status=exc.status)
    orders_placed.send(sender=Order, request=request, orders=orders)
    return _pay_or_show(request, orders)


@require_POST
def buy_now(request: HttpRequest) -> HttpResponse:
    """POST sku, quantity (from the product page): one-click order to the default address
    with the buyer's best usable coupon of the store, then the pay page. Without a default
    address: the address form, then back here."""
    user = page_user(request)
    if user is None:
        return _login_first(request)
    back = _back(request, reverse("orders:cart"))
    try:
        order = checkouts.buy_now(
            user,
            request.POST.get("sku", ""),
            request.POST.get("quantity", "1"),
            checkout_key=request.POST.get("checkout_key", ""),
            best_coupon=True,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        if exc.code == "no_default_address":
            return redirect(f"{reverse('accounts:address_new')}?{urlencode({'next': back})}")
        return redirect(back)
    orders_placed.send(sender=Order, request=request, orders=[order])
    if order.discount:
        messages.success(
            request, _("Your coupon took %(amount)s off.") % {"amount": format_fen(order.discount)}
        )
    return _pay_or_show(request, [order])


# --- The buyer's orders --------------------------------------------------------------------


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("status", "")
    return tab if tab in OrderStatus.values else ""


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    tab = _tab(request)
    statuses = selectors.statuses_of_tab(tab)
    page = selectors.orders_of_buyer(signed_in_user(request), statuses, page_number(request))
    return render(
        request,
        "orders/my_orders.html",
        {
            "page": page,
            "tabs": selectors.tabs_with_active(tab),
            "tab": tab,
            "panels": order_panels(page.items),
        },
    )


@login_required
def detail(request: HttpRequest, order_id: str) -> HttpResponse:
    order = access.access_order(signed_in_user(request), order_id, need="buyer")
    return _render_detail(request, order)


def _render_detail(
    request: HttpRequest, order: Order, refused: _ThreadRefusal | None = None
) -> HttpResponse:
    return render(
        request,
        "orders/detail.html",
        {
            "d": selectors.details(order),
            "order": order,
            "confirming": _confirming_round(request, order),
            "panels": order_panels([order]),
            **(refused.context() if refused else {}),
        },
        status=refused.error.status if refused else 200,
    )


CONFIRMING_ROUNDS = 15  # the page re-reads the order every 2 s for up to 30 s


def _confirming_round(request: HttpRequest, order: Order) -> int:
    """The provider sent the payer back saying they paid (`result=succeeded`), but its signed
    webhook, the only proof the platform believes, may arrive a moment later: while the order
    still awaits payment, the page says so and re-reads itself (round n of CONFIRMING_ROUNDS)
    instead of offering to pay again."""
    if order.status != OrderStatus.PENDING_PAYMENT or request.GET.get("result") != "succeeded":
        return 0
    try:
        n = int(request.GET.get("round", "1"))
    except ValueError:
        return 0
    return n if 0 < n <= CONFIRMING_ROUNDS else 0


@login_required
@require_POST
def pay(request: HttpRequest, order_id: str) -> HttpResponse:
    order = access.access_order(signed_in_user(request), order_id, need="buyer")
    return _pay_or_show(request, [order])


def _order_action(request: HttpRequest, order_id: str, done: str, action: Any) -> HttpResponse:
    try:
        action(signed_in_user(request), order_id)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("orders:detail", order_id=order_id)


@login_required
@require_POST
def cancel(request: HttpRequest, order_id: str) -> HttpResponse:
    return _order_action(request, order_id, _("Order cancelled."), transitions.cancel_order)


@login_required
@require_POST
def confirm_receipt(request: HttpRequest, order_id: str) -> HttpResponse:
    return _order_action(request, order_id, _("Receipt confirmed."), transitions.confirm_receipt)


def _amount_from_form(raw: str) -> int:
    return yuan_to_fen(raw) if raw.strip() else 0


@login_required
def after_sales_request(request: HttpRequest, order_id: str) -> HttpResponse:
    """The after-sales form: refund only or return and refund, amount (yuan) and reason."""
    user = signed_in_user(request)
    order = access.access_order(user, order_id, need="buyer")
    if order.status not in aftersales.AFTER_SALES_FROM:
        messages.error(
            request, str(state.transition_refused(aftersales.REFUSE_AFTER_SALES, order).message)
        )
        return redirect("orders:detail", order_id=order_id)
    error = None
    if request.method == "POST":
        try:
            aftersales.request_after_sale(
                user,
                order_id,
                kind=request.POST.get("kind", ""),
                amount=_amount_from_form(request.POST.get("amount", "")),
                reason=request.POST.get("reason", ""),
                return_tracking_number=request.POST.get("return_tracking_number", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Your request was sent to the seller."))
            return redirect("orders:detail", order_id=order_id)
    return render(
        request,
        "orders/after_sales_form.html",
        {
            "order": order,
            "error": error,
            "form": request.POST,
            "kinds": AfterSaleKind.choices,
            "max_amount": order.total - order.refunded_amount,
            "max_photos": MAX_THREAD_PHOTOS,
            "after_sales": selectors.after_sales_of(order),
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def after_sales_withdraw(request: HttpRequest, order_id: str, after_sale_id: str) -> HttpResponse:
    def withdraw(user: User, oid: str) -> None:
        aftersales.withdraw_after_sale(user, oid, after_sale_id)

    return _order_action(request, order_id, _("Request withdrawn."), withdraw)


@login_required
@require_POST
def after_sales_return_tracking(
    request: HttpRequest, order_id: str, after_sale_id: str
) -> HttpResponse:
    def send(user: User, oid: str) -> None:
        aftersales.send_return_tracking(
            user, oid, after_sale_id, request.POST.get("tracking_number", "")
        )

    return _order_action(request, order_id, _("Tracking number sent to the seller."), send)


# --- After-sales threads: the buyer's order page and the console's ----------------------------


@dataclass(frozen=True)
class _ThreadRefusal:
    """A message the thread refused, shown in its reply box with what was typed."""

    error: DomainError
    after_sale_id: str
    text: str

    def context(self) -> dict[str, Any]:
        return {
            "thread_error": self.error,
            "thread_error_for": self.after_sale_id,
            "thread_text": self.text,
        }


def _post_to_thread(
    request: HttpRequest,
    order: Order,
    after_sale_id: str,
    side: thread_lines.Side,
    page: Callable[[_ThreadRefusal], HttpResponse],
) -> HttpResponse:
    """Post the form's message (text, photos) as `side`. HTMX gets the request's block again
    (with the refusal in its reply box, as a 200 so that HTMX swaps it in); a plain form goes
    back to the page at the thread, or gets the page again with the refusal."""
    user = signed_in_user(request)
    text = request.POST.get("text", "")
    need: access.Need = "buyer" if side == "buyer" else "store"
    refused = None
    try:
        thread.post_message(
            user,
            order.pk,
            after_sale_id,
            thread.MessageInput(text=text, photos=request.FILES.getlist("photos")),
            need=need,
        )
    except NotFound:
        raise
    except DomainError as exc:
        refused = _ThreadRefusal(exc, after_sale_id, text)
    if is_htmx(request):
        shown = thread.thread_of(user, order.pk, after_sale_id, need=need)
        context = {
            "a": shown.after_sale,
            "order": shown.order,
            "side": side,
            "store": shown.order.store,
            **(refused.context() if refused else {}),
        }
        return render(request, "orders/_after_sale.html", context)
    if refused is not None:
        return page(refused)
    messages.success(request, _("Message sent."))
    if side == "buyer":
        back = reverse("orders:detail", args=[order.pk])
    else:
        back = reverse("orders:console_order", args=[order.store_id, order.pk])
    return redirect(f"{back}#after-sale-{after_sale_id}")


@login_required
@require_POST
def after_sales_message(request: HttpRequest, order_id: str, after_sale_id: str) -> HttpResponse:
    """The buyer writes in a request's thread (text and photos)."""
    order = access.access_order(signed_in_user(request), order_id, need="buyer")
    return _post_to_thread(
        request,
        order,
        after_sale_id,
        "buyer",
        lambda refused: _render_detail(request, timers.refresh_order(order), refused),
    )


# --- Store console -------------------------------------------------------------------------


@login_required
def console_orders(request: HttpRequest, store_id: str) -> HttpResponse:
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    store = access_store(signed_in_user(request), store_id)
    tab = _tab(request)
    statuses = selectors.statuses_of_tab(tab)
    # "To ship" lists what may ship now: not the orders held back (a group still forming).
    shippable = tab == OrderStatus.PAID
    page = selectors.orders_of_store(store, statuses, page_number(request), shippable=shippable)
    return render(
        request,
        "orders/console_orders.html",
        {
            "store": store,
            "console_tab": "orders",
            "page": page,
            "tabs": selectors.tabs_with_active(tab),
            "tab": tab,
            "max_rows": ship_sheet.MAX_ROWS,
        },
    )


def _console_order(request: HttpRequest, store_id: str, order_id: str) -> Order:
    order = access.access_order(signed_in_user(request), order_id, need="store")
    if order.store_id != store_id:
        raise NotFound(_("Order not found."))
    return order


def _ship_defaults(request: HttpRequest, store: Store, error: DomainError | None) -> dict[str, str]:
    """The ship form's courier: what was sent (shown again with a refusal), else the courier
    the store used last."""
    if error is not None and "carrier" in request.POST:
        return {
            "carrier": request.POST.get("carrier", ""),
            "carrier_name": request.POST.get("carrier_name", ""),
        }
    code, name = carriers.form_choice(selectors.last_carrier(store))
    return {"carrier": code, "carrier_name": name}


def _render_console_order(
    request: HttpRequest,
    order: Order,
    error: DomainError | None = None,
    refused: _ThreadRefusal | None = None,
) -> HttpResponse:
    status = error.status if error else refused.error.status if refused else 200
    return render(
        request,
        "orders/console_order.html",
        {
            "store": order.store,
            "console_tab": "orders",
            "d": selectors.details(order),
            "order": order,
            "error": error,
            "form": request.POST if error else {},
            "couriers": carriers.choices(),
            "ship": _ship_defaults(request, order.store, error),
            **(refused.context() if refused else {}),
        },
        status=status,
    )


@login_required
def console_order(request: HttpRequest, store_id: str, order_id: str) -> HttpResponse:
    return _render_console_order(request, _console_order(request, store_id, order_id))


def _console_form(
    request: HttpRequest, store_id: str, order_id: str, done: str, action: Any
) -> HttpResponse:
    """Run a console action; on refusal show the order page again with the message."""
    order = _console_order(request, store_id, order_id)
    try:
        action(signed_in_user(request), order.pk)
    except DomainError as exc:
        return _render_console_order(request, timers.refresh_order(order), exc)
    messages.success(request, done)
    return redirect("orders:console_order", store_id=store_id, order_id=order_id)


@login_required
@require_POST
def console_ship(request: HttpRequest, store_id: str, order_id: str) -> HttpResponse:
    def ship(user: User, oid: str) -> None:
        transitions.ship_order(
            user,
            oid,
            request.POST.get("carrier", ""),
            request.POST.get("tracking_number", ""),
            carrier_name=request.POST.get("carrier_name", ""),
        )

    return _console_form(request, store_id, order_id, _("Order shipped."), ship)


@login_required
@require_POST
def console_after_sale_approve(
    request: HttpRequest, store_id: str, order_id: str, after_sale_id: str
) -> HttpResponse:
    def approve(user: User, oid: str) -> None:
        aftersales.approve_after_sale(user, oid, after_sale_id)

    return _console_form(
        request, store_id, order_id, _("Approved: the refund is on its way."), approve
    )


@login_required
@require_POST
def console_after_sale_reject(
    request: HttpRequest, store_id: str, order_id: str, after_sale_id: str
) -> HttpResponse:
    def reject(user: User, oid: str) -> None:
        aftersales.reject_after_sale(user, oid, after_sale_id, request.POST.get("reason", ""))

    return _console_form(request, store_id, order_id, _("Request rejected."), reject)


# --- Batch shipping (批量发货) -----------------------------------------------------------------


def _console_store(request: HttpRequest, store_id: str) -> Store:
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    return access_store(signed_in_user(request), store_id)


@dataclass(frozen=True)
class BatchRow:
    """A row of the batch form: the order, what was typed, and why it did not ship."""

    ref: str
    order: Order | None
    carrier: str
    carrier_name: str
    tracking_number: str
    error: str = ""


def _posted_lines(request: HttpRequest) -> list[batch_shipping.ShipmentLine]:
    """The batch form's rows: one value of each field per row, in the table's order."""
    columns = [
        request.POST.getlist(name)
        for name in ("order", "carrier", "carrier_name", "tracking_number")
    ]
    if len({len(column) for column in columns}) != 1:
        raise InvalidInput(_("The form is incomplete: open it again from the order list."))
    return [
        batch_shipping.ShipmentLine(
            order=ref, carrier=carrier, carrier_name=name, tracking_number=number
        )
        for ref, carrier, name, number in zip(*columns, strict=True)
    ]


def _render_batch(
    request: HttpRequest,
    store: Store,
    rows: list[BatchRow],
    *,
    shipped: list[Order] | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    return render(
        request,
        "orders/console_batch_ship.html",
        {
            "store": store,
            "console_tab": "orders",
            "rows": rows,
            "shipped": shipped or [],
            "failed": any(row.error for row in rows),
            "couriers": carriers.choices(),
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
def console_batch_ship(request: HttpRequest, store_id: str) -> HttpResponse:
    """GET ?order=…: a table of the chosen orders to ship, each with its courier (the store's
    last one first) and tracking number. POST: ship every row that can ship, each on its own;
    the rows that did not ship come back with their reason, to be fixed and sent again."""
    store = _console_store(request, store_id)
    if request.method != "POST":
        ids = request.GET.getlist("order")
        if len(ids) > batch_shipping.MAX_LINES:
            raise InvalidInput(
                _("At most %(n)d orders can be shipped at once.") % {"n": batch_shipping.MAX_LINES}
            )
        orders = selectors.to_ship(store, [i for i in ids if is_public_id(i)])
        if not orders:
            messages.error(request, _("Choose the orders to ship: paid ones, not held back."))
            return redirect(f"{reverse('orders:console_orders', args=[store.pk])}?status=paid")
        code, name = carriers.form_choice(selectors.last_carrier(store))
        rows = [BatchRow(order.pk, order, code, name, "") for order in orders]
        return _render_batch(request, store, rows)
    lines = _posted_lines(request)
    try:
        results = batch_shipping.ship_lines(signed_in_user(request), store.pk, lines)
    except DomainError as exc:
        rows = [
            BatchRow(line.order, None, line.carrier, line.carrier_name, line.tracking_number)
            for line in lines[: batch_shipping.MAX_LINES]
        ]
        return _render_batch(request, store, rows, error=exc)
    shipped = [result.order for result in results if result.ok and result.order is not None]
    failed = [
        BatchRow(
            result.line.order,
            result.order,
            result.line.carrier,
            result.line.carrier_name,
            result.line.tracking_number,
            str(result.error.message) if result.error else "",
        )
        for result in results
        if not result.ok
    ]
    if not failed:
        messages.success(
            request,
            ngettext("%(n)d order shipped.", "%(n)d orders shipped.", len(shipped))
            % {"n": len(shipped)},
        )
        return redirect(f"{reverse('orders:console_orders', args=[store.pk])}?status=paid")
    return _render_batch(request, store, failed, shipped=shipped)


@login_required
@require_GET
def console_ship_template(request: HttpRequest, store_id: str) -> HttpResponse:
    """The .xlsx to fill in: the store's orders waiting to ship, the tracking numbers empty."""
    _console_store(request, store_id)
    content, content_type, name = ship_sheet.sheet_template(signed_in_user(request), store_id)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _render_sheet(
    request: HttpRequest, store: Store, outcome: ship_sheet.SheetOutcome, token: str = ""
) -> HttpResponse:
    return render(
        request,
        "orders/console_ship_sheet.html",
        {
            "store": store,
            "console_tab": "orders",
            "outcome": outcome,
            "token": token,
            "applied": not token,
            "counts": {
                status: outcome.count(status) for status in ("ready", "shipped", "error", "skipped")
            },
        },
    )


@login_required
@require_POST
def console_ship_import(request: HttpRequest, store_id: str) -> HttpResponse:
    """Ship from a spreadsheet in two steps: the sheet is read and each row's outcome shown
    (nothing written), then applied — or cancelled. Applying ships the rows that can ship and
    shows what each row did."""
    store = _console_store(request, store_id)
    user = signed_in_user(request)
    token = request.POST.get("token", "")
    to_ship = f"{reverse('orders:console_orders', args=[store.pk])}?status=paid"
    try:
        if token and request.POST.get("action") == "cancel":
            ship_sheet.discard(store.pk, token)
            messages.info(request, _("Cancelled: nothing was shipped."))
            return redirect(to_ship)
        if token:
            outcome = ship_sheet.apply_sheet(user, store.pk, ship_sheet.staged(store.pk, token))
            ship_sheet.discard(store.pk, token)
            return _render_sheet(request, store, outcome)
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("Choose the filled .xlsx sheet."), code=OrderCode.SHEET_UNREADABLE)
        outcome = ship_sheet.preview_sheet(user, store.pk, upload)
        token = ship_sheet.stage(store.pk, upload)
    except DomainError as exc:
        return render(
            request,
            "orders/console_ship_sheet.html",
            {"store": store, "console_tab": "orders", "error": exc},
            status=exc.status,
        )
    return _render_sheet(request, store, outcome, token)


@login_required
@require_POST
def console_after_sale_message(
    request: HttpRequest, store_id: str, order_id: str, after_sale_id: str
) -> HttpResponse:
    """The store's staff write in a request's thread (text and photos)."""
    order = _console_order(request, store_id, order_id)
    return _post_to_thread(
        request,
        order,
        after_sale_id,
        "merchant",
        lambda refused: _render_console_order(
            request, timers.refresh_order(order), refused=refused
        ),
    )
