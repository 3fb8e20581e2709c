"""What a review says beside it: 已验证购买 on every one, 来自圈子成员 when its author belongs
to one of the store's circles — in one query per list, on the product page and in the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from quanzi.circles.services import membership as circles
from quanzi.reviews.selectors import product_reviews
from quanzi.reviews.services import write_review
from tests.factories import UserFactory
from tests.reviews.conftest import Shop, first_item, make_order

pytestmark = pytest.mark.django_db


def _reviewed(shop: Shop, text: str) -> Any:
    buyer = UserFactory()
    order = make_order(buyer, shop.sku)
    write_review(buyer, order.pk, first_item(order).pk, 5, text)
    return buyer


def test_given_a_circle_member_and_a_stranger_then_only_the_member_is_labelled(
    shop: Shop, django_assert_max_num_queries: Any
) -> None:
    # given: two buyers reviewed, one of them a member of the store's circle
    circle = circles.create_circle(
        shop.owner, circles.CircleInput(name="老朋友群", store_id=shop.store.pk)
    )
    member = _reviewed(shop, "群里推荐的，果然好喝")
    _reviewed(shop, "路过买的")
    circles.join_circle(member, circle.pk)
    # when: the product's reviews are listed (photos, authors, items and labels: a fixed count)
    with translation.override("zh-hans"), django_assert_max_num_queries(5):
        page = product_reviews(shop.product.pk)
        labels = {r.author_id: r.labels for r in page.items}  # type: ignore[attr-defined]
    # then: both are verified purchases, only the member comes from the circle
    assert labels[member.pk] == ["已验证购买", "来自圈子成员"]
    assert [labels[k] for k in labels if k != member.pk] == [["已验证购买"]]


def test_given_a_review_then_the_product_page_and_api_show_its_labels(client, shop: Shop) -> None:  # type: ignore[no-untyped-def]
    _reviewed(shop, "好喝")
    page = client.get(f"/products/{shop.product.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="review-label"' in page.content.decode()
    body = client.get(f"/api/v1/reviews/products/{shop.product.pk}").json()
    assert body["items"][0]["labels"][0] in {"已验证购买", "Verified purchase"}
