"""The order pages as a person uses them: checkout, one-click buy, paying on the sandbox page,
the order page's actions, the after-sales form, and the store console's order handling."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.orders.models import AfterSale, CartItem, Order, OrderStatus
from quanzi.orders.services.aftersales import request_after_sale
from quanzi.orders.services.transitions import ship_order
from tests.factories import ProductFactory, SkuFactory, store_with_owner
from tests.orders.conftest import Shop, pay, place, stock_of

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def buyer_client(client: Client, shop: Shop) -> Client:
    client.force_login(shop.buyer)
    return client


def test_checkout_page_splits_by_store_then_goes_to_the_pay_page(
    buyer_client: Client, shop: Shop, django_capture_on_commit_callbacks
):
    # given a cart with items of two stores
    tea_store = store_with_owner(name="茶山", shipping_fee=500)
    tea = SkuFactory(product=ProductFactory(store=tea_store), price=3000, stock=3)
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=1)
    CartItem.objects.create(user=shop.buyer, sku=tea, quantity=2)
    # when the buyer opens the checkout page
    page = buyer_client.get("/orders/checkout/", headers={"Accept-Language": "en"})
    html = page.content.decode()
    # then it shows the default address chosen, a note per store, shipping and totals
    assert page.status_code == 200
    assert f'value="{shop.address.pk}" checked' in html
    assert f'name="note_{shop.store.pk}"' in html and f'name="note_{tea_store.pk}"' in html
    assert "¥8.00" in html and "¥5.00" in html  # each store's shipping
    assert "¥132.00" in html  # 59 + 8 + 60 + 5
    assert "/accounts/addresses/new/?next=%2Forders%2Fcheckout%2F" in html
    key = page.context["checkout_key"]
    # when they place the order
    form = {
        "address": shop.address.pk,
        "line": [f"{shop.sku.pk}:1", f"{tea.pk}:2"],
        f"note_{tea_store.pk}": "要新茶",
        "checkout_key": key,
    }
    r = buyer_client.post("/orders/checkout/", form)
    # then one order per store exists and the buyer is sent to the pay page
    assert r.status_code == 302 and r["Location"].startswith("/pay/sandbox/")
    orders = {o.store_id: o for o in Order.objects.all()}
    assert set(orders) == {shop.store.pk, tea_store.pk}
    assert (orders[shop.store.pk].total, orders[tea_store.pk].total) == (6700, 6500)
    assert orders[tea_store.pk].note == "要新茶"
    assert not CartItem.objects.exists()
    # and a double submit does not create more orders
    again = buyer_client.post("/orders/checkout/", form)
    assert again.status_code == 302
    assert Order.objects.count() == 2
    # and paying on the sandbox page pays both orders
    with django_capture_on_commit_callbacks(execute=True):
        done = buyer_client.post(r["Location"].rstrip("/") + "/confirm/")
    assert done.status_code == 302
    assert set(Order.objects.values_list("status", flat=True)) == {S.PAID}


def test_a_refused_checkout_shows_the_form_again_with_the_message(buyer_client: Client, shop: Shop):
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=11)  # only 10 in stock
    form = {"address": shop.address.pk, "line": [f"{shop.sku.pk}:11"], "checkout_key": "k"}
    r = buyer_client.post("/orders/checkout/", form, headers={"Accept-Language": "en"})
    assert r.status_code == 409
    assert "Not enough stock" in r.content.decode()
    assert 'data-testid="place-order"' in r.content.decode()
    foreign = {**form, "line": [f"{shop.sku.pk}:1"], "address": shop.other_address.pk}
    assert buyer_client.post("/orders/checkout/", foreign).status_code == 404
    assert not Order.objects.exists()
    assert stock_of(shop.sku) == 10


def test_an_empty_cart_cannot_check_out(buyer_client: Client):
    r = buyer_client.get("/orders/checkout/")
    assert r.status_code == 302 and r["Location"] == "/orders/cart/"


def test_buy_now_goes_straight_to_the_pay_page(buyer_client: Client, shop: Shop):
    r = buyer_client.post("/orders/buy-now/", {"sku": shop.sku.pk, "quantity": "2"})
    assert r.status_code == 302 and r["Location"].startswith("/pay/sandbox/")
    order = Order.objects.get()
    assert order.items.get().quantity == 2
    assert order.address["recipient"] == "张三"


def test_buy_now_without_an_address_goes_to_the_address_form_and_back(
    buyer_client: Client, shop: Shop
):
    shop.address.delete()
    product_page = f"/products/{shop.sku.product_id}/"
    r = buyer_client.post(
        "/orders/buy-now/", {"sku": shop.sku.pk, "quantity": "1"}, HTTP_REFERER=product_page
    )
    assert r.status_code == 302
    assert r["Location"] == "/accounts/addresses/new/?next=%2Fproducts%2F" + (
        shop.sku.product_id + "%2F"
    )
    assert not Order.objects.exists()


def test_buy_now_with_a_bad_quantity_goes_back_with_a_message(buyer_client: Client, shop: Shop):
    product_page = f"/products/{shop.sku.product_id}/"
    r = buyer_client.post(
        "/orders/buy-now/", {"sku": shop.sku.pk, "quantity": "-1"}, HTTP_REFERER=product_page
    )
    assert r.status_code == 302 and r["Location"] == product_page
    assert not Order.objects.exists()


def test_the_order_page_of_an_unpaid_order(buyer_client: Client, shop: Shop):
    order = place(shop)
    html = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    for testid in ("pay", "cancel-order", "order-status", "pay-countdown"):
        assert f'data-testid="{testid}"' in html
    assert "write-review" not in html
    # the pay button starts the payment
    r = buyer_client.post(f"/orders/{order.pk}/pay/")
    assert r.status_code == 302 and r["Location"].startswith("/pay/sandbox/")
    # the cancel button cancels
    buyer_client.post(f"/orders/{order.pk}/cancel/")
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    # and cancelling again shows a message instead of failing
    r = buyer_client.post(f"/orders/{order.pk}/cancel/", follow=True)
    assert r.status_code == 200


def test_confirm_receipt_then_review_links(buyer_client: Client, shop: Shop):
    order = ship_order(shop.owner, pay(place(shop)).pk, "顺丰", "SF1234567890123")
    html = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="confirm-receipt"' in html and "SF1" in html
    buyer_client.post(f"/orders/{order.pk}/confirm-receipt/")
    html = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    item = order.items.get()
    assert f"/reviews/new/{order.pk}/{item.pk}/" in html


def test_after_sales_form(buyer_client: Client, shop: Shop):
    order = pay(place(shop))  # ¥67.00
    form_page = buyer_client.get(f"/orders/{order.pk}/after-sales/")
    assert form_page.status_code == 200
    # a too large amount shows the form again with the message
    r = buyer_client.post(
        f"/orders/{order.pk}/after-sales/",
        {"kind": "refund_only", "amount": "68", "reason": "不要了"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 400 and "at most ¥67.00" in r.content.decode()
    r = buyer_client.post(
        f"/orders/{order.pk}/after-sales/",
        {"kind": "refund_only", "amount": "1.2.3", "reason": "不要了"},
    )
    assert r.status_code == 400
    # a valid one is sent
    r = buyer_client.post(
        f"/orders/{order.pk}/after-sales/",
        {"kind": "refund_only", "amount": "20.50", "reason": "不要了"},
    )
    assert r.status_code == 302
    assert AfterSale.objects.get().amount == 2050
    html = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="after-sales-withdraw"' in html


def test_console_ships_and_decides_after_sales(client: Client, shop: Shop):
    order = pay(place(shop))
    client.force_login(shop.staff)
    base = f"/orders/console/{shop.store.pk}/{order.pk}/"
    html = client.get(base).content.decode()
    for testid in ("ship-carrier", "ship-tracking", "ship-submit"):
        assert f'data-testid="{testid}"' in html
    # a missing tracking number shows the page again with the message
    r = client.post(base + "ship/", {"carrier": "顺丰", "tracking_number": ""})
    assert r.status_code == 400 and 'data-testid="console-error"' in r.content.decode()
    r = client.post(base + "ship/", {"carrier": "SF", "tracking_number": "SF1234567890123"})
    assert r.status_code == 302
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    # the buyer asks for a refund; the console rejects without reason, then with one
    after_sale = request_after_sale(
        shop.buyer, order.pk, kind="return_refund", amount=500, reason="坏了"
    )
    html = client.get(base).content.decode()
    assert 'data-testid="after-sales-approve"' in html
    reject = f"{base}after-sales/{after_sale.pk}/reject/"
    assert client.post(reject, {"reason": ""}).status_code == 400
    assert client.post(reject, {"reason": "请先寄回"}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    # an order of another store is not found under this store's console
    other_store = store_with_owner(shop.staff, name="另一家")
    assert client.get(f"/orders/console/{other_store.pk}/{order.pk}/").status_code == 404


def test_console_list_tabs(client: Client, shop: Shop):
    pay(place(shop))
    place(shop)
    client.force_login(shop.owner)
    html = client.get(f"/orders/console/{shop.store.pk}/?status=paid").content.decode()
    assert html.count('data-testid="order-card"') == 1
    assert 'class="active"' in html


def test_the_after_sales_form_of_an_unpaid_order_goes_back_with_a_message(
    buyer_client: Client, shop: Shop
):
    order = place(shop)
    r = buyer_client.get(f"/orders/{order.pk}/after-sales/")
    assert r.status_code == 302 and r["Location"] == f"/orders/{order.pk}/"


def test_back_from_the_pay_page_the_order_waits_for_the_provider_instead_of_asking_again(
    buyer_client: Client, shop: Shop
):
    # given an order whose payment the buyer just confirmed, the webhook not yet arrived
    order = place(shop)
    # when the provider sends the buyer back to the order page
    page = buyer_client.get(f"/orders/{order.pk}/?result=succeeded").content.decode()
    # then the page says the payment is being confirmed, re-reads itself, and offers no pay
    assert 'data-testid="payment-confirming"' in page
    assert "?result=succeeded&amp;round=2" in page
    assert 'data-testid="pay"' not in page
    # and after the last round it gives up waiting and offers to pay again
    page = buyer_client.get(f"/orders/{order.pk}/?result=succeeded&round=16").content.decode()
    assert 'data-testid="payment-confirming"' not in page
    assert 'data-testid="pay"' in page
    # and once the order is paid, the notice is gone
    pay(order)
    page = buyer_client.get(f"/orders/{order.pk}/?result=succeeded&round=3").content.decode()
    assert 'data-testid="payment-confirming"' not in page
