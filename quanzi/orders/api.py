"""Orders API: cart, checkout, one-click buy, the buyer's and the store's orders, transitions.

Mounted at /api/v1/orders. Money is integer fen. POST /checkout, /buy-now and /{id}/pay accept
an `Idempotency-Key` header: a replay returns the first response, the same key with another
body is a 422.

An after-sales request has a thread (GET/POST /{id}/after-sales/{after_sale_id}/messages): the
buyer and the store's staff write to each other, with photos, while the request is open; each
step of the request is a system line, in the caller's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Status
from ninja.files import UploadedFile

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.idempotency import idempotent
from quanzi.core.ids import is_public_id
from quanzi.core.schemas import Schema
from quanzi.orders import selectors, thread_lines
from quanzi.orders.carriers import CARRIERS, carrier_label, parse_ship_note, tracking_url
from quanzi.orders.models import (
    AfterSale,
    AfterSaleMessage,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
)
from quanzi.orders.services import access, aftersales, batch_shipping, thread, transitions
from quanzi.orders.services import cart as carts
from quanzi.orders.services import checkout as checkouts
from quanzi.orders.signals import orders_placed
from quanzi.stores.services import access_store

router = Router(auth=AUTH)


# --- Schemas -------------------------------------------------------------------------------


class CartLineOut(Schema):
    sku_id: str
    product_id: str
    title: str
    sku_label: str
    unit_price: int
    quantity: int
    line_total: int
    image_url: str
    available: bool
    enough_stock: bool


class StoreCartOut(Schema):
    store_id: str
    store_name: str
    lines: list[CartLineOut]
    subtotal: int
    shipping_fee: int
    total: int


class CartOut(Schema):
    stores: list[StoreCartOut]
    total: int
    count: int


class AddToCartIn(Schema):
    sku_id: str = Field(max_length=16)
    quantity: int = 1


class QuantityIn(Schema):
    quantity: int


class LineIn(Schema):
    sku_id: str = Field(max_length=16)
    quantity: int


class CheckoutIn(Schema):
    address_id: str = Field(max_length=16)
    lines: list[LineIn] | None = Field(
        default=None, description="the lines to buy; omitted: every line of the cart on sale"
    )
    note: str = Field(default="", description="a note to every seller")
    notes: dict[str, str] = Field(default_factory=dict, description="{store_id: note}")
    coupons: dict[str, str] = Field(
        default_factory=dict,
        description="{store_id: user coupon id}: at most one of your coupons on each store's "
        "order (see GET /campaigns/my-coupons/options)",
    )


class BuyNowIn(Schema):
    sku_id: str = Field(max_length=16)
    quantity: int = 1
    coupon_id: str = Field(default="", max_length=16, description="one of your coupons, or ''")


class OrderItemOut(Schema):
    id: str
    sku_id: str
    product_id: str
    title: str
    sku_label: str
    unit_price: int
    quantity: int
    line_total: int
    image_url: str


class OrderOut(Schema):
    id: str = Field(description="the order's address in URLs and the API")
    number: str = Field(
        description="what people read: the Asia/Shanghai date of the order and 8 random digits"
    )
    status: str
    status_label: str
    store_id: str
    store_name: str
    buyer_name: str
    subtotal: int
    shipping_fee: int
    discount: int = Field(description="fen taken off the goods by the coupon")
    coupon_id: str | None = Field(description="the user coupon used on this order")
    total: int = Field(description="fen the buyer pays: subtotal + shipping_fee - discount")
    refunded_amount: int
    created_at: datetime
    pay_deadline: datetime
    items: list[OrderItemOut]


class OrderEventOut(Schema):
    from_status: str
    to_status: str
    note: str
    actor: str | None
    at: datetime


class AfterSaleOut(Schema):
    id: str
    kind: str
    status: str
    amount: int
    reason: str
    merchant_reply: str
    return_tracking_number: str
    created_at: datetime
    decided_at: datetime | None


class OrderDetailOut(OrderOut):
    address: dict[str, str]
    note: str
    carrier: str = Field(
        description="the courier's code (GET /orders/carriers), or the name of another courier"
    )
    carrier_label: str = Field(description="the courier as people read it, in their language")
    tracking_number: str
    tracking_url: str = Field(description="the courier's public tracking page, or ''")
    paid_at: datetime | None
    shipped_at: datetime | None
    received_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    auto_receive_at: datetime | None
    complete_at: datetime | None
    events: list[OrderEventOut]
    after_sales: list[AfterSaleOut]


class OrderPageOut(Schema):
    items: list[OrderOut]
    count: int
    page: int
    page_size: int
    pages: int


class ShipIn(Schema):
    carrier: str = Field(
        max_length=100,
        description="a courier's code (GET /orders/carriers), one of its names, or 'other' "
        "with carrier_name; another name is another courier's",
    )
    carrier_name: str = Field(
        default="", max_length=100, description="the courier's name, with carrier 'other'"
    )
    tracking_number: str = Field(
        max_length=100, description="a known courier's must have its shape (GET /orders/carriers)"
    )


class CarrierOut(Schema):
    code: str
    name: str = Field(description="in the caller's language")
    tracking_number_shape: str = Field(description="what its tracking numbers look like, in words")
    example: str = Field(description="a tracking number of the right shape")
    tracking_url: str = Field(
        description="its public tracking page, {number} standing for the tracking number; "
        "'' when it has none"
    )


class BatchShipItemIn(ShipIn):
    order: str = Field(max_length=40, description="the order's number, or its id")


class BatchShipIn(Schema):
    items: list[BatchShipItemIn] = Field(
        max_length=batch_shipping.MAX_LINES,
        description=f"the orders to ship, at most {batch_shipping.MAX_LINES}",
    )


class BatchShipItemOut(Schema):
    order: str = Field(description="as sent")
    ok: bool = Field(description="shipped; otherwise left as it was, `code` and `detail` say why")
    order_id: str | None
    number: str | None
    carrier: str = Field(description="the courier's code, or another courier's name, as kept")
    carrier_label: str
    tracking_number: str
    tracking_url: str
    code: str | None
    detail: str | None


class BatchShipOut(Schema):
    shipped: int
    failed: int
    items: list[BatchShipItemOut] = Field(description="one per item sent, in its order")


class AfterSaleIn(Schema):
    kind: str = Field(max_length=20, description="refund_only or return_refund")
    amount: int = Field(description="fen, at most total − refunded")
    reason: str = Field(max_length=1000)
    return_tracking_number: str = Field(default="", max_length=100)


class AfterSaleRejectIn(Schema):
    reason: str = Field(max_length=1000)


class ReturnTrackingIn(Schema):
    tracking_number: str = Field(max_length=100)


class AfterSalePhotoOut(Schema):
    id: str
    url: str = Field(description="the full image")
    thumbnail_url: str
    width: int
    height: int


class AfterSaleMessageOut(Schema):
    id: str
    role: str = Field(description="buyer, merchant or system")
    event: str = Field(
        description="a system line's step: requested, return_tracking, approved, rejected, "
        "refunded, refund_failed or withdrawn; '' for a message"
    )
    summary: str = Field(description="a system line in the caller's language; '' for a message")
    author_name: str | None = Field(
        description="who wrote a message (the store's name for its staff); null for a system line"
    )
    text: str = Field(
        description="what a person wrote; on a system line, the reason of the request or the "
        "merchant's answer"
    )
    photos: list[AfterSalePhotoOut]
    created_at: datetime


class AfterSaleThreadOut(Schema):
    after_sale_id: str
    status: str
    open: bool = Field(
        description="whether the thread takes messages: while the request waits for the "
        "merchant or is being refunded"
    )
    messages: list[AfterSaleMessageOut]


class PayOut(Schema):
    payment_id: str
    pay_url: str
    amount: int
    status: str


# --- Builders ------------------------------------------------------------------------------


def cart_out(cart: carts.Cart) -> CartOut:
    return CartOut(
        stores=[
            StoreCartOut(
                store_id=group.store.pk,
                store_name=group.store.name,
                lines=[
                    CartLineOut(
                        sku_id=line.sku.pk,
                        product_id=line.sku.product_id,
                        title=line.sku.product.title,
                        sku_label=line.sku.label,
                        unit_price=line.sku.price,
                        quantity=line.quantity,
                        line_total=line.line_total,
                        image_url=line.image_url,
                        available=line.available,
                        enough_stock=line.enough_stock,
                    )
                    for line in group.lines
                ],
                subtotal=group.subtotal,
                shipping_fee=group.shipping_fee,
                total=group.total,
            )
            for group in cart.stores
        ],
        total=cart.total,
        count=cart.count,
    )


def _item_out(item: OrderItem) -> OrderItemOut:
    return OrderItemOut(
        id=item.pk,
        sku_id=item.sku_id,
        product_id=item.product_id,
        title=item.title,
        sku_label=item.sku_label,
        unit_price=item.unit_price,
        quantity=item.quantity,
        line_total=item.line_total,
        image_url=item.image_url,
    )


def _order_fields(order: Order, items: list[OrderItem]) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "status_label": str(OrderStatus(order.status).label),
        "store_id": order.store_id,
        "store_name": order.store.name,
        "buyer_name": order.buyer.display_name,
        "subtotal": order.subtotal,
        "shipping_fee": order.shipping_fee,
        "discount": order.discount,
        "coupon_id": order.user_coupon_id,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        "created_at": order.created_at,
        "pay_deadline": order.pay_deadline,
        "items": [_item_out(item) for item in items],
    }


def order_out(order: Order) -> OrderOut:
    """An order of a list (store, buyer and items prefetched)."""
    return OrderOut(**_order_fields(order, list(order.items.all())))


def _after_sale_out(after_sale: AfterSale) -> AfterSaleOut:
    return AfterSaleOut(
        id=after_sale.pk,
        kind=after_sale.kind,
        status=after_sale.status,
        amount=after_sale.amount,
        reason=after_sale.reason,
        merchant_reply=after_sale.merchant_reply,
        return_tracking_number=after_sale.return_tracking_number,
        created_at=after_sale.created_at,
        decided_at=after_sale.decided_at,
    )


def _message_out(line: AfterSaleMessage, shown: thread.Thread) -> AfterSaleMessageOut:
    return AfterSaleMessageOut(
        id=line.pk,
        role=line.role,
        event=line.event,
        summary=thread_lines.describe(line),
        author_name=thread_lines.author_name(line, shown.order, shown.side) or None,
        text=line.text,
        photos=[
            AfterSalePhotoOut(
                id=p.pk,
                url=p.image.url,
                thumbnail_url=p.thumbnail.url,
                width=p.width,
                height=p.height,
            )
            for p in line.photos.all()
        ],
        created_at=line.created_at,
    )


def _thread_out(shown: thread.Thread) -> AfterSaleThreadOut:
    return AfterSaleThreadOut(
        after_sale_id=shown.after_sale.pk,
        status=shown.after_sale.status,
        open=shown.open,
        messages=[_message_out(line, shown) for line in shown.lines],
    )


def detail_out(order: Order) -> OrderDetailOut:
    found = selectors.details(order)
    return OrderDetailOut(
        **_order_fields(order, found.items),
        address={k: str(v) for k, v in (order.address or {}).items()},
        note=order.note,
        carrier=order.carrier,
        carrier_label=carrier_label(order.carrier),
        tracking_number=order.tracking_number,
        tracking_url=tracking_url(order.carrier, order.tracking_number),
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        received_at=order.received_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        auto_receive_at=order.auto_receive_at,
        complete_at=order.complete_at,
        events=[
            OrderEventOut(
                from_status=event.from_status,
                to_status=event.to_status,
                note=_event_note(event),
                actor=event.actor.display_name if event.actor else None,
                at=event.at,
            )
            for event in found.events
        ],
        after_sales=[_after_sale_out(a) for a in found.after_sales],
    )


def _event_note(event: OrderEvent) -> str:
    """An event's note in the caller's language; the shipping step names its courier."""
    if event.from_status == OrderStatus.PAID and event.to_status == OrderStatus.SHIPPED:
        sent = parse_ship_note(event.note)
        if sent is not None:
            return f"{carrier_label(sent[0])} {sent[1]}"
    return _(event.note) if event.note else ""


def page_out(page: selectors.Page) -> OrderPageOut:
    return OrderPageOut(
        items=[order_out(order) for order in page.items],
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        pages=page.pages,
    )


def _status_filter(status: str | None) -> tuple[str, ...]:
    if not status:
        return ()
    if status not in OrderStatus.values:
        raise InvalidInput(
            _("Unknown order status “%(status)s”.") % {"status": status},
            field="status",
        )
    return (status,)


# --- Cart ----------------------------------------------------------------------------------


@router.get("/cart", response=CartOut)
def get_cart(request: HttpRequest) -> CartOut:
    """The cart, grouped by store, with each store's subtotal, shipping fee and total."""
    return cart_out(carts.cart_for(current_user(request)))


