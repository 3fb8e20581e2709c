"""The review form and the console reply, as people use them, in Debian's Chromium."""

from __future__ import annotations

import pytest

from quanzi.reviews.models import Review
from tests.factories import PASSWORD
from tests.reviews.conftest import first_item, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_buyer_reviews_anonymously_with_a_photo_and_the_merchant_replies(
    new_page,
    shop,
    buyer,
    received,
    tmp_path,
):
    # given a buyer on the review form of a received item
    picture = tmp_path / "咖啡.jpg"
    picture.write_bytes(image_bytes((320, 240)))
    form = f"/reviews/new/{received.id}/{first_item(received).pk}/"
    page = new_page("en")
    log_in(page, buyer.username, form)
    # when they pick 4 stars, write, add a photo, tick anonymous and publish
    page.get_by_test_id("star-4").check()
    page.get_by_test_id("review-text").fill("豆子很新鲜，香气足")
    page.get_by_test_id("review-photos").set_input_files(str(picture))
    # (the photo shows as a preview before anything is sent)
    assert page.get_by_test_id("review-preview").count() == 1
    page.get_by_test_id("review-anonymous").check()
    page.get_by_test_id("review-submit").click()
    page.wait_for_url(f"**/products/{shop.product.id}/#reviews")
    # then the review is stored with its photo and shown without the buyer's name
    review = Review.objects.get()
    assert (review.stars, review.is_anonymous, review.photos.count()) == (4, True, 1)
    page.goto(f"/reviews/product/{shop.product.id}/")
    assert page.get_by_test_id("review-author").inner_text() == "Anonymous buyer"
    assert page.get_by_test_id("review-photo").count() == 1
    assert "secret_buyer_name" not in page.content()

    # when the store owner replies from the console
    merchant = new_page("en")
    log_in(merchant, shop.owner.username, f"/reviews/console/{shop.store.id}/")
    merchant.get_by_test_id("reply-text").fill("谢谢您的认可！")
    merchant.get_by_test_id("reply-submit").click()
    merchant.wait_for_load_state()
    # then the reply shows under the review, in the console and for everyone
    assert merchant.get_by_test_id("merchant-reply").inner_text().endswith("谢谢您的认可！")
    page.reload()
    assert "谢谢您的认可！" in page.get_by_test_id("merchant-reply").inner_text()
