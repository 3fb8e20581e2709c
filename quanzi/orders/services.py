"""Order actions: checkout, the order state machine, after-sales, payment hooks and timers.

These functions are the only writers of orders. Every transition is a conditional update on the
order's status (`filter(pk=…, status=expected).update(…)`, row count checked), so two concurrent
actions can never both win, followed by an `OrderEvent` in the same transaction. Timers (unpaid
cancel, auto-receive, completion) are tasks *and* are re-applied by `refresh_order` whenever an
order is read (rule 5), so a lost or doubled task never leaves a wrong state.

    pending_payment ─pay→ paid ─ship→ shipped ─receive→ received ─(window)→ completed
    pending_payment ─cancel / pay window→ cancelled
    paid | shipped | received ─after-sales→ after_sales ─reject/withdraw/partial→ (back)
                                                       └─full refund→ refunded
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import Address, User
from quanzi.accounts.services import access_address, default_address
from quanzi.catalog.models import Product, ProductImage, Sku
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.events import enqueue_on_commit, send_on_commit
from quanzi.core.ids import is_public_id
from quanzi.core.money import format_fen
from quanzi.core.validation import clean_text
from quanzi.coupons import checkout as coupons
from quanzi.orders.models import (
    AfterSale,
    AfterSaleKind,
    AfterSaleStatus,
    CartItem,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
)
from quanzi.orders.postings import settle_order
from quanzi.orders.signals import (
    order_cancelled,
    order_completed,
    order_paid,
    order_refunded,
)
from quanzi.payments.services import void_payments
from quanzi.stores.models import Store
from quanzi.stores.services import role_in

logger = logging.getLogger("quanzi.orders")

MAX_QUANTITY = 99
MAX_CHECKOUT_LINES = 50
MAX_NOTE = 200
MAX_REASON = 300
TRACKING_RE = re.compile(r"^[A-Za-z0-9\-]+$")

S = OrderStatus
Need = Literal["buyer", "store", "any"]

# System notes on events are stored in English and translated when shown (see
# templatetags/orders_tags.py), so the timeline follows the reader's language.
NOTE_PLACED = gettext_noop("Order placed")
NOTE_PAID = gettext_noop("Payment received")
NOTE_BUYER_CANCELLED = gettext_noop("Cancelled by the buyer")
NOTE_NOT_PAID = gettext_noop("Not paid in time: cancelled and stock returned")
NOTE_RECEIVED = gettext_noop("Receipt confirmed by the buyer")
NOTE_AUTO_RECEIVED = gettext_noop("Receipt confirmed automatically")
NOTE_COMPLETED = gettext_noop("After-sales window closed: order completed")
NOTE_APPROVED = gettext_noop("After-sales request approved: refunding")
NOTE_REFUND_FAILED = gettext_noop("The refund could not be started; the request is open again")
NOTE_WITHDRAWN = gettext_noop("After-sales request withdrawn by the buyer")
NOTE_REFUNDED = gettext_noop("Refund completed")
NOTE_PARTLY_REFUNDED = gettext_noop("Partial refund completed")
NOTE_LATE_REFUND = gettext_noop("A late payment was refunded")

# The mutable fields reloaded after a timer ran on an order already in memory.
STATE_FIELDS = [
    "status",
    "status_before_after_sales",
    "refunded_amount",
    "paid_at",
    "received_at",
    "completed_at",
    "cancelled_at",
    "auto_receive_at",
    "complete_at",
    "stock_returned",
    "payment_id",
    "updated_at",
]


# --- Permissions ---------------------------------------------------------------------------


def access_order(user: User | AnonymousUser | None, order_id: str, need: Need = "any") -> Order:
    """The order if `user` may see/act on it as `need`, with overdue timers applied.

    'buyer': the person who placed it; 'store': the owner or staff of its store; 'any': either.
    Anyone else, and an unknown id, gets the same 404: ids reveal nothing.
    """
    if not isinstance(user, User):
        raise NotAuthenticated()
    order = None
    if is_public_id(order_id):
        order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or not _may_access(user, order, need):
        raise NotFound(_("Order not found."), code="order_not_found")
    return refresh_order(order)


def _may_access(user: User, order: Order, need: Need) -> bool:
    if need in ("buyer", "any") and order.buyer_id == user.pk:
        return True
    return need in ("store", "any") and role_in(user, order.store) is not None


# --- Input cleaning ------------------------------------------------------------------------


def clean_quantity(value: object) -> int:
    """A quantity from 1 to 99; anything else (0, negative, huge, not a number) is a 400."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a quantity from 1 to 99."), code="invalid_quantity")
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidInput(_("Enter a quantity from 1 to 99."), code="invalid_quantity") from exc
    if not 1 <= number <= MAX_QUANTITY:
        raise InvalidInput(_("Enter a quantity from 1 to 99."), code="invalid_quantity")
    return number


