"""Coupons at checkout: the coupons a buyer can use on a store's goods, the one chosen for an
order, using it in the order's own transaction and giving it back when the unpaid order is
cancelled. The orders app calls these; the maths is in `quanzi.coupons.discounts`.

Rules (docs/coupons.md): at most one coupon per order (orders are per store, so one per store
in a checkout); the discount is taken from the goods subtotal, never shipping, and leaves at
least 1 fen to pay; the minimum spend is checked against the goods the coupon covers. Goods at
a campaign price count only where the store allows coupons on campaign prices, so a campaign
order (`campaign_coupon`) takes a coupon only in such a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.money import format_fen
from quanzi.coupons.coupons import coupon_allowed_on_campaign_price
from quanzi.coupons.discounts import (
    CouponLine,
    covered_amount,
    discount_for,
    missing_spend,
    payable_discount,
)
from quanzi.coupons.errors import CouponCode
from quanzi.coupons.models import HELD, UserCoupon, UserCouponStatus
from quanzi.stores.models import Store


@dataclass(frozen=True)
class StoreGoods:
    """One store's part of a checkout: its lines [(sku, quantity)] and amounts in fen;
    `campaign_prices` {sku id: unit price} for the lines sold at a campaign's price."""

    store: Store
    lines: list[tuple[Sku, int]]
    subtotal: int
    shipping: int
    campaign_prices: Mapping[str, int] = field(default_factory=dict)


def coupon_lines(goods: StoreGoods) -> list[CouponLine]:
    """The checkout lines as the coupon maths sees them: at the campaign's price and marked
    so where the goods are sold at one, at the normal price otherwise."""
    lines = []
    for sku, quantity in goods.lines:
        price = goods.campaign_prices.get(sku.pk)
        if price is None:
            lines.append(CouponLine(amount=sku.price * quantity))
        else:
            lines.append(CouponLine(amount=price * quantity, campaign_price=True))
    return lines


def _base(goods: StoreGoods) -> int:
    """The goods the store's coupons cover (campaign-priced lines per the store's setting; the
    setting is read only when such a line is there)."""
    lines = coupon_lines(goods)
    covered = not any(line.campaign_price for line in lines) or coupon_allowed_on_campaign_price(
        goods.store
    )
    return covered_amount(lines, campaign_prices_covered=covered)


@dataclass(frozen=True)
class Option:
    """A held coupon against one store's goods: the discount it gives (0: not usable) and
    how much more to spend to reach its minimum."""

    copy: UserCoupon
    discount: int
    missing: int

    @property
    def usable(self) -> bool:
        return self.discount > 0


@dataclass
class StoreOptions:
    usable: list[Option] = field(default_factory=list)
    unusable: list[Option] = field(default_factory=list)

    @property
    def best(self) -> Option | None:
        return self.usable[0] if self.usable else None


def _option(copy: UserCoupon, goods: StoreGoods, base: int) -> Option:
    discount = payable_discount(
        discount_for(copy.coupon, base), subtotal=goods.subtotal, shipping=goods.shipping
    )
    return Option(copy=copy, discount=discount, missing=missing_spend(copy.coupon, base))


def _held_now(user: User, now: datetime) -> Q:
    return Q(user=user, status__in=HELD, valid_from__lte=now, expires_at__gt=now)


def held_count(user: User, now: datetime | None = None) -> int:
    """How many coupons the person holds that are valid now (one COUNT)."""
    return UserCoupon.objects.filter(_held_now(user, now or timezone.now())).count()


def coupon_options(user: User, baskets: list[StoreGoods]) -> dict[str, StoreOptions]:
    """{store id: the buyer's coupons of that store valid now, usable ones best first (largest
    discount, then soonest to expire), the others with what they lack}: one query."""
    now = timezone.now()
    by_store: dict[str, StoreOptions] = {goods.store.pk: StoreOptions() for goods in baskets}
    if not baskets:
        return by_store
    copies = (
        UserCoupon.objects.filter(_held_now(user, now), store_id__in=list(by_store))
        .select_related("coupon", "store")
        .order_by("expires_at", "pk")
    )
    bases = {goods.store.pk: (goods, _base(goods)) for goods in baskets}
    for copy in copies:
        goods, base = bases[copy.store_id]
        option = _option(copy, goods, base)
        group = by_store[copy.store_id]
        (group.usable if option.usable else group.unusable).append(option)
    for group in by_store.values():
        group.usable.sort(key=lambda o: -o.discount)  # stable: soonest to expire first on ties
    return by_store


@dataclass(frozen=True)
class Picker:
    """One store's coupons as the checkout page shows them, with the one chosen."""

    goods: StoreGoods
    options: StoreOptions
    chosen: str  # a user coupon id; "" for none

    @property
    def discount(self) -> int:
        return next((o.discount for o in self.options.usable if o.copy.pk == self.chosen), 0)

    @property
    def total(self) -> int:
        return self.goods.subtotal + self.goods.shipping - self.discount


