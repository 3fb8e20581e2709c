"""The wallet's history in its holder's language (issue 11, point 8): each movement reads its
kind's label ("充值", "付款", "退款", "抢到红包") and what it was about (the order's number, the
circle's name), never a payment's id, the provider's name or the posting's internal memo."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from quanzi.campaigns.redpackets.services import grab, send_packet
from quanzi.ledger.models import Transaction
from quanzi.orders.services.paying import pay_from_wallet, refund_order
from quanzi.payments.models import Payment
from quanzi.payments.providers import sandbox
from quanzi.payments.services import payment_titles
from quanzi.wallets.topup import start_topup
from tests.campaigns.redpackets.conftest import Room
from tests.payments.helpers import make_order

ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture(autouse=True)
def _inline_delivery(settings: Any) -> None:
    settings.QUANZI_SANDBOX_DELIVERY = "inline"


@pytest.fixture
def history(room: Room, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Alice topped up ¥50 through the sandbox, paid a ¥20 order from her wallet and got ¥5 of
    it back, and grabbed a ¥3 red packet the store sent in its circle."""
    topup = start_topup(room.alice, 5000)
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.confirm_charge(room.alice, topup.provider_ref)
    order = make_order(room.alice, room.store, 2000)
    payment = pay_from_wallet(room.alice, order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 500, reason="少发一包")
    packet = send_packet(room.owner, room.circle.pk, total=300, count=1, from_store=True)
    grab(room.alice, packet.pk)
    return {"topup": topup, "order": order, "payment": payment}


def test_the_wallet_page_names_each_movement_in_chinese(
    client: Client, room: Room, history: dict[str, Any]
) -> None:
    # given Alice's top-up, wallet payment, refund and grabbed red packet
    order = history["order"]
    client.force_login(room.alice)
    # when she opens her wallet in Chinese
    html = client.get("/redpackets/wallet/", headers=ZH).content.decode()
    # then each line reads its label and what it was about
    assert "充值" in html
    assert f'付款 <span class="muted">· 订单 {order.number}</span>' in html
    assert f'退款 <span class="muted">· 订单 {order.number}</span>' in html
    assert f'抢到红包 <span class="muted">· {room.circle.name}</span>' in html
    # and no internal text: no payment id, no provider, no memo
    for txn in Transaction.objects.exclude(memo=""):
        assert txn.memo not in html
    assert history["topup"].pk not in html and history["payment"].pk not in html
    assert "sandbox" not in html and order.pk not in html


def test_the_wallet_api_gives_the_code_the_label_and_the_detail(
    api: Any, room: Room, history: dict[str, Any]
) -> None:
    # given Alice's history
    order = history["order"]
    # when she reads her wallet through the API in Chinese
    lines = api(room.alice).get("redpackets/wallet", headers=ZH).json()["history"]
    # then each line keeps its code and gains the label and the detail, newest first
    got = [(line["kind"], line["label"], line["detail"], line["amount"]) for line in lines]
    assert got == [
        ("redpacket.grab", "抢到红包", room.circle.name, 300),
        ("wallet.refund", "退款", f"订单 {order.number}", 500),
        ("wallet.pay", "付款", f"订单 {order.number}", -2000),
        ("wallet.topup", "充值", "", 5000),
        ("test.topup", "其他收支", "", 10_000),  # the room's funding: a kind nobody registered
    ]
    # and `memo` is the same in one line, never the posting's memo
    assert [line["memo"] for line in lines] == [
        f"抢到红包 · {room.circle.name}",
        f"退款 · 订单 {order.number}",
        f"付款 · 订单 {order.number}",
        "充值",
        "其他收支",
    ]
    assert not {line["memo"] for line in lines} & set(
        Transaction.objects.values_list("memo", flat=True)
    )


def test_a_payment_of_several_orders_names_them_all(room: Room) -> None:
    # given one wallet payment of two orders (the orders' purpose names what was paid)
    first, second = make_order(room.alice, room.store, 1000), make_order(room.alice, room.store)
    payment = Payment.objects.create(
        payer=room.alice, amount=6900, provider="wallet", orders_key="x", return_url="/"
    )
    payment.parts.create(order=first, amount=1000)
    payment.parts.create(order=second, amount=5900)
    # when its title is asked for in English
    with translation.override("en"):
        titles = payment_titles([payment.pk])
    # then it names both orders by number
    numbers = ", ".join(sorted([first.number, second.number]))
    assert titles == {payment.pk: f"Orders {numbers}"}
