"""Row locks of tracking: the only place that takes them.

The rollup holds its mark row (FOR NO KEY UPDATE, the row only) while it counts a batch and
moves the mark: two rollups at once (two workers, a cron run beside the task) take turns, so
no event is counted twice.
"""

from __future__ import annotations

from quanzi.tracking.models import RollupMark


def lock_mark(name: str) -> RollupMark:
    """The rollup's mark, created at 0 on first use, locked."""
    RollupMark.objects.get_or_create(name=name)
    return RollupMark.objects.select_for_update(of=("self",), no_key=True).get(name=name)
