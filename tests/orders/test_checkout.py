"""Checkout: one order per store, shipping rules, snapshots, stock, bad input, idempotency."""

from __future__ import annotations

import pytest

from quanzi.catalog.models import Sku
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.orders.models import CartItem, Order, OrderEvent, OrderItem, OrderStatus
from quanzi.orders.services.checkout import buy_now, place_orders
from tests.factories import AddressFactory, ProductFactory, SkuFactory, store_with_owner
from tests.orders.conftest import Shop, stock_of

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, list[int]]:
    """Rows that a checkout writes, and every SKU's stock: compared before and after."""
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        OrderEvent.objects.count(),
        list(Sku.objects.order_by("pk").values_list("stock", flat=True)),
    )


def test_a_cart_spanning_two_stores_makes_one_order_per_store(shop: Shop):
    # given a second store whose shipping is a flat ¥10, free from ¥200
    other_store = store_with_owner(name="茶山", shipping_fee=1000, free_shipping_threshold=20000)
    tea = SkuFactory(product=ProductFactory(store=other_store), price=12000, stock=5)
    # when the buyer checks out items of both stores
    orders = place_orders(
        shop.buyer,
        [(shop.sku.pk, 1), (shop.sku2.pk, 2), (tea.pk, 1)],
        shop.address.pk,
        {shop.store.pk: "请尽快发货", other_store.pk: ""},
    )
    # then there is one order per store, each with its own shipping rule
    by_store = {order.store_id: order for order in orders}
    assert set(by_store) == {shop.store.pk, other_store.pk}
    mine = by_store[shop.store.pk]
    assert (mine.subtotal, mine.shipping_fee, mine.total) == (9900, 0, 9900)  # free at ¥99
    assert mine.note == "请尽快发货"
    theirs = by_store[other_store.pk]
    assert (theirs.subtotal, theirs.shipping_fee, theirs.total) == (12000, 1000, 13000)
    # and stock was taken, the address and items snapshotted, the creation recorded
    assert (stock_of(shop.sku), stock_of(shop.sku2), stock_of(tea)) == (9, 8, 4)
    assert mine.address["recipient"] == "张三"
    item = mine.items.get(sku=shop.sku2)
    assert (item.title, item.unit_price, item.quantity) == ("普洱茶饼", 2000, 2)
    assert item.sku_label == shop.sku2.label
    event = mine.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", "pending_payment", shop.buyer)
    assert mine.status == OrderStatus.PENDING_PAYMENT
    assert mine.pay_deadline > mine.created_at


def test_shipping_is_charged_below_the_threshold(shop: Shop):
    # when the buyer buys ¥59 (under the ¥99 threshold, ¥8 flat fee)
    order = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)[0]
    # then shipping is added
    assert (order.subtotal, order.shipping_fee, order.total) == (5900, 800, 6700)


def test_the_same_sku_twice_is_merged_into_one_line(shop: Shop):
    order = place_orders(shop.buyer, [(shop.sku.pk, 1), (shop.sku.pk, 2)], shop.address.pk)[0]
    assert [(i.sku_id, i.quantity) for i in order.items.all()] == [(shop.sku.pk, 3)]


def test_missing_stock_fails_the_whole_checkout_and_writes_nothing(shop: Shop):
    # given one SKU with enough stock and one with only 1 left
    Sku.objects.filter(pk=shop.sku2.pk).update(stock=1)
    before = counts()
    # when the buyer asks for 2 of the scarce one along with the other
    with pytest.raises(Conflict) as refused:
        place_orders(shop.buyer, [(shop.sku.pk, 3), (shop.sku2.pk, 2)], shop.address.pk)
    # then the refusal names the product and nothing was written, no stock taken
    assert refused.value.code == "out_of_stock"
    assert "普洱茶饼" in str(refused.value.message)
    assert counts() == before


