"""Row locks of ledger accounts: the only place that takes them.

A posting locks the accounts it posts to, so their cached balances are updated without a race
and a balance read under the lock ("not enough money") stays true until commit. FOR NO KEY
UPDATE: a posting changes balances, never a code, and entries (rows pointing at an account) of
other postings are not held back by the FK check.

Lock order: ledger accounts come last, after every row their caller locked (orders, payments,
wallets, campaigns, referrals), and the accounts of one posting are locked in one statement in
code order, so two postings never wait for each other in a cycle. A transaction that posts
more than once (a refund reversing commissions) locks each posting's accounts, in code order,
when it posts.
"""

from __future__ import annotations

from collections.abc import Iterable

from quanzi.ledger.models import Account


def lock_accounts(codes: Iterable[str]) -> dict[str, Account]:
    """The existing accounts of these codes, locked in code order, by code (a code without an
    account is missing from the answer)."""
    locked = (
        Account.objects.select_for_update(of=("self",), no_key=True)
        .filter(code__in=list(codes))
        .order_by("code")
    )
    return {account.code: account for account in locked}
