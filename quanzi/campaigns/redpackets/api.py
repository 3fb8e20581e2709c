"""Red packets API (thin: schema in → service call → schema out); the wallet's endpoints under
/api/v1/redpackets/wallet are the wallets' app's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.campaigns.redpackets import services
from quanzi.campaigns.redpackets.models import PacketKind, RedPacket
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema

router = Router(auth=AUTH)


class PacketIn(Schema):
    total: int = Field(description="fen, at least one per share")
    count: int = Field(description="number of shares")
    kind: str = Field(default=PacketKind.RANDOM, description="random (拼手气) or equal")
    greeting: str = ""
    from_store: bool = Field(default=False, description="paid by the circle's store (staff)")
    visible_at: datetime | None = Field(
        default=None, description="store packets only: when it appears in the circle"
    )


class PacketUserOut(Schema):
    id: str
    name: str


class GrabOut(Schema):
    user: PacketUserOut
    amount: int
    at: datetime
    is_best: bool


class PacketOut(Schema):
    id: str
    circle_id: str
    sender: PacketUserOut
    store: str | None
    kind: str
    total: int
    count: int
    grabbed: int
    greeting: str
    visible_at: datetime
    expires_at: datetime
    refunded_amount: int


class PacketDetailOut(PacketOut):
    state: str
    mine: int | None
    grabbed_total: int
    grabs: list[GrabOut]


class GrabResultOut(Schema):
    amount: int
    already: bool
    packet: PacketDetailOut


def _person(user: Any) -> dict[str, str]:
    return {"id": user.public_id, "name": user.display_name}


def _packet(packet: RedPacket, grabbed: int) -> dict[str, Any]:
    return {
        "id": packet.pk,
        "circle_id": packet.circle_id,
        "sender": _person(packet.sender),
        "store": packet.store.name if packet.store else None,
        "kind": packet.kind,
        "total": packet.total,
        "count": packet.count,
        "grabbed": grabbed,
        "greeting": packet.greeting,
        "visible_at": packet.visible_at,
        "expires_at": packet.expires_at,
        "refunded_amount": packet.refunded_amount,
    }


def _detail(user: Any, packet: RedPacket) -> dict[str, Any]:
    view = services.packet_view(user, packet)
    return {
        **_packet(packet, len(view.grabs)),
        "state": view.state,
        "mine": view.mine,
        "grabbed_total": view.grabbed_total,
        "grabs": [
            {"user": _person(g.user), "amount": g.amount, "at": g.at, "is_best": g.is_best}
            for g in view.grabs
        ],
    }


@router.get("/circles/{circle_id}", response=list[PacketOut])
def circle_packets(request: HttpRequest, circle_id: str) -> list[dict[str, Any]]:
    """The circle's red packets, newest first (members only)."""
    _circle, packets = services.circle_packets(current_user(request), circle_id)
    rows = packets.annotate(n=Count("shares", filter=Q(shares__claimed_by__isnull=False)))[:100]
    return [_packet(p, p.n) for p in rows]  # type: ignore[attr-defined]


@router.post("/circles/{circle_id}", response={201: PacketDetailOut})
@idempotent("redpackets.send")
def send(request: HttpRequest, circle_id: str, data: PacketIn) -> Status[Any]:
    """Send a red packet in the circle (Idempotency-Key recommended)."""
    user = current_user(request)
    packet = services.send_packet(
        user,
        circle_id,
        total=data.total,
        count=data.count,
        kind=data.kind,
        greeting=data.greeting,
        from_store=data.from_store,
        visible_at=data.visible_at,
    )
    return Status(201, _detail(user, packet))


@router.get("/{packet_id}", response=PacketDetailOut)
def packet_detail(request: HttpRequest, packet_id: str) -> dict[str, Any]:
    """A packet with every grab and the 手气最佳 mark once fully grabbed."""
    user = current_user(request)
    return _detail(user, services.access_packet(user, packet_id))


@router.post("/{packet_id}/grab", response=GrabResultOut)
def grab(request: HttpRequest, packet_id: str) -> dict[str, Any]:
    """Grab one share into the caller's wallet (a repeat returns the first grab)."""
    user = current_user(request)
    result = services.grab(user, packet_id)
    packet = services.access_packet(user, packet_id)
    return {
        "amount": result.share.amount,
        "already": result.already,
        "packet": _detail(user, packet),
    }