def clean_sku_id(value: object) -> str:
    if not is_public_id(value):
        raise NotFound(_("This product option does not exist."), code="unknown_sku")
    return value


def _clean_lines(lines: Iterable[tuple[str, int | str]]) -> dict[str, int]:
    """Lines merged by SKU: {sku_id: quantity}, each quantity within 1..99."""
    merged: dict[str, int] = defaultdict(int)
    try:
        pairs = list(lines)
    except TypeError as exc:
        raise InvalidInput(_("Choose at least one item."), code="no_items") from exc
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidInput(_("Each line needs a product option and a quantity."))
        merged[clean_sku_id(pair[0])] += clean_quantity(pair[1])
    if not merged:
        raise InvalidInput(_("Choose at least one item."), code="no_items")
    if len(merged) > MAX_CHECKOUT_LINES:
        raise InvalidInput(
            _("At most %(n)d different items per checkout.") % {"n": MAX_CHECKOUT_LINES}
        )
    for quantity in merged.values():
        clean_quantity(quantity)
    return dict(merged)


def _clean_text(value: object, limit: int, *, field: str, required: bool = False) -> str:
    return clean_text(
        value,
        field=field,
        max_length=limit,
        required=required,
        missing_code="required",
        too_long_code="too_long",
    )


def _clean_checkout_key(value: str) -> str:
    if len(value) > 64 or not value.isprintable():
        raise InvalidInput(_("The checkout key is malformed."))
    return value


# --- Checkout ------------------------------------------------------------------------------


def sellable_skus(sku_ids: Collection[str]) -> dict[str, Sku]:
    """The SKUs by id with product, store and first image loaded, in a constant number of
    queries; raises NotFound naming an unknown id and Conflict naming an unavailable product."""
    skus = {
        sku.pk: sku
        for sku in Sku.objects.filter(pk__in=list(sku_ids))
        .select_related("product__store")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position"))
        )
    }
    for sku_id in sku_ids:
        sku = skus.get(sku_id)
        if sku is None:
            raise NotFound(
                _("The product option “%(sku)s” does not exist.") % {"sku": sku_id},
                code="unknown_sku",
                sku_id=sku_id,
            )
        if not is_sellable(sku):
            raise Conflict(
                _("“%(title)s” is no longer on sale.") % {"title": sku.product.title},
                code="unavailable",
                sku_id=sku_id,
            )
    return skus


def is_sellable(sku: Sku) -> bool:
    product = sku.product
    return sku.is_active and product.on_shelf and product.store.is_active


def _image_url(product: Product) -> str:
    images = list(product.images.all())
    return images[0].thumbnail.url[:300] if images else ""


def _take_stock(wanted: Mapping[str, int], skus: Mapping[str, Sku]) -> None:
    """Take the stock of every line in primary-key order (no deadlock between two checkouts);
    the first refusal aborts the whole transaction, so nothing of the checkout remains."""
    from quanzi.catalog.services import take_stock

    for sku_id in sorted(wanted):
        if not take_stock(sku_id, wanted[sku_id]):
            title = skus[sku_id].product.title
            raise Conflict(
                _("Not enough stock left for “%(title)s”.") % {"title": title},
                code="out_of_stock",
                sku_id=sku_id,
            )


def _group_by_store(
    wanted: Mapping[str, int], skus: Mapping[str, Sku]
) -> list[tuple[Store, list[tuple[Sku, int]]]]:
    groups: dict[str, list[tuple[Sku, int]]] = defaultdict(list)
    stores: dict[str, Store] = {}
    for sku_id in sorted(wanted):
        sku = skus[sku_id]
        stores[sku.product.store_id] = sku.product.store
        groups[sku.product.store_id].append((sku, wanted[sku_id]))
    return [(stores[store_id], groups[store_id]) for store_id in sorted(groups)]


def store_goods(store: Store, lines: list[tuple[Sku, int]]) -> coupons.StoreGoods:
    """One store's lines with their goods subtotal and shipping fee (on the goods subtotal)."""
    subtotal = sum(sku.price * quantity for sku, quantity in lines)
    return coupons.StoreGoods(store, lines, subtotal, store.shipping_for(subtotal))


