from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from quanzi.core.errors import Conflict, NotFound
from quanzi.orders.models import OrderStatus
from quanzi.orders.services.paying import start_payment
from quanzi.payments.models import Payment, PaymentStatus
from quanzi.payments.providers.sandbox_models import ChargeStatus, SandboxCharge
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db


def test_start_payment_for_two_orders_opens_one_sandbox_charge():
    # given a buyer with two unpaid orders in two stores
    buyer = UserFactory()
    a, b = make_order(buyer, total=5900), make_order(buyer, total=1200)
    # when they start paying both
    payment = start_payment(buyer, [a, b])
    # then one pending payment covers both, for the sum, with the sandbox pay page to go to
    assert payment.status == PaymentStatus.PENDING
    assert payment.amount == 7100
    assert sorted(payment.parts.values_list("order_id", "amount")) == sorted(
        [(a.pk, 5900), (b.pk, 1200)]
    )
    assert payment.pay_url == f"/pay/sandbox/{payment.provider_ref}/"
    charge = SandboxCharge.objects.get(pk=payment.provider_ref)
    assert (charge.amount, charge.merchant_reference, charge.return_url) == (
        7100,
        payment.pk,
        "/orders/",
    )
    assert {part["merchant"] for part in charge.summary} == {a.store.name, b.store.name}


def test_same_orders_reuse_the_open_payment_and_a_new_set_closes_it():
    # given an open payment for two orders
    buyer = UserFactory()
    a, b = make_order(buyer), make_order(buyer)
    first = start_payment(buyer, [a, b])
    # when the buyer starts paying the same orders again
    again = start_payment(buyer, [b, a])
    # then the same payment comes back
    assert again.pk == first.pk
    # when they start paying only one of them
    single = start_payment(buyer, [a])
    # then the old payment is cancelled and its charge closed, so it cannot be paid twice
    assert single.pk != first.pk
    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED
    assert SandboxCharge.objects.get(pk=first.provider_ref).status == ChargeStatus.CANCELLED
    assert single.return_url == f"/orders/{a.pk}/"


def test_someone_elses_order_is_not_found():
    # given another buyer's order
    order = make_order(UserFactory())
    # when I try to pay it, then it is not found and no payment exists
    with pytest.raises(NotFound):
        start_payment(UserFactory(), [order])
    assert Payment.objects.count() == 0


def test_paid_order_and_late_order_are_conflicts():
    buyer = UserFactory()
    paid = make_order(buyer)
    paid.status = OrderStatus.PAID
    paid.save()
    late = make_order(buyer, minutes_left=30)
    # when the buyer pays an order that is already paid, then 409
    with pytest.raises(Conflict) as exc:
        start_payment(buyer, [paid])
    assert exc.value.code == "not_payable"
    # when the pay window has passed, then 409 too
    later = timezone.now() + timezone.timedelta(minutes=31)
    with time_machine.travel(later, tick=False), pytest.raises(Conflict) as exc:
        start_payment(buyer, [late])
    assert exc.value.code == "payment_window_passed"
    assert Payment.objects.count() == 0


def test_api_start_payment_honours_idempotency_key(api):
    # given a buyer with an order and an API client
    buyer = UserFactory()
    order = make_order(buyer, total=3300)
    other = make_order(buyer, total=1000)
    client = api(buyer)
    # when the same request is sent twice with one Idempotency-Key
    headers = {"Idempotency-Key": "pay-1"}
    r1 = client.post("payments", {"order_ids": [order.pk]}, headers=headers)
    r2 = client.post("payments", {"order_ids": [order.pk]}, headers=headers)
    # then both answers are the same payment
    assert r1.status_code == 201, r1.content
    assert r2.status_code == 201
    assert r1.json() == r2.json()
    assert r1.json()["amount"] == 3300
    assert r1.json()["pay_url"].startswith("/pay/sandbox/")
    assert Payment.objects.count() == 1
    # when the key is reused with another body, then 422
    r3 = client.post("payments", {"order_ids": [other.pk]}, headers=headers)
    assert r3.status_code == 422
    assert r3.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_api_start_payment_refusals(api):
    buyer = UserFactory()
    mine = make_order(buyer)
    theirs = make_order(UserFactory())
    paid = make_order(buyer)
    paid.status = OrderStatus.PAID
    paid.save()
    client = api(buyer)
    # someone else's order and an unknown id are 404; a paid order is 409; no body is 422
    assert client.post("payments", {"order_ids": [theirs.pk]}).status_code == 404
    assert client.post("payments", {"order_ids": [mine.pk, "nope"]}).status_code == 404
    r = client.post("payments", {"order_ids": [paid.pk]})
    assert (r.status_code, r.json()["code"]) == (409, "not_payable")
    assert client.post("payments", {"order_ids": []}).status_code == 422
    # anonymous is 401
    assert api().post("payments", {"order_ids": [mine.pk]}).status_code == 401
    assert Payment.objects.count() == 0


def test_api_get_payment_for_payer_and_store_staff_only(api):
    # given a payment of a buyer for an order of a store
    owner = UserFactory()
    store = store_with_owner(owner)
    buyer = UserFactory()
    payment = start_payment(buyer, [make_order(buyer, store)])
    url = f"payments/{payment.pk}"
    # then the payer and the store's owner see it; a stranger gets 404; anonymous 401
    assert api(buyer).get(url).json()["id"] == payment.pk
    assert api(owner).get(url).status_code == 200
    assert api(UserFactory()).get(url).status_code == 404
    assert api().get(url).status_code == 401
    assert api(buyer).get("payments/unknown").status_code == 404


def test_start_page_redirects_to_the_pay_page(client):
    # given a logged-in buyer with an order
    buyer = UserFactory()
    order = make_order(buyer)
    client.force_login(buyer)
    # when they press "pay" on their order
    r = client.post("/pay/start/", {"order_id": order.pk})
    # then they land on the sandbox pay page of a new payment
    payment = Payment.objects.get()
    assert r.status_code == 302
    assert r["Location"] == payment.pay_url
    # and someone else's order gives a 404 page
    client.force_login(UserFactory())
    assert client.post("/pay/start/", {"order_id": order.pk}).status_code == 404
