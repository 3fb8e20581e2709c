"""Red packet services: splits, sending, grabbing, 手气最佳, expiry refunds, scheduled packets,
bad input, and the ledger staying balanced."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.campaigns.redpackets import services, tasks
from quanzi.campaigns.redpackets.models import RedPacket, Share
from quanzi.circles.models import Message
from quanzi.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from quanzi.ledger.models import Transaction
from quanzi.ledger.services import owed
from quanzi.ledger.store_accounts import available_account
from quanzi.stores.models import StaffRole, StoreStaff
from quanzi.wallets import services as wallets
from tests.campaigns.redpackets.conftest import Room, ledger_clean


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from(["random", "equal"]))
def test_split_conserves_total_with_every_share_at_least_one_fen(
    data: st.DataObject, kind: str
) -> None:
    # given any N >= 1 and T >= N
    count = data.draw(st.integers(min_value=1, max_value=300))
    total = data.draw(st.integers(min_value=count, max_value=2_000_000))
    # when the packet is cut
    shares = services.split(total, count, kind)
    # then there are N shares of at least 1 fen summing exactly to T
    assert len(shares) == count
    assert sum(shares) == total
    assert min(shares) >= 1
    if kind == "equal":
        assert max(shares) - min(shares) <= 1


def test_double_mean_bounds() -> None:
    # given 10 fen for 5 shares: the first share can take at most 2 × 10 / 5 − 1 = 3 fen
    for _ in range(200):
        assert 1 <= services.split(10, 5, "random")[0] <= 3


def test_send_moves_money_from_wallet_to_packet_and_posts_a_card(room: Room) -> None:
    # when Alice sends ¥10 in 3 lucky shares
    packet = services.send_packet(
        room.alice, room.circle.pk, total=1000, count=3, greeting="新年快乐"
    )
    # then her wallet paid, the packet holds it, and the circle shows its card
    assert wallets.wallet_balance(room.alice) == 9000
    assert owed(services.packet_account(packet.pk)) == 1000
    assert sum(Share.objects.filter(packet=packet).values_list("amount", flat=True)) == 1000
    message = Message.objects.get(pk=packet.message_id)
    assert message.card["type"] == "red_packet" and message.card["packet_id"] == packet.pk
    assert ledger_clean()


def test_grab_once_each_and_best_marked_when_fully_grabbed(room: Room) -> None:
    # given an equal packet of 301 fen in 2 shares (151 + 150)
    packet = services.send_packet(room.alice, room.circle.pk, total=301, count=2, kind="equal")
    # when Bob then the owner grab, and Bob grabs again
    first = services.grab(room.bob, packet.pk)
    assert services.packet_view(room.bob, packet).grabs[0].is_best is False  # not finished yet
    second = services.grab(room.owner, packet.pk)
    again = services.grab(room.bob, packet.pk)
    # then each got one share, the repeat changes nothing, the largest is 手气最佳
    assert (first.share.amount, second.share.amount) == (151, 150)
    assert again.already and again.share.pk == first.share.pk
    view = services.packet_view(room.bob, packet)
    assert view.state == "finished" and view.mine == 151
    assert [g.is_best for g in view.grabs] == [True, False]
    assert wallets.wallet_balance(room.bob) == 151
    assert wallets.wallet_balance(room.owner) == 150
    # and a late member finds it empty
    with pytest.raises(Conflict):
        services.grab(room.alice, packet.pk)
    assert ledger_clean()


def test_best_tie_goes_to_the_first_grabber(room: Room) -> None:
    packet = services.send_packet(room.alice, room.circle.pk, total=200, count=2, kind="equal")
    services.grab(room.bob, packet.pk)
    services.grab(room.owner, packet.pk)
    view = services.packet_view(room.alice, packet)
    assert [(g.user, g.is_best) for g in view.grabs] == [(room.bob, True), (room.owner, False)]


def test_expiry_refunds_unclaimed_once_even_when_run_twice(room: Room) -> None:
    # given a packet of 1000 in 4 shares, one grabbed
    packet = services.send_packet(room.alice, room.circle.pk, total=1000, count=4)
    got = services.grab(room.bob, packet.pk).share.amount
    # when 24 h pass and the expiry task runs twice (and a read re-checks)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert tasks.expire_red_packet.call(packet.pk) is True
        assert tasks.expire_red_packet.call(packet.pk) is False
        services.access_packet(room.alice, packet.pk)
        # then the rest returned to Alice exactly once, and nobody can grab any more
        with pytest.raises(Conflict):
            services.grab(room.owner, packet.pk)
    packet.refresh_from_db()
    assert packet.refunded_amount == 1000 - got
    assert wallets.wallet_balance(room.alice) == 10_000 - got
    assert Transaction.objects.filter(kind=services.KIND_REFUND, reference=packet.pk).count() == 1
    assert owed(services.packet_account(packet.pk)) == 0
    assert ledger_clean()


def test_expiry_on_read_without_the_task(room: Room) -> None:
    packet = services.send_packet(room.alice, room.circle.pk, total=500, count=5)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        _circle, packets = services.circle_packets(room.bob, room.circle.pk)
        assert [(p.pk, p.refunded_amount) for p in packets] == [(packet.pk, 500)]
    assert wallets.wallet_balance(room.alice) == 10_000


def test_the_senders_wallet_page_shows_an_expired_packet_refunded(room: Room) -> None:
    # given alice's packet nobody grabbed, its task lost, and nobody opening the circle
    services.send_packet(room.alice, room.circle.pk, total=500, count=5)
    assert wallets.wallet_balance(room.alice) == 9_500
    # when she opens her wallet a day later
    client = Client()
    client.force_login(room.alice)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        client.get("/redpackets/wallet/")
    # then the unclaimed ¥5 is back in it
    assert wallets.wallet_balance(room.alice) == 10_000


def test_store_packet_scheduled_appears_at_its_time(room: Room) -> None:
    # given the store schedules a ¥100 packet in 10 shares for an hour from now
    at = timezone.now() + timedelta(hours=1)
    packet = services.send_packet(
        room.owner, room.circle.pk, total=10_000, count=10, from_store=True, visible_at=at
    )
    # then the store paid now, but members do not see it yet and cannot grab it
    assert owed(available_account(room.store.pk)) == 40_000
    assert packet.message_id is None
    _c, packets = services.circle_packets(room.bob, room.circle.pk)
    assert list(packets) == []
    with pytest.raises(Exception):  # noqa: B017 - NotFound for members before it appears
        services.grab(room.bob, packet.pk)
    # when the time comes (the task, run twice, and a read)
    with time_machine.travel(at + timedelta(seconds=1)):
        assert tasks.publish_red_packet.call(packet.pk) is True
        assert tasks.publish_red_packet.call(packet.pk) is False
        got = services.grab(room.bob, packet.pk)
    # then one card was posted and the grab paid Bob's wallet
    packet.refresh_from_db()
    assert Message.objects.filter(card__packet_id=packet.pk).count() == 1
    assert wallets.wallet_balance(room.bob) == got.share.amount
    # and on expiry the rest returns to the store
    with time_machine.travel(at + timedelta(hours=24, seconds=2)):
        services.expire_packet(packet.pk)
    assert owed(available_account(room.store.pk)) == 50_000 - got.share.amount
    assert ledger_clean()


def test_scheduled_packet_published_by_read(room: Room) -> None:
    at = timezone.now() + timedelta(minutes=30)
    packet = services.send_packet(
        room.owner, room.circle.pk, total=300, count=3, from_store=True, visible_at=at
    )
    with time_machine.travel(at + timedelta(seconds=5)):
        _c, packets = services.circle_packets(room.alice, room.circle.pk)
        assert [p.pk for p in packets] == [packet.pk]
    packet.refresh_from_db()
    assert packet.published_at is not None and packet.message_id is not None


@pytest.mark.parametrize(
    ("total", "count", "kind", "error"),
    [
        (5, 6, "random", InvalidInput),  # T < N
        (100, 0, "random", InvalidInput),  # N = 0
        (services.MAX_TOTAL + 1, 10, "equal", InvalidInput),  # huge T
        (100, services.MAX_SHARES + 1, "equal", InvalidInput),
        (100, 2, "weird", InvalidInput),
        (20_000, 2, "equal", Conflict),  # more than the wallet holds
    ],
)
def test_bad_input_writes_nothing(
    room: Room, total: int, count: int, kind: str, error: type[Exception]
) -> None:
    before = (RedPacket.objects.count(), Transaction.objects.count(), Message.objects.count())
    with pytest.raises(error):
        services.send_packet(room.alice, room.circle.pk, total=total, count=count, kind=kind)
    after = (RedPacket.objects.count(), Transaction.objects.count(), Message.objects.count())
    assert before == after
    assert wallets.wallet_balance(room.alice) == 10_000


def test_role_matrix(room: Room) -> None:
    # a member without a wallet balance cannot send; a non-member and anonymous cannot at all
    with pytest.raises(Conflict):
        services.send_packet(room.bob, room.circle.pk, total=100, count=1)
    with pytest.raises(PermissionDenied):
        services.send_packet(room.stranger, room.circle.pk, total=100, count=1)
    with pytest.raises(NotAuthenticated):
        services.send_packet(None, room.circle.pk, total=100, count=1)  # type: ignore[arg-type]
    # only the store's owner can send from the store (not even its staff, who could grab the
    # store's money themselves), and only the store can schedule
    with pytest.raises(PermissionDenied):
        services.send_packet(room.alice, room.circle.pk, total=100, count=1, from_store=True)
    StoreStaff.objects.create(store=room.circle.store, user=room.alice, role=StaffRole.STAFF)
    with pytest.raises(PermissionDenied):
        services.send_packet(room.alice, room.circle.pk, total=100, count=1, from_store=True)
    StoreStaff.objects.filter(user=room.alice).delete()
    with pytest.raises(InvalidInput):
        services.send_packet(
            room.alice,
            room.circle.pk,
            total=100,
            count=1,
            visible_at=timezone.now() + timedelta(hours=1),
        )
    packet = services.send_packet(room.alice, room.circle.pk, total=100, count=1)
    # strangers cannot see or grab it
    with pytest.raises(PermissionDenied):
        services.grab(room.stranger, packet.pk)
    assert wallets.wallet_balance(room.stranger) == 0
    assert ledger_clean()


def test_wallet_history_lists_every_movement(room: Room) -> None:
    packet = services.send_packet(room.alice, room.circle.pk, total=100, count=1)
    services.grab(room.bob, packet.pk)
    lines = wallets.wallet_history(room.alice)
    assert [line.amount for line in lines] == [-100, 10_000]
    assert [line.kind for line in wallets.wallet_history(room.bob)] == [services.KIND_GRAB]


def test_timer_command_and_chat_history_card(room: Room, api: Any) -> None:
    # given a scheduled store packet, nobody grabbing it
    at = timezone.now() + timedelta(minutes=10)
    scheduled = services.send_packet(
        room.owner, room.circle.pk, total=200, count=2, from_store=True, visible_at=at
    )
    # when the timers command runs (twice) after it appeared and expired
    with time_machine.travel(at + timedelta(hours=24, seconds=1)):
        out = io.StringIO()
        call_command("run_redpacket_timers", stdout=out)
        assert "Published 1, refunded 1" in out.getvalue()
        call_command("run_redpacket_timers", stdout=out)
        assert "Published 0, refunded 0" in out.getvalue()
    # then the card is in the circle's chat history as a red packet card
    history = api(room.bob).get(f"circles/{room.circle.pk}/messages").json()
    cards = [m["card"] for m in history["items"] if m["card"].get("type") == "red_packet"]
    assert [c["packet_id"] for c in cards] == [scheduled.pk]
    assert owed(available_account(room.store.pk)) == 50_000
