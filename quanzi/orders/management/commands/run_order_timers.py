"""Apply every overdue order timer: for cron, or to recover after the task worker was down."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.timers import apply_due_timers


class Command(BaseCommand):
    help = "Cancel unpaid orders past their deadline, auto-receive and complete overdue orders."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        due = Order.objects.filter(
            Q(status=OrderStatus.PENDING_PAYMENT, pay_deadline__lte=now)
            | Q(status=OrderStatus.SHIPPED, auto_receive_at__lte=now)
            | Q(status=OrderStatus.RECEIVED, complete_at__lte=now)
        ).values_list("pk", flat=True)
        count = 0
        for order_id in due.iterator(chunk_size=500):
            apply_due_timers(order_id)
            count += 1
        self.stdout.write(f"Applied the overdue timers of {count} order(s).")
