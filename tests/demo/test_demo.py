"""`make run` loads the demo data set: it must load on an empty database, keep data on a
second run, and leave the books balanced."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from quanzi.catalog.models import Product
from quanzi.circles.models import Announcement, Circle, Message
from quanzi.demo.data import load_demo
from quanzi.orders.models import Order, OrderStatus
from quanzi.reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_loads_once_and_balances(capsys):
    # given an empty database, when the demo loads twice
    assert load_demo() is True
    assert load_demo() is False
    # then it holds a shelf of products with photos, orders in several states, reviews,
    # a circle with chat and a launch countdown, and the ledger balances
    assert Product.objects.filter(on_shelf=True).count() == 8
    assert all(p.images.count() == 2 for p in Product.objects.filter(on_shelf=True))
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {
        OrderStatus.RECEIVED,
        OrderStatus.SHIPPED,
        OrderStatus.PAID,
        OrderStatus.PENDING_PAYMENT,
    } <= statuses
    assert Review.objects.count() == 3
    circle = Circle.objects.get(name="山野小铺 · 老朋友群")
    # its five messages of chat, and three the needs page hears wishes and a gift in
    assert circle.member_count == 3 and Message.objects.filter(circle=circle).count() == 5 + 3
    assert Announcement.objects.get().launch_at is not None
    call_command("ledger_check")
    assert "ledger check passed" in capsys.readouterr().out
