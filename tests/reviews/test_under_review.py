"""A review held while a suspected-fraud check decides (`set_held`) stays out of view and rating
for everyone but its author, who sees it marked under review in the lists, the API and on their
order's page; holding never overrides an operator's hide."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.reviews import selectors
from quanzi.reviews.models import Moderation, Review
from quanzi.reviews.panels import under_review
from quanzi.reviews.services import set_held, set_hidden, write_review
from tests.factories import UserFactory
from tests.reviews.conftest import first_item, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(shop, buyer, received) -> Review:
    review = write_review(buyer, received.pk, first_item(received).pk, 5, "好喝")
    assert set_held(review.pk, True)
    return review


def test_the_author_alone_gets_their_held_review_in_the_lists(shop, buyer, held):
    other = UserFactory()
    order = make_order(other, shop.sku)
    visible = write_review(other, order.pk, first_item(order).pk, 4, "不错")
    for viewer, expected in [
        (buyer, {held.pk, visible.pk}),
        (other, {visible.pk}),
        (None, {visible.pk}),
    ]:
        page = selectors.product_reviews(shop.product.pk, viewer=viewer)
        assert {r.pk for r in page.items} == expected
        highlighted = selectors.highlighted_reviews(shop.product.pk, viewer=viewer)
        assert {r.pk for r in highlighted} == expected
    assert selectors.highlighted_reviews(shop.product.pk, viewer=buyer)[0] == held
    assert selectors.rating_breakdown(shop.product.pk).total == 1


def test_the_api_flags_it_for_the_author_and_hides_it_from_others(api, shop, buyer, held):
    mine = api(buyer).get(f"reviews/products/{shop.product.pk}").json()["items"]
    assert [(r["id"], r["moderation"], r["under_review"]) for r in mine] == [
        (held.pk, "held", True)
    ]
    assert api(shop.owner).get(f"reviews/products/{shop.product.pk}").json()["items"] == []
    assert api().get(f"reviews/products/{shop.product.pk}").json()["items"] == []


def test_the_page_marks_it_under_review_for_the_author_only(shop, buyer, held):
    author = Client()
    author.force_login(buyer)
    html = author.get(f"/reviews/product/{shop.product.pk}/").content.decode()
    assert 'data-testid="review-under-review"' in html and "好喝" in html
    assert 'data-testid="share-review"' not in html
    assert "好喝" not in Client().get(f"/reviews/product/{shop.product.pk}/").content.decode()
    # the store's console sees it, marked under review
    console = Client()
    console.force_login(shop.staff)
    page = console.get(f"/reviews/console/{shop.store.pk}/").content.decode()
    assert 'data-testid="review-held"' in page


def test_the_order_panel_says_the_review_is_under_review(buyer, received, held):
    panels = under_review([received])
    assert list(panels) == [received.pk]
    assert "/trust/my-reviews/" in panels[received.pk]
    assert under_review([make_order(UserFactory(), first_item(received).sku)]) == {}


def test_holding_or_restoring_never_overrides_a_hide(held):
    set_hidden(held.pk, True)
    assert set_held(held.pk, False) is False
    assert set_held(held.pk, True) is False
    held.refresh_from_db()
    assert held.moderation == Moderation.HIDDEN
