"""Reviews API: writing, listing, pending items, replies — roles, bad input, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.orders.models import OrderStatus
from quanzi.reviews import services
from quanzi.reviews.models import Review, ReviewPhoto
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.reviews.conftest import (
    first_item,
    make_order,
    not_an_image,
    photo,
    review_files,
)

pytestmark = pytest.mark.django_db


def _form(order, **kw):
    item = first_item(order)
    return {"order_id": order.id, "item_id": str(item.pk), "stars": "5", "text": "很香", **kw}


def _post_review(client, order, **kw):
    return client.post("reviews", _form(order, **kw), multipart=True)


def test_the_buyer_posts_a_review_with_photos(api, shop, buyer, received):
    # when the buyer posts a 4-star review with two photos
    r = _post_review(api(buyer), received, stars="4", photos=[photo(), photo("b.jpg")])
    # then it is created and shown with its photos and the buyer's nickname
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["stars"] == 4 and body["author_name"] == "小美"
    assert body["sku_label"] == "500g" and len(body["photos"]) == 2
    assert body["photos"][0]["thumbnail_url"].startswith("/media/reviews/thumbs/")
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (4, 1)


def test_photos_may_be_sent_as_an_array_field(api, buyer, received):
    r = api(buyer).post(
        "reviews", {**_form(received), "photos[]": [photo(), photo()]}, multipart=True
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["photos"]) == 2


@pytest.mark.parametrize("who", ["other_customer", "owner", "staff"])
def test_people_who_did_not_buy_the_item_cannot_review_it(api, shop, received, who):
    person = {"other_customer": UserFactory(), "owner": shop.owner, "staff": shop.staff}[who]
    r = _post_review(api(person), received)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert not Review.objects.exists()


def test_anonymous_visitors_cannot_review(api, received):
    r = _post_review(api(), received)
    assert r.status_code == 401
    assert not Review.objects.exists()


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.SHIPPED])
def test_no_review_before_receipt(api, shop, buyer, status):
    r = _post_review(api(buyer), make_order(buyer, shop.sku, status))
    assert r.status_code == 409 and r.json()["code"] == "not_received"


def test_a_second_review_of_the_item_is_a_409(api, buyer, received):
    client = api(buyer)
    assert _post_review(client, received).status_code == 201
    r = _post_review(client, received, stars="1")
    assert r.status_code == 409 and r.json()["code"] == "already_reviewed"
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"stars": "0"}, 400, "invalid_stars"),
        ({"stars": "6"}, 400, "invalid_stars"),
        ({"stars": "many"}, 422, "validation"),
        ({"text": "好" * 1001}, 400, "text_too_long"),
        ({"photos": [photo(), not_an_image()]}, 400, "not_an_image"),
        ({"photos": [photo() for _ in range(7)]}, 400, "too_many_photos"),
    ],
)
def test_bad_input_is_a_4xx_and_writes_nothing(api, shop, buyer, received, fields, status, code):
    # given the review media folder as it is
    files_before = review_files()
    # when the buyer posts a bad review
    r = _post_review(api(buyer), received, **fields)
    # then it is refused with a clear code, and no row, photo, file or rating is written
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    assert review_files() == files_before
    shop.product.refresh_from_db()
    assert shop.product.rating_count == 0


def test_a_too_large_photo_is_a_413(api, buyer, received, settings):
    settings.QUANZI_IMAGE_MAX_BYTES = 1000
    r = _post_review(api(buyer), received, photos=[photo(size=(400, 400))])
    assert r.status_code == 413 and r.json()["code"] == "image_too_large"
    assert not Review.objects.exists()


def test_an_anonymous_review_never_shows_the_reviewer(api, shop, buyer, received):
    # given an anonymous review
    r = _post_review(api(buyer), received, anonymous="true", text="匿名说好")
    assert r.status_code == 201
    services.reply(shop.owner, r.json()["id"], "谢谢")
    # when anyone, or the store, reads it through the API
    responses = [
        r,
        api().get(f"reviews/products/{shop.product.id}"),
        api(shop.owner).get(f"reviews/stores/{shop.store.id}"),
        api(shop.owner).post(f"reviews/{r.json()['id']}/reply", {"text": "再次感谢"}),
    ]
    # then the author is "Anonymous buyer", never the username, nickname or user id
    for response in responses:
        assert response.status_code in (200, 201)
        raw = response.content.decode()
        assert "secret_buyer_name" not in raw and "小美" not in raw
        assert buyer.public_id not in raw
    listed = responses[1].json()["items"][0]
    assert listed["is_anonymous"] is True and listed["author_avatar"] is None
    en = api().get(f"/api/v1/reviews/products/{shop.product.id}", headers={"Accept-Language": "en"})
    assert en.json()["items"][0]["author_name"] == "Anonymous buyer"


def _reviews(shop, count, with_photos_every=2):
    """`count` reviews of the shop's product by different buyers, every other with a photo."""
    for n in range(count):
        person = UserFactory()
        order = make_order(person, shop.sku)
        photos = [photo()] if n % with_photos_every == 0 else []
        services.write_review(person, order.id, first_item(order).pk, 1 + n % 5, f"#{n}", photos)


