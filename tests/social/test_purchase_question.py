"""After a purchase the buyer is asked, once, whether friends may see what they buy: on their
order page, never before paying, never again after answering; the answer is theirs alone."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.social.models import PrivacySettings
from quanzi.social.services.graph import answer_purchase_question
from tests.factories import SkuFactory, UserFactory
from tests.social.conftest import paid_order

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_a_paid_order_asks_once_and_the_answer_is_kept():
    # given a buyer's first paid order
    buyer = UserFactory()
    order = paid_order(buyer, SkuFactory())
    client = _client(buyer)
    # then the order page asks whether friends may see purchases
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="purchase-question"' in html
    # when they say yes
    response = client.post(
        "/social/privacy/purchases/", {"share": "1", "next": f"/orders/{order.pk}/"}
    )
    # then purchases are shared and the question is not asked again, here or on the list
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    assert PrivacySettings.objects.get(user=buyer).share_purchases is True
    assert (
        'data-testid="purchase-question"' not in client.get(f"/orders/{order.pk}/").content.decode()
    )
    assert 'data-testid="purchase-question"' not in client.get("/orders/").content.decode()


def test_the_first_answer_wins_and_privacy_is_changed_on_its_page():
    buyer = UserFactory()
    answer_purchase_question(buyer, False)
    answer_purchase_question(buyer, True)  # a replayed or second answer changes nothing
    assert PrivacySettings.objects.get(user=buyer).share_purchases is False


def test_an_unpaid_order_does_not_ask():
    from quanzi.orders.models import Order, OrderStatus

    buyer = UserFactory()
    order = paid_order(buyer, SkuFactory())
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PENDING_PAYMENT, paid_at=None)
    html = _client(buyer).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="purchase-question"' not in html


def test_someone_who_already_shares_is_not_asked():
    buyer = UserFactory()
    PrivacySettings.objects.create(user=buyer, share_purchases=True)
    order = paid_order(buyer, SkuFactory())
    assert (
        'data-testid="purchase-question"'
        not in _client(buyer).get(f"/orders/{order.pk}/").content.decode()
    )


def test_an_answer_needs_a_login_and_an_outside_next_is_not_followed():
    assert Client().post("/social/privacy/purchases/", {"share": "1"}).status_code == 302
    assert not PrivacySettings.objects.exists()
    buyer = UserFactory()
    response = _client(buyer).post(
        "/social/privacy/purchases/", {"share": "0", "next": "https://evil.example/"}
    )
    assert response.url == "/orders/"
