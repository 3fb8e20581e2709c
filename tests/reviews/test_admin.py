"""The Django admin for platform operators: read reviews with photos, hide or show them."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.reviews import services
from quanzi.reviews.models import Review
from tests.factories import UserFactory
from tests.reviews.conftest import first_item, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def review(shop, buyer, received) -> Review:
    item = first_item(received)
    return services.write_review(buyer, received.id, item.pk, 4, "好", [photo()], False)


def test_operators_see_a_review_with_its_photos(operator_client, review):
    assert operator_client.get("/admin/reviews/review/").status_code == 200
    r = operator_client.get(f"/admin/reviews/review/{review.id}/change/")
    assert r.status_code == 200
    assert "/media/reviews/thumbs/" in r.content.decode()


def test_hiding_from_the_list_updates_the_rating(operator_client, shop, review):
    # when an operator hides the review with the list action
    r = operator_client.post(
        "/admin/reviews/review/", {"action": "hide_reviews", "_selected_action": [review.id]}
    )
    # then it is hidden and no longer counts in the product's rating
    assert r.status_code == 302
    review.refresh_from_db()
    shop.product.refresh_from_db()
    assert review.is_hidden and shop.product.rating_count == 0
    # and showing it again restores the rating
    operator_client.post(
        "/admin/reviews/review/", {"action": "show_reviews", "_selected_action": [review.id]}
    )
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (4, 1)


def test_the_change_form_toggles_only_the_hidden_flag(operator_client, shop, review):
    # when an operator ticks "hidden" in the change form (and tries to change the stars)
    r = operator_client.post(
        f"/admin/reviews/review/{review.id}/change/",
        {
            "is_hidden": "on",
            "stars": "1",
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "1",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
            "photos-0-id": review.photos.get().id,
            "photos-0-review": review.id,
        },
    )
    # then the review is hidden through the service, and its content is unchanged
    assert r.status_code == 302, r.content.decode()[:2000]
    review.refresh_from_db()
    shop.product.refresh_from_db()
    assert review.is_hidden and review.stars == 4
    assert shop.product.rating_count == 0


def test_customers_cannot_open_the_admin(review):
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/admin/reviews/review/").status_code == 302
