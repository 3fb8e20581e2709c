"""The order number people read (issue 11, point 8): the Asia/Shanghai date of the order and 8
random digits, given at checkout and to the orders placed before it existed, shown wherever a
person reads an order, while URLs keep the opaque id."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps
from django.test import Client

from quanzi.orders.models import Order, new_order_number
from quanzi.orders.services import checkout
from quanzi.payments.models import Payment
from quanzi.payments.providers.sandbox_models import SandboxCharge
from tests.orders.conftest import Shop, place

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^\d{16}$")
EN = {"Accept-Language": "en"}


def test_a_number_is_the_shanghai_date_and_eight_random_digits():
    # given a moment that is still 1 December in UTC but already 2 December in Shanghai
    at = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    # when numbers are drawn for it
    numbers = {new_order_number(at) for _ in range(50)}
    # then each is the Shanghai date followed by 8 digits, and they differ
    assert all(NUMBER.match(n) and n.startswith("20261202") for n in numbers)
    assert len(numbers) > 45


def test_checkout_gives_each_order_its_own_number(shop: Shop):
    # given a checkout at 01:00 in Shanghai on 2 December
    with time_machine.travel(datetime(2026, 12, 1, 17, 0, tzinfo=UTC), tick=False):
        # when the buyer places two orders
        first, second = place(shop), place(shop, sku=shop.sku2)
    # then each carries a number of that Shanghai day, and the numbers differ
    assert first.number.startswith("20261202") and NUMBER.match(first.number)
    assert second.number.startswith("20261202") and second.number != first.number
    assert Order.objects.get(pk=first.pk).number == first.number


def test_checkout_draws_again_when_a_number_is_taken(shop: Shop, monkeypatch: pytest.MonkeyPatch):
    # given an order that holds the number the next draw gives first
    taken = place(shop).number
    draws = iter([taken, "2026120212345678"])
    monkeypatch.setattr(checkout, "new_order_number", lambda: next(draws))
    # when another order is placed
    order = place(shop)
    # then it gets the second draw, not the taken number
    assert order.number == "2026120212345678"


def test_the_backfill_numbers_orders_by_the_day_they_were_placed(shop: Shop):
    # given an order placed at 23:30 UTC on 30 November (7:30 on 1 December in Shanghai)
    # that has no number yet, as before the migration
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), tick=False):
        old = place(shop)
    Order.objects.filter(pk=old.pk).update(number="")
    kept = place(shop)
    # when the migration's backfill runs
    migration = importlib.import_module("quanzi.orders.migrations.0004_order_number")
    migration.fill_numbers(apps, None)
    # then the order gets a number of its own Shanghai day, and numbered orders keep theirs
    old.refresh_from_db()
    assert NUMBER.match(old.number) and old.number.startswith("20261201")
    assert Order.objects.get(pk=kept.pk).number == kept.number


def test_the_buyer_reads_the_number_on_the_list_and_the_order_page(client: Client, shop: Shop):
    # given a placed order
    order = place(shop)
    client.force_login(shop.buyer)
    # when the buyer opens their orders and the order
    listing = client.get("/orders/", headers=EN).content.decode()
    page = client.get(f"/orders/{order.pk}/", headers=EN).content.decode()
    # then both show the number, and the page is still addressed by the id
    assert order.number in listing
    assert f'data-testid="order-number">{order.number}<' in page
    assert f'href="/orders/{order.pk}/"' in listing


def test_the_merchant_reads_the_number_in_the_console(client: Client, shop: Shop):
    # given a placed order
    order = place(shop)
    client.force_login(shop.staff)
    # when the merchant opens the console's orders, the order and the dashboard
    listing = client.get(f"/orders/console/{shop.store.pk}/", headers=EN).content.decode()
    page = client.get(f"/orders/console/{shop.store.pk}/{order.pk}/", headers=EN)
    dashboard = client.get(f"/stores/console/{shop.store.pk}/", headers=EN).content.decode()
    # then each shows the number, never the opaque id as text
    assert order.number in listing
    assert f'data-testid="order-number">{order.number}<' in page.content.decode()
    assert f'data-testid="latest-order">{order.number}</a>' in dashboard
    assert f">{order.pk}<" not in page.content.decode()


def test_the_api_gives_the_number_beside_the_id(api, shop: Shop):
    # given a placed order
    order = place(shop)
    client = api(shop.buyer)
    # when the buyer reads it and their list through the API
    one = client.get(f"orders/{order.pk}").json()
    listed = client.get("orders").json()["items"][0]
    # then both carry the id (its address) and the number
    assert (one["id"], one["number"]) == (order.pk, order.number)
    assert (listed["id"], listed["number"]) == (order.pk, order.number)


def test_the_pay_page_and_messages_name_the_order_by_its_number(client: Client, shop: Shop, api):
    # given an order whose payment was opened
    order = place(shop)
    r = api(shop.buyer).post(f"orders/{order.pk}/pay")
    payment = Payment.objects.get(pk=r.json()["payment_id"])
    charge = SandboxCharge.objects.get(merchant_reference=payment.pk)
    client.force_login(shop.buyer)
    # when the buyer opens the provider's pay page
    page = client.get(f"/pay/sandbox/{charge.pk}/", headers=EN).content.decode()
    # then it names the order by its number
    assert f'data-testid="sandbox-order-number">Order {order.number}<' in page
    assert order.pk not in page.split('data-testid="sandbox-order-number"')[1].split("<")[0]
    # and a refusal that names the order names its number
    Order.objects.filter(pk=order.pk).update(status="cancelled")
    refused = api(shop.buyer).post(f"orders/{order.pk}/pay", headers=EN).json()
    assert refused["detail"] == f"Order {order.number} is not waiting for payment."


def test_the_admin_names_orders_by_number(client: Client, shop: Shop):
    # given a placed order and a platform operator
    order = place(shop)
    operator = shop.owner
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    # when the operator lists orders and searches by number
    listing = client.get("/admin/orders/order/", {"q": order.number}, headers=EN)
    # then the order is found and shown by its number
    html = listing.content.decode()
    assert listing.status_code == 200
    assert f"/admin/orders/order/{order.pk}/change/" in html
    assert f">{order.number}</a>" in html
    assert str(order).startswith(order.number)
