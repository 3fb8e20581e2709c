"""The after-sales thread as people use it on a phone (390 px wide), in Debian's Chromium: the
buyer adds a photo (previewed before sending) and writes; HTMX puts the message in the thread
without leaving the page; the merchant answers from the console beside approve and reject."""

from __future__ import annotations

import pytest

from quanzi.orders.models import AfterSaleMessage
from tests.factories import PASSWORD
from tests.orders.conftest import Shop
from tests.orders.thread_helpers import image_bytes, requested

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_buyer_and_merchant_talk_in_the_thread_on_a_phone(new_page, shop: Shop, tmp_path):
    # given an open request and a photo on the buyer's phone
    order, after_sale = requested(shop)
    picture = tmp_path / "破损.jpg"
    picture.write_bytes(image_bytes((320, 240)))
    page = new_page("en")
    log_in(page, shop.buyer.username, f"/orders/{order.pk}/")
    block = page.locator(f"#after-sale-{after_sale.pk}")
    assert "The buyer asked to return the goods" in block.inner_text()
    assert fits_the_phone(page)
    # when they pick the photo, then it is previewed before anything is sent
    block.get_by_test_id("thread-photos").set_input_files(str(picture))
    assert block.get_by_test_id("thread-preview").count() == 1
    # when they write and send, then the message shows in the thread, on the same page
    block.get_by_test_id("thread-input").fill("外箱也破了，请看图")
    block.get_by_test_id("thread-send").click()
    page.locator(f"#after-sale-{after_sale.pk} [data-testid=thread-message]").wait_for()
    assert page.url.endswith(f"/orders/{order.pk}/")
    message = page.locator(f"#after-sale-{after_sale.pk} [data-testid=thread-message]")
    assert "外箱也破了，请看图" in message.inner_text()
    assert message.get_by_test_id("thread-photo").count() == 1
    assert AfterSaleMessage.objects.filter(role="buyer").get().photos.count() == 1

    # when the merchant opens the console's order page
    merchant = new_page("zh-hans")
    log_in(merchant, shop.staff.username, f"/orders/console/{shop.store.pk}/{order.pk}/")
    mine = merchant.locator(f"#after-sale-{after_sale.pk}")
    # then the buyer's message is there beside approve and reject, and the page fits the phone
    assert "外箱也破了，请看图" in mine.inner_text()
    assert mine.get_by_test_id("after-sales-approve").is_visible()
    assert fits_the_phone(merchant)
    # when they answer, then the answer joins the thread
    mine.get_by_test_id("thread-input").fill("抱歉，已为您登记")
    mine.get_by_test_id("thread-send").click()
    merchant.get_by_text("抱歉，已为您登记").wait_for()
    assert AfterSaleMessage.objects.filter(role="merchant").count() == 1
    # and the buyer reads it when they come back
    page.reload()
    assert "抱歉，已为您登记" in page.locator(f"#after-sale-{after_sale.pk}").inner_text()
