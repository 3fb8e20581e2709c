"""Where events are recorded: product and store pages (with their source, not the store's
own people, not bots), share links made and opened, likes and comments on notes."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.orders.services.cart import add_to_cart
from quanzi.orders.services.payment_events import on_refund_succeeded
from quanzi.referrals.services.links import share_link
from quanzi.social.services import notes
from quanzi.tracking.models import Event, EventKind
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.orders.conftest import Shop, pay, place, shop  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger"


def _browser(user=None) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_USER_AGENT=PHONE)
    if user is not None:
        client.force_login(user)
    return client


def _product():  # type: ignore[no-untyped-def]
    owner = UserFactory()
    store = store_with_owner(owner)
    product = ProductFactory(store=store)
    SkuFactory(product=product)
    return owner, product


def test_a_product_view_is_counted_with_its_source_but_not_the_owners_or_a_bots():
    # given a product and its owner
    owner, product = _product()
    buyer = UserFactory()
    # when a member opens it from a chat card, a visitor directly, the owner, and a bot
    assert _browser(buyer).get(f"/products/{product.pk}/?src=chat").status_code == 200
    _browser().get(f"/products/{product.pk}/")
    _browser(owner).get(f"/products/{product.pk}/")
    Client(HTTP_USER_AGENT="Googlebot/2.1").get(f"/products/{product.pk}/")
    # then two views are counted, with their sources, under the product's store
    views = Event.objects.filter(kind=EventKind.PRODUCT_VIEW).order_by("id")
    assert [(e.source, e.user_id, e.store_id, e.ref) for e in views] == [
        ("chat", str(buyer.pk), product.store_id, product.pk),
        ("direct", "", product.store_id, product.pk),
    ]
    assert views[1].visitor.startswith("a")


def test_a_share_link_made_and_opened_counts_and_the_page_knows_it_came_from_a_share():
    # given a member's share link to a product
    _owner, product = _product()
    sharer = UserFactory()
    link = share_link(sharer, "product", product.pk)
    # when a friend opens it
    response = _browser().get(f"/s/{link.code}", follow=True)
    # then the link's making and opening are counted, and the product view says "share"
    assert response.status_code == 200
    kinds = list(Event.objects.order_by("id").values_list("kind", "source", "store_id"))
    assert kinds == [
        (EventKind.SHARE_CREATED, "", product.store_id),
        (EventKind.SHARE_VISIT, "share", product.store_id),
        (EventKind.PRODUCT_VIEW, "share", product.store_id),
    ]


def test_a_store_page_view_is_counted():
    _owner, product = _product()
    _browser().get(f"/stores/{product.store_id}/")
    assert Event.objects.filter(kind=EventKind.STORE_VIEW, store_id=product.store_id).count() == 1


def test_likes_and_comments_on_a_note_count_under_its_products_store():
    # given a note about a product
    _owner, product = _product()
    author, reader = UserFactory(), UserFactory()
    note = notes.create_note(author, title="好喝", body="每天一杯", product_ids=[product.pk])
    # when a reader likes it twice (one like) and comments
    notes.set_like(reader, note.pk, True)
    notes.set_like(reader, note.pk, True)
    notes.add_comment(reader, note.pk, "哪里买？")
    # then one like and one comment are counted for the product's store
    rows = Event.objects.filter(kind__in=[EventKind.LIKE, EventKind.COMMENT])
    assert sorted(rows.values_list("kind", "store_id", "ref")) == [
        (EventKind.COMMENT, product.store_id, note.pk),
        (EventKind.LIKE, product.store_id, note.pk),
    ]


def test_the_money_path_counts_carts_checkouts_payments_and_refunds(shop: Shop):  # noqa: F811
    # given a buyer who adds two to the cart, opens the checkout, orders and pays
    add_to_cart(shop.buyer, shop.sku.pk, 2)
    _browser(shop.buyer).get("/orders/checkout/")
    order = pay(place(shop, 2))
    # when the store refunds ¥10 of it
    on_refund_succeeded(order.pk, 1000, None, payment_id=order.payment_id)
    # then each step is counted under the store, the payment and the refund with their amounts
    rows = list(
        Event.objects.filter(store_id=shop.store.pk)
        .order_by("id")
        .values_list("kind", "amount", "ref")
    )
    assert rows == [
        (EventKind.ADD_TO_CART, shop.sku.price * 2, shop.sku.product_id),
        (EventKind.CHECKOUT, 0, "cart"),
        (EventKind.PAID, order.total, order.pk),
        (EventKind.REFUNDED, 1000, order.pk),
    ]
