"""The cart: one line per SKU per user. The cart never takes stock; checkout does."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import ProductImage, Sku
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.coupons.checkout import StoreGoods
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import CartItem
from quanzi.orders.services.checkout import sellable_skus
from quanzi.orders.services.inputs import MAX_QUANTITY, clean_quantity, clean_sku_id
from quanzi.stores.models import Store
from quanzi.tracking.models import EventKind
from quanzi.tracking.recorder import record

MAX_CART_LINES = 100


@dataclass
class CartLine:
    sku: Sku
    quantity: int
    available: bool  # on sale: active SKU of an on-shelf product of an open store

    @property
    def line_total(self) -> int:
        return self.sku.price * self.quantity

    @property
    def enough_stock(self) -> bool:
        return self.sku.stock >= self.quantity

    @property
    def image_url(self) -> str:
        images = list(self.sku.product.images.all())
        return images[0].thumbnail.url if images else ""


@dataclass
class StoreCart:
    """The lines of one store; it becomes one order at checkout."""

    store: Store
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines if line.available)

    @property
    def shipping_fee(self) -> int:
        return self.store.shipping_for(self.subtotal) if self.subtotal else 0

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee

    def goods(self) -> StoreGoods:
        """The lines on sale with their amounts, as checkout and coupons see them."""
        lines = [(line.sku, line.quantity) for line in self.lines if line.available]
        return StoreGoods(self.store, lines, self.subtotal, self.shipping_fee)


@dataclass
class Cart:
    stores: list[StoreCart]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.stores)

    @property
    def count(self) -> int:
        return sum(line.quantity for group in self.stores for line in group.lines)

    def checkout_lines(self) -> list[tuple[str, int]]:
        """The lines that can be bought now, as [(sku_id, quantity)]."""
        return [
            (line.sku.pk, line.quantity)
            for group in self.stores
            for line in group.lines
            if line.available
        ]


def cart_for(user: User) -> Cart:
    """The user's cart grouped by store, in a constant number of queries."""
    items = (
        CartItem.objects.filter(user=user)
        .select_related("sku__product__store")
        .prefetch_related(
            Prefetch("sku__product__images", queryset=ProductImage.objects.order_by("position"))
        )
        .order_by("sku__product__store_id", "-added_at")
    )
    groups: dict[str, StoreCart] = {}
    for item in items:
        sku = item.sku
        store = sku.product.store
        group = groups.setdefault(store.pk, StoreCart(store=store))
        available = sku.is_active and sku.product.on_shelf and store.is_active
        group.lines.append(CartLine(sku=sku, quantity=item.quantity, available=available))
    return Cart(stores=list(groups.values()))


def add_to_cart(user: User, sku_id: str, quantity: int | str = 1) -> int:
    """Add `quantity` of a SKU on sale, merging with its line; returns the line's quantity."""
    quantity = clean_quantity(quantity)
    sku = next(iter(sellable_skus([clean_sku_id(sku_id)]).values()))
    line = _add_line(user, sku, quantity)
    record(
        EventKind.ADD_TO_CART,
        store_id=sku.product.store_id,
        user_id=user.pk,
        ref=sku.product_id,
        amount=sku.price * quantity,
    )
    return line


def _add_line(user: User, sku: Sku, quantity: int) -> int:
    for _attempt in range(2):  # a concurrent first add may win the unique line: merge then
        with transaction.atomic():
            merged = CartItem.objects.filter(
                user=user, sku=sku, quantity__lte=MAX_QUANTITY - quantity
            ).update(quantity=F("quantity") + quantity)
            if merged:
                return CartItem.objects.get(user=user, sku=sku).quantity
            if CartItem.objects.filter(user=user, sku=sku).exists():
                raise InvalidInput(
                    _("At most %(n)d of one item in the cart.") % {"n": MAX_QUANTITY},
                    code=OrderCode.INVALID_QUANTITY,
                )
            if CartItem.objects.filter(user=user).count() >= MAX_CART_LINES:
                raise InvalidInput(
                    _("The cart holds at most %(n)d items.") % {"n": MAX_CART_LINES},
                    code=OrderCode.CART_FULL,
                )
            try:
                with transaction.atomic():
                    CartItem.objects.create(user=user, sku=sku, quantity=quantity)
                return quantity
            except IntegrityError:
                continue
    raise InvalidInput(_("Please try again."))


def set_cart_quantity(user: User, sku_id: str, quantity: int | str) -> None:
    """Change a line's quantity (1..99)."""
    quantity = clean_quantity(quantity)
    if not CartItem.objects.filter(user=user, sku_id=clean_sku_id(sku_id)).update(
        quantity=quantity
    ):
        raise NotFound(_("This item is not in your cart."), code=OrderCode.NOT_IN_CART)


def remove_from_cart(user: User, sku_id: str) -> None:
    deleted, _rows = CartItem.objects.filter(user=user, sku_id=clean_sku_id(sku_id)).delete()
    if not deleted:
        raise NotFound(_("This item is not in your cart."), code=OrderCode.NOT_IN_CART)
