"""Races that need PostgreSQL: double submits of one review, many reviews of one product."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from quanzi.core.errors import Conflict
from quanzi.reviews import services
from quanzi.reviews.models import Review
from tests.factories import UserFactory
from tests.reviews.conftest import first_item, make_order, photo, review_files

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, attempt) -> list[str]:
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        try:
            barrier.wait()
            attempt(i)
            return "ok"
        except Conflict:
            return "conflict"
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_submits_of_one_item_make_one_review(shop, buyer, received):
    # given 8 submits of a review of one item, at the same moment, each with a photo
    item = first_item(received)
    files_before = review_files()

    def attempt(i: int) -> None:
        services.write_review(buyer, received.id, item.pk, 1 + i % 5, f"#{i}", [photo()])

    # when they race
    results = _race(8, attempt)
    # then exactly one wins, the others are 409s, and only the winner's photo is stored
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    review = Review.objects.get()
    assert len(review_files() - files_before) == 2  # its photo and thumbnail
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (review.stars, 1)


def test_concurrent_reviews_of_one_product_all_count(shop):
    # given 10 buyers with a received item each
    orders = [make_order(UserFactory(), shop.sku) for _ in range(10)]

    def attempt(i: int) -> None:
        order = orders[i]
        services.write_review(order.buyer, order.id, first_item(order).pk, 1 + i % 5, "", [])

    # when they review at the same moment
    results = _race(10, attempt)
    # then every review counts once in the product's rating
    assert results == ["ok"] * 10
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (30, 10)
