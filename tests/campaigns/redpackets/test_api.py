"""Red packets API and pages: the role matrix on every endpoint, bad input → 4xx with nothing
written, idempotent sending, constant query counts on the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quanzi.accounts.models import User
from quanzi.campaigns.redpackets import services
from quanzi.campaigns.redpackets.models import RedPacket
from quanzi.ledger.models import Transaction
from quanzi.wallets import services as wallets
from tests.campaigns.redpackets.conftest import Room, ledger_clean

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def people(room: Room) -> dict[str, User | None]:
    return {
        "owner": room.owner,
        "member": room.alice,
        "stranger": room.stranger,
        "anonymous": None,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 201), ("member", 201), ("stranger", 403), ("anonymous", 401)],
)
def test_send_roles(room: Room, api: Any, who: str, status: int) -> None:
    user = people(room)[who]
    if user is room.owner:
        body = {"total": 600, "count": 3, "from_store": True}
    else:
        body = {"total": 600, "count": 3}
    res = api(user).post(f"redpackets/circles/{room.circle.pk}", body)
    assert res.status_code == status, res.content
    assert RedPacket.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("member", 200), ("stranger", 403), ("anonymous", 401)],
)
def test_read_and_grab_roles(room: Room, api: Any, who: str, status: int) -> None:
    packet = services.send_packet(room.alice, room.circle.pk, total=300, count=3)
    client = api(people(room)[who])
    assert client.get(f"redpackets/{packet.pk}").status_code == status
    assert client.get(f"redpackets/circles/{room.circle.pk}").status_code == status
    res = client.post(f"redpackets/{packet.pk}/grab")
    assert res.status_code == status
    if status == 200:
        assert res.json()["amount"] >= 1 and res.json()["already"] is False
        assert res.json()["packet"]["mine"] == res.json()["amount"]
    assert ledger_clean()


def test_wallet_roles(room: Room, api: Any) -> None:
    assert api(room.alice).get("redpackets/wallet").json()["balance"] == 10_000
    assert api(room.stranger).get("redpackets/wallet").json() == {"balance": 0, "history": []}
    assert api(None).get("redpackets/wallet").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"total": 5, "count": 6},
        {"total": 100, "count": 0},
        {"total": 10**12, "count": 3},
        {"total": 100, "count": 2, "kind": "nope"},
        {"total": 100, "count": 2, "from_store": True},
        {"total": 20_000, "count": 2},
        {"total": "lots", "count": 2},
    ],
)
def test_bad_input_is_4xx_and_writes_nothing(room: Room, api: Any, body: dict[str, Any]) -> None:
    before = (RedPacket.objects.count(), Transaction.objects.count())
    res = api(room.alice).post(f"redpackets/circles/{room.circle.pk}", body, **EN)
    assert 400 <= res.status_code < 500
    assert (RedPacket.objects.count(), Transaction.objects.count()) == before


def test_send_is_idempotent(room: Room, api: Any) -> None:
    client = api(room.alice)
    url = f"redpackets/circles/{room.circle.pk}"
    headers = {"Idempotency-Key": "k-1"}
    first = client.post(url, {"total": 100, "count": 1}, headers=headers)
    second = client.post(url, {"total": 100, "count": 1}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert wallets.wallet_balance(room.alice) == 9_900


def test_list_query_count_is_constant(room: Room, api: Any) -> None:
    client = api(room.alice)
    url = f"redpackets/circles/{room.circle.pk}"
    services.send_packet(room.alice, room.circle.pk, total=100, count=1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()) == 1
    for _ in range(4):
        services.send_packet(room.alice, room.circle.pk, total=100, count=1)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url).json()) == 5
    assert len(five) == len(one)


def test_pages(room: Room) -> None:
    packet = services.send_packet(room.alice, room.circle.pk, total=300, count=2, greeting="恭喜")
    bob = Client()
    bob.force_login(room.bob)
    assert bob.get(f"/redpackets/{packet.pk}/").status_code == 200
    res = bob.post(f"/redpackets/{packet.pk}/grab/", follow=True)
    assert b'data-testid="redpacket-mine"' in res.content
    assert bob.get(f"/redpackets/circle/{room.circle.pk}/").status_code == 200
    assert "redpacket-link" in bob.get(f"/redpackets/circle/{room.circle.pk}/").content.decode()
    wallet = bob.get("/redpackets/wallet/")
    assert wallet.status_code == 200 and b"wallet-line" in wallet.content
    # the page form sends from the wallet (yuan)
    alice = Client()
    alice.force_login(room.alice)
    res = alice.post(
        f"/redpackets/circle/{room.circle.pk}/send/",
        {"total": "1.50", "count": "3", "kind": "equal"},
    )
    assert res.status_code == 302 and RedPacket.objects.filter(total=150).exists()
    # strangers and anonymous visitors are kept out
    outsider = Client()
    outsider.force_login(room.stranger)
    assert outsider.get(f"/redpackets/{packet.pk}/").status_code == 403
    assert Client().get(f"/redpackets/{packet.pk}/").status_code == 302
    assert ledger_clean()