def coupon_pickers(
    user: User, baskets: list[StoreGoods], posted: dict[str, str] | None
) -> dict[str, Picker]:
    """{store id: Picker}: on a first view the best coupon of each store is chosen; a form
    shown again keeps what was `posted` ({store id: id}, "" for none)."""
    options = coupon_options(user, baskets)
    pickers = {}
    for goods in baskets:
        found = options[goods.store.pk]
        if posted is None:
            chosen = found.best.copy.pk if found.best else ""
        else:
            chosen = posted.get(goods.store.pk, "")
        pickers[goods.store.pk] = Picker(goods, found, chosen)
    return pickers


@dataclass(frozen=True)
class AppliedCoupon:
    """The coupon chosen for an order and the discount it gives."""

    copy: UserCoupon
    discount: int


def clean_choices(choices: object, store_ids: Iterable[str]) -> dict[str, str]:
    """{store id: user coupon id} of a checkout: at most one coupon per store's order, for
    stores of this checkout only; an empty id means no coupon."""
    if choices is None:
        return {}
    if not isinstance(choices, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in choices.items()
    ):
        raise InvalidInput(_("Choose at most one coupon per store."), field="coupons")
    stores = set(store_ids)
    chosen = {store_id: copy_id for store_id, copy_id in choices.items() if copy_id}
    if set(chosen) - stores:
        raise InvalidInput(
            _("A coupon was chosen for a store that is not in this checkout."),
            field="coupons",
            code=CouponCode.COUPON_WRONG_STORE,
        )
    return chosen


def apply_coupon(user: User, goods: StoreGoods, copy_id: str) -> AppliedCoupon:
    """Check that the buyer may use this coupon on these goods now and price it (no write).

    404 for an id that is not one of the buyer's coupons (forged or someone else's); 400 for a
    coupon of another store; 409 when it is used, expired, not yet valid, below its minimum
    spend or gives nothing on these goods."""
    copy = (
        UserCoupon.objects.select_related("coupon").filter(pk=copy_id, user=user).first()
        if is_public_id(copy_id)
        else None
    )
    if copy is None:
        raise NotFound(_("Coupon not found."), code=CouponCode.COUPON_NOT_FOUND)
    if copy.store_id != goods.store.pk:
        raise InvalidInput(
            _("This coupon is for another store."),
            field="coupons",
            code=CouponCode.COUPON_WRONG_STORE,
        )
    now = timezone.now()
    if copy.status == UserCouponStatus.USED:
        raise Conflict(_("This coupon was already used."), code=CouponCode.COUPON_USED)
    if copy.expires_at <= now:
        raise Conflict(_("This coupon has expired."), code=CouponCode.COUPON_EXPIRED)
    if copy.valid_from > now:
        raise Conflict(_("This coupon cannot be used yet."), code=CouponCode.COUPON_NOT_YET_VALID)
    base = _base(goods)
    option = _option(copy, goods, base)
    if option.missing:
        raise Conflict(
            _("Spend %(amount)s more to use this coupon.") % {"amount": format_fen(option.missing)},
            code=CouponCode.COUPON_MIN_SPEND,
        )
    if not option.usable:
        raise Conflict(
            _("This coupon does not apply to these items."), code=CouponCode.COUPON_NOT_APPLICABLE
        )
    return AppliedCoupon(copy=copy, discount=option.discount)


def campaign_coupon(
    user: User, goods: StoreGoods, copy_id: str = "", *, best: bool = True
) -> AppliedCoupon | None:
    """The coupon for a campaign order's goods (priced at the campaign's price), checked and
    priced, no write: none unless the store allows coupons on campaign prices; then the one
    chosen (`copy_id`, refused as `apply_coupon` refuses) or, with `best`, the best usable one
    of the buyer's coupons of the store, or none."""
    if not coupon_allowed_on_campaign_price(goods.store):
        if copy_id:
            raise Conflict(
                _("This store does not take coupons on campaign prices."),
                code=CouponCode.COUPON_NOT_ON_CAMPAIGN_PRICE,
            )
        return None
    if copy_id:
        return apply_coupon(user, goods, copy_id)
    if not best:
        return None
    found = coupon_options(user, [goods])[goods.store.pk].best
    return AppliedCoupon(copy=found.copy, discount=found.discount) if found else None


def use_coupon(applied: AppliedCoupon, order_id: str) -> None:
    """Mark the coupon used on the order, inside the transaction that creates the order: a
    conditional update on its status, so of two concurrent checkouts with one coupon only one
    gets it; the other is refused with 409 and its whole transaction is undone."""
    now = timezone.now()
    won = UserCoupon.objects.filter(
        pk=applied.copy.pk, status__in=HELD, valid_from__lte=now, expires_at__gt=now
    ).update(status=UserCouponStatus.USED, order_id=order_id, used_at=now, updated_at=now)
    if won != 1:
        raise Conflict(
            _("This coupon was just used on another order."), code=CouponCode.COUPON_USED
        )


def return_coupon(order_id: str, copy_id: str | None) -> bool:
    """Give back the coupon of an unpaid order being cancelled (by the buyer or the timer), in
    the cancel's transaction; once. A coupon whose validity has ended comes back expired and
    cannot be used again."""
    if not copy_id:
        return False
    returned = UserCoupon.objects.filter(
        pk=copy_id, order_id=order_id, status=UserCouponStatus.USED
    ).update(status=UserCouponStatus.RETURNED, order=None, used_at=None, updated_at=timezone.now())
    return bool(returned)