def _create_order(
    user: User,
    goods: coupons.StoreGoods,
    address: Address,
    note: str,
    checkout_key: str,
    coupon: coupons.AppliedCoupon | None,
    *,
    unit_price: int | None = None,
) -> Order:
    """The order and its items; `unit_price` is a campaign's price for its one SKU."""
    discount = coupon.discount if coupon else 0
    order = Order.objects.create(
        buyer=user,
        store=goods.store,
        subtotal=goods.subtotal,
        shipping_fee=goods.shipping,
        discount=discount,
        user_coupon=coupon.copy if coupon else None,
        total=goods.subtotal + goods.shipping - discount,
        address=address.snapshot(),
        note=note,
        pay_deadline=timezone.now() + timedelta(minutes=goods.store.payment_window_minutes),
        checkout_key=checkout_key,
    )
    if coupon:
        coupons.use_coupon(coupon, order.pk)
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            sku=sku,
            product=sku.product,
            title=sku.product.title,
            sku_label=sku.label[:200],
            unit_price=sku.price if unit_price is None else unit_price,
            quantity=quantity,
            image_url=_image_url(sku.product),
        )
        for sku, quantity in goods.lines
    )
    _event(order, "", S.PENDING_PAYMENT, user, NOTE_PLACED)
    _schedule("cancel_unpaid_order", order.pk, order.pay_deadline)
    return order


def place_campaign_order(
    user: User,
    sku_id: str,
    quantity: int | str,
    unit_price: int,
    *,
    campaign: str,
    campaign_ref: str,
    take_stock: bool = True,
    ship_hold: bool = False,
    address_id: str | None = None,
    coupon_id: str = "",
    best_coupon: bool = True,
) -> Order:
    """An order of one SKU at a campaign's price (group buy, bargain, flash sale), to the given
    or the default address. Where the store allows coupons on campaign prices it takes one of
    the buyer's coupons of the store, priced on the campaign's goods: `coupon_id`, or (with
    `best_coupon`, the default) the best usable one; elsewhere none, and a chosen one is
    refused (409). A coupon is refused as at checkout and used in this transaction.

    Call it inside the campaign's own transaction, after its own checks (a group's seat, a
    flash sale's stock and quota): everything is written or nothing. `take_stock=False` when
    the campaign holds its own stock (a flash sale); `ship_hold` keeps a paid order from being
    shipped until the campaign releases it (`release_ship_hold`). The unpaid-order timer,
    payment, refunds and after-sales are those of every order. A cancelled unpaid order gives
    back SKU stock only when it took it; `order_cancelled` (sent after commit, with the
    campaign) tells the campaign to give back its own.
    """
    if isinstance(unit_price, bool) or not isinstance(unit_price, int) or unit_price < 1:
        raise InvalidInput(_("A campaign price is a whole number of fen above zero."))
    count = clean_quantity(quantity)
    address = access_address(user, address_id) if address_id else default_address(user)
    if address is None:
        raise InvalidInput(
            _("Add a shipping address first: one-click orders go to your default address."),
            code="no_default_address",
        )
    sku = sellable_skus({clean_sku_id(sku_id): count})[clean_sku_id(sku_id)]
    subtotal = unit_price * count
    goods = coupons.StoreGoods(
        sku.product.store,
        [(sku, count)],
        subtotal,
        sku.product.store.shipping_for(subtotal),
        campaign_prices={sku.pk: unit_price},
    )
    applied = coupons.campaign_coupon(user, goods, coupon_id, best=best_coupon)
    with transaction.atomic():
        if take_stock:
            _take_stock({sku.pk: count}, {sku.pk: sku})
        order = _create_order(user, goods, address, "", "", applied, unit_price=unit_price)
        Order.objects.filter(pk=order.pk).update(
            campaign=campaign,
            campaign_ref=campaign_ref,
            ship_hold=ship_hold,
            stock_returned=not take_stock,
        )
        order.refresh_from_db()
    return order


def release_ship_hold(order_ids: Iterable[str]) -> int:
    """Let the campaign's orders be shipped (a group filled); answers how many were held."""
    return Order.objects.filter(pk__in=list(order_ids), ship_hold=True).update(ship_hold=False)


def checkout_goods(lines: Iterable[tuple[str, int | str]]) -> list[coupons.StoreGoods]:
    """What a checkout of `lines` would order from each store, without writing anything (the
    coupon options of a buy-now, for instance); the same refusals as `place_orders`."""
    wanted = _clean_lines(lines)
    groups = _group_by_store(wanted, sellable_skus(wanted))
    return [store_goods(store, store_lines) for store, store_lines in groups]


def _orders_of_checkout(user: User, checkout_key: str) -> list[Order]:
    return list(Order.objects.filter(buyer=user, checkout_key=checkout_key).order_by("store_id"))


