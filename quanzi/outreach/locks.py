"""Outreach's row locks. Order: the outreach's row first (sending: the state check and the
frozen audience under it), then what delivery calls below (coupons' conditional updates, a
circle's announcement and notifications), never the other way round."""

from __future__ import annotations

from quanzi.outreach.models import Outreach


def lock_outreach(outreach_id: str) -> Outreach | None:
    return (
        Outreach.objects.select_for_update(of=("self",), no_key=True).filter(pk=outreach_id).first()
    )
