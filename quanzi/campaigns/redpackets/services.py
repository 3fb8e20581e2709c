"""Red packets (红包): the only writers of this app.

Design (docs/campaigns.md, "Red packets and wallets"):

- Members send from and grab into their wallets (`quanzi.wallets`: the ledger account
  wallet:<user public id>); a packet's money waits in its own account redpacket:<packet id>.
- A packet is cut into its shares when it is sent (`split`): "random" (拼手气) uses the
  double-mean rule share by share — each share takes a random amount in
  [1, 2 × remaining / remaining_count − 1] fen (never leaving less than 1 fen for each share
  after it), the last share takes the rest; "equal" gives T // N to each share and one more fen
  to the first T % N. The money moves at once from the sender's wallet (or, for a store packet,
  from store:<id>:available) to redpacket:<id>.
- A grab claims the first free share with a conditional update (`claimed_by IS NULL`), shares
  tried in index order, and (packet, claimed_by) is unique: concurrent grabs never take one share
  twice and nobody grabs twice. The share's amount moves from redpacket:<id> to the grabber's
  wallet in the same transaction.
- Timers (rule 5): a scheduled packet appears (its chat card is posted) at `visible_at`, an
  expired one returns its unclaimed shares to the sender at `expires_at`; both are background
  tasks AND re-checked when the packet or the circle's packets are read, and both are claimed
  with conditional updates, so running twice does nothing the second time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.campaigns.redpackets.errors import RedPacketCode
from quanzi.campaigns.redpackets.locks import lock_packet
from quanzi.campaigns.redpackets.models import PacketKind, RedPacket, Share
from quanzi.circles.errors import CircleCode
from quanzi.circles.models import Circle
from quanzi.circles.services.access import access_circle
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.core.events import enqueue_on_commit
from quanzi.core.ids import is_public_id
from quanzi.ledger.accounts import register_account_type
from quanzi.ledger.kinds import register_transaction_kind
from quanzi.ledger.models import AccountKind, Entry
from quanzi.ledger.services import owed, post_transaction
from quanzi.ledger.store_accounts import available_account
from quanzi.stores.models import StaffRole
from quanzi.stores.services import role_in
from quanzi.wallets.errors import WalletCode
from quanzi.wallets.services import wallet_account

MAX_SHARES = 1000
MAX_TOTAL = 2_000_000  # ¥20,000 per packet
MAX_GREETING = 60
LIFETIME = timedelta(hours=24)
MAX_SCHEDULE_AHEAD = timedelta(days=30)

KIND_SEND = "redpacket.send"
KIND_GRAB = "redpacket.grab"
KIND_REFUND = "redpacket.refund"

_rng = random.SystemRandom()


# --- Accounts ------------------------------------------------------------------------------


def register_accounts() -> None:
    """The money a packet holds until it is grabbed or refunded: owed to people."""
    register_account_type("redpacket:{packet}", AccountKind.LIABILITY)


def packet_account(packet_id: str) -> str:
    return f"redpacket:{packet_id}"


def _circles_of(entries: Sequence[Entry]) -> Mapping[int, str]:
    """A packet's movements name the circle it was sent in (the reference is the packet's id,
    or "<packet id>:<share>" for a grab)."""
    packet_of = {entry.pk: entry.transaction.reference.split(":")[0] for entry in entries}
    circles = dict(
        RedPacket.objects.filter(pk__in=set(packet_of.values())).values_list("pk", "circle__name")
    )
    return {pk: circles[packet] for pk, packet in packet_of.items() if packet in circles}


def register_kinds() -> None:
    register_transaction_kind(KIND_SEND, _("Red packet sent"), detail=_circles_of)
    register_transaction_kind(KIND_GRAB, _("Red packet grabbed"), detail=_circles_of)
    register_transaction_kind(KIND_REFUND, _("Red packet returned"), detail=_circles_of)


# --- Splitting -----------------------------------------------------------------------------


def split(total: int, count: int, kind: str, rng: random.Random | None = None) -> list[int]:
    """Cut `total` fen into `count` shares of at least 1 fen that sum exactly to `total`."""
    if count < 1 or total < count:
        raise ValueError("a packet needs total >= count >= 1")
    if kind == PacketKind.EQUAL:
        base, extra = divmod(total, count)
        return [base + 1 if i < extra else base for i in range(count)]
    rng = rng or _rng
    shares: list[int] = []
    remaining, left = total, count
    while left > 1:
        upper = min(2 * remaining // left - 1, remaining - (left - 1))
        amount = rng.randint(1, max(1, upper))
        shares.append(amount)
        remaining -= amount
        left -= 1
    shares.append(remaining)
    return shares


# --- Permissions ---------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def access_packet(user: User | None, packet_id: str) -> RedPacket:
    """The packet, for an active member of its circle (and only once it appeared, except for its
    sender). Applies the packet's due timers first."""
    packet = (
        RedPacket.objects.select_related("circle", "sender", "store").filter(pk=packet_id).first()
        if is_public_id(packet_id)
        else None
    )
    if packet is None:
        raise NotFound(_("Red packet not found."))
    access_circle(user, packet.circle_id, need="member")
    refresh_packet(packet)
    if packet.published_at is None and packet.sender != user:
        raise NotFound(_("Red packet not found."))
    return packet


