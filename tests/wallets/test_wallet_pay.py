"""Paying an order from the wallet: a Payment of provider "wallet" captured at once, the money
moved wallet → store escrow in balanced postings, the order paid; refunds return to the wallet;
too little money, someone else's order or an order out of time → 4xx with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.core.errors import Conflict, NotFound
from quanzi.ledger.models import Transaction
from quanzi.ledger.services import owed
from quanzi.ledger.store_accounts import escrow_account
from quanzi.orders.models import OrderStatus
from quanzi.orders.services.paying import pay_from_wallet, refund_order
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import Payment, PaymentStatus
from quanzi.wallets import services as wallets
from tests.campaigns.redpackets.conftest import Room, ledger_clean
from tests.payments.helpers import make_order


def test_pay_from_wallet_marks_the_order_paid(room: Room) -> None:
    # given Alice holds ¥100 and owes ¥59 on an order of the store
    order = make_order(room.alice, room.store, 5900)
    # when she pays from her wallet
    payment = pay_from_wallet(room.alice, order.pk)
    # then the payment is captured, the order paid, the wallet charged, the escrow credited
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED and payment.provider == "wallet"
    assert order.status == OrderStatus.PAID and order.payment_id == payment.pk
    assert wallets.wallet_balance(room.alice) == 10_000 - 5900
    assert owed(escrow_account(room.store.pk)) == 5900
    assert owed(provider_account("wallet")) == 0
    assert ledger_clean()
    # and paying again is refused
    with pytest.raises(Conflict):
        pay_from_wallet(room.alice, order.pk)


def test_refund_returns_to_the_wallet(room: Room, django_capture_on_commit_callbacks: Any) -> None:
    order = make_order(room.alice, room.store, 2000)
    pay_from_wallet(room.alice, order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 500, reason="少发一包")
    assert wallets.wallet_balance(room.alice) == 10_000 - 1500
    assert owed(escrow_account(room.store.pk)) == 1500
    assert ledger_clean()


@pytest.mark.parametrize("case", ["too_little", "not_mine", "late"])
def test_refusals_write_nothing(room: Room, case: str) -> None:
    buyer = room.bob if case == "not_mine" else room.alice
    total = 20_000 if case == "too_little" else 1000
    order = make_order(buyer, room.store, total, minutes_left=-1 if case == "late" else 30)
    before = (Payment.objects.count(), Transaction.objects.count())
    with pytest.raises(NotFound if case == "not_mine" else Conflict):
        pay_from_wallet(room.alice, order.pk)
    assert (Payment.objects.count(), Transaction.objects.count()) == before
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert wallets.wallet_balance(room.alice) == 10_000


@pytest.mark.parametrize(
    ("who", "status"), [("buyer", 200), ("owner", 404), ("stranger", 404), ("anonymous", 401)]
)
def test_api_roles(room: Room, api: Any, who: str, status: int) -> None:
    order = make_order(room.alice, room.store, 1000)
    user = {"buyer": room.alice, "owner": room.owner, "stranger": room.stranger}.get(who)
    res = api(user).post(f"redpackets/wallet/pay/{order.pk}")
    assert res.status_code == status, res.content
    if status == 200:
        assert res.json()["status"] == "captured" and res.json()["balance"] == 9000


def test_pay_page(room: Room) -> None:
    order = make_order(room.alice, room.store, 1000)
    client = Client()
    client.force_login(room.alice)
    assert b'data-testid="wallet-pay"' in client.get(f"/redpackets/wallet/pay/{order.pk}/").content
    res = client.post(f"/redpackets/wallet/pay/{order.pk}/")
    assert res.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
