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
    assert Review.objects.count() == 3 + 8 * 3  # the honest reviews and the demo ring's
    circle = Circle.objects.get(name="山野小铺 · 老朋友群")
    # its five messages of chat, and three the needs page hears wishes and a gift in
    assert circle.member_count == 3 and Message.objects.filter(circle=circle).count() == 5 + 3
    assert Announcement.objects.get().launch_at is not None
    call_command("ledger_check")
    assert "ledger check passed" in capsys.readouterr().out


def test_the_demo_ring_is_in_the_operators_queue_and_the_merchant_has_an_alert(db: None) -> None:
    # given the demo data
    from quanzi.reviews.models import Moderation
    from quanzi.trust.models import AlertKind, Case, CaseStatus, ReputationAlert

    load_demo()
    # then the ring is one open case of eight accounts and three products, its reviews held
    case = Case.objects.get()
    assert case.status == CaseStatus.OPEN
    assert (case.members.count(), case.products.count()) == (8, 3)
    held = Review.objects.filter(author__username__startswith="fan")
    assert set(held.values_list("moderation", flat=True)) == {Moderation.HELD}
    # and the flower cakes' complaints opened a product alert for the merchant
    alert = ReputationAlert.objects.get(kind=AlertKind.PRODUCT)
    assert alert.product is not None and "鲜花饼" in alert.product.title
