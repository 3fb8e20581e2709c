"""Group buying timers. Idempotent: a second or late run of a group's expiry does nothing more,
and reading a group applies a due expiry too (`services.settle_if_due`)."""

from __future__ import annotations

from django_tasks import task

from quanzi.campaigns.groupbuy import services


@task()
def expire_group(group_id: str) -> bool:
    """Complete or fail a group whose time ran out; a failed group's paid seats are refunded."""
    return services.expire_group(group_id)
