"""A held review never silently disappears for its author: the product's reviews (page, product
page, API) and their order page show it to them, under review, with a link to appeal — and to
nobody else."""

from __future__ import annotations

import pytest

from quanzi.reviews.models import Moderation
from quanzi.trust.services.cases import apply_action
from tests.trust.case_helpers import client_of, make_world

pytestmark = pytest.mark.django_db

RING_TEXT = "非常好！强烈推荐！"


def test_the_author_sees_their_held_review_under_review_on_the_product_s_reviews_page():
    w = make_world()
    html = client_of(w.ring[0]).get(f"/reviews/product/{w.product.pk}/").content.decode()
    assert html.count(RING_TEXT) == 1  # their own, not the two others of the ring
    assert 'data-testid="review-under-review"' in html
    assert 'href="/trust/my-reviews/"' in html
    assert "还行，就是有点苦" in html  # the genuine review is there as always
    assert 'data-testid="share-review"' in html  # for the visible one only
    assert html.count('data-testid="share-review"') == 1


@pytest.mark.parametrize(
    "who", ["owner", "staff", "other_owner", "member", "operator", "anonymous"]
)
def test_nobody_else_sees_a_held_review_on_the_product_s_pages(who):
    w = make_world()
    client = client_of(w.people[who])
    for url in (f"/reviews/product/{w.product.pk}/", f"/products/{w.product.pk}/"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert RING_TEXT not in html and 'data-testid="review-under-review"' not in html
        assert "还行，就是有点苦" in html


def test_the_product_page_shows_the_author_their_held_review_first():
    w = make_world()
    html = client_of(w.ring[1]).get(f"/products/{w.product.pk}/").content.decode()
    assert html.count(RING_TEXT) == 1
    assert html.index('data-testid="review-under-review"') < html.index("还行，就是有点苦")


def test_once_restored_the_review_is_shown_to_everyone_without_the_badge():
    w = make_world()
    apply_action(w.operator, w.case.pk, "restore", "real buyers")
    html = client_of(w.member).get(f"/reviews/product/{w.product.pk}/").content.decode()
    assert html.count(RING_TEXT) == 3
    mine = client_of(w.ring[0]).get(f"/reviews/product/{w.product.pk}/").content.decode()
    assert 'data-testid="review-under-review"' not in mine


def test_the_api_returns_the_author_s_own_held_review_flagged_and_never_to_anyone_else(api):
    w = make_world()
    url = f"reviews/products/{w.product.pk}"
    mine = api(w.ring[0]).get(url).json()
    held = [r for r in mine["items"] if r["under_review"]]
    assert [(r["id"], r["moderation"], r["text"]) for r in held] == [
        (w.ring_reviews[0].pk, Moderation.HELD, RING_TEXT)
    ]
    assert {r["moderation"] for r in mine["items"] if not r["under_review"]} == {"visible"}
    assert mine["rating_count"] == 1  # the rating never counts it
    for someone in (w.owner, w.ring[1], w.member, w.operator, None):
        body = api(someone).get(url).json()
        ids = {r["id"] for r in body["items"]}
        assert w.ring_reviews[0].pk not in ids
        if someone is w.ring[1]:
            assert ids == {w.honest_review.pk, w.ring_reviews[1].pk}
        else:
            assert ids == {w.honest_review.pk}
            assert not any(r["under_review"] for r in body["items"])


def test_the_order_page_says_the_review_of_its_item_is_under_review():
    w = make_world()
    order_id = w.ring_reviews[0].order_item.order_id
    html = client_of(w.ring[0]).get(f"/orders/{order_id}/").content.decode()
    assert 'data-testid="order-review-under-review"' in html
    assert 'href="/trust/my-reviews/"' in html and "云南小粒咖啡豆" in html
    honest_order = w.honest_review.order_item.order_id
    html = client_of(w.honest).get(f"/orders/{honest_order}/").content.decode()
    assert 'data-testid="order-review-under-review"' not in html
    # and the order list says it too
    listing = client_of(w.ring[0]).get("/orders/").content.decode()
    assert 'data-testid="order-review-under-review"' in listing
