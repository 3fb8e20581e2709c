"""Placing orders: a checkout of the cart or of chosen lines (one order per store), a buy-now,
and a campaign's order of one SKU at its price. Stock is taken and coupons are used in the
order's own transaction: on any refusal nothing is written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from quanzi.accounts.models import Address, User
from quanzi.accounts.services import access_address, default_address
from quanzi.catalog.models import ProductImage, Sku
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.coupons import checkout as coupons
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import CartItem, Order, OrderItem, OrderStatus, new_order_number
from quanzi.orders.services.inputs import (
    MAX_NOTE,
    clean_checkout_key,
    clean_lines,
    clean_quantity,
    clean_sku_id,
    clean_text,
)
from quanzi.orders.services.state import record_event, schedule
from quanzi.stores.models import Store

S = OrderStatus
NOTE_PLACED = gettext_noop("Order placed")


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
                code=OrderCode.UNKNOWN_SKU,
                sku_id=sku_id,
            )
        if not is_sellable(sku):
            raise Conflict(
                _("“%(title)s” is no longer on sale.") % {"title": sku.product.title},
                code=CoreCode.UNAVAILABLE,
                sku_id=sku_id,
            )
    return skus


def is_sellable(sku: Sku) -> bool:
    product = sku.product
    return sku.is_active and product.on_shelf and product.store.is_active


def _image_url(sku: Sku) -> str:
    """The ordered variant's photo (its 规格图片, else the product's first photo)."""
    from quanzi.catalog.services import sku_image

    image = sku_image(sku, list(sku.product.images.all()))
    return image.thumbnail.url[:300] if image else ""


def _take_stock(wanted: Mapping[str, int], skus: Mapping[str, Sku]) -> None:
    """Take the stock of every line in primary-key order (no deadlock between two checkouts);
    the first refusal aborts the whole transaction, so nothing of the checkout remains."""
    from quanzi.catalog.services import take_stock

    for sku_id in sorted(wanted):
        if not take_stock(sku_id, wanted[sku_id]):
            title = skus[sku_id].product.title
            raise Conflict(
                _("Not enough stock left for “%(title)s”.") % {"title": title},
                code=OrderCode.OUT_OF_STOCK,
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


def unused_order_number() -> str:
    """A new order's number that no order has yet. Two checkouts drawing the same 8 random
    digits on the same day in the same instant is the one repeat left: the unique index then
    refuses the second, whose checkout fails whole and may simply be sent again."""
    while True:
        number = new_order_number()
        if not Order.objects.filter(number=number).exists():
            return number


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
        number=unused_order_number(),
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
            image_url=_image_url(sku),
        )
        for sku, quantity in goods.lines
    )
    record_event(order, "", S.PENDING_PAYMENT, user, NOTE_PLACED)
    schedule("cancel_unpaid_order", order.pk, order.pay_deadline)
    return order


@dataclass(frozen=True)
class CampaignCheckout:
    """The buyer's checkout choices for a campaign order (the checkout sheet makes them; a
    one-click buy takes the defaults): the address (None: the default one), the coupon (None:
    the best usable one; "": none; else that one of the buyer's coupons), and the sheet's
    checkout key (a resend of the same sheet cannot place a second order: see
    `order_of_checkout`)."""

    address_id: str | None = None
    coupon_id: str | None = None
    checkout_key: str = ""


ONE_CLICK = CampaignCheckout()


def order_of_checkout(user: User, checkout_key: str) -> Order | None:
    """The order a campaign checkout with this key placed already (a resent sheet), if any."""
    if not checkout_key:
        return None
    return Order.objects.filter(buyer=user, checkout_key=checkout_key).first()


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
    checkout: CampaignCheckout = ONE_CLICK,
) -> Order:
    """An order of one SKU at a campaign's price (group buy, bargain, flash sale), to the
    chosen or the default address. Where the store allows coupons on campaign prices it takes
    one of the buyer's coupons of the store, priced on the campaign's goods: the one chosen,
    or (no choice made) the best usable one; elsewhere none, and a chosen one is refused
    (409). A coupon is refused as at checkout and used in this transaction. With a checkout
    key, a concurrent resend of the same sheet is refused by the unique index (the caller
    finds the first order with `order_of_checkout`).

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
    address_id = checkout.address_id
    address = access_address(user, address_id) if address_id else default_address(user)
    if address is None:
        raise InvalidInput(
            _("Add a shipping address first: one-click orders go to your default address."),
            code=OrderCode.NO_DEFAULT_ADDRESS,
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
    chosen = checkout.coupon_id
    applied = coupons.campaign_coupon(user, goods, chosen or "", best=chosen is None)
    key = clean_checkout_key(checkout.checkout_key) if checkout.checkout_key else ""
    with transaction.atomic():
        if take_stock:
            _take_stock({sku.pk: count}, {sku.pk: sku})
        order = _create_order(user, goods, address, "", key, applied, unit_price=unit_price)
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
    wanted = clean_lines(lines)
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
    wanted = clean_lines(lines)
    if not is_public_id(address_id):
        raise NotFound(_("Address not found."))
    address = access_address(user, address_id)
    checkout_key = clean_checkout_key(checkout_key)
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
    return clean_text(raw, MAX_NOTE, field="note")


def buy_now(
    user: User,
    sku_id: str,
    quantity: int | str,
    *,
    address_id: str = "",
    checkout_key: str = "",
    coupon_id: str = "",
    best_coupon: bool = False,
) -> Order:
    """One-click order (一键下单) of one SKU to the address `address_id` (the user's default
    address when none is given), with the coupon `coupon_id` (or, with `best_coupon`, the
    best usable one)."""
    address = default_address(user) if not address_id else None
    if address is not None:
        address_id = address.pk
    elif not address_id:
        raise InvalidInput(
            _("Add a shipping address first: one-click orders go to your default address."),
            code=OrderCode.NO_DEFAULT_ADDRESS,
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
        address_id,
        checkout_key=checkout_key,
        coupon_ids=coupon_ids,
        best_coupons=best_coupon,
    )[0]