def place_orders(
    user: User,
    lines: Iterable[tuple[str, int | str]],
    address_id: str,
    note: str | Mapping[str, str] = "",
    *,
    checkout_key: str = "",
    from_cart: bool = False,
    coupon_ids: Mapping[str, str] | None = None,
    best_coupons: bool = False,
) -> list[Order]:
    """Create one order per store for `lines` [(sku_id, quantity)], taking stock atomically.

    `note` is one note for every store or a {store_id: note} mapping. A non-empty
    `checkout_key` makes a double submit return the orders of the first one. With `from_cart`
    the bought SKUs leave the cart. `coupon_ids` {store_id: user coupon id} puts at most one
    of the buyer's coupons on each store's order (`best_coupons`: the best usable one where
    none is chosen); the coupon is used in the order's own transaction. Unknown SKU → 404, bad
    quantity → 400, an address that is not the user's → 404, missing stock → 409 naming the
    product, a coupon that is not the buyer's → 404 or cannot be used → 409; on any refusal
    nothing is written.
    """
    wanted = _clean_lines(lines)
    if not is_public_id(address_id):
        raise NotFound(_("Address not found."))
    address = access_address(user, address_id)
    checkout_key = _clean_checkout_key(checkout_key)
    if checkout_key and (existing := _orders_of_checkout(user, checkout_key)):
        return existing
    skus = sellable_skus(wanted)
    groups = [
        store_goods(store, store_lines) for store, store_lines in _group_by_store(wanted, skus)
    ]
    notes = {goods.store.pk: _note_for(note, goods.store.pk) for goods in groups}
    applied = _coupons(user, groups, coupon_ids, best=best_coupons)
    try:
        with transaction.atomic():
            _take_stock(wanted, skus)
            orders = [
                _create_order(
                    user,
                    goods,
                    address,
                    notes[goods.store.pk],
                    checkout_key,
                    applied.get(goods.store.pk),
                )
                for goods in groups
            ]
            if from_cart:
                CartItem.objects.filter(user=user, sku_id__in=list(wanted)).delete()
    except IntegrityError:
        # A concurrent submit with the same checkout key won the unique constraint.
        if checkout_key and (existing := _orders_of_checkout(user, checkout_key)):
            return existing
        raise
    return orders


def _coupons(
    user: User,
    groups: list[coupons.StoreGoods],
    coupon_ids: Mapping[str, str] | None,
    *,
    best: bool,
) -> dict[str, coupons.AppliedCoupon]:
    """{store_id: the coupon checked and priced for that store's order}."""
    chosen = coupons.clean_choices(coupon_ids, [goods.store.pk for goods in groups])
    if best:
        options = coupons.coupon_options(user, [g for g in groups if g.store.pk not in chosen])
        chosen |= {sid: found.best.copy.pk for sid, found in options.items() if found.best}
    return {
        goods.store.pk: coupons.apply_coupon(user, goods, chosen[goods.store.pk])
        for goods in groups
        if goods.store.pk in chosen
    }


def _note_for(note: str | Mapping[str, str], store_id: str) -> str:
    raw = note.get(store_id, "") if isinstance(note, Mapping) else note
    return _clean_text(raw, MAX_NOTE, field="note")


def buy_now(
    user: User,
    sku_id: str,
    quantity: int | str,
    *,
    checkout_key: str = "",
    coupon_id: str = "",
    best_coupon: bool = False,
) -> Order:
    """One-click order (一键下单) of one SKU to the user's default address, with the coupon
    `coupon_id` (or, with `best_coupon`, the best usable one)."""
    address = default_address(user)
    if address is None:
        raise InvalidInput(
            _("Add a shipping address first: one-click orders go to your default address."),
            code="no_default_address",
        )
    coupon_ids: dict[str, str] = {}
    if coupon_id:
        store_ids = Sku.objects.filter(pk=clean_sku_id(sku_id)).values_list(
            "product__store_id", flat=True
        )
        coupon_ids = {store_id: coupon_id for store_id in store_ids[:1]}
    return place_orders(
        user,
        [(sku_id, quantity)],
        address.pk,
        checkout_key=checkout_key,
        coupon_ids=coupon_ids,
        best_coupons=best_coupon,
    )[0]


# --- Transitions ---------------------------------------------------------------------------


def transition_refused(message: Promise, order: Order) -> Conflict:
    """The 409 of a transition not allowed from the order's status, naming that status."""
    return Conflict(
        message % {"status": S(order.status).label},
        code="invalid_transition",
        status=order.status,
    )


REFUSE_CANCEL = _("Only an unpaid order can be cancelled; this one is “%(status)s”.")
REFUSE_SHIP = _("Only a paid order can be shipped; this one is “%(status)s”.")
REFUSE_RECEIVE = _("Only a shipped order can be confirmed as received; this one is “%(status)s”.")
REFUSE_AFTER_SALES = _(
    "After-sales can be requested only for a paid, shipped or received order; "
    "this one is “%(status)s”."
)
AFTER_SALES_FROM = (S.PAID, S.SHIPPED, S.RECEIVED)
REFUSE_DECIDE = _("This order has no after-sales request waiting; it is “%(status)s”.")


def _event(order: Order, from_status: str, to_status: str, actor: User | None, note: str) -> None:
    OrderEvent.objects.create(
        order_id=order.pk,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note[:MAX_REASON],
    )


