"""Row locks of red packets: the only place that takes them.

The expiry locks the packet's row, so its unclaimed shares are returned once and the refund is
read from the shares it marked. FOR NO KEY UPDATE of the packet only: the expiry changes no key
of the packet, and no row pointing at it needs to wait.

Lock order: expiry: the packet → its shares → ledger accounts (the refund's posting, code
order). A grab takes its share with a conditional update → ledger accounts. Publishing claims
the packet with a conditional update → the circle (`quanzi.circles.locks.lock_circle`, posting
the card) → the message.
"""

from __future__ import annotations

from quanzi.campaigns.redpackets.models import RedPacket


def lock_packet(packet_id: str) -> RedPacket | None:
    """The packet, locked; None if there is none."""
    return (
        RedPacket.objects.select_for_update(of=("self",), no_key=True).filter(pk=packet_id).first()
    )