@pytest.mark.parametrize(
    ("lines", "error", "code"),
    [
        ([("SKU", -1)], InvalidInput, "invalid_quantity"),
        ([("SKU", 0)], InvalidInput, "invalid_quantity"),
        ([("SKU", 100)], InvalidInput, "invalid_quantity"),
        ([("SKU", 10**30)], InvalidInput, "invalid_quantity"),
        ([("SKU", "many")], InvalidInput, "invalid_quantity"),
        ([("SKU", 1.5)], InvalidInput, "invalid_quantity"),
        ([("SKU", True)], InvalidInput, "invalid_quantity"),
        ([("SKU", 60), ("SKU", 60)], InvalidInput, "invalid_quantity"),
        ([("nope", 1)], NotFound, "unknown_sku"),
        ([(123, 1)], NotFound, "unknown_sku"),
        ([], InvalidInput, "no_items"),
    ],
)
def test_bad_lines_are_refused_without_partial_rows(shop: Shop, lines, error, code):
    # given a valid line in front of the bad one
    lines = [(shop.sku2.pk, 1)] + [
        (shop.sku.pk if sku == "SKU" else sku, qty) for sku, qty in lines
    ]
    if len(lines) == 1 and code == "no_items":
        lines = []
    before = counts()
    # when the checkout is attempted
    with pytest.raises(error) as refused:
        place_orders(shop.buyer, lines, shop.address.pk)
    # then it is refused with a clear code and nothing was written
    assert refused.value.code == code
    assert counts() == before


def test_an_unknown_sku_is_named_in_the_message(shop: Shop):
    with pytest.raises(NotFound) as refused:
        place_orders(shop.buyer, [("zzzzzzzzzzzzzzzz", 1)], shop.address.pk)
    assert "zzzzzzzzzzzzzzzz" in str(refused.value.message)


def test_someone_elses_address_is_not_found(shop: Shop):
    before = counts()
    with pytest.raises(NotFound):
        place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.other_address.pk)
    assert counts() == before


def test_an_off_shelf_product_cannot_be_bought(shop: Shop):
    shop.sku.product.on_shelf = False
    shop.sku.product.save()
    before = counts()
    with pytest.raises(Conflict) as refused:
        place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk)
    assert refused.value.code == "unavailable"
    assert counts() == before


def test_a_too_long_note_is_refused(shop: Shop):
    with pytest.raises(InvalidInput):
        place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, "长" * 201)
    assert not Order.objects.exists()


def test_a_checkout_from_the_cart_clears_only_the_bought_lines(shop: Shop):
    # given a cart with two lines
    CartItem.objects.create(user=shop.buyer, sku=shop.sku, quantity=1)
    CartItem.objects.create(user=shop.buyer, sku=shop.sku2, quantity=1)
    # when one of them is bought from the cart
    place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, from_cart=True)
    # then only that line left the cart
    assert list(CartItem.objects.values_list("sku_id", flat=True)) == [shop.sku2.pk]


def test_a_double_submitted_checkout_key_returns_the_first_orders(shop: Shop):
    first = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, checkout_key="k-1")
    again = place_orders(shop.buyer, [(shop.sku.pk, 1)], shop.address.pk, checkout_key="k-1")
    assert [o.pk for o in again] == [o.pk for o in first]
    assert stock_of(shop.sku) == 9


def test_buy_now_uses_the_default_address(shop: Shop):
    # given a second, non-default address
    AddressFactory(user=shop.buyer, recipient="王五", is_default=False)
    order = buy_now(shop.buyer, shop.sku.pk, 2)
    assert order.address["recipient"] == "张三"
    assert order.items.get().quantity == 2


def test_buy_now_without_a_default_address_asks_for_one(shop: Shop):
    shop.address.delete()
    with pytest.raises(InvalidInput) as refused:
        buy_now(shop.buyer, shop.sku.pk, 1)
    assert refused.value.code == "no_default_address"
    assert not Order.objects.exists()