def _move(order: Order, to: str, *, actor: User | None, note: str, **fields: Any) -> bool:
    """Move `order` from its status in memory to `to` with a conditional update and record the
    event; False (and nothing written) when a concurrent action changed it first.

    Must run inside a transaction, with the caller's other writes."""
    now = timezone.now()
    won = Order.objects.filter(pk=order.pk, status=order.status).update(
        status=to, updated_at=now, **fields
    )
    if won != 1:
        return False
    _event(order, order.status, to, actor, note)
    order.status = to
    order.updated_at = now
    for name, value in fields.items():
        setattr(order, name, value)
    return True


def _move_or_refuse(
    order: Order,
    to: str,
    *,
    allowed: Collection[str],
    refusal: Promise,
    actor: User | None,
    note: str,
    **fields: Any,
) -> None:
    if order.status not in allowed or not _move(order, to, actor=actor, note=note, **fields):
        order.refresh_from_db(fields=["status"])
        raise transition_refused(refusal, order)


def _return_stock(order: Order) -> None:
    """Give the order's stock back, exactly once whatever path asks (cancel, timer, refund)."""
    if Order.objects.filter(pk=order.pk, stock_returned=False).update(stock_returned=True) != 1:
        return
    order.stock_returned = True
    from quanzi.catalog.services import return_stock

    totals: dict[str, int] = defaultdict(int)
    for sku_id, quantity in OrderItem.objects.filter(order_id=order.pk).values_list(
        "sku_id", "quantity"
    ):
        totals[sku_id] += quantity
    for sku_id in sorted(totals):
        return_stock(sku_id, totals[sku_id])


def _release_cancelled(order: Order) -> None:
    """An unpaid order was cancelled (by the buyer or the timer): its stock and its coupon come
    back (a paid order refunded keeps its coupon), and its open pay pages are closed."""
    _return_stock(order)
    coupons.return_coupon(order.pk, order.user_coupon_id)
    void_payments([order.pk])
    send_on_commit(
        order_cancelled,
        Order,
        order_id=order.pk,
        campaign=order.campaign,
        campaign_ref=order.campaign_ref,
    )


def cancel_order(user: User, order_id: str) -> Order:
    """The buyer cancels an unpaid order; its stock returns."""
    order = access_order(user, order_id, need="buyer")
    with transaction.atomic():
        _move_or_refuse(
            order,
            S.CANCELLED,
            allowed=(S.PENDING_PAYMENT,),
            refusal=REFUSE_CANCEL,
            actor=user,
            note=NOTE_BUYER_CANCELLED,
            cancelled_at=timezone.now(),
        )
        _release_cancelled(order)
    return order


def ship_order(user: User, order_id: str, carrier: str, tracking_number: str) -> Order:
    """Store staff ship a paid order with a carrier and tracking number; auto-receive starts."""
    order = access_order(user, order_id, need="store")
    carrier = _clean_text(carrier, 40, field="carrier", required=True)
    tracking_number = _clean_text(tracking_number, 60, field="tracking_number", required=True)
    if not TRACKING_RE.match(tracking_number):
        raise InvalidInput(
            _("A tracking number has only letters, digits and '-'."),
            code="invalid_tracking_number",
            field="tracking_number",
        )
    if Order.objects.filter(pk=order.pk, ship_hold=True).exists():
        # Only ever cleared (a group fills), never set again: checking first is enough.
        raise Conflict(
            _("This order waits for its group to fill before it can be shipped."),
            code="ship_hold",
        )
    now = timezone.now()
    auto_at = now + timedelta(days=order.store.auto_receive_days)
    with transaction.atomic():
        _move_or_refuse(
            order,
            S.SHIPPED,
            allowed=(S.PAID,),
            refusal=REFUSE_SHIP,
            actor=user,
            note=f"{carrier} {tracking_number}",
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=now,
            auto_receive_at=auto_at,
        )
        _schedule("auto_receive_order", order.pk, auto_at)
    return order


def confirm_receipt(user: User, order_id: str) -> Order:
    """The buyer confirms receipt; the after-sales window starts."""
    order = access_order(user, order_id, need="buyer")
    with transaction.atomic():
        _receive(order, received_at=timezone.now(), actor=user, note=NOTE_RECEIVED, refuse=True)
    return order


def _receive(
    order: Order, *, received_at: datetime, actor: User | None, note: str, refuse: bool
) -> bool:
    complete_at = received_at + timedelta(days=order.store.after_sales_days)
    fields = {"received_at": received_at, "complete_at": complete_at}
    if refuse:
        _move_or_refuse(
            order,
            S.RECEIVED,
            allowed=(S.SHIPPED,),
            refusal=REFUSE_RECEIVE,
            actor=actor,
            note=note,
            **fields,
        )
    elif not _move(order, S.RECEIVED, actor=actor, note=note, **fields):
        return False
    _schedule("complete_order", order.pk, complete_at)
    return True


