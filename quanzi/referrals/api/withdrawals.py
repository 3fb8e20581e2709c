"""Withdrawals API: a promoter asks to withdraw commission (Idempotency-Key) and lists their
withdrawals; the store's owner and staff list, approve and reject them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.idempotency import idempotent
from quanzi.core.pagination import paginate
from quanzi.core.schemas import Schema
from quanzi.referrals.models import Withdrawal
from quanzi.referrals.services import withdrawals
from quanzi.referrals.services.distribution import config_for, promoter_balance

router = Router()

PAGE = Query(default=None, ge=1, le=100_000)
PAGE_SIZE = Query(default=None, ge=1, le=100)


class WithdrawIn(Schema):
    amount: int = Field(description="fen", strict=True)


class WithdrawalRejectIn(Schema):
    reason: str = Field(max_length=withdrawals.REASON_LENGTH)


class WithdrawalOut(Schema):
    id: str
    store_id: str
    promoter_id: str = Field(description="the promoter's public user id")
    promoter_name: str
    amount: int = Field(description="fen taken from the available balance")
    fee: int = Field(description="fen the store keeps")
    net: int = Field(description="fen paid out")
    status: str = Field(description="pending, paying, paid, rejected or failed")
    status_label: str = Field(description="the status in the caller's language")
    reason: str = Field(description="why it was rejected or why its payout failed")
    created_at: datetime
    reviewed_at: datetime | None
    paid_at: datetime | None


def _out(row: Withdrawal) -> dict[str, Any]:
    return {
        "id": row.pk,
        "store_id": row.store_id,
        "promoter_id": row.promoter.public_id,
        "promoter_name": row.promoter.display_name,
        "amount": row.amount,
        "fee": row.fee,
        "net": row.net,
        "status": row.status,
        "status_label": str(row.get_status_display()),
        "reason": row.reject_reason,
        "created_at": row.created_at,
        "reviewed_at": row.reviewed_at,
        "paid_at": row.paid_at,
    }


class WithdrawalList(Schema):
    items: list[WithdrawalOut]
    page: int
    pages: int
    total: int


class MyWithdrawals(WithdrawalList):
    available: int = Field(description="fen that can be withdrawn now (negative: owed)")
    withdrawing: int = Field(description="fen held for withdrawals under review or being paid")
    withdrawn: int = Field(description="fen taken out by paid withdrawals, fees included")
    min_withdrawal: int = Field(description="fen")
    withdrawal_fee_bp: int = Field(description="basis points of the amount, rounded down")


@router.post("/stores/{store_id}/withdrawals", auth=AUTH, response={201: WithdrawalOut})
@idempotent("referrals.withdraw")
def request_withdrawal(request: HttpRequest, store_id: str, data: WithdrawIn) -> Status[Any]:
    """Withdraw `amount` fen of my available commission in the store (held until the store
    reviews it). Send an `Idempotency-Key` header to make retries safe."""
    row = withdrawals.request_withdrawal(current_user(request), store_id, data.amount)
    return Status(201, WithdrawalOut(**_out(row)).model_dump(mode="json"))


@router.get("/stores/{store_id}/withdrawals", auth=AUTH, response=MyWithdrawals)
def my_withdrawals(
    request: HttpRequest,
    store_id: str,
    page: int | None = PAGE,
    page_size: int | None = PAGE_SIZE,
) -> dict[str, Any]:
    """My withdrawals in the store, newest first, with my balance and the store's terms."""
    user = current_user(request)
    store = withdrawals.withdrawal_store(store_id)
    result = paginate(
        withdrawals.withdrawals_of_promoter(user, store).select_related("promoter"),
        page,
        page_size,
    )
    balance = promoter_balance(store.pk, user.public_id)
    terms = config_for(store)
    return {
        "items": [_out(row) for row in result.items],
        "page": result.number,
        "pages": result.pages,
        "total": result.count,
        "available": balance.available,
        "withdrawing": balance.withdrawing,
        "withdrawn": withdrawals.withdrawal_summary(store.pk, user).withdrawn,
        "min_withdrawal": terms.min_withdrawal,
        "withdrawal_fee_bp": terms.withdrawal_fee_bp,
    }


@router.get("/stores/{store_id}/withdrawals/review", auth=AUTH, response=WithdrawalList)
def store_withdrawals(
    request: HttpRequest,
    store_id: str,
    status: str | None = Query(default=None, max_length=10),
    page: int | None = PAGE,
    page_size: int | None = PAGE_SIZE,
) -> dict[str, Any]:
    """The store's withdrawals (owner and staff): waiting for review first, then newest."""
    store = withdrawals.access_review(current_user(request), store_id)
    result = paginate(withdrawals.withdrawals_of_store(store, status), page, page_size)
    return {
        "items": [_out(row) for row in result.items],
        "page": result.number,
        "pages": result.pages,
        "total": result.count,
    }


@router.post(
    "/stores/{store_id}/withdrawals/{withdrawal_id}/approve", auth=AUTH, response=WithdrawalOut
)
def approve(request: HttpRequest, store_id: str, withdrawal_id: str) -> dict[str, Any]:
    """Approve a waiting withdrawal (owner and staff): its payout starts at once."""
    row = withdrawals.approve_withdrawal(current_user(request), store_id, withdrawal_id)
    return _out(row)


@router.post(
    "/stores/{store_id}/withdrawals/{withdrawal_id}/reject", auth=AUTH, response=WithdrawalOut
)
def reject(
    request: HttpRequest, store_id: str, withdrawal_id: str, data: WithdrawalRejectIn
) -> dict[str, Any]:
    """Reject a waiting withdrawal with a reason (owner and staff): the amount is available
    to the promoter again."""
    row = withdrawals.reject_withdrawal(current_user(request), store_id, withdrawal_id, data.reason)
    return _out(row)