def test_product_reviews_are_public_paginated_and_filtered(api, shop):
    # given 7 reviews (stars 1,2,3,4,5,1,2; photos on the 1st, 3rd, 5th and 7th)
    _reviews(shop, 7)
    client = api()
    # when anyone lists them two by two
    r = client.get(f"reviews/products/{shop.product.id}", {"page": 2, "page_size": 2})
    # then they get a page of the newest first with the totals
    body = r.json()
    assert r.status_code == 200
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (7, 2, 4, 2)
    assert [i["text"] for i in body["items"]] == ["#4", "#3"]
    assert body["rating_count"] == 7 and body["rating"] == round(18 / 7, 1)
    # and the stars and photo filters narrow the list
    ones = client.get(f"reviews/products/{shop.product.id}", {"stars": 1}).json()
    assert sorted(i["text"] for i in ones["items"]) == ["#0", "#5"]
    with_photos = client.get(f"reviews/products/{shop.product.id}", {"with_photos": True}).json()
    assert sorted(i["text"] for i in with_photos["items"]) == ["#0", "#2", "#4", "#6"]
    assert client.get(f"reviews/products/{shop.product.id}", {"stars": 9}).status_code == 422


def test_hidden_reviews_and_unknown_products_are_not_listed(api, shop):
    _reviews(shop, 2)
    services.set_hidden(Review.objects.get(text="#0").id, True)
    body = api().get(f"reviews/products/{shop.product.id}").json()
    assert [i["text"] for i in body["items"]] == ["#1"] and body["rating_count"] == 1
    assert api().get("reviews/products/nope").status_code == 404
    off_shelf = ProductFactory(store=shop.store, on_shelf=False)
    assert api().get(f"reviews/products/{off_shelf.id}").status_code == 404


def _count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_product_review_list_queries_do_not_grow_with_page_size(
    api, shop, django_assert_num_queries
):
    # given 3 reviews, then 12
    _reviews(shop, 3)
    client = api()
    url = f"reviews/products/{shop.product.id}"
    # then the list takes the product, the count, the page, its photos and its labels: 5 queries
    with django_assert_num_queries(5):
        assert len(client.get(url, {"page_size": 20}).json()["items"]) == 3
    _reviews(shop, 9)
    with django_assert_num_queries(5):
        assert len(client.get(url, {"page_size": 20}).json()["items"]) == 12


def test_store_and_pending_lists_queries_do_not_grow_with_page_size(
    api, shop, django_assert_num_queries
):
    # given a buyer with 2 received items to review and a store with 2 reviews
    buyer = UserFactory()
    extra = [SkuFactory(product=shop.product) for _ in range(12)]
    make_order(buyer, shop.sku, skus=extra[:2])
    _reviews(shop, 2)
    owner = api(shop.owner)
    mine = api(buyer)
    store_url = f"reviews/stores/{shop.store.id}"
    owner.get("accounts/me")  # the token's first use is recorded once
    mine.get("accounts/me")
    small_store = _count_queries(lambda: owner.get(store_url, {"page_size": 20}))
    small_pending = _count_queries(lambda: mine.get("reviews/pending", {"page_size": 20}))
    # when both lists grow
    make_order(buyer, shop.sku, skus=extra[2:])
    _reviews(shop, 10)
    # then they take the same number of queries
    with django_assert_num_queries(small_store):
        assert len(owner.get(store_url, {"page_size": 20}).json()["items"]) == 12
    with django_assert_num_queries(small_pending):
        assert len(mine.get("reviews/pending", {"page_size": 20}).json()["items"]) == 12


