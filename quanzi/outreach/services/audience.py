"""The members of a segment, as customers works them out (members who opted out of being
profiled are not in it)."""

from __future__ import annotations

from quanzi.customers.models import Segment
from quanzi.customers.services.segments import members_of


def segment_members(segment: Segment) -> list[int]:
    return members_of(segment)
