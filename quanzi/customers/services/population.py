"""Who is a customer of a store, and what the customers pages read of them.

A customer of a store is anyone with a paid order there (paid at some time, not cancelled —
a fully refunded order still made them a customer) or an active membership in one of the
store's circles, except the store's own owner and staff. A member who chose not to be
profiled (`needs.ProfilingPreference.profiled` False) is never listed, tagged by a rule,
scored or put in a segment."""

from __future__ import annotations

from django.db.models import F, Max, Q, QuerySet

from quanzi.accounts.models import User
from quanzi.circles.models import Membership, MemberState
from quanzi.customers.models import CustomerRfm, CustomerTag
from quanzi.needs.models import ProfilingPreference
from quanzi.orders.models import Order, OrderStatus
from quanzi.stores.models import Store, StoreStaff


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
    staff = StoreStaff.objects.filter(store=store).values("user_id")
    qs = User.objects.filter(Q(pk__in=buyers) | Q(pk__in=members)).exclude(pk__in=staff)
    if not include_opted_out:
        qs = qs.exclude(pk__in=opted_out().values("user_id"))
    return qs


def is_customer(store: Store, user_id: int) -> bool:
    if StoreStaff.objects.filter(store=store, user_id=user_id).exists():
        return False
    return (
        paid_orders(store).filter(buyer_id=user_id).exists()
        or Membership.objects.filter(
            circle__store=store, state=MemberState.ACTIVE, user_id=user_id
        ).exists()
    )


def display_name(user: User) -> str:
    return user.nickname or user.get_full_name() or user.username


def search(store: Store, *, q: str = "", tag_id: str = "", segment: str = "") -> QuerySet[User]:
    """The list page's customers: search by nickname, name or phone (digits: the start or the
    end of the number), filter by tag and RFM segment; most recent buyers first. Unknown tag
    or segment filters simply match nobody."""
    qs = customers(store)
    q = q.strip()[:40]
    if q:
        match = (
            Q(nickname__icontains=q)
            | Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
        )
        if q.isdigit():
            match |= Q(phone__startswith=q) | Q(phone__endswith=q)
        qs = qs.filter(match)
    if tag_id:
        qs = qs.filter(
            pk__in=CustomerTag.objects.filter(store=store, tag_id=tag_id).values("user_id")
        )
    if segment:
        qs = qs.filter(
            pk__in=CustomerRfm.objects.filter(store=store, segment=segment).values("user_id")
        )
    last_paid = Max("orders__paid_at", filter=Q(orders__store=store))
    return qs.annotate(last_paid=last_paid).order_by(F("last_paid").desc(nulls_last=True), "pk")
