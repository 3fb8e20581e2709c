"""Flash-sale pages: the product page's countdown and buy button, buying from it, and the
merchant console's slots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.orders.models import Order
from quanzi.referrals.models import Attribution
from quanzi.referrals.services.links import share_link
from tests.campaigns.flashsales.conftest import MakeSale
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db


def client_of(user: object = None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_product_page_shows_a_running_slot_with_its_countdown_and_buy_button(
    shop: Shop, make_sale: MakeSale
):
    # given a running slot and an upcoming one
    running = make_sale()
    soon = timezone.now() + timedelta(hours=3)
    make_sale(starts_at=soon, ends_at=soon + timedelta(hours=1))
    # when anyone opens the product page
    html = client_of().get(f"/products/{shop.sku.product_id}/").content.decode()
    # then both slots show, each with a countdown; only the running one has a buy button
    assert html.count('data-testid="flash-slot"') == 2
    assert html.count('data-testid="countdown"') == 2
    assert html.count('data-testid="flash-buy"') == 1
    assert f"/flash/{running.pk}/buy/" in html
    assert "¥9.90" in html and "10 of 10 left" in html
    assert "Starts at" in html and "left" in html


def test_buying_from_the_product_page_leads_to_the_pay_page(shop: Shop, make_sale: MakeSale):
    # given a running slot
    sale = make_sale()
    # when the buyer presses the flash-sale button
    r = client_of(shop.buyer).post(f"/flash/{sale.pk}/buy/", {"quantity": "1"})
    # then the order exists and the browser goes on to pay it
    order = Order.objects.get()
    assert (order.campaign_ref, order.subtotal) == (sale.pk, 990)
    assert r.status_code == 302 and "/pay/" in r["Location"]


def test_a_refused_purchase_goes_back_to_the_product_page_with_the_reason(
    shop: Shop, make_sale: MakeSale
):
    # given the buyer already holds their one unit
    sale = make_sale()
    client = client_of(shop.buyer)
    client.post(f"/flash/{sale.pk}/buy/")
    # when they press again
    r = client.post(f"/flash/{sale.pk}/buy/", follow=True)
    # then the product page says why
    assert r.redirect_chain[0][0] == f"/products/{shop.sku.product_id}/"
    assert "at most 1" in r.content.decode()
    assert Order.objects.count() == 1


def test_an_anonymous_buyer_is_sent_to_log_in(shop: Shop, make_sale: MakeSale):
    sale = make_sale()
    r = client_of().post(f"/flash/{sale.pk}/buy/", {"next": "/products/x/"})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("staff", 200), ("buyer", 403), ("stranger", 403), ("anonymous", 302)],
)
def test_who_may_open_the_console_page(shop: Shop, who: str, status: int):
    user = {"owner": shop.owner, "staff": shop.staff, "buyer": shop.buyer}.get(who)
    if who == "stranger":
        user = UserFactory()
    r = client_of(user).get(f"/flash/console/{shop.store.pk}/")
    assert r.status_code == status


def test_the_owner_creates_a_slot_from_the_console_and_switches_it_off(shop: Shop):
    # given the owner on the console page
    client = client_of(shop.owner)
    url = f"/flash/console/{shop.store.pk}/"
    form = {
        "sku": shop.sku.pk,
        "flash_price": "9.90",
        "stock": "20",
        "per_user_limit": "2",
        "starts_at": "2099-06-18T20:00",
        "ends_at": "2099-06-18T22:00",
    }
    # when they post the form with a price above the normal one, then a good one
    bad = client.post(url, {**form, "flash_price": "80"})
    good = client.post(url, form)
    # then the bad form is shown again with the reason, the good one creates the slot
    assert bad.status_code == 400 and "below the normal price" in bad.content.decode()
    assert good.status_code == 302
    sale = FlashSale.objects.get()
    assert (sale.flash_price, sale.stock, sale.per_user_limit) == (990, 20, 2)
    assert sale.starts_at.isoformat() == "2099-06-18T12:00:00+00:00"  # 20:00 Beijing time
    # and switching it off from the list works
    client.post(f"{url}{sale.pk}/toggle/")
    sale.refresh_from_db()
    assert sale.is_active is False
    assert 'data-testid="flash-console-slot"' in client.get(url).content.decode()


def test_staff_of_another_store_cannot_toggle_a_slot(shop: Shop, make_sale: MakeSale):
    sale = make_sale()
    r = client_of(UserFactory()).post(f"/flash/console/{shop.store.pk}/{sale.pk}/toggle/")
    assert r.status_code == 403
    sale.refresh_from_db()
    assert sale.is_active is True


def test_a_flash_sale_bought_after_a_share_link_is_credited_to_the_sharer(
    shop: Shop, make_sale: MakeSale
):
    # given a running slot and a friend's share link to the product
    sale = make_sale()
    sharer = UserFactory()
    link = share_link(sharer, "product", shop.sku.product_id)
    # when the buyer comes through the link and buys at the flash price
    client = client_of(shop.buyer)
    client.get(f"/s/{link.code}")
    client.post(f"/flash/{sale.pk}/buy/", {"quantity": "1"})
    # then the order is the sharer's, as any order placed through the link
    order = Order.objects.get(buyer=shop.buyer)
    assert Attribution.objects.get(order=order).sharer == sharer
