"""Timers with time travel: an unpaid order cancels after its window and its stock returns —
when the task runs, when it runs twice, and when it never runs and the order is next read.
Shipped orders are received automatically; received orders complete and are settled."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from quanzi.ledger.store_accounts import store_balance
from quanzi.orders import tasks
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.aftersales import reject_after_sale, request_after_sale
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.postings import is_settled
from quanzi.orders.services.timers import refresh_order
from quanzi.orders.services.transitions import confirm_receipt, ship_order
from tests.orders.conftest import Shop, pay, pay_through_sandbox, place, stock_of

pytestmark = pytest.mark.django_db
S = OrderStatus


def later(**delta: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + timedelta(**delta), tick=False)


def test_placing_an_order_schedules_its_cancel_task_at_the_deadline(
    shop: Shop, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    default_task_backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        order = place(shop)
    [result] = default_task_backend.results  # type: ignore[attr-defined]
    assert result.task.func is tasks.cancel_unpaid_order.func
    assert list(result.args) == [order.pk]
    assert result.task.run_after == order.pay_deadline
    window = order.pay_deadline - order.created_at
    assert timedelta(minutes=30) - timedelta(seconds=1) < window <= timedelta(minutes=30)


def test_the_cancel_task_does_nothing_before_the_deadline(shop: Shop):
    order = place(shop, 2)
    with later(minutes=29):
        assert tasks.cancel_unpaid_order.call(order.pk) is False
    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT
    assert stock_of(shop.sku) == 8


def test_an_unpaid_order_cancels_after_its_window_even_if_the_task_runs_twice(shop: Shop):
    # given an unpaid order of 3 units in a store with a 15-minute window
    shop.store.payment_window_minutes = 15
    shop.store.save()
    order = place(shop, 3)
    assert stock_of(shop.sku) == 7
    # when the cancel task runs after the window, twice
    with later(minutes=16):
        assert tasks.cancel_unpaid_order.call(order.pk) is True
        assert tasks.cancel_unpaid_order.call(order.pk) is False
    # then the order is cancelled once and its stock came back once
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert stock_of(shop.sku) == 10
    assert order.events.filter(to_status=S.CANCELLED, actor=None).count() == 1


def test_when_the_task_never_runs_reading_the_order_cancels_it(api, client, shop: Shop):
    # given an unpaid order whose cancel task was lost
    order = place(shop, 4)
    with later(minutes=31):
        # when the buyer next reads it (API detail)
        r = api(shop.buyer).get(f"orders/{order.pk}")
        # then it is shown cancelled and the stock is back
        assert r.json()["status"] == S.CANCELLED
        assert stock_of(shop.sku) == 10
        # and reading it again (page, list) or a late task changes nothing more
        client.force_login(shop.buyer)
        assert client.get(f"/orders/{order.pk}/").status_code == 200
        assert api(shop.buyer).get("orders").json()["items"][0]["status"] == S.CANCELLED
        assert tasks.cancel_unpaid_order.call(order.pk) is False
    assert stock_of(shop.sku) == 10
    assert order.events.filter(to_status=S.CANCELLED).count() == 1


def test_a_list_read_cancels_overdue_orders_of_the_page(api, shop: Shop):
    order = place(shop, 2)
    with later(hours=1):
        items = api(shop.owner).get(f"orders/store/{shop.store.pk}").json()["items"]
    assert items[0]["status"] == S.CANCELLED
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert stock_of(shop.sku) == 10


def test_paying_after_a_cancel_is_refused(shop: Shop):
    order = place(shop)
    with later(minutes=31):
        refresh_order(order)
        assert on_payment_captured(order.pk, "pay_late") is False
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED


def test_shipped_orders_are_received_automatically(shop: Shop):
    # given a store that auto-receives after 10 days, and an order shipped now
    shop.store.auto_receive_days = 10
    shop.store.save()
    order = ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901")
    # when the task runs too early, nothing happens
    with later(days=9):
        assert tasks.auto_receive_order.call(order.pk) is False
    # when it runs after the window, twice
    with later(days=10, minutes=1):
        assert tasks.auto_receive_order.call(order.pk) is True
        assert tasks.auto_receive_order.call(order.pk) is False
    # then the order is received, dated when the window closed
    order.refresh_from_db()
    assert order.status == S.RECEIVED
    assert order.received_at == order.auto_receive_at
    assert order.events.get(to_status=S.RECEIVED).actor is None


def test_completion_settles_the_order_to_the_store(shop: Shop, django_capture_on_commit_callbacks):
    # given an order paid through the provider, shipped and received
    order = pay_through_sandbox(place(shop, 2), django_capture_on_commit_callbacks)
    ship_order(shop.owner, order.pk, "EMS", "1012345678901")
    order = confirm_receipt(shop.buyer, order.pk)
    assert store_balance(shop.store.pk).escrow == order.total
    # when the after-sales window (7 days) has passed and the task runs twice
    with later(days=7, minutes=1):
        assert tasks.complete_order.call(order.pk) is True
        assert tasks.complete_order.call(order.pk) is False
    # then the order is completed and the money moved from escrow to available, once
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert is_settled(order.pk)
    balance = store_balance(shop.store.pk)
    assert (balance.escrow, balance.available) == (0, order.total)


def test_an_open_after_sales_request_holds_completion(shop: Shop):
    order = confirm_receipt(
        shop.buyer, ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901").pk
    )
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind="return_refund", amount=100, reason="有瑕疵"
    )
    with later(days=8):
        assert tasks.complete_order.call(order.pk) is False
        assert Order.objects.get(pk=order.pk).status == S.AFTER_SALES
        # when the merchant rejects after the window, the order completes on its next read
        reject_after_sale(shop.owner, order.pk, after_sale.pk, "不影响使用")
        refresh_order(order)
        assert order.status == S.COMPLETED


def test_an_order_never_read_for_a_month_chains_receive_and_complete(shop: Shop):
    order = ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901")
    with later(days=30):
        refresh_order(order)
    assert order.status == S.COMPLETED
    assert [e.to_status for e in order.events.all()][-2:] == [S.RECEIVED, S.COMPLETED]


def test_the_sweep_command_applies_every_overdue_timer(shop: Shop):
    unpaid = place(shop, 2)
    shipped = ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901")
    with later(days=8):
        fresh = place(shop)
        out = io.StringIO()
        call_command("run_order_timers", stdout=out)
    assert "2 order(s)" in out.getvalue()
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[unpaid.pk] == S.CANCELLED
    assert statuses[shipped.pk] == S.RECEIVED
    assert statuses[fresh.pk] == S.PENDING_PAYMENT
