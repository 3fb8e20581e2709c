"""Wallet API, mounted at /api/v1/redpackets/wallet (thin: schema in → service → schema out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.wallets import services, topup

router = Router(auth=AUTH)


class WalletLineOut(Schema):
    at: datetime
    amount: int = Field(description="fen: positive into the wallet, negative out of it")
    kind: str = Field(description="the movement's code, e.g. wallet.topup or redpacket.grab")
    label: str = Field(description="what the movement is, in the caller's language")
    detail: str = Field(description="what it was about (an order's number, a circle), or ''")
    memo: str = Field(description="label and detail in one line")

    @staticmethod
    def resolve_memo(obj: Any) -> str:
        return str(obj.text)


class WalletOut(Schema):
    balance: int
    history: list[WalletLineOut]


@router.get("", response=WalletOut)
def my_wallet(request: HttpRequest) -> dict[str, Any]:
    """The caller's wallet balance (fen) and its latest movements."""
    opened = services.open_wallet(current_user(request))
    return {"balance": opened.balance, "history": opened.history}


class TopupIn(Schema):
    amount: int = Field(description="fen, from 100 (¥1) to 500000 (¥5,000)")


class TopupOut(Schema):
    payment_id: str
    amount: int
    status: str
    pay_url: str = Field(description="the provider's hosted pay page")


@router.post("/topups", response={201: TopupOut})
# The scope keeps its first name: keys stored before wallets had their own app still match.
@idempotent("redpackets.topup")
def start_topup(request: HttpRequest, data: TopupIn) -> Status[Any]:
    """Top up the caller's wallet through the payment provider: pay at `pay_url`; the wallet is
    credited when the provider's signed capture arrives (Idempotency-Key recommended)."""
    payment = topup.start_topup(current_user(request), data.amount)
    body = {
        "payment_id": payment.pk,
        "amount": payment.amount,
        "status": payment.status,
        "pay_url": payment.pay_url,
    }
    return Status(201, body)
