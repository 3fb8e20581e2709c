"""The after-sales thread on the pages: the buyer's order page and the after-sales form, the
console's order page; posting with and without JavaScript (HTMX fragments or whole pages), and
who gets nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from quanzi.orders.models import AfterSale, AfterSaleMessage
from quanzi.orders.services.aftersales import reject_after_sale
from quanzi.orders.services.thread import MessageInput, post_message
from tests.orders.conftest import Shop
from tests.orders.thread_helpers import (
    lines,
    not_an_image,
    other_store_staff,
    photo,
    requested,
    shipped_order,
)

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _console(shop: Shop, order) -> str:
    return f"/orders/console/{shop.store.pk}/{order.pk}/"


def test_the_buyer_asks_with_photos_from_the_form(shop: Shop):
    # given a shipped order and its after-sales form, which offers a photo picker
    order = shipped_order(shop)
    buyer = _client(shop.buyer)
    form = buyer.get(f"/orders/{order.pk}/after-sales/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert re.search(r'name="photos"[^>]*multiple data-image-picker data-max="6"', form)
    assert "quanzi/image_picker.js" in form and "<script>" not in form
    # when they send it with two photos
    r = buyer.post(
        f"/orders/{order.pk}/after-sales/",
        {
            "kind": "return_refund",
            "amount": "20",
            "reason": "盒子压坏了",
            "photos": [photo("a.jpg"), photo("b.jpg")],
        },
    )
    # then the request is made with its evidence
    assert r.status_code == 302
    (first,) = lines(AfterSale.objects.get())
    assert first.photos.count() == 2


def test_a_bad_photo_on_the_form_shows_the_form_again(shop: Shop):
    order = shipped_order(shop)
    r = _client(shop.buyer).post(
        f"/orders/{order.pk}/after-sales/",
        {"kind": "refund_only", "amount": "20", "reason": "坏了", "photos": [not_an_image()]},
        headers=EN,
    )
    assert r.status_code == 400
    assert "This file is not an image we can read." in r.content.decode()
    assert not AfterSale.objects.exists()


def test_the_buyers_order_page_shows_the_thread_in_their_language(shop: Shop):
    # given a request with a photo, and the merchant's answer
    order, after_sale = requested(shop, photos=[photo()])
    post_message(shop.staff, order.pk, after_sale.pk, MessageInput("请寄回，地址见订单"))
    buyer = _client(shop.buyer)
    # when the buyer opens the order page in Chinese, then in English
    zh = buyer.get(f"/orders/{order.pk}/").content.decode()
    en = buyer.get(f"/orders/{order.pk}/", headers=EN).content.decode()
    # then the thread reads in each language, the store's answer under the store's name
    assert "买家申请退货退款 ¥20.00。" in zh and "原因: 盒子压坏了" in zh
    assert "The buyer asked to return the goods for a refund of ¥20.00." in en
    assert "Reason: 盒子压坏了" in en
    thread = en[
        en.index('data-testid="after-sales-thread"') : en.index('data-testid="thread-reply"')
    ]
    assert "山野小铺</strong>" in thread and "请寄回，地址见订单" in thread
    assert shop.staff.display_name not in thread  # the buyer reads the store, not its staff
    # and the photo's thumbnail opens the full image
    shown = lines(after_sale)[0].photos.get()
    assert (
        f'<a href="{shown.image.url}" target="_blank" rel="noopener" data-testid="thread-photo">'
        in en
    )
    assert f'<img src="{shown.thumbnail.url}"' in en
    # and the reply box has the picker with previews, sent by HTMX or as a plain form
    assert f'hx-post="/orders/{order.pk}/after-sales/{after_sale.pk}/messages/"' in en
    assert f'action="/orders/{order.pk}/after-sales/{after_sale.pk}/messages/"' in en
    assert f'data-previews="thread-previews-{after_sale.pk}"' in en
    assert "quanzi/image_picker.js" in en
    # and the return's tracking number can be sent from here
    assert 'data-testid="return-tracking-number"' in en


def test_without_javascript_the_buyer_posts_and_comes_back_to_the_thread(shop: Shop):
    # given an open request
    order, after_sale = requested(shop)
    buyer = _client(shop.buyer)
    # when the buyer posts a message with a photo as a plain form
    r = buyer.post(
        f"/orders/{order.pk}/after-sales/{after_sale.pk}/messages/",
        {"text": "<script>alert('x')</script> 看图", "photos": [photo()]},
    )
    # then it is in the thread, and the buyer is back on the order page at the thread
    assert r.status_code == 302
    assert r["Location"] == f"/orders/{order.pk}/#after-sale-{after_sale.pk}"
    posted = lines(after_sale)[-1]
    assert (posted.role, posted.photos.count()) == ("buyer", 1)
    # and what they typed is shown as text, never as markup
    page = buyer.get(r["Location"]).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; 看图" in page
    assert "<script>alert" not in page


def test_without_javascript_a_refused_message_shows_the_page_with_the_reason(shop: Shop):
    order, after_sale = requested(shop)
    r = _client(shop.buyer).post(
        f"/orders/{order.pk}/after-sales/{after_sale.pk}/messages/",
        {"text": "太" * 501},
        headers=EN,
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'data-testid="thread-error"' in html and "At most 500 characters." in html
    assert "太" * 501 in html  # what they typed is kept
    assert len(lines(after_sale)) == 1


def test_with_htmx_the_thread_block_comes_back(shop: Shop):
    # given an open request
    order, after_sale = requested(shop)
    url = f"/orders/{order.pk}/after-sales/{after_sale.pk}/messages/"
    buyer = _client(shop.buyer)
    # when HTMX posts a message
    r = buyer.post(url, {"text": "收到了吗？"}, headers={**HTMX, **EN})
    # then the request's block comes back with the message in it (not a whole page)
    html = r.content.decode()
    assert r.status_code == 200
    assert html.lstrip().startswith(f'<div class="after-sale" id="after-sale-{after_sale.pk}"')
    assert "收到了吗？" in html and "<html" not in html
    # when HTMX posts nothing, then the block shows the refusal, as a 200 HTMX swaps in
    r = buyer.post(url, {"text": " "}, headers={**HTMX, **EN})
    assert r.status_code == 200
    assert "Write a message or add a photo." in r.content.decode()
    assert len(lines(after_sale)) == 2


def test_the_console_shows_the_thread_beside_approve_and_reject(shop: Shop):
    # given a request with the buyer's follow-up
    order, after_sale = requested(shop)
    post_message(shop.buyer, order.pk, after_sale.pk, MessageInput("请尽快处理"))
    staff = _client(shop.staff)
    # when the staff open the console's order page
    html = staff.get(_console(shop, order), headers=EN).content.decode()
    # then the decision, the thread and the reply box are in the request's block
    block = html[html.index(f'id="after-sale-{after_sale.pk}"') :]
    for testid in (
        "after-sales-approve",
        "after-sales-reject",
        "after-sales-thread",
        "thread-reply",
    ):
        assert f'data-testid="{testid}"' in block
    assert "The buyer asked to return the goods for a refund of ¥20.00." in block
    assert "请尽快处理" in block
    reply = f"{_console(shop, order)}after-sales/{after_sale.pk}/messages/"
    assert f'hx-post="{reply}"' in block
    # when they answer as a plain form, then the buyer has the answer and they are back
    r = staff.post(reply, {"text": "已安排"})
    assert r.status_code == 302
    assert r["Location"] == f"{_console(shop, order)}#after-sale-{after_sale.pk}"
    assert (lines(after_sale)[-1].role, lines(after_sale)[-1].author) == ("merchant", shop.staff)
    # and the console names which colleague wrote
    html = staff.get(_console(shop, order)).content.decode()
    assert f"山野小铺 · {shop.staff.display_name}" in html


def test_a_closed_request_shows_its_thread_without_a_reply_box(shop: Shop):
    # given a rejected request
    order, after_sale = requested(shop)
    reject_after_sale(shop.owner, order.pk, after_sale.pk, "已超过退货期")
    # when the buyer opens the order, then the thread shows the answer but no reply box
    html = _client(shop.buyer).get(f"/orders/{order.pk}/", headers=EN).content.decode()
    assert "The merchant rejected the request." in html
    assert "Seller&#x27;s answer: 已超过退货期" in html
    assert 'data-testid="thread-reply"' not in html
    # when they post anyway, then the page says the request is closed (409)
    r = _client(shop.buyer).post(
        f"/orders/{order.pk}/after-sales/{after_sale.pk}/messages/", {"text": "为什么"}, headers=EN
    )
    assert r.status_code == 409 and "is closed" in r.content.decode()
    # and the after-sales form shows the earlier request's thread for a new one
    form = _client(shop.buyer).get(f"/orders/{order.pk}/after-sales/", headers=EN)
    assert "The merchant rejected the request." in form.content.decode()


def test_the_buyer_sends_the_return_tracking_number(shop: Shop):
    order, after_sale = requested(shop)
    r = _client(shop.buyer).post(
        f"/orders/{order.pk}/after-sales/{after_sale.pk}/return-tracking/",
        {"tracking_number": "SF-2001"},
    )
    assert r.status_code == 302
    assert AfterSale.objects.get(pk=after_sale.pk).return_tracking_number == "SF-2001"
    assert lines(after_sale)[-1].params == {"number": "SF-2001"}


@pytest.mark.parametrize("who", ["other", "rival", "anonymous", "staff_on_buyer_page"])
def test_nobody_else_posts_from_the_pages(shop: Shop, who):
    # given an open request
    order, after_sale = requested(shop)
    buyer_url = f"/orders/{order.pk}/after-sales/{after_sale.pk}/messages/"
    console_url = f"{_console(shop, order)}after-sales/{after_sale.pk}/messages/"
    person = {
        "other": shop.other,
        "rival": other_store_staff(),
        "staff_on_buyer_page": shop.staff,
    }.get(who)
    client = _client(person) if person else Client()
    # when they post on the buyer's page (and, but for the store's own staff, the console)
    urls = [buyer_url] if who == "staff_on_buyer_page" else [buyer_url, console_url]
    for url in urls:
        for headers in ({}, HTMX):
            r = client.post(url, {"text": "我也来说两句"}, headers=headers)
            # then they get nothing: the sign-in page, or not found
            if person is None:
                assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
            else:
                assert r.status_code in (403, 404), (url, r.status_code)
        # and they cannot read the thread either
        page = client.get(url.split("after-sales/")[0])
        assert page.status_code in (302, 403, 404)
    assert not AfterSaleMessage.objects.exclude(role="system").exists()


def test_the_buyer_cannot_post_as_the_store_from_the_console(shop: Shop):
    order, after_sale = requested(shop)
    r = _client(shop.buyer).post(
        f"{_console(shop, order)}after-sales/{after_sale.pk}/messages/", {"text": "我是商家"}
    )
    assert r.status_code == 404
    assert not AfterSaleMessage.objects.filter(role="merchant").exists()
