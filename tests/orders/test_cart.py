"""The cart: merging lines, quantity 1..99, only SKUs on sale, no stock taken, grouped by
store with each store's shipping."""

from __future__ import annotations

import pytest

from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.orders.models import CartItem
from quanzi.orders.services import cart as carts
from tests.factories import ProductFactory, SkuFactory, store_with_owner
from tests.orders.conftest import Shop, stock_of

pytestmark = pytest.mark.django_db


def test_adding_twice_merges_the_line_and_takes_no_stock(shop: Shop):
    carts.add_to_cart(shop.buyer, shop.sku.pk, 2)
    assert carts.add_to_cart(shop.buyer, shop.sku.pk, 3) == 5
    assert CartItem.objects.get().quantity == 5
    assert stock_of(shop.sku) == 10


@pytest.mark.parametrize("quantity", [0, -1, 100, "x", 2.5, None])
def test_a_bad_quantity_is_refused(shop: Shop, quantity):
    with pytest.raises(InvalidInput):
        carts.add_to_cart(shop.buyer, shop.sku.pk, quantity)
    assert not CartItem.objects.exists()


def test_a_line_never_passes_99(shop: Shop):
    carts.add_to_cart(shop.buyer, shop.sku.pk, 98)
    with pytest.raises(InvalidInput):
        carts.add_to_cart(shop.buyer, shop.sku.pk, 2)
    assert CartItem.objects.get().quantity == 98


def test_only_active_skus_of_on_shelf_products_can_be_added(shop: Shop):
    Sku.objects.filter(pk=shop.sku.pk).update(is_active=False)
    shop.sku2.product.on_shelf = False
    shop.sku2.product.save()
    with pytest.raises(Conflict):
        carts.add_to_cart(shop.buyer, shop.sku.pk, 1)
    with pytest.raises(Conflict):
        carts.add_to_cart(shop.buyer, shop.sku2.pk, 1)
    with pytest.raises(NotFound):
        carts.add_to_cart(shop.buyer, "nosuchsku", 1)
    assert not CartItem.objects.exists()


def test_change_and_remove_a_line(shop: Shop):
    carts.add_to_cart(shop.buyer, shop.sku.pk, 1)
    carts.set_cart_quantity(shop.buyer, shop.sku.pk, 7)
    assert CartItem.objects.get().quantity == 7
    with pytest.raises(InvalidInput):
        carts.set_cart_quantity(shop.buyer, shop.sku.pk, 0)
    carts.remove_from_cart(shop.buyer, shop.sku.pk)
    assert not CartItem.objects.exists()
    with pytest.raises(NotFound):
        carts.remove_from_cart(shop.buyer, shop.sku.pk)


def test_the_cart_is_grouped_by_store_with_subtotals_and_shipping(shop: Shop):
    # given lines of two stores, the second shipping ¥5 flat, never free
    tea_store = store_with_owner(name="茶山", shipping_fee=500, free_shipping_threshold=0)
    tea = SkuFactory(product=ProductFactory(store=tea_store), price=3000, stock=1)
    carts.add_to_cart(shop.buyer, shop.sku.pk, 1)
    carts.add_to_cart(shop.buyer, shop.sku2.pk, 2)
    carts.add_to_cart(shop.buyer, tea.pk, 3)  # more than the stock: allowed in the cart
    # when the cart is read
    cart = carts.cart_for(shop.buyer)
    # then each store shows its subtotal and shipping
    groups = {g.store.pk: g for g in cart.stores}
    mine, theirs = groups[shop.store.pk], groups[tea_store.pk]
    assert (mine.subtotal, mine.shipping_fee, mine.total) == (9900, 0, 9900)
    assert (theirs.subtotal, theirs.shipping_fee, theirs.total) == (9000, 500, 9500)
    assert cart.total == 19400
    assert cart.count == 6
    assert not theirs.lines[0].enough_stock


def test_someone_elses_cart_is_untouched(shop: Shop):
    carts.add_to_cart(shop.other, shop.sku.pk, 1)
    with pytest.raises(NotFound):
        carts.set_cart_quantity(shop.buyer, shop.sku.pk, 3)
    assert CartItem.objects.get().quantity == 1
    assert carts.cart_for(shop.buyer).stores == []


def test_cart_api(api, shop: Shop):
    client = api(shop.buyer)
    r = client.post("orders/cart/items", {"sku_id": shop.sku.pk, "quantity": 2})
    assert r.status_code == 200, r.content
    assert r.json()["stores"][0]["lines"][0]["quantity"] == 2
    r = client.patch(f"orders/cart/items/{shop.sku.pk}", {"quantity": 4})
    assert r.json()["total"] == 4 * 5900
    bad = client.patch(f"orders/cart/items/{shop.sku.pk}", {"quantity": -4})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_quantity")
    r = client.delete(f"orders/cart/items/{shop.sku.pk}")
    assert r.json() == {"stores": [], "total": 0, "count": 0}
    assert client.get("orders/cart").json()["count"] == 0
    assert api().get("orders/cart").status_code == 401


def test_cart_pages(client, shop: Shop):
    # given a logged-in buyer on a product page
    client.force_login(shop.buyer)
    # when they add to the cart from the product page
    r = client.post("/orders/cart/add/", {"sku": shop.sku.pk, "quantity": "2"})
    assert r.status_code == 302 and r["Location"] == "/orders/cart/"
    # then the cart page shows the line with its controls and the checkout button
    page = client.get("/orders/cart/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "云南小粒咖啡豆" in html and 'data-testid="checkout"' in html
    # and the quantity can be changed and the line removed
    client.post("/orders/cart/update/", {"sku": shop.sku.pk, "quantity": "5"})
    assert CartItem.objects.get().quantity == 5
    client.post("/orders/cart/remove/", {"sku": shop.sku.pk})
    assert not CartItem.objects.exists()


def test_adding_a_bad_line_from_a_page_goes_back_with_a_message(client, shop: Shop):
    client.force_login(shop.buyer)
    product_page = f"/products/{shop.sku.product_id}/"
    r = client.post(
        "/orders/cart/add/", {"sku": shop.sku.pk, "quantity": "-2"}, HTTP_REFERER=product_page
    )
    assert r.status_code == 302 and r["Location"] == product_page
    assert not CartItem.objects.exists()


def test_anonymous_add_to_cart_goes_to_login(client, shop: Shop):
    product_page = f"/products/{shop.sku.product_id}/"
    r = client.post("/orders/cart/add/", {"sku": shop.sku.pk}, HTTP_REFERER=product_page)
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/?next=%2Fproducts%2F")
