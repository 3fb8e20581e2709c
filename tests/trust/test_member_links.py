"""Where people find trust's pages: a member with a review under review sees the way to it on
我的; a merchant's console has the alerts and the reviews-under-review tabs."""

from __future__ import annotations

import pytest

from quanzi.reviews.services import set_held, write_review
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.reviews.conftest import first_item, make_order

pytestmark = pytest.mark.django_db


def test_given_a_held_review_then_its_author_finds_it_from_me(client) -> None:  # type: ignore[no-untyped-def]
    # given: a buyer's review, shown
    owner = UserFactory()
    sku = SkuFactory(product=ProductFactory(store=store_with_owner(owner)))
    buyer = UserFactory()
    order = make_order(buyer, sku)
    review = write_review(buyer, order.pk, first_item(order).pk, 5, "好")
    client.force_login(buyer)
    assert 'data-testid="me-held-reviews"' not in client.get("/me/").content.decode()
    # when: a case holds it
    set_held(review.pk, True)
    # then: 我的 links to the reviews under review, and the page shows it
    assert 'data-testid="me-held-reviews"' in client.get("/me/").content.decode()
    assert review.pk in client.get("/trust/my-reviews/").content.decode()
    # and the merchant's console has both trust tabs
    client.force_login(owner)
    page = client.get(f"/trust/console/{sku.product.store_id}/appeals/").content.decode()
    assert 'data-testid="trust-tab"' in page and 'data-testid="alerts-tab"' in page
