"""Wallets: each member's wallet is the ledger account wallet:<user public id> (a liability with
no store: the platform owes the member). Its balance and its history are that account's.

Money reaches a wallet from red packets (grabs, refunds of unclaimed shares) and top-ups
(topup.py), and leaves it for red packets and for orders paid from it (provider.py: the wallet
is a payment provider). Every movement is a ledger posting of the domain that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from quanzi.ledger.accounts import register_account_type
from quanzi.ledger.kinds import movements
from quanzi.ledger.models import AccountKind, Entry
from quanzi.ledger.services import owed
from quanzi.wallets.signals import wallet_opened

if TYPE_CHECKING:
    from quanzi.accounts.models import User


def register_accounts() -> None:
    register_account_type("wallet:{user}", AccountKind.LIABILITY)


def wallet_account(user: User) -> str:
    return f"wallet:{user.public_id}"


def wallet_balance(user: User) -> int:
    """What the wallet holds, in fen. Read inside a posting's transaction that took money from
    it, the account is still locked: a negative balance then means "not enough", race-free."""
    return owed(wallet_account(user))


@dataclass
class WalletLine:
    """One movement of the wallet as its holder reads it: `label` and `detail` are in their
    language ("Refund", "Order 2026120204718356"); `kind` is the code clients branch on."""

    at: datetime
    amount: int  # positive: money in; negative: money out
    kind: str
    label: str
    detail: str
    text: str  # label and detail in one line


def wallet_history(user: User, limit: int = 100) -> list[WalletLine]:
    """The wallet's ledger entries, newest first."""
    entries = (
        Entry.objects.filter(account__code=wallet_account(user))
        .select_related("transaction")
        .order_by("-transaction__created_at", "-pk")[:limit]
    )
    return [
        WalletLine(
            at=m.entry.transaction.created_at,
            amount=-m.entry.amount,
            kind=m.kind,
            label=m.label,
            detail=m.detail,
            text=m.text,
        )
        for m in movements(entries)
    ]


@dataclass
class Wallet:
    balance: int
    history: list[WalletLine]


def open_wallet(user: User) -> Wallet:
    """The wallet as its page and the API show it, once the domains holding money due back to
    the member have handed it back (`wallet_opened`)."""
    wallet_opened.send(sender=Wallet, user=user)
    return Wallet(balance=wallet_balance(user), history=wallet_history(user))
