"""Ledger API: a store's balance and its entries, for the store's staff."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import PageNumberPagination, paginate

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.schemas import Schema
from quanzi.ledger.models import Entry
from quanzi.ledger.store_accounts import access_store_ledger, store_balance, store_entries

router = Router()

MAX_PAGE = 10_000


class EntryPages(PageNumberPagination):
    """Ninja's page numbers, bounded like our other lists: an unbounded page number puts an
    OFFSET past what the database accepts (a 500 instead of a 422)."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=MAX_PAGE)


class BalanceOut(Schema):
    store_id: str
    escrow: int = Field(description="fen owed for paid orders not yet completed")
    available: int = Field(description="fen settled to the store (may be negative)")
    currency: str = "CNY"


class EntryOut(Schema):
    transaction_id: str
    kind: str = Field(description="capture, refund or settlement")
    account: str = Field(description="escrow or available")
    amount: int = Field(description="fen, seen from the store: positive = owed to it more")
    order_id: str | None = None
    memo: str
    created_at: datetime

    @staticmethod
    def resolve_kind(obj: Entry) -> str:
        return obj.transaction.kind

    @staticmethod
    def resolve_account(obj: Entry) -> str:
        return obj.account.code.rsplit(":", 1)[-1]

    @staticmethod
    def resolve_amount(obj: Entry) -> int:
        return -obj.amount

    @staticmethod
    def resolve_memo(obj: Entry) -> str:
        return obj.transaction.memo

    @staticmethod
    def resolve_created_at(obj: Entry) -> datetime:
        return obj.transaction.created_at


@router.get("/stores/{store_id}/balance", auth=AUTH, response=BalanceOut)
def balance(request: HttpRequest, store_id: str) -> BalanceOut:
    store = access_store_ledger(current_user(request), store_id)
    figures = store_balance(store.pk)
    return BalanceOut(store_id=store.pk, escrow=figures.escrow, available=figures.available)


@router.get("/stores/{store_id}/entries", auth=AUTH, response=list[EntryOut])
@paginate(EntryPages, page_size=20)
def entries(request: HttpRequest, store_id: str) -> QuerySet[Entry]:
    """The store's ledger entries, newest first."""
    store = access_store_ledger(current_user(request), store_id)
    return store_entries(store.pk)
