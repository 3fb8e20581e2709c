"""The after-sales thread in the API: reading it and posting to it (multipart with photos) as
the buyer and as the store's staff, the return tracking number, every wrong role, and bad
input answered with a clear 4xx and its code."""

from __future__ import annotations

import pytest
from django.test import override_settings

from quanzi.orders.models import AfterSaleMessage
from quanzi.orders.services.aftersales import withdraw_after_sale
from tests.orders.conftest import Shop
from tests.orders.thread_helpers import (
    evidence_files,
    lines,
    not_an_image,
    other_store_staff,
    photo,
    requested,
)

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _thread(order, after_sale) -> str:
    return f"orders/{order.pk}/after-sales/{after_sale.pk}/messages"


def test_each_side_posts_and_reads_the_thread(api, shop: Shop):
    # given a request with a photo
    order, after_sale = requested(shop, photos=[photo()])
    # when the buyer posts a message with two photos (multipart)
    r = api(shop.buyer).post(
        _thread(order, after_sale),
        {"text": "补充两张", "photos": [photo("1.jpg"), photo("2.jpg")]},
        multipart=True,
        headers=EN,
    )
    # then it is created, with its photos' full images and thumbnails
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["role"], body["event"], body["summary"], body["text"]) == (
        "buyer",
        "",
        "",
        "补充两张",
    )
    assert body["author_name"] == shop.buyer.display_name
    assert len(body["photos"]) == 2
    assert body["photos"][0]["url"].startswith("/media/aftersales/")
    assert body["photos"][0]["thumbnail_url"].startswith("/media/aftersales/thumbs/")
    # when a staff member answers with `photos[]`, as form libraries name arrays
    r = api(shop.staff).post(
        _thread(order, after_sale), {"text": "收到", "photos[]": [photo()]}, multipart=True
    )
    assert r.status_code == 201 and r.json()["role"] == "merchant"
    assert len(r.json()["photos"]) == 1
    # then the owner reads the whole thread, system lines in the caller's language
    r = api(shop.owner).get(_thread(order, after_sale), headers=EN)
    assert r.status_code == 200
    thread = r.json()
    assert (thread["after_sale_id"], thread["status"], thread["open"]) == (
        after_sale.pk,
        "requested",
        True,
    )
    first, _mine, theirs = thread["messages"]
    assert (first["role"], first["event"], first["author_name"]) == ("system", "requested", None)
    assert first["summary"] == "The buyer asked to return the goods for a refund of ¥20.00."
    assert first["text"] == "盒子压坏了" and len(first["photos"]) == 1
    assert theirs["author_name"] == f"山野小铺 · {shop.staff.display_name}"
    # and the buyer reads it in Chinese by default, the store's staff as the store
    r = api(shop.buyer).get(_thread(order, after_sale))
    assert r.json()["messages"][0]["summary"] == "买家申请退货退款 ¥20.00。"
    assert r.json()["messages"][2]["author_name"] == "山野小铺"


@pytest.mark.parametrize("role", ["other", "rival", "anonymous"])
def test_nobody_else_reads_or_posts(api, shop: Shop, role):
    # given an open request
    order, after_sale = requested(shop)
    person = {"other": shop.other, "rival": other_store_staff()}.get(role)
    client = api(person)
    # when another buyer, another store's staff, or nobody reads, posts or sends a number
    answers = [
        client.get(_thread(order, after_sale)).status_code,
        client.post(_thread(order, after_sale), {"text": "hi"}, multipart=True).status_code,
        client.post(
            f"orders/{order.pk}/after-sales/{after_sale.pk}/return-tracking",
            {"tracking_number": "SF1"},
        ).status_code,
    ]
    # then they learn nothing: 401 signed out, 404 otherwise; nothing is written
    assert answers == [401] * 3 if person is None else [404] * 3
    assert len(lines(after_sale)) == 1


def test_only_the_buyer_sends_the_return_tracking_number(api, shop: Shop):
    order, after_sale = requested(shop)
    url = f"orders/{order.pk}/after-sales/{after_sale.pk}/return-tracking"
    assert api(shop.staff).post(url, {"tracking_number": "SF1"}).status_code == 404
    r = api(shop.buyer).post(url, {"tracking_number": "SF 1"})
    assert (r.status_code, r.json()["code"]) == (400, "invalid_tracking_number")
    r = api(shop.buyer).post(url, {"tracking_number": "SF-1"})
    assert r.status_code == 200 and r.json()["return_tracking_number"] == "SF-1"
    refund_order, refund_only = requested(shop, kind="refund_only")
    r = api(shop.buyer).post(
        f"orders/{refund_order.pk}/after-sales/{refund_only.pk}/return-tracking",
        {"tracking_number": "SF1"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "not_a_return")


@override_settings(QUANZI_IMAGE_MAX_BYTES=2000)
@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"text": ""}, 400, "required"),
        ({"text": "长" * 501}, 400, "text_too_long"),
        ({"text": "看", "photos": [photo(f"{i}.jpg") for i in range(7)]}, 400, "too_many_images"),
        ({"text": "看", "photos": [not_an_image()]}, 400, "not_an_image"),
        ({"text": "看", "photos": [photo("big.jpg", (400, 400))]}, 413, "image_too_large"),
    ],
    ids=["empty", "too long", "seven photos", "not an image", "too large"],
)
def test_bad_input_is_a_clear_4xx(api, shop: Shop, data, status, code):
    # given an open request
    order, after_sale = requested(shop)
    before = evidence_files()
    for upload in data.get("photos", []):
        upload.seek(0)
    # when the buyer posts something the thread refuses
    r = api(shop.buyer).post(_thread(order, after_sale), data, multipart=True, headers=EN)
    # then the answer says what and why, and nothing is written
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    assert r.json()["detail"]
    assert len(lines(after_sale)) == 1 and evidence_files() == before


def test_posting_to_a_closed_request_is_a_409(api, shop: Shop):
    # given a withdrawn request
    order, after_sale = requested(shop)
    withdraw_after_sale(shop.buyer, order.pk, after_sale.pk)
    # when either side posts, then it is a 409 saying the request is closed
    for person in (shop.buyer, shop.staff):
        r = api(person).post(
            _thread(order, after_sale), {"text": "还在吗"}, multipart=True, headers=EN
        )
        assert (r.status_code, r.json()["code"]) == (409, "after_sale_closed")
        assert "closed" in r.json()["detail"]
    # and reading it shows it closed, ending with the withdrawal
    thread = api(shop.buyer).get(_thread(order, after_sale), headers=EN).json()
    assert thread["open"] is False
    assert thread["messages"][-1]["summary"] == "The buyer withdrew the request."


def test_text_comes_back_as_written(api, shop: Shop):
    # given a message with markup in it: the API returns text, the pages escape it
    order, after_sale = requested(shop)
    r = api(shop.buyer).post(
        _thread(order, after_sale), {"text": '<img src=x onerror="alert(1)">'}, multipart=True
    )
    assert r.status_code == 201
    assert AfterSaleMessage.objects.get(pk=r.json()["id"]).text == '<img src=x onerror="alert(1)">'
    assert r["Content-Type"].startswith("application/json")


def test_unknown_ids_are_not_found(api, shop: Shop):
    order, after_sale = requested(shop)
    for path in (
        f"orders/{order.pk}/after-sales/AAAAAAAAAAAAAAAA/messages",
        f"orders/{order.pk}/after-sales/not-an-id/messages",
        f"orders/AAAAAAAAAAAAAAAA/after-sales/{after_sale.pk}/messages",
    ):
        r = api(shop.buyer).get(path)
        assert r.status_code == 404
