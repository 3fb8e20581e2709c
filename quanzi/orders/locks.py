"""Every row lock orders takes (`SELECT … FOR NO KEY UPDATE`), and the order they are taken in.

Each lock is `of=("self",)` (only the order row, never a joined one) and `no_key=True`: a
transaction here never changes an order's primary key, the only column other tables' foreign
keys point to, so inserting an order event, an after-sales request, a payment part, a
commission or a review of a locked order (a `FOR KEY SHARE` on it) never waits for the lock.
Domains above orders lock orders only through these functions (referrals does).

Lock order (docs/payments.md, "Lock order", has the payments side in detail). Every flow takes
its locks in this order, so two flows never wait for each other in a cycle:

- checkout: SKU stock in SKU order (catalog's conditional updates) → the coupon (coupons) → the
  new orders and their items;
- flows that start in orders (paying, paying from the wallet, cancelling, the transitions):
  order rows — several in primary-key order (`lock_buyer_orders`), or the flow's one order
  (`lock_order`, or the conditional update of a transition, which holds the row as long) →
  payments rows (open payments of these orders, the new payment and its parts; `void_payments`
  of a cancellation) → ledger accounts, in code order (`post_transaction`);
- flows that start at the provider (payments' webhooks, the wallet's capture): the webhook event
  and the payment or refund row (payments) → order rows (`payment_events` marking them paid;
  `postings.record_refund` and `on_refund_succeeded` locking the refunded order) → ledger
  accounts (the capture or refund posting, then, inside the same transaction, referrals'
  commission reversal on `order_refunded`) → payment parts' outcomes and new refunds;
- completion: the order row → ledger accounts (`postings.settle_order`); after the commit,
  referrals releases the order's commissions (order row → commissions → ledger accounts);
- an after-sales thread: a message locks the request's row alone (`lock_after_sale`) and adds
  its line and photos under it; a step of the request (decided, withdrawn, refunded, a return
  tracking number) holds the same row through its conditional update while it adds its system
  line, so the lines of a thread are numbered one after the other and no message is added to a
  request that a concurrent step just closed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from quanzi.accounts.models import User
from quanzi.orders.models import AfterSale, Order


def _locked() -> QuerySet[Order]:
    return Order.objects.select_for_update(of=("self",), no_key=True)


def lock_order(order_id: str) -> Order | None:
    """The order, locked; None when there is none."""
    return _locked().filter(pk=order_id).first()


def lock_existing_order(order_id: str) -> Order:
    """The order, locked, for a flow where it must exist (Order.DoesNotExist otherwise)."""
    return _locked().get(pk=order_id)


def lock_buyer_orders(buyer: User, order_ids: Collection[str]) -> list[Order]:
    """The buyer's orders among `order_ids`, locked in primary-key order (two payments of
    overlapping orders never deadlock); an id that is not the buyer's is simply missing."""
    return list(_locked().filter(pk__in=list(order_ids), buyer=buyer).order_by("pk"))


def lock_after_sale(after_sale_id: str, order: Order) -> AfterSale | None:
    """The order's after-sales request, locked; None when there is none."""
    return (
        AfterSale.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=after_sale_id, order=order)
        .first()
    )
