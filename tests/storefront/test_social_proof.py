"""Social proof on the product and store pages: photo reviews first with their filter, and the
store's circles to join."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.circles.models import Circle
from quanzi.core.ids import new_id
from quanzi.orders.models import OrderItem
from quanzi.reviews.models import Review, ReviewPhoto
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.social.conftest import paid_order

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _review(sku, text: str, *, photo: bool, ago: int) -> Review:
    buyer = UserFactory()
    item = OrderItem.objects.get(order=paid_order(buyer, sku))
    review = Review.objects.create(
        order_item=item,
        product=sku.product,
        store=sku.product.store,
        author=buyer,
        stars=5,
        text=text,
    )
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(hours=ago))
    if photo:
        ReviewPhoto.objects.create(
            review=review, image="reviews/x.jpg", thumbnail="reviews/x.jpg", width=10, height=10
        )
    return review


def test_photo_reviews_come_first_with_a_filter_to_them():
    # given a product with a new review without photo and an older one with a photo
    sku = SkuFactory(product=ProductFactory(store=store_with_owner()))
    _review(sku, "新的文字评价", photo=False, ago=1)
    _review(sku, "带图的老评价", photo=True, ago=48)
    sku.product.rating_count, sku.product.rating_sum = 2, 10
    sku.product.save(update_fields=["rating_count", "rating_sum"])
    # when the product page is opened
    html = Client(headers=EN).get(f"/products/{sku.product_id}/").content.decode()
    # then the photo review is shown first, and the chips lead to all and to photo reviews
    assert html.index("带图的老评价") < html.index("新的文字评价")
    assert "All (2)" in html and "With photos (1)" in html
    assert f"/reviews/product/{sku.product_id}/?photos=1" in html


def test_the_store_page_invites_to_its_listed_circles():
    # given a store with a listed circle and an unlisted one
    store = store_with_owner()
    Circle.objects.create(
        name="老朋友群", store=store, owner=UserFactory(), invite_code=new_id(), member_count=30
    )
    Circle.objects.create(
        name="内部群", store=store, owner=UserFactory(), invite_code=new_id(), is_listed=False
    )
    # when the store page is opened
    html = Client(headers=EN).get(f"/stores/{store.pk}/").content.decode()
    # then it links to the listed circle only, with its size
    assert 'data-testid="store-circles"' in html and "老朋友群" in html and "30 members" in html
    assert "内部群" not in html
