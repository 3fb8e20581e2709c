"""Order timers as background tasks. Each is idempotent: it acts only if the order is still in
the state the timer was set for and the time has come, so a second run does nothing. The same
checks run when an order is read (`services.timers.refresh_order`) and in
`manage.py run_order_timers`.
"""

from __future__ import annotations

from django_tasks import task

from quanzi.orders.services import timers


@task()
def cancel_unpaid_order(order_id: str) -> bool:
    """Cancel an order not paid within its store's window and return its stock."""
    return timers.expire_unpaid_order(order_id)


@task()
def auto_receive_order(order_id: str) -> bool:
    """Confirm receipt of a shipped order after the store's auto-receive window."""
    return timers.auto_receive_order(order_id)


@task()
def complete_order(order_id: str) -> bool:
    """Complete a received order once its after-sales window closed, settling it to the store."""
    return timers.complete_order(order_id)
