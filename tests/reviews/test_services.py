"""Review services: who may review what and when, validation, all-or-nothing writes, ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from quanzi.core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from quanzi.orders.models import OrderStatus
from quanzi.reviews import selectors, services
from quanzi.reviews.models import Review, ReviewPhoto
from tests.factories import SkuFactory, UserFactory
from tests.reviews.conftest import (
    first_item,
    make_order,
    not_an_image,
    photo,
    review_files,
)

pytestmark = pytest.mark.django_db


def _write(user, order, **kw):
    item = first_item(order)
    args = {"stars": 5, "text": "很香", "photos": [], "anonymous": False, **kw}
    return services.write_review(user, order.id, item.pk, **args)


def test_buyer_reviews_a_received_item_with_photos_and_the_rating_follows(shop, buyer, received):
    # given a received order and two photos
    files_before = review_files()
    # when the buyer reviews the item with 4 stars
    review = _write(buyer, received, stars=4, photos=[photo("a.jpg"), photo("b.png")])
    # then the review, its photos and their thumbnails exist
    assert review.stars == 4 and review.author == buyer and review.store == shop.store
    photos = list(review.photos.all())
    assert [p.position for p in photos] == [0, 1]
    assert (photos[0].width, photos[0].height) == (64, 48)
    assert len(review_files() - files_before) == 4
    # and the product's rating counts it
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count, shop.product.rating) == (4, 1, 4.0)
    # when a second buyer gives 1 star
    other = UserFactory()
    _write(other, make_order(other, shop.sku), stars=1)
    # then the average is over both
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count, shop.product.rating) == (5, 2, 2.5)


@pytest.mark.parametrize("status", [OrderStatus.RECEIVED, OrderStatus.COMPLETED])
def test_received_and_completed_orders_can_be_reviewed(shop, buyer, status):
    order = make_order(buyer, shop.sku, status)
    assert _write(buyer, order).pk


@pytest.mark.parametrize("before", [OrderStatus.RECEIVED, OrderStatus.COMPLETED])
def test_after_sales_opened_after_receipt_can_be_reviewed(shop, buyer, before):
    order = make_order(buyer, shop.sku, OrderStatus.AFTER_SALES, before_after_sales=before)
    assert _write(buyer, order).pk


@pytest.mark.parametrize(
    ("status", "before", "code"),
    [
        (OrderStatus.PENDING_PAYMENT, "", "not_received"),
        (OrderStatus.PAID, "", "not_received"),
        (OrderStatus.SHIPPED, "", "not_received"),
        (OrderStatus.CANCELLED, "", "not_received"),
        (OrderStatus.AFTER_SALES, OrderStatus.PAID, "not_received"),
        (OrderStatus.AFTER_SALES, OrderStatus.SHIPPED, "not_received"),
        (OrderStatus.REFUNDED, "", "order_refunded"),
    ],
)
def test_no_review_before_receipt_or_after_a_refund(shop, buyer, status, before, code):
    # given an order not (or no longer) in a reviewable state
    order = make_order(buyer, shop.sku, status, before_after_sales=before)
    # when the buyer tries to review it
    with pytest.raises(Conflict) as exc:
        _write(buyer, order)
    # then it is a 409 and nothing is written
    assert exc.value.status == 409 and exc.value.code == code
    assert not Review.objects.exists()


def test_a_shipped_order_past_its_auto_receive_time_can_be_reviewed(shop, buyer):
    # given a shipped order whose auto-receive timer is due but never ran
    order = make_order(buyer, shop.sku, OrderStatus.SHIPPED)
    order.auto_receive_at = timezone.now() - timedelta(minutes=1)
    order.save(update_fields=["auto_receive_at"])
    # when the buyer reviews it, the overdue receipt is applied first
    assert _write(buyer, order).pk
    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED


def test_only_the_buyer_of_the_item_can_review_it(shop, buyer, received):
    item = first_item(received)
    someone = UserFactory()
    # other customers and the store's own people: the item is not found (nothing revealed)
    for person in (someone, shop.owner, shop.staff):
        with pytest.raises(NotFound):
            services.write_review(person, received.id, item.pk, 5, "", [], False)
    # anonymous visitors must log in
    for nobody in (None, AnonymousUser()):
        with pytest.raises(NotAuthenticated):
            services.write_review(nobody, received.id, item.pk, 5, "", [], False)
    # an item id under another order id, or a malformed id, is not found
    own = make_order(buyer, shop.sku)
    for order_id, item_id in ((own.id, item.pk), (received.id, "abc"), (received.id, "-1")):
        with pytest.raises(NotFound):
            services.write_review(buyer, order_id, item_id, 5, "", [], False)
    assert not Review.objects.exists()


def test_each_item_is_reviewed_once_and_counted_once(shop, buyer, received):
    # given a review of the item
    _write(buyer, received, stars=5)
    # when the buyer submits another
    with pytest.raises(Conflict) as exc:
        _write(buyer, received, stars=1)
    # then it is refused and the rating counted the first only
    assert exc.value.code == "already_reviewed"
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (5, 1)


def test_each_item_of_an_order_has_its_own_review(shop, buyer):
    second = SkuFactory(product=shop.product)
    order = make_order(buyer, shop.sku, skus=[shop.sku, second])
    for item in order.items.all():
        services.write_review(buyer, order.id, item.pk, 5, "", [], False)
    assert Review.objects.filter(author=buyer).count() == 2


def test_order_pages_can_tell_which_items_are_reviewed(shop, buyer, django_assert_num_queries):
    second = SkuFactory(product=shop.product)
    order = make_order(buyer, shop.sku, skus=[shop.sku, second])
    reviewed, waiting = order.items.order_by("pk")
    services.write_review(buyer, order.id, reviewed.pk, 5, "", [], False)
    with django_assert_num_queries(1):
        assert selectors.reviewed_item_ids([reviewed.pk, waiting.pk]) == {reviewed.pk}


def test_a_lost_race_is_a_conflict_and_leaves_no_row_and_no_file(
    shop, buyer, received, monkeypatch
):
    # given a review already stored, and a second submit that passed the early check
    _write(buyer, received, stars=5)
    monkeypatch.setattr(services, "_already_reviewed", lambda item: False)
    files_before = review_files()
    # when the second one reaches the database
    with pytest.raises(Conflict) as exc:
        _write(buyer, received, stars=1, photos=[photo()])
    # then the unique constraint refuses it: one review, no extra photo or file, rating intact
    assert exc.value.code == "already_reviewed"
    assert Review.objects.count() == 1 and not ReviewPhoto.objects.exists()
    assert review_files() == files_before
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (5, 1)


class _ProductsOffline:
    """Stands in for Product in the service: the rating update fails (after files are stored)."""

    class objects:
        @staticmethod
        def filter(**kwargs):
            raise RuntimeError("database went away")


def test_a_failure_after_files_are_stored_removes_them(shop, buyer, received, monkeypatch):
    # given the rating update fails after the photos were stored
    files_before = review_files()
    monkeypatch.setattr(services, "Product", _ProductsOffline)
    # when a review with photos is written
    with pytest.raises(RuntimeError):
        _write(buyer, received, photos=[photo(), photo()])
    # then no row and no file is left behind
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    assert review_files() == files_before


@pytest.mark.parametrize("stars", [0, 6, -1, "abc", "", None, "4.5"])
def test_stars_out_of_range_are_refused(shop, buyer, received, stars):
    with pytest.raises(InvalidInput) as exc:
        _write(buyer, received, stars=stars)
    assert exc.value.code == "invalid_stars"
    assert not Review.objects.exists()


def test_text_is_limited_to_1000_characters(shop, buyer, received):
    # given a text one character too long
    with pytest.raises(InvalidInput) as exc:
        _write(buyer, received, text="好" * 1001)
    assert exc.value.code == "text_too_long"
    # then exactly 1000 characters, with browser line ends, are fine
    review = _write(buyer, received, text="好" * 499 + "\r\n" + "好" * 500)
    assert len(review.text) == 1000


def test_a_bad_photo_writes_nothing_at_all(shop, buyer, received):
    # given a good photo followed by a file that is not an image
    files_before = review_files()
    with pytest.raises(InvalidInput) as exc:
        _write(buyer, received, photos=[photo(), not_an_image()])
    # then it is refused, with no review, photo, file or rating change
    assert exc.value.status == 400 and exc.value.code == "not_an_image"
    assert not Review.objects.exists() and not ReviewPhoto.objects.exists()
    assert review_files() == files_before
    shop.product.refresh_from_db()
    assert shop.product.rating_count == 0


def test_a_too_large_photo_is_refused(shop, buyer, received, settings):
    settings.QUANZI_IMAGE_MAX_BYTES = 500
    with pytest.raises(PayloadTooLarge) as exc:
        _write(buyer, received, photos=[photo(size=(300, 300))])
    assert exc.value.status == 413
    assert not Review.objects.exists()


def test_seven_photos_are_refused(shop, buyer, received):
    with pytest.raises(InvalidInput) as exc:
        _write(buyer, received, photos=[photo() for _ in range(7)])
    assert exc.value.code == "too_many_photos"
    assert not Review.objects.exists()


def test_six_photos_are_fine(shop, buyer, received):
    review = _write(buyer, received, photos=[photo() for _ in range(6)])
    assert review.photos.count() == 6


@pytest.fixture
def review(shop, buyer, received):
    return _write(buyer, received, stars=3)


def test_the_store_owner_and_staff_reply_once_then_edit(shop, review):
    # when the owner replies
    services.reply(shop.owner, review.id, "  谢谢支持！ ")
    review.refresh_from_db()
    first_at = review.replied_at
    assert review.merchant_reply == "谢谢支持！" and review.replied_by == shop.owner
    # and the staff member replies again: the reply is replaced, with a new time and author
    services.reply(shop.staff, review.id, "已为您补发")
    review.refresh_from_db()
    assert review.merchant_reply == "已为您补发" and review.replied_by == shop.staff
    assert review.replied_at >= first_at


def test_only_the_store_may_reply(shop, buyer, review):
    stranger = UserFactory()
    other_store_owner = UserFactory()
    from tests.factories import store_with_owner

    store_with_owner(other_store_owner)
    for person in (buyer, stranger, other_store_owner):
        with pytest.raises(PermissionDenied):
            services.reply(person, review.id, "冒充商家")
    with pytest.raises(NotAuthenticated):
        services.reply(None, review.id, "匿名")
    with pytest.raises(NotFound):
        services.reply(shop.owner, "no-such-review", "x")
    review.refresh_from_db()
    assert review.merchant_reply == ""


def test_a_reply_is_not_empty_and_at_most_500_characters(shop, review):
    for text, code in (("   ", "empty_reply"), ("好" * 501, "text_too_long")):
        with pytest.raises(InvalidInput) as exc:
            services.reply(shop.owner, review.id, text)
        assert exc.value.code == code
    assert services.reply(shop.owner, review.id, "好" * 500).merchant_reply == "好" * 500


def test_hiding_a_review_takes_it_out_of_the_rating_and_showing_puts_it_back(shop, review):
    # when an operator hides the review (twice: the second changes nothing)
    assert services.set_hidden(review.id, True) is True
    assert services.set_hidden(review.id, True) is False
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (0, 0)
    # then showing it again restores the rating
    assert services.set_hidden(review.id, False) is True
    shop.product.refresh_from_db()
    assert (shop.product.rating_sum, shop.product.rating_count) == (3, 1)


def test_a_hidden_review_is_seen_only_by_its_author_the_store_and_operators(shop, buyer, review):
    services.set_hidden(review.id, True)
    operator = UserFactory(is_staff=True)
    for person in (buyer, shop.owner, shop.staff, operator):
        assert services.access_review(person, review.id).pk == review.pk
    for person in (UserFactory(), None):
        with pytest.raises(NotFound):
            services.access_review(person, review.id)
    # and someone outside the store cannot even learn it exists by replying
    with pytest.raises(NotFound):
        services.access_review(UserFactory(), review.id, need="reply")
