"""Ledger API: a store's balance and its entries, for the store's staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import PageNumberPagination, paginate

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.schemas import Schema
from quanzi.ledger.kinds import Movement, movements
from quanzi.ledger.models import Entry
from quanzi.ledger.store_accounts import access_store_ledger, store_balance, store_entries

router = Router()

MAX_PAGE = 10_000


class EntryPages(PageNumberPagination):
    """Ninja's page numbers, bounded like our other lists: an unbounded page number puts an
    OFFSET past what the database accepts (a 500 instead of a 422)."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=MAX_PAGE)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        """The page's entries as people read them (`movements`: each kind's detail asked once
        for the page)."""
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = movements(page[self.items_attribute])
        return page


class BalanceOut(Schema):
    store_id: str
    escrow: int = Field(description="fen owed for paid orders not yet completed")
    available: int = Field(description="fen settled to the store (may be negative)")
    currency: str = "CNY"


class EntryOut(Schema):
    transaction_id: str
    kind: str = Field(
        description="the movement's code: capture, refund, settlement, commission.frozen, …"
    )
    label: str = Field(description="what the movement is, in the caller's language")
    detail: str = Field(description="what it was about (an order's number, a circle), or ''")
    account: str = Field(description="escrow or available")
    amount: int = Field(description="fen, seen from the store: positive = owed to it more")
    order_id: str | None = None
    memo: str = Field(description="label and detail in one line")
    created_at: datetime

    @staticmethod
    def resolve_transaction_id(obj: Movement) -> str:
        return obj.entry.transaction_id

    @staticmethod
    def resolve_account(obj: Movement) -> str:
        return obj.entry.account.code.rsplit(":", 1)[-1]

    @staticmethod
    def resolve_amount(obj: Movement) -> int:
        return -obj.entry.amount

    @staticmethod
    def resolve_order_id(obj: Movement) -> str | None:
        return obj.entry.order_id

    @staticmethod
    def resolve_memo(obj: Movement) -> str:
        return obj.text

    @staticmethod
    def resolve_created_at(obj: Movement) -> datetime:
        return obj.entry.transaction.created_at


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
