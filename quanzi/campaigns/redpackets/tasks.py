"""Red packet timers as background tasks, idempotent (conditional claims): a task that runs twice,
late, or after a read already applied it does nothing. The same checks run when packets are read."""

from __future__ import annotations

from django_tasks import task

from quanzi.campaigns.redpackets import services


@task()
def publish_red_packet(packet_id: str) -> bool:
    """Post a scheduled packet's chat card once its time has come."""
    return services.publish_packet(packet_id)


@task()
def expire_red_packet(packet_id: str) -> bool:
    """Return an expired packet's unclaimed money to its sender."""
    return services.expire_packet(packet_id)
