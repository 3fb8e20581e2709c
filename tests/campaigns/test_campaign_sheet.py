"""The checkout sheet at a campaign's price: starting or joining a group, buying a bargain and a
flash sale all show the address (typed in place when there is none), the campaign's price and
the total before paying, place the order through the campaign's own rules, and a resent sheet
orders once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import Address
from quanzi.campaigns.bargains import services as bargains
from quanzi.campaigns.bargains.models import Bargain, BargainStatus
from quanzi.campaigns.groupbuy import services as groupbuy
from quanzi.campaigns.groupbuy.models import Group, GroupMember
from quanzi.ledger.services import post_transaction
from quanzi.orders.models import Order, OrderStatus
from quanzi.payments.accounts import provider_account
from quanzi.wallets.services import wallet_account
from tests.campaigns.bargains.helpers import a_campaign
from tests.campaigns.flashsales.conftest import MakeSale, flash_redis, make_sale  # noqa: F401
from tests.campaigns.groupbuy.conftest import Deal, customer, deal, paid  # noqa: F401
from tests.factories import AddressFactory, UserFactory
from tests.orders.conftest import Shop, shop  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-hans"}
NEW_ADDRESS = {
    "address_choice": "new",
    "recipient": "王小二",
    "phone": "13912345678",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
}


def _client(user: Any, headers: dict[str, str] = EN) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def _sheet(client: Client, status: int = 200, **params: Any) -> str:
    response = client.get("/orders/buy-now/sheet/", params)
    assert response.status_code == status, response.content
    return response.content.decode()


def _confirm(client: Client, **fields: Any) -> Any:
    data = {"quantity": "1", "checkout_key": "c" * 16, "pay": "online"} | fields
    return client.post("/orders/buy-now/confirm/", data)


def test_a_newcomer_starts_a_group_from_the_sheet_with_an_address_typed_in_it(deal: Deal):  # noqa: F811
    # given someone with no address, opening the sheet from the group buy's 开团 button
    newcomer = UserFactory()
    client = _client(newcomer)
    html = _sheet(client, offer="groupbuy", ref=deal.campaign.pk, sku_id=deal.sku.pk)
    # then it shows the group price against the usual one, the rule, and an address form
    assert 'data-testid="sheet-price">¥39.00' in html and "¥59.00" in html
    assert 'data-testid="sheet-offer">Group price' in html
    assert "the group ships once 3 people have paid within 24 hours" in html
    assert 'data-testid="sheet-address-form"' in html
    assert "Start the group and pay" in html
    # when they type the address and confirm
    response = _confirm(
        client, offer="groupbuy", ref=deal.campaign.pk, sku=deal.sku.pk, **NEW_ADDRESS
    )
    # then a group is opened with their seat and an order at the group price, to that address
    order = Order.objects.get(buyer=newcomer)
    assert response.status_code == 302 and "/pay/" in response.url
    assert order.campaign == "group" and order.ship_hold
    assert order.subtotal == 3900 and order.address["recipient"] == "王小二"
    assert GroupMember.objects.get(user=newcomer).group.campaign_id == deal.campaign.pk
    assert Address.objects.get(user=newcomer).is_default
    # and sending the same sheet again opens no second group
    _confirm(client, offer="groupbuy", ref=deal.campaign.pk, sku=deal.sku.pk, **NEW_ADDRESS)
    assert Order.objects.filter(buyer=newcomer).count() == 1
    assert Group.objects.filter(campaign=deal.campaign).count() == 1


def test_joining_from_the_sheet_says_how_many_are_missing(deal: Deal, paid: Any):  # noqa: F811
    # given a group whose opener paid (2 seats of 3 left)
    seat = groupbuy.open_group(customer("团长"), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    joiner = customer("小李")
    client = _client(joiner, ZH)
    # when a friend opens the sheet from the group's link
    html = _sheet(client, offer="groupjoin", ref=seat.group.pk)
    # then it says, in their language, how many are missing, and offers only the group's SKUs
    assert "还差 2 人成团" in html and "参团并支付" in html
    assert html.count('data-testid="sheet-variant-option"') == 2 and "¥69.00" in html
    # and confirming takes a seat in that group, at the chosen SKU's group price
    _confirm(client, offer="groupjoin", ref=seat.group.pk, sku=deal.other_sku.pk)
    order = Order.objects.get(buyer=joiner)
    assert order.subtotal == 6900 and order.campaign_ref == seat.group.pk
    assert Group.objects.get(pk=seat.group.pk).seats_taken == 2


def test_a_full_group_is_refused_in_the_sheet_with_nothing_ordered(deal: Deal):  # noqa: F811
    # given a full group
    seat = groupbuy.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    for _ in range(2):
        groupbuy.join_group(customer(), seat.group.pk, deal.sku.pk)
    late = customer()
    client = _client(late)
    # when someone else opens its sheet, or posts it anyway
    html = _sheet(client, status=409, offer="groupjoin", ref=seat.group.pk)
    response = _confirm(client, offer="groupjoin", ref=seat.group.pk, sku=deal.sku.pk)
    # then they are told it is full, and nothing is ordered
    assert "This group is full." in html
    assert response.status_code == 409 and not Order.objects.filter(buyer=late).exists()


def test_the_bargain_starter_buys_at_the_cut_price_through_the_sheet():
    # given a bargain cut to its floor (¥59.00 → ¥9.90)
    starter = UserFactory()
    AddressFactory(user=starter)
    bargain = bargains.start_bargain(starter, a_campaign().pk)
    for _ in range(3):
        bargains.help_bargain(UserFactory(), bargain.pk)
    client = _client(starter)
    # when the starter opens the sheet from the bargain page
    html = _sheet(client, offer="bargain", ref=bargain.pk)
    # then the sheet shows the floor price and what friends saved them, and one unit at most
    assert 'data-testid="sheet-price">¥9.90' in html
    assert "Friends cut ¥49.10 off" in html and 'max="1"' in html
    # and confirming buys it at that price
    _confirm(client, offer="bargain", ref=bargain.pk, sku=bargain.campaign.sku_id)
    order = Order.objects.get(buyer=starter)
    assert order.subtotal == 990 and order.campaign == "bargain"
    assert Bargain.objects.get(pk=bargain.pk).status == BargainStatus.BOUGHT


def test_only_the_starter_may_open_a_bargains_sheet():
    # given someone else's bargain
    bargain = bargains.start_bargain(UserFactory(), a_campaign().pk)
    # when another member opens its sheet
    html = _sheet(_client(UserFactory()), status=403, offer="bargain", ref=bargain.pk)
    # then they are told why, and there is nothing to confirm
    assert "Only the person who started this bargain can do this." in html
    assert 'data-testid="sheet-confirm"' not in html


def test_a_flash_sale_sheet_shows_its_own_stock_and_limit(shop: Shop, make_sale: MakeSale):  # noqa: F811
    # given a running slot of 10 at ¥9.90, one per person
    sale = make_sale(stock=10)
    client = _client(shop.buyer)
    # when the buyer opens its sheet
    html = _sheet(client, offer="flash", ref=sale.pk)
    # then it shows the flash price, the slot's stock and its limit
    assert 'data-testid="sheet-price">¥9.90' in html
    assert "10 in stock" in html and "at most 1 per person" in html
    # and asking for two is refused in the sheet before anything is ordered
    assert "At most 1 per order at this price." in _sheet(
        client, status=400, offer="flash", ref=sale.pk, quantity=2
    )
    # while confirming one buys it at the flash price from the slot's stock
    _confirm(client, offer="flash", ref=sale.pk, sku=shop.sku.pk, address=shop.address.pk)
    order = Order.objects.get(buyer=shop.buyer)
    assert order.subtotal == 990 and order.campaign == "flash"
    sale.refresh_from_db()
    assert sale.stock == 9


@pytest.mark.parametrize(
    "params",
    [
        {"offer": "nonsense", "ref": "a" * 12},
        {"offer": "groupjoin", "ref": "../../etc"},
        {"offer": "groupjoin", "ref": "Z" * 22},
        {"offer": "flash", "ref": ""},
    ],
)
def test_forged_offers_are_not_found(shop: Shop, params: dict[str, str]):  # noqa: F811
    # given a signed-in buyer
    client = _client(shop.buyer)
    # when the sheet is opened with an unknown kind or a forged id
    html = _sheet(client, status=404, **params)
    # then it is a 404 in their language, with nothing to confirm
    assert 'data-testid="sheet-confirm"' not in html
    response = _confirm(client, sku=shop.sku.pk, **params)
    assert response.status_code == 404 and not Order.objects.filter(buyer=shop.buyer).exists()


@pytest.mark.django_db(transaction=True)  # the seat is marked paid when the payment commits
def test_paying_a_seat_from_the_wallet_in_place_shows_the_group_forming(deal: Deal):  # noqa: F811
    # given a buyer with ¥100 in the wallet, starting a group from the sheet over the page
    buyer = customer("小周")
    post_transaction(
        "test.topup",
        "gw1",
        [(provider_account("sandbox"), 10_000), (wallet_account(buyer), -10_000)],
    )
    client = _client(buyer)
    # when they confirm paying from the wallet (HTMX: the page stays)
    response = client.post(
        "/orders/buy-now/confirm/",
        {
            "offer": "groupbuy",
            "ref": deal.campaign.pk,
            "sku": deal.sku.pk,
            "quantity": "1",
            "checkout_key": "w" * 16,
            "pay": "wallet",
        },
        headers={"HX-Request": "true"},
    )
    # then the sheet says it is paid and that the group is forming, with the invite button,
    # not that the store will ship it soon
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="buy-done"' in html
    assert 'data-testid="group-panel"' in html and "2 more needed" in html
    assert 'data-testid="group-invite"' in html and "will ship it soon" not in html
    assert Order.objects.get(buyer=buyer).status == OrderStatus.PAID
