"""The ledger postings of orders: what a payment's capture and refunds move, and the settlement
of a completed order to its store (docs/payments.md, "Postings").

Orders books the money of its payments (purpose "orders") because it knows their orders and
stores; payments only tells it what happened (`paying`). The accounts are payments'
(platform:provider:<name>, platform:unapplied) and the stores' (escrow, available).

Settlement moves what the store earned on a completed order from its escrow to its available
balance: the order's total minus what was refunded, minus what the domains above orders hold out
of the order's escrow — referrals' commissions — each registered as a settlement hold
(`register_settlement_hold`, in its AppConfig.ready).

Locking: the order row is locked before the ledger accounts, so a refund and the settlement of
the same order never interleave.

The kinds of these postings are registered with the ledger (`register_kinds`, in
OrdersConfig.ready): a store's balance page reads "Order paid · Order 2026120204718356".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.models import Entry, Transaction
from quanzi.ledger.services import Line, is_posted, post_transaction
from quanzi.ledger.store_accounts import available_account, escrow_account
from quanzi.orders.locks import lock_existing_order
from quanzi.orders.models import Order
from quanzi.payments.accounts import UNAPPLIED_ACCOUNT, provider_account

KIND_CAPTURE = "capture"
KIND_REFUND = "refund"
KIND_SETTLEMENT = "settlement"

# Fen of an order's escrow that a domain holds out of its settlement, read from the locked order.
SettlementHold = Callable[[Order], int]


def order_title(number: str) -> str:
    """How a history names an order: by its number."""
    return gettext("Order %(number)s") % {"number": number}


def order_numbers(entries: Sequence[Entry]) -> dict[int, str]:
    """The number of the order each entry names ({entry pk: number}), read from the entry's
    `order` where the query loaded it (`select_related("order")`), else in one query."""
    numbers = {
        entry.pk: entry.order.number
        for entry in entries
        if entry.order_id and Entry.order.is_cached(entry) and entry.order is not None
    }
    missing = {e.order_id for e in entries if e.order_id and e.pk not in numbers}
    found = dict(Order.objects.filter(pk__in=missing).values_list("pk", "number"))
    numbers.update({e.pk: found[e.order_id] for e in entries if e.order_id in found})
    return numbers


def order_details(entries: Sequence[Entry]) -> Mapping[int, str]:
    """The detail of entries that name an order (their `order`): the order's number."""
    return {pk: order_title(number) for pk, number in order_numbers(entries).items()}


def register_kinds() -> None:
    register_transaction_kind(KIND_CAPTURE, _("Order paid"), detail=order_details)
    register_transaction_kind(KIND_REFUND, _("Refund"), detail=order_details)
    register_transaction_kind(KIND_SETTLEMENT, _("Settlement"), detail=order_details)


_holds: dict[str, SettlementHold] = {}


def register_settlement_hold(name: str, hold: SettlementHold) -> None:
    """Subtract what `hold` answers from every order's settlement (once per name)."""
    _holds[name] = hold


def record_capture(
    *,
    provider: str,
    payment_id: str,
    parts: Sequence[tuple[str, str, int]],
    unapplied: Sequence[tuple[str, int]] = (),
) -> Transaction:
    """A captured payment: debit the provider account, credit each order's store escrow.

    `parts` are (store id, order id, amount) for each order the payment paid; `unapplied` are
    (order id, amount) for parts an order refused, held in the unapplied account (never in a
    store's escrow) until they are refunded.
    """
    total = sum(amount for _, _, amount in parts) + sum(amount for _, amount in unapplied)
    lines: list[Line] = [(provider_account(provider), total, None)]
    lines += [(escrow_account(store_id), -amount, order_id) for store_id, order_id, amount in parts]
    lines += [(UNAPPLIED_ACCOUNT, -amount, order_id) for order_id, amount in unapplied]
    memo = f"payment {payment_id}"
    return post_transaction(KIND_CAPTURE, payment_id, lines, memo=memo)


def is_settled(order_id: str) -> bool:
    return is_posted(KIND_SETTLEMENT, order_id)


def record_refund(
    *, provider: str, refund_id: str, order_id: str, amount: int, unapplied: bool = False
) -> Transaction:
    """A refund that the provider completed: the reverse of the capture for `amount`.

    Before the order is settled the money comes out of the store's escrow; after settlement it
    comes out of the store's available balance, which may go negative (never silently capped:
    the store owes it back). The refund of a part the order refused (`unapplied`) comes out of
    the unapplied account, where its capture put it. The order row is locked first so
    settlement cannot interleave.
    """
    with transaction.atomic():
        order = lock_existing_order(order_id)
        if unapplied:
            store_code = UNAPPLIED_ACCOUNT
        elif is_settled(order.pk):
            store_code = available_account(order.store_id)
        else:
            store_code = escrow_account(order.store_id)
        return post_transaction(
            KIND_REFUND,
            refund_id,
            [(store_code, amount, order.pk), (provider_account(provider), -amount, None)],
            memo=f"refund {refund_id} of order {order.pk}",
        )


def settle_order(order: Order) -> None:
    """Move what the store earned on a completed order from its escrow to its available balance.

    The amount is the order's total minus what was refunded minus the settlement holds, read
    from the locked order row. Idempotent: an order is settled at most once (reference = the
    order id). Nothing is posted when the whole order was refunded.
    """
    with transaction.atomic():
        locked = lock_existing_order(order.pk)
        held = sum(hold(locked) for hold in _holds.values())
        amount = locked.total - locked.refunded_amount - held
        if amount <= 0 or is_settled(locked.pk):
            return
        post_transaction(
            KIND_SETTLEMENT,
            locked.pk,
            [
                (escrow_account(locked.store_id), amount, locked.pk),
                (available_account(locked.store_id), -amount, locked.pk),
            ],
            memo=f"settlement of order {locked.pk}",
        )
