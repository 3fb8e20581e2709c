"""A red packet's money in the sender's and the grabber's wallets reads in their language
(issue 11, point 8): "发红包", "抢到红包", "红包退回", each with the circle's name, never the
packet's id."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.redpackets import services
from tests.campaigns.redpackets.conftest import Room

ZH = {"Accept-Language": "zh-hans"}


def _lines(client: Client) -> list[tuple[str, str]]:
    wallet = client.get("/redpackets/wallet/", headers=ZH).context
    return [(line.label, line.detail) for line in wallet["history"]]


def test_a_packets_movements_name_its_circle(room: Room) -> None:
    # given Alice's ¥5 packet in 5 shares, one grabbed by Bob, the rest left to expire
    packet = services.send_packet(room.alice, room.circle.pk, total=500, count=5)
    services.grab(room.bob, packet.pk)
    alice, bob = Client(), Client()
    alice.force_login(room.alice)
    bob.force_login(room.bob)
    # when each opens their wallet in Chinese, Alice a day later (the rest came back)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        sent = _lines(alice)
        page = alice.get("/redpackets/wallet/", headers=ZH).content.decode()
    grabbed = _lines(bob)
    # then each movement reads its label and the circle's name
    circle = room.circle.name
    assert sent[:2] == [("红包退回", circle), ("发红包", circle)]
    assert grabbed == [("抢到红包", circle)]
    # and the page never shows the packet's id
    assert packet.pk not in page
