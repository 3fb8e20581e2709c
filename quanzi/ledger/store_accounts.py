"""What the platform owes each store: its escrow and available accounts, and the store console's
reads of them (the ledger's own pages and API).

These accounts live with the ledger because the store console that shows them is the ledger's,
and the ledger sits above stores (it may use `quanzi.stores` for the console's permission
check). The domains that move a store's money post to them: orders (captures into escrow,
refunds, settlement to available), referrals (commissions, withdrawal fees), red packets (store
packets). Registered in LedgerConfig.ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import NotFound
from quanzi.ledger.accounts import register_account_type
from quanzi.ledger.models import AccountKind, Entry
from quanzi.ledger.services import balances
from quanzi.stores.services import access_store

if TYPE_CHECKING:
    from quanzi.accounts.models import User
    from quanzi.stores.models import Store


def register_accounts() -> None:
    for which in ("escrow", "available"):
        register_account_type(f"store:{{store}}:{which}", AccountKind.LIABILITY, store_of="store")


def escrow_account(store_id: str) -> str:
    """Owed to a store for paid orders not yet completed (pending settlement)."""
    return f"store:{store_id}:escrow"


def available_account(store_id: str) -> str:
    """Owed to a store for completed orders: its balance."""
    return f"store:{store_id}:available"


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
    escrow, available = escrow_account(store_id), available_account(store_id)
    found = balances([escrow, available])
    # Store accounts are credit-normal: a negative sum of entries is money owed to the store.
    return StoreBalance(escrow=-found.get(escrow, 0), available=-found.get(available, 0))


def store_entries(store_id: str) -> QuerySet[Entry]:
    """The entries of a store's accounts, newest first (for the console and the API).

    Each carries `store_amount`: the entry seen from the store (positive = owed to it more),
    and its order, which the domains' details name (`quanzi.ledger.kinds`).
    """
    return (
        Entry.objects.filter(account__store_id=store_id)
        .select_related("transaction", "account", "order")
        .annotate(store_amount=F("amount") * -1)
        .order_by("-id")
    )
