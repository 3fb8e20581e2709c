"""Who may see and act on an order: the buyer, the staff of its store, or either."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import NotAuthenticated, NotFound
from quanzi.core.ids import is_public_id
from quanzi.orders.errors import OrderCode
from quanzi.orders.models import Order
from quanzi.orders.services.timers import refresh_order
from quanzi.stores.services import role_in

Need = Literal["buyer", "store", "any"]


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
        raise NotFound(_("Order not found."), code=OrderCode.ORDER_NOT_FOUND)
    return refresh_order(order)


def _may_access(user: User, order: Order, need: Need) -> bool:
    if need in ("buyer", "any") and order.buyer_id == user.pk:
        return True
    return need in ("store", "any") and role_in(user, order.store) is not None