# --- After-sales ---------------------------------------------------------------------------


def request_after_sale(
    user: User,
    order_id: str,
    *,
    kind: str,
    amount: int,
    reason: str,
    return_tracking_number: str = "",
) -> AfterSale:
    """The buyer asks for a refund (before or after shipping) or a return and refund (after
    shipping) of at most what is left to refund; the order waits in after-sales."""
    order = access_order(user, order_id, need="buyer")
    if order.status not in AFTER_SALES_FROM:
        raise transition_refused(REFUSE_AFTER_SALES, order)
    if kind not in AfterSaleKind.values:
        raise InvalidInput(_("Choose refund only or return and refund."), field="kind")
    if kind == AfterSaleKind.RETURN_REFUND and order.status == S.PAID:
        raise Conflict(
            _("The order has not shipped yet: ask for a refund only."), code="not_shipped"
        )
    remaining = order.total - order.refunded_amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= remaining:
        raise InvalidInput(
            _("The refund amount must be more than ¥0 and at most %(max)s.")
            % {"max": format_fen(remaining)},
            code="invalid_amount",
            field="amount",
        )
    reason = _clean_text(reason, MAX_REASON, field="reason", required=True)
    tracking = _clean_text(return_tracking_number, 60, field="return_tracking_number")
    with transaction.atomic():
        previous = order.status
        _move_or_refuse(
            order,
            S.AFTER_SALES,
            allowed=AFTER_SALES_FROM,
            refusal=REFUSE_AFTER_SALES,
            actor=user,
            note=reason,
            status_before_after_sales=previous,
        )
        return AfterSale.objects.create(
            order=order, kind=kind, amount=amount, reason=reason, return_tracking_number=tracking
        )


def _after_sale_of(order: Order, after_sale_id: str) -> AfterSale:
    found = None
    if is_public_id(after_sale_id):
        found = AfterSale.objects.filter(pk=after_sale_id, order=order).first()
    if found is None:
        raise NotFound(_("After-sales request not found."), code="after_sale_not_found")
    return found


def _decide(after_sale: AfterSale, to: str, user: User, reply: str = "") -> None:
    """Close a waiting request; Conflict if it was decided (or withdrawn) meanwhile."""
    won = AfterSale.objects.filter(pk=after_sale.pk, status=AfterSaleStatus.REQUESTED).update(
        status=to,
        merchant_reply=reply,
        decided_at=timezone.now(),
        decided_by=user,
        updated_at=timezone.now(),
    )
    if won != 1:
        raise Conflict(_("This after-sales request was already decided."), code="already_decided")
    after_sale.status = to
    after_sale.merchant_reply = reply


def _leave_after_sales(order: Order, *, actor: User | None, note: str, refunded: bool) -> None:
    """Order out of after-sales: to `refunded` when fully refunded, else back where it was."""
    if refunded:
        _move_or_refuse(
            order,
            S.REFUNDED,
            allowed=(S.AFTER_SALES,),
            refusal=REFUSE_DECIDE,
            actor=actor,
            note=note,
            status_before_after_sales="",
        )
        if order.shipped_at is None:
            _return_stock(order)
        return
    back = order.status_before_after_sales or S.PAID
    _move_or_refuse(
        order,
        back,
        allowed=(S.AFTER_SALES,),
        refusal=REFUSE_DECIDE,
        actor=actor,
        note=note,
        status_before_after_sales="",
    )
    # A timer that fired during after-sales found nothing to do: schedule it again.
    if back == S.SHIPPED and order.auto_receive_at:
        _schedule("auto_receive_order", order.pk, order.auto_receive_at)
    elif back == S.RECEIVED and order.complete_at:
        _schedule("complete_order", order.pk, order.complete_at)


def withdraw_after_sale(user: User, order_id: str, after_sale_id: str) -> AfterSale:
    """The buyer withdraws a request the merchant has not decided yet."""
    order = access_order(user, order_id, need="buyer")
    after_sale = _after_sale_of(order, after_sale_id)
    with transaction.atomic():
        won = AfterSale.objects.filter(pk=after_sale.pk, status=AfterSaleStatus.REQUESTED).update(
            status=AfterSaleStatus.WITHDRAWN, updated_at=timezone.now()
        )
        if won != 1:
            raise Conflict(
                _("This after-sales request was already decided."), code="already_decided"
            )
        after_sale.status = AfterSaleStatus.WITHDRAWN
        _leave_after_sales(order, actor=user, note=NOTE_WITHDRAWN, refunded=False)
    return after_sale


def reject_after_sale(user: User, order_id: str, after_sale_id: str, reason: str) -> AfterSale:
    """The merchant rejects a request with a reason; the order returns to where it was."""
    order = access_order(user, order_id, need="store")
    after_sale = _after_sale_of(order, after_sale_id)
    reason = _clean_text(reason, MAX_REASON, field="reason", required=True)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.REJECTED, user, reason)
        _leave_after_sales(order, actor=user, note=reason, refunded=False)
    return after_sale


