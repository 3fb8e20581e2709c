"""The ledger's only writer (`post_transaction`), its balances and its check.

Every money movement is one balanced transaction (rule 2). Postings are idempotent: a
transaction is identified by (kind, reference) — e.g. the payment id of a capture, the refund id
of a refund, the order id of a settlement — and posting it again returns the first one unchanged.
The ledger knows no domain: the domains own their account codes (registered in
`quanzi.ledger.accounts`) and their postings (orders books captures, refunds and settlements,
wallets and red packets their own movements, referrals commissions and withdrawals).

Locking: a posting locks its accounts in code order (`quanzi.ledger.locks`), after whatever rows
its caller locked (orders, payments): so two postings never wait for each other in a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from quanzi.ledger.accounts import account_defaults
from quanzi.ledger.locks import lock_accounts
from quanzi.ledger.models import Account, Entry, Transaction

# A posting line: (account code, signed amount in fen, debit positive[, order id]).
Line = tuple[str, int] | tuple[str, int, str | None]


class UnbalancedPosting(ValueError):
    """A programming error: the lines of a posting do not sum to zero (nothing is written)."""


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
        Account.objects.get_or_create(code=code, defaults=account_defaults(code))
    return lock_accounts(codes)


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


def is_posted(kind: str, reference: str) -> bool:
    """Whether the movement (kind, reference) was posted."""
    return Transaction.objects.filter(kind=kind, reference=reference).exists()


def balances(codes: Sequence[str]) -> dict[str, int]:
    """The cached balances (signed fen, debit positive) of these accounts; an account never
    posted to is missing (its balance is zero)."""
    return dict(Account.objects.filter(code__in=codes).values_list("code", "balance"))


def owed(code: str) -> int:
    """What a liability account owes its holder (its balance is credit-negative): the figure a
    person reads, positive when owed. Read inside a posting's transaction, the account is
    still locked by it, so a check of what is left ("not enough money") is race-free."""
    return -balances([code]).get(code, 0)


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
