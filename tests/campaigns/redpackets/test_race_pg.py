"""On PostgreSQL: 1,000 members grabbing a 100-share packet at once give exactly 100 grabs, the
shares sum to the total, nobody grabs twice, and the ledger stays balanced.

A thread pool (each thread its own database connection, closed when its job ends) runs the grabs;
the members are created with bulk_create for speed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.db.models import Count, Sum

from quanzi.accounts.models import User
from quanzi.campaigns.redpackets import services
from quanzi.campaigns.redpackets.models import Share
from quanzi.circles.models import Circle, Membership
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.ledger.services import check_ledger, owed
from quanzi.wallets import services as wallets
from tests.campaigns.redpackets.conftest import Room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MEMBERS = 1000
SHARES = 100
TOTAL = 40_000


def many_members(circle: Circle, n: int) -> list[User]:
    users = User.objects.bulk_create(
        User(username=f"grabber{i}", public_id=new_id(), nickname=f"抢{i}") for i in range(n)
    )
    Membership.objects.bulk_create(Membership(circle=circle, user=u) for u in users)
    return list(User.objects.filter(username__startswith="grabber"))


def test_thousand_concurrent_grabs_of_a_hundred_shares(room: Room) -> None:
    # given a 100-share lucky packet and 1,000 members
    packet = services.send_packet(
        room.owner, room.circle.pk, total=TOTAL, count=SHARES, from_store=True
    )
    members = many_members(room.circle, MEMBERS)

    def attempt(user: User) -> Any:
        try:
            return services.grab(user, packet.pk).share.amount
        except Conflict as exc:
            return exc
        finally:
            connection.close()

    # when they all grab at once (and a hundred of them a second time, concurrently)
    close_old_connections()
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(attempt, members + members[:SHARES]))
    # then exactly 100 shares were grabbed, by 100 different members, summing to the total
    grabbed = Share.objects.filter(packet=packet, claimed_by__isnull=False)
    assert grabbed.count() == SHARES
    assert grabbed.aggregate(s=Sum("amount"))["s"] == TOTAL
    assert not grabbed.values("claimed_by").annotate(n=Count("pk")).filter(n__gt=1).exists()
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) >= MEMBERS - SHARES
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    # and the wallets hold exactly what was grabbed, the packet account is empty
    assert sum(wallets.wallet_balance(u) for u in members) == TOTAL
    assert owed(services.packet_account(packet.pk)) == 0
    assert check_ledger() == []