def _check_input(total: Any, count: Any, kind: str, greeting: str) -> str:
    if kind not in PacketKind.values:
        raise InvalidInput(_("Choose lucky draw or equal shares."), code=CircleCode.INVALID_KIND)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidInput(
            _("A red packet needs at least one share."), code=RedPacketCode.INVALID_COUNT
        )
    if count > MAX_SHARES:
        raise InvalidInput(
            _("A red packet can have at most %(n)d shares.") % {"n": MAX_SHARES},
            code=RedPacketCode.INVALID_COUNT,
        )
    if not isinstance(total, int) or isinstance(total, bool) or total < count:
        raise InvalidInput(
            _("The total must give every share at least ¥0.01."), code=RedPacketCode.INVALID_TOTAL
        )
    if total > MAX_TOTAL:
        raise InvalidInput(
            _("A red packet can hold at most ¥%(n)d.") % {"n": MAX_TOTAL // 100},
            code=RedPacketCode.INVALID_TOTAL,
        )
    greeting = (greeting or "").strip()
    if len(greeting) > MAX_GREETING:
        raise InvalidInput(
            _("The greeting can have at most %(n)d characters.") % {"n": MAX_GREETING},
            code=RedPacketCode.INVALID_GREETING,
        )
    return greeting


def _check_visible_at(visible_at: datetime | None, now: datetime) -> datetime:
    if visible_at is None:
        return now
    visible_at = _aware(visible_at)
    if visible_at <= now or visible_at > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput(
            _("A scheduled red packet must appear within the next 30 days."),
            code=RedPacketCode.INVALID_VISIBLE_AT,
        )
    return visible_at


# --- Sending -------------------------------------------------------------------------------


def send_packet(
    user: User,
    circle_id: str,
    *,
    total: int,
    count: int,
    kind: str = PacketKind.RANDOM,
    greeting: str = "",
    from_store: bool = False,
    visible_at: datetime | None = None,
) -> RedPacket:
    """Send a packet in a circle, paid at once from the sender's wallet or (from_store: the
    store's owner only, in the store's circle — staff could otherwise send store money to a
    packet they grab themselves) from the store's available balance. Only store packets
    can be scheduled. Refused with nothing written when the money is not there."""
    circle, _membership = access_circle(user, circle_id, need="member")
    greeting = _check_input(total, count, kind, greeting)
    now = timezone.now()
    if from_store:
        if circle.store is None or role_in(user, circle.store) != StaffRole.OWNER:
            raise PermissionDenied(
                _("Only the store's owner can send a red packet from the store."),
                code=RedPacketCode.NOT_STORE_OWNER,
            )
        visible_at = _check_visible_at(visible_at, now)
        source = available_account(circle.store.pk)
    else:
        if visible_at is not None:
            raise InvalidInput(
                _("Only store red packets can be scheduled."), code=RedPacketCode.INVALID_VISIBLE_AT
            )
        visible_at = now
        source = wallet_account(user)
    with transaction.atomic():
        packet = RedPacket.objects.create(
            circle=circle,
            sender=user,
            store_id=circle.store_id if from_store else None,
            kind=kind,
            total=total,
            count=count,
            greeting=greeting,
            visible_at=visible_at,
            expires_at=visible_at + LIFETIME,
        )
        Share.objects.bulk_create(
            Share(packet=packet, index=i, amount=amount)
            for i, amount in enumerate(split(total, count, kind))
        )
        post_transaction(
            KIND_SEND,
            packet.pk,
            [(source, total), (packet_account(packet.pk), -total)],
            memo=f"red packet {packet.pk} sent",
        )
        # The source account is locked by the posting until commit: read what is left.
        if owed(source) < 0:
            raise Conflict(
                _("Not enough balance to send this red packet."),
                code=WalletCode.INSUFFICIENT_BALANCE,
            )
        _schedule(packet)
    if packet.visible_at <= now:
        publish_packet(packet.pk)
        packet.refresh_from_db()
    return packet


def _schedule(packet: RedPacket) -> None:
    from quanzi.campaigns.redpackets import tasks

    enqueue_on_commit(tasks.publish_red_packet, packet.visible_at, packet.pk)
    enqueue_on_commit(tasks.expire_red_packet, packet.expires_at, packet.pk)


def card_of(packet: RedPacket, grabbed: int = 0) -> dict[str, Any]:
    """The packet's chat card; `grabbed` (the shares taken so far) only grows, so the chat keeps
    the newest state however the refreshes interleave."""
    return {
        "type": "red_packet",
        "packet_id": packet.pk,
        "kind": packet.kind,
        "count": packet.count,
        "grabbed": grabbed,
        "greeting": packet.greeting,
        "store": packet.store.name if packet.store else None,
        "url": f"/redpackets/{packet.pk}/",
    }


def publish_packet(packet_id: str) -> bool:
    """Post the packet's chat card once its time has come; False when not due or done."""
    from quanzi.circles.services import chat

    with transaction.atomic():
        now = timezone.now()
        claimed = RedPacket.objects.filter(
            pk=packet_id, published_at=None, visible_at__lte=now
        ).update(published_at=now)
        if not claimed:
            return False
        packet = RedPacket.objects.select_related("circle", "sender", "store").get(pk=packet_id)
        text = packet.greeting or str(_("Red packet"))
        message = chat.post_card(
            packet.sender,
            packet.circle,
            card=card_of(packet),
            text=text,
            client_id=f"redpacket-{packet.pk}",
        )
        RedPacket.objects.filter(pk=packet.pk).update(message=message)
    return True


def refresh_card(packet_id: str) -> bool:
    """Redraw the packet's chat card with the grabs committed so far (run after a grab
    commits: the last refresh to run counts every grab)."""
    from quanzi.circles.services import chat

    packet = RedPacket.objects.select_related("store").filter(pk=packet_id).first()
    if packet is None or packet.message_id is None:
        return False
    grabbed = Share.objects.filter(packet=packet, claimed_by__isnull=False).count()
    return chat.refresh_card(packet.message_id, card_of(packet, grabbed), version="grabbed")


def expire_packet(packet_id: str) -> bool:
    """Return the unclaimed shares of an expired packet to its sender, once."""
    with transaction.atomic():
        packet = lock_packet(packet_id)
        now = timezone.now()
        if packet is None or packet.refunded_at is not None or packet.expires_at > now:
            return False
        Share.objects.filter(packet=packet, claimed_by=None, refunded=False).update(refunded=True)
        amount = (
            Share.objects.filter(packet=packet, refunded=True).aggregate(s=Sum("amount"))["s"] or 0
        )
        if amount:
            source = (
                available_account(packet.store_id)
                if packet.store_id
                else wallet_account(packet.sender)
            )
            post_transaction(
                KIND_REFUND,
                packet.pk,
                [(packet_account(packet.pk), amount), (source, -amount)],
                memo=f"red packet {packet.pk} expired: unclaimed returned",
            )
        RedPacket.objects.filter(pk=packet.pk).update(refunded_at=now, refunded_amount=amount)
    return True


def refresh_packet(packet: RedPacket) -> None:
    """The read-time re-check of the packet's timers (idempotent)."""
    now = timezone.now()
    changed = False
    if packet.published_at is None and packet.visible_at <= now:
        changed |= publish_packet(packet.pk)
    if packet.refunded_at is None and packet.expires_at <= now:
        changed |= expire_packet(packet.pk)
    if changed:
        packet.refresh_from_db()


def _apply_due(packets: QuerySet[RedPacket]) -> tuple[int, int]:
    now = timezone.now()
    due = packets.filter(published_at=None, visible_at__lte=now).values_list("pk", flat=True)
    published = sum(publish_packet(pk) for pk in due)
    late = packets.filter(refunded_at=None, expires_at__lte=now).values_list("pk", flat=True)
    expired = sum(expire_packet(pk) for pk in late)
    return published, expired


def apply_due(circle: Circle) -> None:
    """Apply every due timer of a circle's packets (read-time re-check)."""
    _apply_due(RedPacket.objects.filter(circle=circle))


def apply_due_of_sender(user: User) -> None:
    """Refund the user's own expired packets before their wallet is shown (read-time re-check:
    the sender sees unclaimed money back even when no one opened the circle)."""
    _apply_due(RedPacket.objects.filter(sender=user, refunded_at=None))


def on_wallet_opened(sender: Any, user: User, **kwargs: Any) -> None:
    """Receiver of wallets' `wallet_opened` (connected in RedPacketsConfig.ready)."""
    apply_due_of_sender(user)


def apply_all_due() -> tuple[int, int]:
    """Apply every due packet timer (manage.py run_redpacket_timers): (published, refunded)."""
    return _apply_due(RedPacket.objects.all())


def circle_packets(user: User | None, circle_id: str) -> tuple[Circle, QuerySet[RedPacket]]:
    """A circle's packets that appeared (and the caller's own scheduled ones), newest first."""
    circle, _membership = access_circle(user, circle_id, need="member")
    apply_due(circle)
    packets = RedPacket.objects.filter(circle=circle).select_related("sender", "store")
    visible = packets.filter(published_at__isnull=False) | packets.filter(sender=user)
    return circle, visible.order_by("-visible_at")


# --- Grabbing ------------------------------------------------------------------------------


@dataclass
class Grab:
    share: Share
    already: bool  # the caller had grabbed this packet before


def grab(user: User, packet_id: str) -> Grab:
    """Take one share of the packet into the caller's wallet (once per member)."""
    packet = access_packet(user, packet_id)
    mine = Share.objects.filter(packet=packet, claimed_by=user).first()
    if mine is not None:
        return Grab(mine, already=True)
    if packet.published_at is None:
        raise Conflict(_("This red packet has not appeared yet."), code=RedPacketCode.NOT_YET)
    if packet.refunded_at is not None or packet.expires_at <= timezone.now():
        raise Conflict(_("This red packet has expired."), code=RedPacketCode.EXPIRED)
    free = list(
        Share.objects.filter(packet=packet, claimed_by=None, refunded=False)
        .order_by("index")
        .values_list("pk", flat=True)
    )
    for share_pk in free:
        try:
            with transaction.atomic():
                taken = Share.objects.filter(pk=share_pk, claimed_by=None, refunded=False).update(
                    claimed_by=user, claimed_at=timezone.now()
                )
                if not taken:
                    continue
                share = Share.objects.get(pk=share_pk)
                post_transaction(
                    KIND_GRAB,
                    f"{packet.pk}:{share.index}",
                    [
                        (packet_account(packet.pk), share.amount),
                        (wallet_account(user), -share.amount),
                    ],
                    memo=f"red packet {packet.pk} grabbed",
                )
                transaction.on_commit(lambda: refresh_card(packet.pk))
                return Grab(share, already=False)
        except IntegrityError:  # the same member grabbed concurrently: one grab only
            return Grab(Share.objects.get(packet=packet, claimed_by=user), already=True)
    raise Conflict(_("All shares of this red packet were grabbed."), code=RedPacketCode.ALL_GRABBED)


# --- Reading -------------------------------------------------------------------------------


@dataclass
class GrabLine:
    user: User
    amount: int
    at: datetime
    is_best: bool


@dataclass
class PacketView:
    packet: RedPacket
    grabs: list[GrabLine]
    grabbed_total: int
    mine: int | None  # what the caller grabbed, if any
    state: str  # "scheduled" | "open" | "finished" | "expired"


def packet_view(user: User | None, packet: RedPacket) -> PacketView:
    """What the packet page shows: every grab in order, and 手气最佳 once fully grabbed (the
    largest share; on a tie, the first grabbed)."""
    shares = list(
        Share.objects.filter(packet=packet, claimed_by__isnull=False)
        .select_related("claimed_by")
        .order_by("claimed_at", "index")
    )
    best: Share | None = None
    if len(shares) == packet.count:
        for share in shares:
            if best is None or share.amount > best.amount:
                best = share
    grabs = [
        GrabLine(s.claimed_by, s.amount, s.claimed_at, s is best)  # type: ignore[arg-type]
        for s in shares
    ]
    mine = next((s.amount for s in shares if user is not None and s.claimed_by_id == user.pk), None)
    if packet.published_at is None:
        state = "scheduled"
    elif len(shares) == packet.count:
        state = "finished"
    elif packet.refunded_at is not None:
        state = "expired"
    else:
        state = "open"
    return PacketView(packet, grabs, sum(s.amount for s in shares), mine, state)