def approve_after_sale(user: User, order_id: str, after_sale_id: str) -> AfterSale:
    """The merchant approves; the refund is asked of the payment provider (outside our
    transaction) and completes when payments tells orders (`on_refund_succeeded`)."""
    order = access_order(user, order_id, need="store")
    after_sale = _after_sale_of(order, after_sale_id)
    if order.status != S.AFTER_SALES:
        raise transition_refused(REFUSE_DECIDE, order)
    with transaction.atomic():
        _decide(after_sale, AfterSaleStatus.APPROVED, user)
        _event(order, S.AFTER_SALES, S.AFTER_SALES, user, NOTE_APPROVED)
    from quanzi.orders.paying import refund_order

    try:
        refund_order(
            order, after_sale.amount, reason=after_sale.reason, after_sale_id=after_sale.pk
        )
    except BaseException:
        on_refund_failed(order.pk, after_sale.pk)
        raise
    after_sale.refresh_from_db()
    return after_sale


# --- Payment hooks (called when payments tells orders: paying.OrderPayments) ---------------


def on_payment_captured(order_id: str, payment_id: str) -> bool:
    """Mark the order paid by `payment_id`. True when it is (also when it already was, by this
    payment); False when it can no longer be paid, and payments then refunds the capture."""
    with transaction.atomic():
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            return False
        if order.status != S.PENDING_PAYMENT:
            return order.payment_id == payment_id
        paid = _move(
            order,
            S.PAID,
            actor=None,
            note=NOTE_PAID,
            paid_at=timezone.now(),
            payment_id=payment_id,
        )
        if not paid:  # a concurrent transition (cancel, another capture) won
            order.refresh_from_db(fields=["payment_id"])
            return order.payment_id == payment_id
        _count_sales(order)
        # Social feed (issue 4): friends' purchases, once the payment is committed.
        send_on_commit(order_paid, Order, order_id=order.pk, buyer_id=order.buyer_id)
    return True


def _count_sales(order: Order) -> None:
    from quanzi.catalog.services import record_sale

    sold: dict[str, int] = defaultdict(int)
    for product_id, quantity in OrderItem.objects.filter(order_id=order.pk).values_list(
        "product_id", "quantity"
    ):
        sold[product_id] += quantity
    for product_id in sorted(sold):
        record_sale(product_id, sold[product_id])


