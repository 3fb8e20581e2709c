"""Campaign cards and the members' share limit over the WebSocket: a card is sent with a `send`
frame like any message, and a refused one is answered with an error frame saying why and until
when (the page shows its `detail`), never dropped in silence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.circles.models import Circle, Message
from quanzi.coupons import coupons
from tests.circles.conftest_chat import ChatCircle, Socket, chat_circle_fixture  # noqa: F401
from tests.loops import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_card_over_the_socket_then_the_refusal_of_one_too_many(cc: ChatCircle) -> None:
    # given a claimable coupon of the store and a circle letting members share one card a day
    Circle.objects.filter(pk=cc.id).update(member_share_daily_limit=1)
    coupon = coupons.create_coupon(
        cc.owner,
        cc.circle.store_id,
        coupons.CouponFields(
            name="立减5元",
            kind="fixed",
            amount_off=500,
            validity="window",
            valid_from=timezone.now() - timedelta(hours=1),
            valid_until=timezone.now() + timedelta(days=1),
            total=10,
        ),
    )
    card = {"type": "send", "kind": "campaign", "card_type": "coupon", "target_id": coupon.pk}

    async def scenario() -> tuple[list[dict], dict]:
        socket = Socket(f"/ws/circles/{cc.id}/", cc.alice)
        assert (await socket.connect())[0]
        await socket.receive_until("caught_up")
        # when alice sends the coupon's card, then it is acknowledged and delivered
        await socket.send_json(card | {"client_id": "k1"})
        sent = await socket.receive_until("ack")
        if not any(f["type"] == "message" for f in sent):
            sent += await socket.receive_until("message")
        # when she sends a product card too, then an error frame answers it
        await socket.send_json(
            {"type": "send", "kind": "product", "product_id": cc.product.pk, "client_id": "p1"}
        )
        while True:
            frame = await socket.receive_json()
            if frame["type"] == "error":
                break
        await socket.close()
        return sent, frame

    sent, refused = run(scenario)
    delivered = [f for f in sent if f["type"] == "message"]
    assert delivered[0]["message"]["card"]["coupon_id"] == coupon.pk
    assert delivered[0]["message"]["kind"] == "campaign"
    # then the refusal names the limit and when she may share again, for her outbox and eyes
    assert (refused["client_id"], refused["code"], refused["limit"]) == (
        "p1",
        "member_share_limit",
        "member",
    )
    first = Message.objects.get(client_id="k1")
    again = timezone.localtime(first.created_at + timedelta(hours=24))
    assert refused["frees_at"] == again.isoformat()
    assert again.strftime("%Y-%m-%d %H:%M") in refused["detail"]
    assert not Message.objects.filter(client_id="p1").exists()