@router.post("/cart/items", response=CartOut)
def add_cart_item(request: HttpRequest, data: AddToCartIn) -> CartOut:
    """Add a SKU (merged with its line; 1..99 per line). The cart does not reserve stock."""
    user = current_user(request)
    carts.add_to_cart(user, data.sku_id, data.quantity)
    return cart_out(carts.cart_for(user))


@router.patch("/cart/items/{sku_id}", response=CartOut)
def update_cart_item(request: HttpRequest, sku_id: str, data: QuantityIn) -> CartOut:
    user = current_user(request)
    carts.set_cart_quantity(user, sku_id, data.quantity)
    return cart_out(carts.cart_for(user))


@router.delete("/cart/items/{sku_id}", response=CartOut)
def remove_cart_item(request: HttpRequest, sku_id: str) -> CartOut:
    user = current_user(request)
    carts.remove_from_cart(user, sku_id)
    return cart_out(carts.cart_for(user))


# --- Creating orders -----------------------------------------------------------------------


@router.post("/checkout", response={201: list[OrderOut]})
@idempotent("orders.checkout")
def checkout(request: HttpRequest, data: CheckoutIn) -> Status[Any]:
    """Place one order per store (Idempotency-Key honoured). Without `lines`, buys every line of
    the cart on sale; bought lines leave the cart."""
    user = current_user(request)
    if data.lines is None:
        lines = carts.cart_for(user).checkout_lines()
        from_cart = True
    else:
        lines = [(line.sku_id, line.quantity) for line in data.lines]
        from_cart = False
    orders = checkouts.place_orders(
        user,
        lines,
        data.address_id,
        data.notes or data.note,
        from_cart=from_cart,
        coupon_ids=data.coupons,
    )
    orders_placed.send(sender=Order, request=request, orders=orders)
    return Status(201, [_created_out(order) for order in orders])


