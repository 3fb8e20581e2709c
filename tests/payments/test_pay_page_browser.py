"""The sandbox pay page in Debian's Chromium: the buyer confirms and lands on a paid order."""

from __future__ import annotations

import pytest

from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.payments.models import Payment, PaymentStatus
from tests.factories import PASSWORD, UserFactory
from tests.payments.helpers import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Posts the "pay" form for an order, as an order page's pay button does.
START_PAYMENT_JS = """orderId => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/pay/start/';
    const csrf = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
    const fields = [['order_id', orderId], ['csrfmiddlewaretoken', csrf.split('=')[1]]];
    for (const [name, value] of fields) {
        const input = document.createElement('input');
        input.name = name;
        input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_buyer_pays_on_the_sandbox_page(new_page):
    # given a buyer with an unpaid order, logged in
    buyer = UserFactory()
    order = make_order(buyer, total=5900)
    page = new_page("en")
    _log_in(page, buyer.username)
    # when they post the "pay" form for the order and confirm on the sandbox page
    page.evaluate(START_PAYMENT_JS, order.pk)
    page.wait_for_url("**/pay/sandbox/**")
    assert order.store.name in page.get_by_test_id("sandbox-pay").inner_text()
    assert page.get_by_test_id("sandbox-amount").inner_text() == "¥59.00"
    page.get_by_test_id("sandbox-confirm").click()
    # then they land on the order, which is paid, and the store's escrow holds the money
    page.wait_for_url(f"**/orders/{order.pk}/?result=succeeded")
    assert Payment.objects.get().status == PaymentStatus.CAPTURED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert store_balance(order.store_id).escrow == 5900
    assert check_ledger() == []
