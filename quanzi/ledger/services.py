"""The ledger's only writer (`post_transaction`) and the postings of the commerce flows.

Every money movement is one balanced transaction (rule 2). Postings are idempotent: a
transaction is identified by (kind, reference) — the payment id of a capture, the refund id of a
refund, the order id of a settlement — and posting it again returns the first one unchanged.

Locking: callers that touch an order lock the order row first, then the ledger accounts, always
in code order; so two postings never wait for each other in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import NotFound
from quanzi.ledger.models import Account, AccountKind, Entry, Transaction, TransactionKind
from quanzi.stores.services import access_store

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.orders.models import Order
    from quanzi.stores.models import Store

# A posting line: (account code, signed amount in fen, debit positive[, order id]).
Line = tuple[str, int] | tuple[str, int, str | None]


class UnbalancedPosting(ValueError):
    """A programming error: the lines of a posting do not sum to zero (nothing is written)."""


def provider_account(provider: str) -> str:
    """Money the platform holds at a payment provider (an asset)."""
    return f"platform:provider:{provider}"


# Money captured that paid no order (the order had been cancelled, or another payment paid it
# first), owed back to the payer until its automatic refund completes (a liability).
UNAPPLIED_ACCOUNT = "platform:unapplied"


def escrow_account(store_id: str) -> str:
    """Owed to a store for paid orders not yet completed (pending settlement)."""
    return f"store:{store_id}:escrow"


def available_account(store_id: str) -> str:
    """Owed to a store for completed orders: its balance."""
    return f"store:{store_id}:available"


def _account_defaults(code: str) -> dict[str, object]:
    """Kind and store of an account, read from its code; an unknown code is a programming error."""
    parts = code.split(":")
    if len(parts) == 3 and parts[0] == "platform" and parts[1] == "provider" and parts[2]:
        return {"kind": AccountKind.ASSET, "store_id": None}
    if code == UNAPPLIED_ACCOUNT:
        return {"kind": AccountKind.LIABILITY, "store_id": None}
    if len(parts) == 3 and parts[0] == "store" and parts[1] and parts[2] in ("escrow", "available"):
        return {"kind": AccountKind.LIABILITY, "store_id": parts[1]}
    if (
        len(parts) == 4
        and parts[0] == "promoter"
        and parts[1]
        and parts[2]
        and parts[3] in ("frozen", "available", "withdrawing")
    ):
        # A promoter's commission in a store (distribution): owed to the promoter, not to the
        # store, so the account has no store (it stays off the store's own ledger pages).
        return {"kind": AccountKind.LIABILITY, "store_id": None}
    if len(parts) == 2 and parts[0] in ("wallet", "redpacket") and parts[1]:
        # A member's wallet (wallet:<user public id>) and the money held by a red packet until it
        # is grabbed or refunded (redpacket:<packet id>), campaigns issue 5: owed to people.
        return {"kind": AccountKind.LIABILITY, "store_id": None}
    raise ValueError(f"unknown ledger account code {code!r}")


def _normalise(lines: Sequence[Line]) -> list[tuple[str, int, str | None]]:
    out: list[tuple[str, int, str | None]] = []
    for line in lines:
        code, amount = line[0], line[1]
        order_id = line[2] if len(line) > 2 else None
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise UnbalancedPosting(f"amount {amount!r} on {code} is not a non-zero integer")
        out.append((code, amount, order_id))
    if len(out) < 2 or sum(amount for _, amount, _ in out) != 0:
        raise UnbalancedPosting(f"lines {out!r} do not balance")
    return out


def _lock_accounts(codes: set[str]) -> dict[str, Account]:
    """Create missing accounts, then lock them all in code order (a fixed order: no deadlock)."""
    existing = set(Account.objects.filter(code__in=codes).values_list("code", flat=True))
    for code in sorted(codes - existing):
        Account.objects.get_or_create(code=code, defaults=_account_defaults(code))
    locked = Account.objects.select_for_update(no_key=True).filter(code__in=codes).order_by("code")
    return {account.code: account for account in locked}


def post_transaction(
    kind: str, reference: str, lines: Sequence[Line], memo: str = ""
) -> Transaction:
    """Write one balanced transaction and update the cached balances, all or nothing.

    Idempotent: when (kind, reference) was posted before, the existing transaction is returned
    and nothing is written (the lines of the repeat are not compared: the reference names the
    movement). Raises UnbalancedPosting when the lines do not sum to zero.
    """
    normalised = _normalise(lines)
    with transaction.atomic():
        accounts = _lock_accounts({code for code, _, _ in normalised})
        existing = Transaction.objects.filter(kind=kind, reference=reference).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                txn = Transaction.objects.create(kind=kind, reference=reference, memo=memo[:200])
        except IntegrityError:  # posted concurrently by someone who did not wait on our locks
            return Transaction.objects.get(kind=kind, reference=reference)
        Entry.objects.bulk_create(
            Entry(transaction=txn, account=accounts[code], amount=amount, order_id=order_id)
            for code, amount, order_id in normalised
        )
        deltas: dict[str, int] = defaultdict(int)
        for code, amount, _ in normalised:
            deltas[code] += amount
        for code, delta in sorted(deltas.items()):
            if delta:
                Account.objects.filter(pk=accounts[code].pk).update(balance=F("balance") + delta)
    return txn


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
    return post_transaction(TransactionKind.CAPTURE, payment_id, lines, memo=memo)


def is_settled(order_id: str) -> bool:
    return Transaction.objects.filter(kind=TransactionKind.SETTLEMENT, reference=order_id).exists()


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
    from quanzi.orders.models import Order

    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",)).only("id", "store_id").get(pk=order_id)
        )
        if unapplied:
            store_code = UNAPPLIED_ACCOUNT
        elif is_settled(order.pk):
            store_code = available_account(order.store_id)
        else:
            store_code = escrow_account(order.store_id)
        return post_transaction(
            TransactionKind.REFUND,
            refund_id,
            [(store_code, amount, order.pk), (provider_account(provider), -amount, None)],
            memo=f"refund {refund_id} of order {order.pk}",
        )


def settle_order(order: Order) -> None:
    """Move what the store earned on a completed order from its escrow to its available balance.

    The amount is the order's total minus what was refunded, read from the locked order row.
    Idempotent: an order is settled at most once (reference = the order id). Nothing is posted
    when the whole order was refunded.
    """
    from quanzi.orders.models import Order

    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .only("id", "store_id", "total", "refunded_amount")
            .get(pk=order.pk)
        )
        # Distribution (issue 4): commissions frozen out of this order's escrow (net of those
        # reversed back into it) are no longer the store's to settle.
        amount = locked.total - locked.refunded_amount - _escrow_commissions(locked)
        if amount <= 0 or is_settled(locked.pk):
            return
        post_transaction(
            TransactionKind.SETTLEMENT,
            locked.pk,
            [
                (escrow_account(locked.store_id), amount, locked.pk),
                (available_account(locked.store_id), -amount, locked.pk),
            ],
            memo=f"settlement of order {locked.pk}",
        )


def _escrow_commissions(order: Order) -> int:
    """Net fen moved out of the order's escrow by distribution postings ("commission.*")."""
    held = Entry.objects.filter(
        account__code=escrow_account(order.store_id),
        order_id=order.pk,
        transaction__kind__startswith="commission.",
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return int(held)


def access_store_ledger(user: User, store_id: str) -> Store:
    """The store whose ledger `user` may read: its owner and staff (stores' access_store)."""
    if not (store_id.isascii() and store_id.isalnum()):
        raise NotFound(_("Store not found."))
    return access_store(user, store_id)


@dataclass(frozen=True)
class StoreBalance:
    """What the platform owes a store, in fen: pending settlement and available."""

    escrow: int
    available: int


def store_balance(store_id: str) -> StoreBalance:
    balances = dict(
        Account.objects.filter(
            code__in=[escrow_account(store_id), available_account(store_id)]
        ).values_list("code", "balance")
    )
    # Store accounts are credit-normal: a negative sum of entries is money owed to the store.
    return StoreBalance(
        escrow=-balances.get(escrow_account(store_id), 0),
        available=-balances.get(available_account(store_id), 0),
    )


def store_entries(store_id: str) -> QuerySet[Entry]:
    """The entries of a store's accounts, newest first (for the console and the API).

    Each carries `store_amount`: the entry seen from the store (positive = owed to it more).
    """
    return (
        Entry.objects.filter(account__store_id=store_id)
        .select_related("transaction", "account")
        .annotate(store_amount=F("amount") * -1)
        .order_by("-id")
    )


def check_ledger() -> list[str]:
    """Every problem found: unbalanced transactions and cached balances that differ from the sum
    of their entries. An empty list means the ledger is sound."""
    problems: list[str] = []
    unbalanced = (
        Transaction.objects.annotate(total=Coalesce(Sum("entries__amount"), 0), n=Count("entries"))
        .filter(~Q(total=0) | Q(n__lt=2))
        .order_by("created_at")
    )
    for txn in unbalanced:
        problems.append(
            f"transaction {txn.pk} ({txn.kind}:{txn.reference}) is unbalanced: "
            f"its {txn.n} entries sum to {txn.total}"
        )
    mismatched = (
        Account.objects.annotate(total=Coalesce(Sum("entries__amount"), 0))
        .exclude(balance=F("total"))
        .order_by("code")
    )
    for account in mismatched:
        problems.append(
            f"account {account.code} has a cached balance of {account.balance} "
            f"but its entries sum to {account.total}"
        )
    return problems