def test_pending_lists_my_received_items_not_yet_reviewed(api, shop, buyer, received):
    # given a received item, a paid one, and a completed one already reviewed
    make_order(buyer, shop.sku, OrderStatus.PAID)
    done = make_order(buyer, shop.sku, OrderStatus.COMPLETED)
    services.write_review(buyer, done.id, first_item(done).pk, 5, "", [])
    make_order(UserFactory(), shop.sku)  # someone else's
    # when the buyer asks what is waiting for a review
    r = api(buyer).get("reviews/pending")
    # then only the received, unreviewed item is listed, with its form link
    assert r.status_code == 200
    items = r.json()["items"]
    item = first_item(received)
    assert [(i["order_id"], i["item_id"]) for i in items] == [(received.id, str(item.pk))]
    assert items[0]["review_url"] == f"/reviews/new/{received.id}/{item.pk}/"
    assert api().get("reviews/pending").status_code == 401


@pytest.fixture
def review(shop, buyer, received):
    return services.write_review(buyer, received.id, first_item(received).pk, 2, "一般", [])


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("customer", 403), ("other", 403), ("anonymous", 401)],
)
def test_reply_permission_matrix(api, shop, buyer, review, who, status):
    other_owner = UserFactory()
    store_with_owner(other_owner)
    person = {
        "owner": shop.owner,
        "staff": shop.staff,
        "customer": buyer,
        "other": other_owner,
        "anonymous": None,
    }[who]
    r = api(person).post(f"reviews/{review.id}/reply", {"text": "感谢反馈"})
    assert r.status_code == status, r.content
    review.refresh_from_db()
    assert (review.merchant_reply == "感谢反馈") is (status == 200)


def test_a_second_reply_edits_the_first(api, shop, review):
    client = api(shop.owner)
    first = client.post(f"reviews/{review.id}/reply", {"text": "第一次"}).json()
    second = client.post(f"reviews/{review.id}/reply", {"text": "改一下"}).json()
    assert second["merchant_reply"] == "改一下" and second["replied_at"] >= first["replied_at"]
    assert client.post(f"reviews/{review.id}/reply", {"text": " "}).status_code == 400
    assert client.post("reviews/unknown/reply", {"text": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("customer", 403), ("other", 403), ("anonymous", 401)],
)
def test_store_review_list_permission_matrix(api, shop, buyer, review, who, status):
    person = {
        "owner": shop.owner,
        "staff": shop.staff,
        "customer": buyer,
        "other": UserFactory(),
        "anonymous": None,
    }[who]
    r = api(person).get(f"reviews/stores/{shop.store.id}")
    assert r.status_code == status
    if status == 200:
        assert [i["id"] for i in r.json()["items"]] == [review.id]


def test_the_store_sees_hidden_reviews_marked_and_filters_unreplied(api, shop, review):
    _reviews(shop, 2)
    services.set_hidden(review.id, True)
    services.reply(shop.owner, Review.objects.get(text="#0").id, "谢谢")
    client = api(shop.owner)
    everything = client.get(f"reviews/stores/{shop.store.id}").json()
    assert everything["count"] == 3
    hidden = [i for i in everything["items"] if i["is_hidden"]]
    assert [i["id"] for i in hidden] == [review.id]
    todo = client.get(f"reviews/stores/{shop.store.id}", {"unreplied": True}).json()
    assert sorted(i["text"] for i in todo["items"]) == ["#1", "一般"]
    assert client.get("reviews/stores/unknown").status_code == 404


def test_a_reply_with_a_lone_surrogate_escape_is_a_400_not_a_500(api, shop, review):
    # given a reply whose JSON text decodes to a lone surrogate, which no database can store
    # (the schema's plain `str` let it through to the UPDATE)
    client = api(shop.owner)
    # when the store owner sends it
    r = client.post(f"reviews/{review.id}/reply", b'{"text": "\\ud800"}')
    # then it is refused with a clear code and the review keeps no reply
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_unicode"
    review.refresh_from_db()
    assert review.merchant_reply == ""
