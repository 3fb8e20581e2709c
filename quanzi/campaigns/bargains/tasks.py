"""Bargain timers as background tasks; idempotent (a second run or a late run does nothing
more than the first), and re-checked when a bargain is read (`services.refresh_bargain`)."""

from __future__ import annotations

from django_tasks import task

from quanzi.campaigns.bargains import services


@task()
def expire_bargain(bargain_id: str) -> bool:
    """Expire a bargain that was not bought within its time limit."""
    return services.expire_bargain(bargain_id)
