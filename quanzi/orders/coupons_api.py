"""The coupons a buyer can use on their cart or on some lines: `GET my-coupons/options`,
mounted with the coupons API at /api/v1/campaigns (the path and the answer it always had). It
lives in orders because it reads the cart and prices the lines as a checkout would; coupons
(below orders) price the options and shape the answer (`quanzi.coupons.api.options_out`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.errors import InvalidInput
from quanzi.coupons import checkout
from quanzi.coupons.api import StoreOptionsOut, options_out
from quanzi.orders.services.cart import cart_for
from quanzi.orders.services.checkout import checkout_goods

router = Router()


def _lines(raw: str) -> list[tuple[str, str]]:
    """`sku:quantity,sku:quantity` → [(sku, quantity)]."""
    pairs = [part.partition(":") for part in raw.split(",") if part.strip()]
    if not pairs or any(not sep for _sku, sep, _n in pairs):
        raise InvalidInput(
            _("Give the lines as sku_id:quantity pairs separated by commas."), field="lines"
        )
    return [(sku.strip(), quantity.strip()) for sku, _sep, quantity in pairs]


@router.get("/my-coupons/options", auth=AUTH, response=list[StoreOptionsOut])
def my_options(request: HttpRequest, lines: str = "") -> list[StoreOptionsOut]:
    """Which of my coupons each store's order can use, best first, for `lines`
    (`sku_id:quantity,…`; omitted: the cart's lines on sale)."""
    user = current_user(request)
    if lines:
        baskets = checkout_goods(_lines(lines))
    else:
        baskets = [group.goods() for group in cart_for(user).stores if group.goods().lines]
    found = checkout.coupon_options(user, baskets)
    return [options_out(goods.store.pk, found[goods.store.pk]) for goods in baskets]