def _created_out(order: Order) -> dict[str, Any]:
    """A newly placed order as JSON (what an idempotent replay returns byte for byte)."""
    items = list(order.items.all())
    return OrderOut(**_order_fields(order, items)).model_dump(mode="json")


@router.post("/buy-now", response={201: OrderOut})
@idempotent("orders.buy_now")
def buy_now(request: HttpRequest, data: BuyNowIn) -> Status[Any]:
    """One-click order (一键下单) to the default address (400 `no_default_address` without one)."""
    user = current_user(request)
    order = checkouts.buy_now(user, data.sku_id, data.quantity, coupon_id=data.coupon_id)
    orders_placed.send(sender=Order, request=request, orders=[order])
    return Status(201, _created_out(order))


# --- Lists ---------------------------------------------------------------------------------


@router.get("", response=OrderPageOut)
def my_orders(
    request: HttpRequest, status: str | None = None, page: int = 1, page_size: int = 20
) -> OrderPageOut:
    """The caller's orders, newest first, optionally of one status."""
    found = selectors.orders_of_buyer(
        current_user(request), _status_filter(status), page, page_size
    )
    return page_out(found)


@router.get("/store/{store_id}", response=OrderPageOut)
def store_orders(
    request: HttpRequest,
    store_id: str,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> OrderPageOut:
    """A store's orders for its owner and staff, optionally of one status."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    store = access_store(current_user(request), store_id)
    return page_out(selectors.orders_of_store(store, _status_filter(status), page, page_size))


@router.post("/store/{store_id}/ship-batch", response=BatchShipOut)
def ship_batch(request: HttpRequest, store_id: str, data: BatchShipIn) -> BatchShipOut:
    """Store staff ship many paid orders of the store at once (批量发货), each with its own
    courier and tracking number. Each item ships in its own transaction: the answer says of
    each whether it shipped or, with the code and message of its refusal, why not (not found,
    held for its group, not paid or already shipped, a tracking number of the wrong shape…).
    No item, or more than the limit, is a 400 (422 past the schema's limit)."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    lines = [
        batch_shipping.ShipmentLine(
            order=item.order,
            carrier=item.carrier,
            carrier_name=item.carrier_name,
            tracking_number=item.tracking_number,
        )
        for item in data.items
    ]
    results = batch_shipping.ship_lines(current_user(request), store_id, lines)
    items = [_batch_item_out(result) for result in results]
    shipped = sum(1 for item in items if item.ok)
    return BatchShipOut(shipped=shipped, failed=len(items) - shipped, items=items)


def _batch_item_out(result: batch_shipping.LineResult) -> BatchShipItemOut:
    order = result.order
    shipped = order is not None and result.ok
    return BatchShipItemOut(
        order=result.line.order,
        ok=result.ok,
        order_id=order.pk if order is not None else None,
        number=order.number if order is not None else None,
        carrier=order.carrier if shipped and order is not None else "",
        carrier_label=carrier_label(order.carrier) if shipped and order is not None else "",
        tracking_number=order.tracking_number if shipped and order is not None else "",
        tracking_url=(
            tracking_url(order.carrier, order.tracking_number)
            if shipped and order is not None
            else ""
        ),
        code=str(result.error.code) if result.error is not None else None,
        detail=str(result.error.message) if result.error is not None else None,
    )


@router.get("/carriers", response=list[CarrierOut], auth=None)
def list_carriers(request: HttpRequest) -> list[CarrierOut]:
    """The couriers an order can be shipped with: give the code when shipping ('other' with
    the courier's name for another one)."""
    return [
        CarrierOut(
            code=carrier.code,
            name=str(carrier.name),
            tracking_number_shape=str(carrier.shape),
            example=carrier.example,
            tracking_url=carrier.track_url,
        )
        for carrier in CARRIERS
    ]


# --- One order -----------------------------------------------------------------------------


@router.get("/{order_id}", response=OrderDetailOut)
def order_detail(request: HttpRequest, order_id: str) -> OrderDetailOut:
    """An order with items, events and after-sales, for its buyer and its store's staff."""
    return detail_out(access.access_order(current_user(request), order_id, need="any"))


@router.post("/{order_id}/pay", response=PayOut)
def pay(request: HttpRequest, order_id: str) -> Status[Any]:
    """Start (or resume) the payment of an unpaid order; open `pay_url` to pay."""
    # Read (and refresh) the order before the idempotent transaction, so that a pay window
    # found closed here stays closed even though the payment is then refused.
    access.access_order(current_user(request), order_id, need="buyer")
    return _start_payment(request, order_id=order_id)


@idempotent("orders.pay")
def _start_payment(request: HttpRequest, order_id: str) -> Status[Any]:
    from quanzi.orders.services.paying import start_payment

    user = current_user(request)
    payment = start_payment(user, [access.access_order(user, order_id, need="buyer")])
    body = PayOut(
        payment_id=payment.id,
        pay_url=payment.pay_url,
        amount=payment.amount,
        status=str(payment.status),
    )
    return Status(200, body.model_dump(mode="json"))


@router.post("/{order_id}/cancel", response=OrderDetailOut)
def cancel(request: HttpRequest, order_id: str) -> OrderDetailOut:
    """The buyer cancels an unpaid order."""
    return detail_out(transitions.cancel_order(current_user(request), order_id))


@router.post("/{order_id}/confirm-receipt", response=OrderDetailOut)
def confirm_receipt(request: HttpRequest, order_id: str) -> OrderDetailOut:
    return detail_out(transitions.confirm_receipt(current_user(request), order_id))


@router.post("/{order_id}/ship", response=OrderDetailOut)
def ship(request: HttpRequest, order_id: str, data: ShipIn) -> OrderDetailOut:
    """Store staff ship a paid order."""
    order = transitions.ship_order(
        current_user(request),
        order_id,
        data.carrier,
        data.tracking_number,
        carrier_name=data.carrier_name,
    )
    return detail_out(order)


@router.post("/{order_id}/after-sales", response={201: AfterSaleOut})
def request_after_sale(request: HttpRequest, order_id: str, data: AfterSaleIn) -> Status[Any]:
    """The buyer asks for a refund only or a return and refund."""
    after_sale = aftersales.request_after_sale(
        current_user(request),
        order_id,
        kind=data.kind,
        amount=data.amount,
        reason=data.reason,
        return_tracking_number=data.return_tracking_number,
    )
    return Status(201, _after_sale_out(after_sale))


@router.post("/{order_id}/after-sales/{after_sale_id}/withdraw", response=AfterSaleOut)
def withdraw_after_sale(request: HttpRequest, order_id: str, after_sale_id: str) -> AfterSaleOut:
    return _after_sale_out(
        aftersales.withdraw_after_sale(current_user(request), order_id, after_sale_id)
    )


@router.post("/{order_id}/after-sales/{after_sale_id}/approve", response=AfterSaleOut)
def approve_after_sale(request: HttpRequest, order_id: str, after_sale_id: str) -> AfterSaleOut:
    """Store staff approve; the refund completes when the payment provider confirms it."""
    return _after_sale_out(
        aftersales.approve_after_sale(current_user(request), order_id, after_sale_id)
    )


@router.post("/{order_id}/after-sales/{after_sale_id}/reject", response=AfterSaleOut)
def reject_after_sale(
    request: HttpRequest, order_id: str, after_sale_id: str, data: AfterSaleRejectIn
) -> AfterSaleOut:
    """Store staff reject with a reason; the order returns to where it was."""
    return _after_sale_out(
        aftersales.reject_after_sale(current_user(request), order_id, after_sale_id, data.reason)
    )


@router.post("/{order_id}/after-sales/{after_sale_id}/return-tracking", response=AfterSaleOut)
def send_return_tracking(
    request: HttpRequest, order_id: str, after_sale_id: str, data: ReturnTrackingIn
) -> AfterSaleOut:
    """The buyer of a return and refund sends the tracking number of the goods sent back, while
    the request waits for the merchant (again: corrects it)."""
    return _after_sale_out(
        aftersales.send_return_tracking(
            current_user(request), order_id, after_sale_id, data.tracking_number
        )
    )


@router.get("/{order_id}/after-sales/{after_sale_id}/messages", response=AfterSaleThreadOut)
def after_sale_thread(
    request: HttpRequest, order_id: str, after_sale_id: str
) -> AfterSaleThreadOut:
    """A request's thread, oldest first, for its buyer and the store's staff: messages with
    their photos, and a system line for each step of the request."""
    return _thread_out(thread.thread_of(current_user(request), order_id, after_sale_id))


@router.post(
    "/{order_id}/after-sales/{after_sale_id}/messages", response={201: AfterSaleMessageOut}
)
def post_after_sale_message(
    request: HttpRequest,
    order_id: str,
    after_sale_id: str,
    text: Form[str] = "",
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[AfterSaleMessageOut]:
    """The buyer or the store's staff write in an open request's thread (multipart): `text`
    (≤ 500 characters) and/or up to 6 `photos` (repeated field; `photos[]` is accepted too).
    A closed request answers 409 `after_sale_closed`; the other side is notified."""
    user = current_user(request)
    uploads = [*(photos or []), *request.FILES.getlist("photos[]")]
    line = thread.post_message(
        user, order_id, after_sale_id, thread.MessageInput(text=text, photos=uploads)
    )
    shown = thread.thread_of(user, order_id, after_sale_id)
    posted = next(found for found in shown.lines if found.pk == line.pk)
    return Status(201, _message_out(posted, shown))
