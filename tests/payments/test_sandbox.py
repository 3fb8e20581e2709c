from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import OrderStatus
from quanzi.orders.services.paying import start_payment
from quanzi.orders.services.timers import expire_unpaid_order
from quanzi.orders.services.transitions import cancel_order
from quanzi.payments.models import PaymentStatus, WebhookEvent
from quanzi.payments.providers.sandbox_models import ChargeStatus, SandboxCharge, SandboxEvent
from tests.factories import UserFactory
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db


def test_pay_page_shows_merchant_amount_and_orders_to_the_payer_only(client):
    # given a payment for an order
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    # when the payer opens the pay page
    client.force_login(buyer)
    r = client.get(payment.pay_url, headers={"Accept-Language": "en"})
    # then it shows the merchant, the amount, the items and both buttons
    body = r.content.decode()
    assert r.status_code == 200
    assert order.store.name in body
    assert "¥59.00" in body
    assert order.items.get().title in body
    assert 'data-testid="sandbox-confirm"' in body
    assert 'data-testid="sandbox-decline"' in body
    # and another person gets a 404, an anonymous visitor the login page
    client.force_login(UserFactory())
    assert client.get(payment.pay_url).status_code == 404
    assert client.post(payment.pay_url + "confirm/").status_code == 404
    client.logout()
    assert client.get(payment.pay_url).status_code == 302
    assert SandboxCharge.objects.get().status == ChargeStatus.PENDING


def test_confirm_captures_pays_the_order_and_returns_to_it(
    client, hooks, django_capture_on_commit_callbacks
):
    # given a payment for one order
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    payment = start_payment(buyer, [order])
    client.force_login(buyer)
    # when the payer confirms on the sandbox page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(payment.pay_url + "confirm/")
    # then they return to the order, which is paid, and the money is in the store's escrow
    assert r.status_code == 302
    assert r["Location"] == f"/orders/{order.pk}/?result=succeeded"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert order.status == OrderStatus.PAID
    assert hooks["on_payment_captured"].calls == [(order.pk, payment.pk)]
    assert store_balance(order.store_id).escrow == 5900
    assert WebhookEvent.objects.get().type == "payment.captured"
    assert SandboxEvent.objects.get().delivered_at is not None
    # and confirming again (a double click) changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(payment.pay_url + "confirm/")
    assert r.status_code == 302
    assert WebhookEvent.objects.count() == 1
    assert len(hooks["on_payment_captured"].calls) == 1


def test_decline_fails_the_payment_and_the_order_stays_unpaid(
    client, django_capture_on_commit_callbacks
):
    buyer = UserFactory()
    a, b = make_order(buyer), make_order(buyer)
    payment = start_payment(buyer, [a, b])
    client.force_login(buyer)
    # when the payer declines
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(payment.pay_url + "decline/")
    # then they go back to their orders; the payment failed; the orders wait for payment
    assert r["Location"] == "/orders/?result=declined"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    a.refresh_from_db()
    assert a.status == OrderStatus.PENDING_PAYMENT
    # and the closed charge can no longer be confirmed
    r = client.post(payment.pay_url + "confirm/", headers={"Accept-Language": "en"})
    assert r.status_code == 409
    assert "closed" in r.content.decode()
    # and paying again opens a new payment
    assert start_payment(buyer, [a, b]).pk != payment.pk


def test_an_expired_charge_cannot_be_paid(client, django_capture_on_commit_callbacks):
    buyer = UserFactory()
    payment = start_payment(buyer, [make_order(buyer, minutes_left=30)])
    client.force_login(buyer)
    # when the payer comes back after the pay window
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        page = client.get(payment.pay_url, headers={"Accept-Language": "en"})
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(payment.pay_url + "confirm/", headers={"Accept-Language": "en"})
    # then the page says it expired and confirming is refused without any event
    assert "expired" in page.content.decode()
    assert 'data-testid="sandbox-confirm"' not in page.content.decode()
    assert r.status_code == 409
    assert SandboxEvent.objects.count() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_cancelled_orders_pay_page_refuses_to_charge(client, django_capture_on_commit_callbacks):
    # given a buyer with the pay page of two orders open
    buyer = UserFactory()
    order, other = make_order(buyer, total=5900), make_order(buyer, total=1000)
    payment = start_payment(buyer, [order, other])
    client.force_login(buyer)
    # when one of the orders is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(buyer, order.pk)
    # then the payment and the provider's charge are closed
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert SandboxCharge.objects.get(pk=payment.provider_ref).status == ChargeStatus.CANCELLED
    # and confirming the old page is refused with a clear message, and nothing is charged
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(payment.pay_url + "confirm/", headers={"Accept-Language": "en"})
    assert r.status_code == 409
    assert "its order was cancelled" in r.content.decode()
    assert 'data-testid="sandbox-confirm"' not in r.content.decode()
    assert SandboxEvent.objects.count() == 0
    # and the other order can still be paid on a new page
    assert start_payment(buyer, [other]).pk != payment.pk


def test_an_order_whose_pay_window_passed_closes_its_pay_page(django_capture_on_commit_callbacks):
    # given a payment for an order with 30 minutes to pay
    buyer = UserFactory()
    order = make_order(buyer, minutes_left=30)
    payment = start_payment(buyer, [order])
    # when the window passes and the order's timer cancels it
    later = time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        assert expire_unpaid_order(order.pk) is True
    # then its payment and the provider's charge are closed too
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert SandboxCharge.objects.get(pk=payment.provider_ref).status == ChargeStatus.CANCELLED
