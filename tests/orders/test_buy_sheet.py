"""立即购买's sheet: the money shown before paying (address, shipping, coupon, wallet, total),
an address added right in the sheet, one tap for a returning buyer, and bad input refused
with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import Address
from quanzi.ledger.services import post_transaction
from quanzi.orders.models import Order, OrderStatus
from quanzi.payments.accounts import provider_account
from quanzi.wallets.services import wallet_account
from tests.coupons.conftest import MakeCoupon, claim, make_coupon  # noqa: F401 (fixture)
from tests.factories import UserFactory
from tests.orders.conftest import Shop, shop  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _client(user: Any) -> Client:
    client = Client(headers=EN)
    client.force_login(user)
    return client


def _sheet(client: Client, **params: Any) -> str:
    response = client.get("/orders/buy-now/sheet/", params)
    assert response.status_code == 200, response.content
    return response.content.decode()


def _confirm(client: Client, shop: Shop, **fields: Any) -> Any:  # noqa: F811
    data = {"sku": shop.sku.pk, "quantity": "1", "checkout_key": "k" * 16, "pay": "online"}
    data.update(fields)
    return client.post("/orders/buy-now/confirm/", data)


def test_the_sheet_shows_address_shipping_and_total(shop: Shop):  # noqa: F811
    # given a buyer with a default address, on a ¥59 SKU (shipping ¥8 under ¥99)
    html = _sheet(_client(shop.buyer), sku=shop.sku.pk, quantity=1)
    # then the sheet shows where it goes, the shipping fee and the total
    assert 'data-testid="sheet-address"' in html and "checked" in html
    assert 'data-testid="sheet-shipping">¥8.00' in html
    assert 'data-testid="sheet-total">¥67.00' in html
    assert 'data-testid="sheet-confirm"' in html


def test_a_returning_buyer_confirms_in_one_tap_and_goes_to_pay(shop: Shop):  # noqa: F811
    # given the sheet's form as it was shown (default address chosen)
    client = _client(shop.buyer)
    # when they confirm
    response = _confirm(client, shop, address=shop.address.pk)
    # then one order to that address is placed and they are on the pay page
    order = Order.objects.get(buyer=shop.buyer)
    assert response.status_code == 302 and "/pay/" in response.url
    assert order.total == 6700 and order.address["recipient"] == shop.address.recipient
    # and a second tap (same sheet) does not order twice
    _confirm(client, shop, address=shop.address.pk)
    assert Order.objects.filter(buyer=shop.buyer).count() == 1


def test_a_newcomer_adds_the_address_inside_the_sheet(shop: Shop):  # noqa: F811
    # given someone with no address yet
    newcomer = UserFactory()
    client = _client(newcomer)
    # when they open the sheet, it asks where to send it, with the form right there
    html = _sheet(client, product=shop.sku.product_id)
    assert 'data-testid="sheet-address-form"' in html and "required" in html
    # and they type it in and confirm
    response = _confirm(
        client,
        shop,
        address_choice="new",
        recipient="王小二",
        phone="13912345678",
        province="云南省",
        city="昆明市",
        district="五华区",
        detail="翠湖南路 12 号",
    )
    # then the address is saved as their default and the order goes there
    address = Address.objects.get(user=newcomer)
    assert address.is_default and response.status_code == 302
    assert Order.objects.get(buyer=newcomer).address["detail"] == "翠湖南路 12 号"


def test_an_incomplete_address_is_refused_in_the_sheet_with_nothing_written(shop: Shop):  # noqa: F811
    newcomer = UserFactory()
    response = _confirm(_client(newcomer), shop, address_choice="new", recipient="王小二")
    # then the sheet comes back with the reason, and no address and no order exist
    assert response.status_code == 400
    assert 'data-testid="sheet-error"' in response.content.decode()
    assert not Address.objects.filter(user=newcomer).exists()
    assert not Order.objects.filter(buyer=newcomer).exists()


def test_someone_else_s_address_is_not_found(shop: Shop):  # noqa: F811
    response = _confirm(_client(shop.buyer), shop, address=shop.other_address.pk)
    assert response.status_code == 404
    assert not Order.objects.filter(buyer=shop.buyer).exists()


def test_the_best_coupon_is_applied_and_can_be_declined(shop: Shop, make_coupon: MakeCoupon):  # noqa: F811
    # given the buyer holds 满50减10
    copy = claim(shop.buyer, make_coupon())
    client = _client(shop.buyer)
    # then the sheet applies it: ¥59 + ¥8 - ¥10
    html = _sheet(client, sku=shop.sku.pk)
    assert 'data-testid="sheet-discount">-¥10.00' in html and 'sheet-total">¥57.00' in html
    # and declining it (coupon "") shows the full price and orders without it
    html = _sheet(client, sku=shop.sku.pk, **{f"coupon_{shop.store.pk}": ""})
    assert 'sheet-total">¥67.00' in html
    _confirm(client, shop, address=shop.address.pk, **{f"coupon_{shop.store.pk}": ""})
    assert Order.objects.get(buyer=shop.buyer).discount == 0
    copy.refresh_from_db()
    assert copy.status != "used"


def test_a_full_wallet_pays_at_once(shop: Shop):  # noqa: F811
    # given the buyer's wallet holds ¥100
    post_transaction(
        "test.topup",
        "w1",
        [(provider_account("sandbox"), 10_000), (wallet_account(shop.buyer), -10_000)],
    )
    client = _client(shop.buyer)
    # then the sheet offers the wallet, chosen
    html = _sheet(client, sku=shop.sku.pk)
    assert 'data-testid="sheet-pay-wallet" checked' in html or 'value="wallet" checked' in html
    # and confirming with it pays the order there and then
    response = _confirm(client, shop, address=shop.address.pk, pay="wallet")
    order = Order.objects.get(buyer=shop.buyer)
    assert order.status == OrderStatus.PAID and response.url == f"/orders/{order.pk}/"


def test_htmx_gets_the_sheet_alone_and_a_visitor_is_sent_to_log_in(shop: Shop):  # noqa: F811
    # given the product page's buy button fetching the sheet with HTMX
    html = (
        _client(shop.buyer)
        .get("/orders/buy-now/sheet/", {"sku": shop.sku.pk}, headers={"HX-Request": "true"})
        .content.decode()
    )
    # then only the sheet comes back, no page around it
    assert html.lstrip().startswith('<div class="sheet-layer"') and "<header" not in html
    # and a visitor is sent to log in (HTMX: by HX-Redirect), coming back to the product
    visitor = Client().get(
        "/orders/buy-now/sheet/",
        {"sku": shop.sku.pk},
        headers={
            "HX-Request": "true",
            "Referer": f"http://testserver/products/{shop.sku.product_id}/",
        },
    )
    assert visitor.status_code == 204
    assert visitor.headers["HX-Redirect"].startswith("/accounts/login/?next=%2Fproducts%2F")


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1e9", "true"])
def test_a_bad_quantity_is_refused_in_the_sheet(shop: Shop, quantity: str):  # noqa: F811
    response = _client(shop.buyer).get(
        "/orders/buy-now/sheet/", {"sku": shop.sku.pk, "quantity": quantity}
    )
    assert response.status_code == 400 and 'data-testid="sheet-error"' in response.content.decode()


def test_a_sold_out_variant_says_so(shop: Shop):  # noqa: F811
    shop.sku.stock = 0
    shop.sku.save(update_fields=["stock"])
    response = _client(shop.buyer).get("/orders/buy-now/sheet/", {"sku": shop.sku.pk})
    assert response.status_code == 409 and 'data-testid="sheet-error"' in response.content.decode()


def test_confirming_over_a_page_pays_from_the_wallet_in_place(shop: Shop):  # noqa: F811
    # given a buyer with ¥100 in the wallet, confirming the sheet opened over a page (HTMX)
    post_transaction(
        "test.topup",
        "w2",
        [(provider_account("sandbox"), 10_000), (wallet_account(shop.buyer), -10_000)],
    )
    client = _client(shop.buyer)
    data = {"sku": shop.sku.pk, "quantity": "1", "checkout_key": "h" * 16, "pay": "wallet"}
    response = client.post(
        "/orders/buy-now/confirm/",
        {**data, "address": shop.address.pk},
        headers={"HX-Request": "true"},
    )
    # then the sheet says it is paid, and the page under it stays where it is
    html = response.content.decode()
    order = Order.objects.get(buyer=shop.buyer)
    assert response.status_code == 200 and 'data-testid="buy-done"' in html
    assert order.status == OrderStatus.PAID and f'data-order-id="{order.pk}"' in html


def test_confirming_over_a_page_goes_to_the_pay_page_with_a_full_load(shop: Shop):  # noqa: F811
    client = _client(shop.buyer)
    data = {"sku": shop.sku.pk, "quantity": "1", "checkout_key": "o" * 16, "pay": "online"}
    response = client.post(
        "/orders/buy-now/confirm/",
        {**data, "address": shop.address.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204 and "/pay/" in response.headers["HX-Redirect"]


def test_a_refusal_over_a_page_comes_back_in_the_sheet(shop: Shop):  # noqa: F811
    client = _client(UserFactory())
    data = {"sku": shop.sku.pk, "quantity": "1", "checkout_key": "e" * 16, "address_choice": "new"}
    response = client.post("/orders/buy-now/confirm/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-testid="sheet-error"' in response.content.decode()
    assert not Order.objects.exists()