def on_refund_succeeded(
    order_id: str, amount: int, after_sale_id: str | None, *, payment_id: str | None = None
) -> None:
    """Record a completed refund of `amount` fen (called once per refund by payments).

    `payment_id` names the payment the money is given back from: a refund changes the order only
    when that is the payment the order was paid with (any other is logged and ignored)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("store")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            logger.error("refund of %s fen for unknown order %s", amount, order_id)
            return
        if payment_id is not None and order.payment_id != payment_id:
            logger.error(
                "refund of %s fen from payment %s ignored: order %s was paid by %r",
                amount,
                payment_id,
                order_id,
                order.payment_id,
            )
            return
        before = order.refunded_amount
        _add_refunded(order, amount)
        # Distribution (issue 4): reverse commissions once the refund is committed.
        if order.refunded_amount > before:
            _send_refunded(order.pk, order.refunded_amount - before, order.refunded_amount)
        if after_sale_id:
            AfterSale.objects.filter(
                pk=after_sale_id,
                order=order,
                status__in=[AfterSaleStatus.APPROVED, AfterSaleStatus.REQUESTED],
            ).update(status=AfterSaleStatus.REFUNDED, updated_at=timezone.now())
        fully = order.refunded_amount >= order.total
        note = NOTE_REFUNDED if fully else NOTE_PARTLY_REFUNDED
        if order.status == S.AFTER_SALES:
            if not AfterSale.objects.filter(
                order=order,
                status__in=[AfterSaleStatus.APPROVED, AfterSaleStatus.REQUESTED],
            ).exists():
                _leave_after_sales(order, actor=None, note=note, refunded=fully)
        elif fully and order.status in (S.PAID, S.SHIPPED, S.RECEIVED):
            _move(order, S.REFUNDED, actor=None, note=note)
            if order.shipped_at is None:
                _return_stock(order)
        else:
            _event(order, order.status, order.status, None, note)


def on_late_payment_returned(order_id: str) -> None:
    """A payment the order refused (it came after the order was cancelled, or after another
    payment had paid it) was refunded to the buyer: noted on the order, which keeps its state
    and its money."""
    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        _event(order, order.status, order.status, None, NOTE_LATE_REFUND)


def _send_refunded(order_id: str, amount: int, refunded_total: int) -> None:
    """Sent inside the refund's transaction (not on commit): what money follows a refund, such
    as a commission reversal, is booked atomically with the refund itself. Receivers work in a
    savepoint of their own and never raise."""
    order_refunded.send(Order, order_id=order_id, amount=amount, refunded_total=refunded_total)


def _add_refunded(order: Order, amount: int) -> None:
    """Add to refunded_amount with a conditional update that never passes the total."""
    remaining = order.total - order.refunded_amount
    if amount > remaining:
        logger.error(
            "refund of %s fen on order %s exceeds the %s fen left; capped",
            amount,
            order.pk,
            remaining,
        )
        amount = remaining
    if amount <= 0:
        return
    won = Order.objects.filter(pk=order.pk, refunded_amount__lte=F("total") - amount).update(
        refunded_amount=F("refunded_amount") + amount, updated_at=timezone.now()
    )
    if won != 1:
        raise Conflict(_("The refund exceeds what is left to refund."), code="over_refund")
    order.refunded_amount += amount


def on_refund_failed(order_id: str, after_sale_id: str | None) -> None:
    """The provider refused an approved refund: the request waits for the merchant again, who
    may approve it once more (a new refund) or reject it."""
    if not after_sale_id:
        return
    with transaction.atomic():
        reopened = AfterSale.objects.filter(
            pk=after_sale_id, order_id=order_id, status=AfterSaleStatus.APPROVED
        ).update(status=AfterSaleStatus.REQUESTED, decided_at=None, decided_by=None)
        order = Order.objects.filter(pk=order_id).first()
        if reopened and order is not None:
            _event(order, order.status, order.status, None, NOTE_REFUND_FAILED)


# --- Timers --------------------------------------------------------------------------------


def _schedule(task_name: str, order_id: str, when: datetime) -> None:
    """Enqueue an order timer task to run at `when` after commit (reads and
    `run_order_timers` apply overdue timers whatever happens to it)."""
    from quanzi.orders import tasks

    enqueue_on_commit(getattr(tasks, task_name), when, order_id)


def expire_unpaid_order(order_id: str) -> bool:
    """Cancel the order if it is still unpaid after its pay deadline; stock returns once."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.filter(
            pk=order_id, status=S.PENDING_PAYMENT, pay_deadline__lte=now
        ).first()
        if order is None or not _move(
            order, S.CANCELLED, actor=None, note=NOTE_NOT_PAID, cancelled_at=now
        ):
            return False
        _release_cancelled(order)
    return True


def auto_receive_order(order_id: str) -> bool:
    """Confirm receipt of a shipped order whose auto-receive time has passed. The receipt is
    dated at that time, so the after-sales window runs from when it should have started."""
    with transaction.atomic():
        order = (
            Order.objects.select_related("store")
            .filter(pk=order_id, status=S.SHIPPED, auto_receive_at__lte=timezone.now())
            .first()
        )
        if order is None or order.auto_receive_at is None:
            return False
        return _receive(
            order,
            received_at=order.auto_receive_at,
            actor=None,
            note=NOTE_AUTO_RECEIVED,
            refuse=False,
        )


def complete_order(order_id: str) -> bool:
    """Complete a received order whose after-sales window closed, and settle it to the store."""
    now = timezone.now()
    with transaction.atomic():
        order = (
            Order.objects.select_related("store")
            .filter(pk=order_id, status=S.RECEIVED, complete_at__lte=now)
            .first()
        )
        if order is None or not _move(
            order, S.COMPLETED, actor=None, note=NOTE_COMPLETED, completed_at=now
        ):
            return False
        settle_order(order)
        # Distribution (issue 4): release frozen commissions once the completion is committed.
        send_on_commit(order_completed, Order, order_id=order.pk)
    return True


def is_overdue(order: Order, now: datetime | None = None) -> bool:
    """Whether a timer of `order` should have fired (no query)."""
    now = now or timezone.now()
    return (
        (order.status == S.PENDING_PAYMENT and order.pay_deadline <= now)
        or (
            order.status == S.SHIPPED
            and order.auto_receive_at is not None
            and order.auto_receive_at <= now
        )
        or (
            order.status == S.RECEIVED
            and order.complete_at is not None
            and order.complete_at <= now
        )
    )


def apply_due_timers(order_id: str) -> None:
    """Run every timer that is due, in order (shipped → received → completed may chain)."""
    expire_unpaid_order(order_id)
    auto_receive_order(order_id)
    complete_order(order_id)


def refresh_order(order: Order) -> Order:
    """Apply overdue timers to an order being read (rule 5); no query when none is due."""
    if is_overdue(order):
        apply_due_timers(order.pk)
        order.refresh_from_db(fields=STATE_FIELDS)
    return order


def refresh_orders(orders: Iterable[Order]) -> None:
    now = timezone.now()
    for order in orders:
        if is_overdue(order, now):
            refresh_order(order)
