"""Circle timers as background tasks. Each is idempotent: a launch is claimed with a conditional
update, so a task that runs twice, late, or after a read already applied it does nothing. The
same checks run when a circle's announcements are read and in `manage.py run_circle_timers`."""

from __future__ import annotations

from django_tasks import task

from quanzi.circles.services import announcements


@task()
def launch_announcement(announcement_id: str) -> bool:
    """Apply a launch countdown whose time has come (product on shelf, members notified)."""
    return announcements.launch(announcement_id)


@task()
def refresh_coupon_cards(coupon_id: str) -> int:
    """Redraw a coupon's chat cards when its time ends (a card whose version already counts
    the end is left as it is)."""
    from quanzi.circles.services import coupons

    return coupons.refresh_coupon_cards(coupon_id)
