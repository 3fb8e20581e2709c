"""Who is a customer of a store, and what the customers pages read of them.

A customer of a store is anyone with a paid order there (paid at some time, not cancelled —
a fully refunded order still made them a customer) or an active membership in one of the
store's circles. A member who chose not to be profiled (`needs.ProfilingPreference.profiled`
False) is never listed, tagged by a rule, scored or put in a segment."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from quanzi.accounts.models import User
from quanzi.circles.models import Membership, MemberState
from quanzi.needs.models import ProfilingPreference
from quanzi.orders.models import Order, OrderStatus
from quanzi.stores.models import Store


def paid_orders(store: Store | int | str) -> QuerySet[Order]:
    """The store's orders that were paid (not cancelled); spend is `total − refunded_amount`."""
    store_id = store.pk if isinstance(store, Store) else store
    return Order.objects.filter(store_id=store_id, paid_at__isnull=False).exclude(
        status=OrderStatus.CANCELLED
    )


def counted_orders(store: Store | int | str) -> QuerySet[Order]:
    """Paid orders that count as orders (a fully refunded one does not)."""
    return paid_orders(store).exclude(status=OrderStatus.REFUNDED)


def opted_out() -> QuerySet[ProfilingPreference]:
    return ProfilingPreference.objects.filter(profiled=False)


def is_profiled(user_id: int) -> bool:
    return not opted_out().filter(user_id=user_id).exists()


def customers(store: Store, *, include_opted_out: bool = False) -> QuerySet[User]:
    """Every customer of the store (see the module's docstring), as a queryset of users."""
    buyers = paid_orders(store).values("buyer_id")
    members = Membership.objects.filter(circle__store=store, state=MemberState.ACTIVE).values(
        "user_id"
    )
    qs = User.objects.filter(Q(pk__in=buyers) | Q(pk__in=members))
    if not include_opted_out:
        qs = qs.exclude(pk__in=opted_out().values("user_id"))
    return qs


def is_customer(store: Store, user_id: int) -> bool:
    return (
        paid_orders(store).filter(buyer_id=user_id).exists()
        or Membership.objects.filter(
            circle__store=store, state=MemberState.ACTIVE, user_id=user_id
        ).exists()
    )


def display_name(user: User) -> str:
    return user.nickname or user.get_full_name() or user.username
