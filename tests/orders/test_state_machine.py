"""The order state machine: every transition recorded, every invalid one a 409, after-sales
with refunds through the sandbox payment provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quanzi.catalog.models import Product
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.orders.models import AfterSale, AfterSaleStatus, Order, OrderStatus
from quanzi.orders.services.aftersales import (
    approve_after_sale,
    reject_after_sale,
    request_after_sale,
    withdraw_after_sale,
)
from quanzi.orders.services.payment_events import (
    NOTE_LATE_REFUND,
    on_late_payment_returned,
    on_payment_captured,
    on_refund_succeeded,
)
from quanzi.orders.services.state import move_or_refuse
from quanzi.orders.services.transitions import (
    REFUSE_SHIP,
    cancel_order,
    confirm_receipt,
    ship_order,
)
from tests.orders.conftest import Shop, pay, pay_through_sandbox, place, stock_of

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_the_happy_path_records_every_transition(shop: Shop, make_order):
    # given a placed order for 2 units
    order = place(shop, 2)
    # when it is paid, shipped and received
    order = pay(order)
    assert order.paid_at is not None
    assert Product.objects.get(pk=shop.sku.product_id).sales_count == 2
    order = ship_order(shop.staff, order.pk, "顺丰速运", "sf1234567890123")
    assert (order.carrier, order.tracking_number) == ("SF", "SF1234567890123")
    assert order.auto_receive_at is not None
    order = confirm_receipt(shop.buyer, order.pk)
    assert order.complete_at is not None
    # then each step is an event with its actor
    events = list(order.events.values_list("from_status", "to_status", "actor__username"))
    assert events == [
        ("", S.PENDING_PAYMENT, "buyer"),
        (S.PENDING_PAYMENT, S.PAID, None),
        (S.PAID, S.SHIPPED, "staffer"),
        (S.SHIPPED, S.RECEIVED, "buyer"),
    ]


def test_a_capture_is_idempotent_and_refused_for_another_payment_or_a_closed_order(shop: Shop):
    order = place(shop)
    assert on_payment_captured(order.pk, "pay_a") is True
    assert on_payment_captured(order.pk, "pay_a") is True  # replay
    assert on_payment_captured(order.pk, "pay_b") is False  # a second payment
    assert Product.objects.get(pk=shop.sku.product_id).sales_count == 1
    cancelled = place(shop)
    cancel_order(shop.buyer, cancelled.pk)
    assert on_payment_captured(cancelled.pk, "pay_c") is False
    assert on_payment_captured("unknown", "pay_d") is False
    assert Order.objects.get(pk=cancelled.pk).status == S.CANCELLED


def test_cancel_returns_the_stock_once(shop: Shop):
    order = place(shop, 3)
    assert stock_of(shop.sku) == 7
    cancel_order(shop.buyer, order.pk)
    with pytest.raises(Conflict):
        cancel_order(shop.buyer, order.pk)
    assert stock_of(shop.sku) == 10
    assert Order.objects.get(pk=order.pk).cancelled_at is not None


def test_shipping_needs_a_carrier_and_a_clean_tracking_number(shop: Shop):
    order = pay(place(shop))
    for carrier, tracking in (
        ("", "SF1"),
        ("顺丰", ""),
        ("顺丰", "SF 1<script>"),
        ("顺丰", "x" * 61),
    ):
        with pytest.raises(InvalidInput):
            ship_order(shop.owner, order.pk, carrier, tracking)
    assert Order.objects.get(pk=order.pk).status == S.PAID


def _after_sales(shop: Shop) -> Order:
    order = pay(place(shop))
    request_after_sale(shop.buyer, order.pk, kind="refund_only", amount=100, reason="不想要了")
    return Order.objects.get(pk=order.pk)


def _refunded(shop: Shop) -> Order:
    order = _after_sales(shop)
    on_refund_succeeded(order.pk, order.total, order.after_sales.get().pk)
    return Order.objects.get(pk=order.pk)


def _completed(shop: Shop) -> Order:
    order = _received(shop)
    Order.objects.filter(pk=order.pk).update(status=S.COMPLETED)
    return Order.objects.get(pk=order.pk)


def _received(shop: Shop) -> Order:
    order = ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901")
    return confirm_receipt(shop.buyer, order.pk)


def _cancelled(shop: Shop) -> Order:
    return cancel_order(shop.buyer, place(shop).pk)


STATES: dict[str, Callable[[Shop], Order]] = {
    S.PENDING_PAYMENT: place,
    S.PAID: lambda shop: pay(place(shop)),
    S.SHIPPED: lambda shop: ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901"),
    S.RECEIVED: _received,
    S.COMPLETED: _completed,
    S.CANCELLED: _cancelled,
    S.AFTER_SALES: _after_sales,
    S.REFUNDED: _refunded,
}

ACTIONS: dict[str, tuple[set[str], Callable[[Shop, Order], object]]] = {
    "cancel": ({S.PENDING_PAYMENT}, lambda shop, o: cancel_order(shop.buyer, o.pk)),
    "ship": ({S.PAID}, lambda shop, o: ship_order(shop.staff, o.pk, "EMS", "1012345678902")),
    "confirm": ({S.SHIPPED}, lambda shop, o: confirm_receipt(shop.buyer, o.pk)),
    "after_sales": (
        {S.PAID, S.SHIPPED, S.RECEIVED},
        lambda shop, o: request_after_sale(
            shop.buyer, o.pk, kind="refund_only", amount=1, reason="坏了"
        ),
    ),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_invalid_transition_is_a_conflict(shop: Shop, state: str, action: str):
    # given an order in `state`
    order = STATES[state](shop)
    assert order.status == state
    allowed, act = ACTIONS[action]
    if state in allowed:
        act(shop, order)  # allowed: it works
        return
    events = order.events.count()
    # when an action not allowed in that state is tried
    with pytest.raises(Conflict) as refused:
        act(shop, order)
    # then it is a clear conflict and nothing changed
    assert refused.value.code in ("invalid_transition", "not_shipped")
    assert refused.value.status == 409
    assert Order.objects.get(pk=order.pk).status == state
    assert order.events.count() == events


def test_an_invalid_transition_is_409_through_the_api(api, shop: Shop):
    order = place(shop)
    r = api(shop.owner).post(
        f"orders/{order.pk}/ship",
        {"carrier": "EMS", "tracking_number": "E1"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"
    assert "Awaiting payment" in r.json()["detail"]


def test_a_stale_copy_cannot_win_a_transition(shop: Shop):
    # given two copies of one paid order, as two concurrent requests would hold
    order = pay(place(shop))
    stale = Order.objects.get(pk=order.pk)
    ship_order(shop.staff, order.pk, "EMS", "1012345678901")
    # when the stale copy is moved by the internal conditional update
    with pytest.raises(Conflict):
        move_or_refuse(
            stale,
            S.SHIPPED,
            allowed=(S.PAID,),
            refusal=REFUSE_SHIP,
            actor=shop.owner,
            note="",
        )
    # then only one shipping was recorded
    assert order.events.filter(to_status=S.SHIPPED).count() == 1


# --- After-sales -------------------------------------------------------------------------


def test_after_sales_rejected_with_a_reason_returns_the_order(shop: Shop):
    order = ship_order(shop.owner, pay(place(shop)).pk, "EMS", "1012345678901")
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind="return_refund", amount=500, reason="颜色不对"
    )
    assert Order.objects.get(pk=order.pk).status == S.AFTER_SALES
    assert Order.objects.get(pk=order.pk).status_before_after_sales == S.SHIPPED
    with pytest.raises(InvalidInput):
        reject_after_sale(shop.staff, order.pk, after_sale.pk, "  ")
    reject_after_sale(shop.staff, order.pk, after_sale.pk, "已发货，不支持退款")
    order.refresh_from_db()
    after_sale.refresh_from_db()
    assert order.status == S.SHIPPED and order.status_before_after_sales == ""
    assert after_sale.status == AfterSaleStatus.REJECTED
    assert after_sale.merchant_reply == "已发货，不支持退款"
    assert after_sale.decided_by == shop.staff
    with pytest.raises(Conflict):
        reject_after_sale(shop.staff, order.pk, after_sale.pk, "again")


def test_after_sales_input_is_checked(shop: Shop):
    order = pay(place(shop))  # ¥67.00 with shipping
    for kwargs in (
        {"kind": "refund_only", "amount": 0, "reason": "x"},
        {"kind": "refund_only", "amount": -5, "reason": "x"},
        {"kind": "refund_only", "amount": order.total + 1, "reason": "x"},
        {"kind": "refund_only", "amount": "12", "reason": "x"},
        {"kind": "refund_only", "amount": 100, "reason": ""},
        {"kind": "exchange", "amount": 100, "reason": "x"},
    ):
        with pytest.raises(InvalidInput):
            request_after_sale(shop.buyer, order.pk, **kwargs)
    with pytest.raises(Conflict) as refused:
        request_after_sale(shop.buyer, order.pk, kind="return_refund", amount=100, reason="x")
    assert refused.value.code == "not_shipped"
    with pytest.raises(NotFound):
        request_after_sale(shop.other, order.pk, kind="refund_only", amount=100, reason="x")
    assert not AfterSale.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_the_buyer_can_withdraw_a_waiting_request(shop: Shop):
    order = _after_sales(shop)
    after_sale = order.after_sales.get()
    withdraw_after_sale(shop.buyer, order.pk, after_sale.pk)
    assert Order.objects.get(pk=order.pk).status == S.PAID
    assert AfterSale.objects.get().status == AfterSaleStatus.WITHDRAWN


def test_a_full_refund_before_shipping_through_the_provider(
    shop: Shop, django_capture_on_commit_callbacks
):
    # given an order paid through the sandbox provider
    order = pay_through_sandbox(place(shop, 2), django_capture_on_commit_callbacks)
    assert stock_of(shop.sku) == 8
    # when the buyer asks for a full refund and the merchant approves
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind="refund_only", amount=order.total, reason="拍错了"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve_after_sale(shop.owner, order.pk, after_sale.pk)
    # then the provider's webhook completed the refund: order refunded, stock back
    order.refresh_from_db()
    after_sale.refresh_from_db()
    assert order.status == S.REFUNDED
    assert order.refunded_amount == order.total
    assert after_sale.status == AfterSaleStatus.REFUNDED
    assert stock_of(shop.sku) == 10
    # and the decided request cannot be approved a second time
    with pytest.raises(Conflict):
        approve_after_sale(shop.owner, order.pk, after_sale.pk)


def test_a_partial_refund_after_shipping_returns_to_the_previous_state(
    shop: Shop, django_capture_on_commit_callbacks
):
    order = pay_through_sandbox(place(shop, 2), django_capture_on_commit_callbacks)
    ship_order(shop.owner, order.pk, "EMS", "1012345678901")
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind="return_refund", amount=1000, reason="一包破了"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve_after_sale(shop.staff, order.pk, after_sale.pk)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.SHIPPED, 1000)
    assert AfterSale.objects.get().status == AfterSaleStatus.REFUNDED
    assert stock_of(shop.sku) == 8  # shipped goods: no stock back
    # and later requests are limited to what is left
    with pytest.raises(InvalidInput):
        request_after_sale(
            shop.buyer, order.pk, kind="refund_only", amount=order.total, reason="再退"
        )


def test_a_refused_refund_reopens_the_request(shop: Shop, monkeypatch):
    # given a waiting request on an order the provider cannot refund (no captured payment)
    order = _after_sales(shop)
    after_sale = order.after_sales.get()
    # when the merchant approves
    with pytest.raises(Conflict):
        approve_after_sale(shop.owner, order.pk, after_sale.pk)
    # then the request waits again, and the merchant can still decide
    assert AfterSale.objects.get().status == AfterSaleStatus.REQUESTED
    reject_after_sale(shop.owner, order.pk, after_sale.pk, "请联系客服")
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_a_refund_never_passes_the_total(shop: Shop):
    order = pay(place(shop))
    on_refund_succeeded(order.pk, order.total + 500, None)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.REFUNDED, order.total)
    on_refund_succeeded(order.pk, 100, None)
    assert Order.objects.get(pk=order.pk).refunded_amount == order.total
    assert stock_of(shop.sku) == 10  # refunded before shipping: stock back, once


def test_a_late_payment_refund_on_a_cancelled_order_keeps_it_cancelled(shop: Shop):
    # given a cancelled order
    order = cancel_order(shop.buyer, place(shop).pk)
    # when a payment that came too late for it is refunded
    on_late_payment_returned(order.pk)
    # then the order stays cancelled, owes and holds nothing, and notes the refund once
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.CANCELLED, 0)
    assert stock_of(shop.sku) == 10
    assert order.events.filter(note=NOTE_LATE_REFUND).count() == 1


def test_a_refund_from_another_payment_than_the_one_that_paid_changes_nothing(shop: Shop):
    # given an order paid by one payment
    order = pay(place(shop))
    # when a refund from some other payment reaches orders
    on_refund_succeeded(order.pk, order.total, None, payment_id="pay_other0000001")
    # then the order is still paid, with nothing refunded and its stock still sold
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (S.PAID, 0)
    assert stock_of(shop.sku) == 9
