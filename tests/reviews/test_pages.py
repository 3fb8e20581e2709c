"""Review pages: the form, the product partial, all reviews of a product, the console."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from quanzi.orders.models import OrderStatus
from quanzi.reviews import selectors, services
from quanzi.reviews.models import Review
from tests.factories import UserFactory
from tests.reviews.conftest import first_item, make_order, not_an_image, photo, review_files

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def logged_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def form_url(order) -> str:
    return f"/reviews/new/{order.id}/{first_item(order).pk}/"


def test_the_review_form_has_its_fields(buyer, received):
    r = logged_in(buyer).get(form_url(received))
    assert r.status_code == 200
    html = r.content.decode()
    for testid in (
        "star-1",
        "star-5",
        "review-text",
        "review-photos",
        "review-anonymous",
        "review-submit",
    ):
        assert f'data-testid="{testid}"' in html
    assert 'type="file" name="photos"' in html and "multiple" in html
    assert "云南小粒咖啡豆" in html


def test_submitting_the_form_publishes_and_returns_to_the_product(shop, buyer, received):
    # when the buyer picks 5 stars, writes a text and adds a photo
    r = logged_in(buyer).post(
        form_url(received), {"stars": "5", "text": "香气很足", "photos": [photo()]}, **EN
    )
    # then they land on the product's reviews with a success message
    assert r.status_code == 302
    assert r["Location"] == f"/products/{shop.product.id}/#reviews"
    assert [str(m) for m in get_messages(r.wsgi_request)] == [
        "Thank you! Your review is published."
    ]
    review = Review.objects.get()
    assert (review.stars, review.text, review.photos.count()) == (5, "香气很足", 1)


def test_anonymous_visitors_are_sent_to_log_in(received):
    r = Client().get(form_url(received))
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_someone_elses_item_is_not_found_and_an_unreceived_one_is_a_409(shop, buyer, received):
    assert logged_in(UserFactory()).get(form_url(received)).status_code == 404
    assert logged_in(shop.owner).post(form_url(received), {"stars": "5"}).status_code == 404
    paid = make_order(buyer, shop.sku, OrderStatus.PAID)
    r = logged_in(buyer).get(form_url(paid), **EN)
    assert r.status_code == 409 and "once you have received it" in r.content.decode()


def test_a_bad_photo_shows_the_form_again_and_writes_nothing(buyer, received):
    files_before = review_files()
    r = logged_in(buyer).post(
        form_url(received), {"stars": "4", "text": "先写的字", "photos": [photo(), not_an_image()]}
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-testid="review-error"' in html and "先写的字" in html
    assert 'value="4" data-testid="star-4" required checked' in html
    assert not Review.objects.exists() and review_files() == files_before


def test_a_missing_star_rating_shows_the_form_again(buyer, received):
    r = logged_in(buyer).post(form_url(received), {"text": "忘了打分"})
    assert r.status_code == 400 and not Review.objects.exists()


def test_coming_back_to_a_reviewed_item_shows_its_review(shop, buyer, received):
    client = logged_in(buyer)
    client.post(form_url(received), {"stars": "5"})
    r = client.post(form_url(received), {"stars": "1"})
    assert r.status_code == 302 and r["Location"] == f"/products/{shop.product.id}/#reviews"
    assert Review.objects.get().stars == 5


def _review(shop, *, stars=5, text="好喝", anonymous=False, photos=(), user=None):
    person = user or UserFactory()
    order = make_order(person, shop.sku)
    return services.write_review(
        person, order.id, first_item(order).pk, stars, text, list(photos), anonymous
    )


def _partial(shop) -> str:
    shop.product.refresh_from_db()
    context = {"reviews": selectors.recent_reviews(shop.product.id), "product": shop.product}
    with translation.override("en"):
        return render_to_string("reviews/_product_reviews.html", context)


def test_the_product_partial_shows_rating_reviews_photos_and_replies(shop, buyer):
    # given two reviews, one anonymous with a photo and a merchant reply
    _review(shop, stars=5, text="非常好", user=UserFactory(nickname="阿华"))
    hidden_name = _review(shop, stars=4, text="不错", anonymous=True, photos=[photo()], user=buyer)
    services.reply(shop.owner, hidden_name.id, "谢谢您的照片")
    # when the product page includes the partial
    html = _partial(shop)
    # then it shows the average, the count, both reviews, the photo, the reply and a link
    assert 'data-testid="rating-average">4.5<' in html and "2 reviews" in html
    assert "阿华" in html and "非常好" in html and "★★★★☆" in html
    assert "Anonymous buyer" in html and "谢谢您的照片" in html
    assert html.count('data-testid="review-photo"') == 1
    assert f'href="/reviews/product/{shop.product.id}/"' in html
    # and never the anonymous reviewer's username or nickname
    assert "secret_buyer_name" not in html and "小美" not in html


def test_the_partial_without_reviews(shop):
    html = _partial(shop)
    assert "No reviews yet." in html and "all-reviews" not in html


def test_recent_reviews_take_three_queries_whatever_their_number(shop, django_assert_num_queries):
    for _ in range(2):
        _review(shop, photos=[photo()])
    with django_assert_num_queries(3):
        assert len(selectors.recent_reviews(shop.product.id)) == 2
    for _ in range(6):
        _review(shop, photos=[photo()])
    with django_assert_num_queries(3):
        reviews = selectors.recent_reviews(shop.product.id, limit=8)
        html = render_to_string(
            "reviews/_product_reviews.html", {"reviews": reviews, "product": shop.product}
        )
    assert html.count('data-testid="review"') == 8


def test_the_all_reviews_page_filters_and_paginates(shop):
    for n in range(12):
        _review(shop, stars=5 if n % 2 else 3, text=f"第{n}条", photos=[photo()] if n < 3 else [])
    client = Client()
    url = f"/reviews/product/{shop.product.id}/"
    first = client.get(url, **EN).content.decode()
    assert first.count('data-testid="review"') == 10 and "Page 1 of 2" in first
    assert 'data-testid="filter-stars-5">5★ (6)' in first
    assert 'data-testid="filter-photos">With photos (3)' in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="review"') == 2
    threes = client.get(url, {"stars": 3}).content.decode()
    assert threes.count('data-testid="review"') == 6 and "★★★☆☆" in threes
    photos = client.get(url, {"photos": 1}).content.decode()
    assert photos.count('data-testid="review"') == 3
    assert client.get(url, {"page": "x", "stars": "y"}).status_code == 200
    assert client.get("/reviews/product/missing/").status_code == 404


def test_user_content_is_escaped_and_anonymity_kept_on_the_all_reviews_page(shop, buyer):
    _review(shop, text="<script>alert(1)</script>", anonymous=True, user=buyer)
    html = Client().get(f"/reviews/product/{shop.product.id}/", **EN).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Anonymous buyer" in html and "secret_buyer_name" not in html and "小美" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_all_reviews_page_takes_the_same_queries_for_more_reviews(
    shop, django_assert_num_queries
):
    _review(shop, photos=[photo()])
    url = f"/reviews/product/{shop.product.id}/"
    client = Client()
    few = _queries(client, url)
    for _ in range(9):
        _review(shop, photos=[photo()])
    with django_assert_num_queries(few):
        client.get(url)


def console_url(shop) -> str:
    return f"/reviews/console/{shop.store.id}/"


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("staff", 200), ("customer", 403)])
def test_the_console_is_for_the_store_staff(shop, buyer, who, status):
    _review(shop)
    person = {"owner": shop.owner, "staff": shop.staff, "customer": buyer}[who]
    r = logged_in(person).get(console_url(shop))
    assert r.status_code == status
    if status == 200:
        html = r.content.decode()
        assert 'data-testid="reply-text"' in html and 'data-testid="reply-submit"' in html
        assert 'class="active">' in html and f"/reviews/console/{shop.store.id}/" in html


def test_the_console_asks_anonymous_visitors_to_log_in(shop):
    r = Client().get(console_url(shop))
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_replying_from_the_console(shop, buyer):
    review = _review(shop, anonymous=True, user=buyer)
    client = logged_in(shop.staff)
    # the console keeps the reviewer anonymous to the store too
    html = client.get(console_url(shop), **EN).content.decode()
    assert "secret_buyer_name" not in html and "Anonymous buyer" in html
    # when staff sends an empty reply, the form comes back with the message
    r = client.post(console_url(shop), {"review_id": review.id, "text": " "})
    assert r.status_code == 400 and 'data-testid="reply-error"' in r.content.decode()
    # when staff sends a reply, it is saved and the page comes back to the review
    r = client.post(console_url(shop) + "?unreplied=1", {"review_id": review.id, "text": "已补发"})
    assert r.status_code == 302
    assert r["Location"] == f"{console_url(shop)}?unreplied=1#review-{review.id}"
    review.refresh_from_db()
    assert review.merchant_reply == "已补发" and review.replied_by == shop.staff
    # and a customer cannot reply through the console
    r = logged_in(buyer).post(console_url(shop), {"review_id": review.id, "text": "我是商家"})
    assert r.status_code == 403


def test_the_console_list_takes_the_same_queries_for_more_reviews(shop, django_assert_num_queries):
    _review(shop, photos=[photo()])
    client = logged_in(shop.owner)
    few = _queries(client, console_url(shop))
    for _ in range(9):
        _review(shop, photos=[photo()])
    with django_assert_num_queries(few):
        client.get(console_url(shop))
