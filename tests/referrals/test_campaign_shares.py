"""Share links to campaigns (issue 4 point 4): a group-buy group and a bargain get the same
share action as products: a short link carrying the sharer, a poster with the campaign price,
Open Graph tags on the shared page, and attribution of the orders placed after a visit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from quanzi.accounts.models import User
from quanzi.campaigns.bargains import services as bargains
from quanzi.campaigns.bargains.models import Bargain
from quanzi.campaigns.groupbuy import services as groupbuy
from quanzi.campaigns.groupbuy.models import Group
from quanzi.catalog.services import add_image
from quanzi.core.errors import NotFound
from quanzi.orders.models import Order
from quanzi.referrals import posters
from quanzi.referrals.models import Attribution, ShareLink
from quanzi.referrals.services.links import share_link
from quanzi.stores.models import StaffRole, StoreStaff
from tests.campaigns.bargains.helpers import a_campaign
from tests.campaigns.groupbuy.conftest import customer, make_deal
from tests.factories import PASSWORD
from tests.stores.roles import image_file

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _logged_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _owner(store_id: str) -> User:
    return StoreStaff.objects.get(store_id=store_id, role=StaffRole.OWNER).user


def _group() -> Group:
    """An open group (team of 3, group prices ¥39.00 and ¥69.00) led by 阿丽."""
    deal = make_deal()
    return groupbuy.open_group(customer("阿丽"), deal.campaign.pk, deal.sku.pk).group


def _bargain(**terms: Any) -> Bargain:
    """A live bargain at ¥59.00 (floor ¥9.90) started by 小美."""
    campaign = a_campaign(**terms)
    return bargains.start_bargain(customer("小美"), campaign.pk)


def test_share_buttons_make_links_to_a_group_and_a_bargain():
    # given an open group, a live bargain and a signed-in sharer
    group, bargain = _group(), _bargain()
    sharer = customer("阿强")
    client = _logged_in(sharer)
    for kind, target in (("group", group.pk), ("bargain", bargain.pk)):
        # when the sharer presses the Share button of the page
        r = client.post("/s/new/", {"kind": kind, "target_id": target})
        # then their link is made and its share page (link and poster) opens
        link = ShareLink.objects.get(sharer=sharer, kind=kind, target_id=target)
        assert r.status_code == 302 and r["Location"] == f"/s/{link.code}/share/"
        page = client.get(r["Location"]).content.decode()
        assert f"/s/{link.code}/poster.png" in page


def test_campaign_links_lead_to_their_pages():
    # given links to a group and a bargain
    group, bargain = _group(), _bargain()
    sharer = customer()
    to_group = share_link(sharer, "group", group.pk)
    to_bargain = share_link(sharer, "bargain", bargain.pk)
    # when a stranger opens them logged out
    visitor = Client()
    r_group = visitor.get(f"/s/{to_group.code}")
    r_bargain = visitor.get(f"/s/{to_bargain.code}")
    # then each redirects to its page, which answers
    assert (
        r_group.status_code == 302
        and r_group["Location"] == f"/groupbuy/g/{group.pk}/?src=share&via={to_group.code}"
    )
    assert (
        r_bargain.status_code == 302
        and r_bargain["Location"] == f"/bargains/{bargain.pk}/?src=share&via={to_bargain.code}"
    )
    assert visitor.get(r_group["Location"]).status_code == 200
    assert visitor.get(r_bargain["Location"]).status_code == 200


def test_forged_and_foreign_campaign_targets_are_refused(api: Any):
    # given a group, a bargain and a sharer
    group, bargain = _group(), _bargain()
    sharer = customer()
    # when they share unknown ids, or one kind's id as the other kind
    for kind, target in (
        ("group", "nope"),
        ("group", "A" * 16),
        ("group", bargain.pk),
        ("bargain", group.pk),
        ("bargain", group.campaign.product_id),
        ("bargain", "../../x"),
    ):
        # then 404, through the service, the API and the Share button, and no link
        with pytest.raises(NotFound):
            share_link(sharer, kind, target)
        r = api(sharer).post("referrals/links", {"kind": kind, "target_id": target})
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert (
            _logged_in(sharer).post("/s/new/", {"kind": kind, "target_id": target}).status_code
            == 404
        )
    assert not ShareLink.objects.exists()
    # and sharing needs a signed-in sharer
    r = api().post("referrals/links", {"kind": "group", "target_id": group.pk})
    assert r.status_code == 401


def test_posters_show_the_campaign_price_and_are_pngs():
    # given links to a group (lowest group price ¥39.00) and a bargain cut once
    group = _group()
    bargain = _bargain(allow_above_floor=True)
    bargains.help_bargain(customer(), bargain.pk)
    bargain.refresh_from_db()
    sharer = customer("阿强")
    to_group = share_link(sharer, "group", group.pk)
    to_bargain = share_link(sharer, "bargain", bargain.pk)
    # when their posters' contents are read
    with translation.override("en"):
        group_content = posters.poster_content(to_group)
        bargain_content = posters.poster_content(to_bargain)
    # then the product's title with the labelled campaign price
    assert group_content.title == "云南小粒咖啡豆"
    assert group_content.price == "Group price ¥39.00"
    assert bargain_content.title == "云南小粒咖啡豆"
    assert bargain_content.price == f"Current price ¥{bargain.current_price / 100:.2f}"
    # and the posters are PNGs of the poster's size
    for link in (to_group, to_bargain):
        r = Client().get(f"/s/{link.code}/poster.png")
        assert r.status_code == 200 and r["Content-Type"] == "image/png"
        img = Image.open(io.BytesIO(r.content))
        assert img.format == "PNG" and img.size == (posters.WIDTH, posters.HEIGHT)


def test_group_and_bargain_pages_carry_open_graph_tags_and_the_share_button():
    # given a group and a bargain whose product has a photo
    group, bargain = _group(), _bargain()
    add_image(
        _owner(group.campaign.store_id),
        group.campaign.product_id,
        image_file("咖啡.jpg", (800, 800), "JPEG"),
    )
    product = bargain.campaign.sku.product
    add_image(_owner(bargain.campaign.store_id), product.pk, image_file("豆.jpg"))
    # when the pages are opened logged out
    group_page = Client().get(f"/groupbuy/g/{group.pk}/", **EN).content.decode()
    bargain_page = Client().get(f"/bargains/{bargain.pk}/", **EN).content.decode()
    # then they carry Open Graph title, description with the price, url and image
    assert '<meta property="og:title" content="Join my group: 云南小粒咖啡豆">' in group_page
    assert 'content="Group price ¥39.00 · a group of 3"' in group_page
    assert f'<meta property="og:url" content="http://testserver/groupbuy/g/{group.pk}/">' in (
        group_page
    )
    assert '<meta property="og:image" content="http://testserver/' in group_page
    assert '<meta property="og:title" content="Help me cut the price: 云南小粒咖啡豆">' in (
        bargain_page
    )
    assert 'content="Current price ¥59.00, down to ¥9.90 with your help"' in bargain_page
    assert '<meta property="og:image" content="http://testserver/' in bargain_page
    # and the standard Share button
    assert 'data-testid="share-group"' in group_page and 'value="group"' in group_page
    assert 'data-testid="share-bargain"' in bargain_page and 'value="bargain"' in bargain_page


def test_orders_placed_after_visiting_campaign_links_are_attributed():
    # given a sharer's links to a group and to a bargain that may be bought above its floor
    group = _group()
    bargain = _bargain(allow_above_floor=True)
    sharer = customer("阿强")
    to_group = share_link(sharer, "group", group.pk)
    to_bargain = share_link(sharer, "bargain", bargain.pk)
    # when a customer visits the group link and joins the group
    joiner = customer()
    client = _logged_in(joiner)
    client.get(f"/s/{to_group.code}")
    r = client.post(
        f"/groupbuy/g/{group.pk}/join/",
        {"sku_id": group.campaign.prices.order_by("price")[0].sku_id},
    )
    assert r.status_code == 302
    # and the bargain's starter visits the bargain link and buys
    starter = _logged_in(bargain.starter)
    starter.get(f"/s/{to_bargain.code}")
    assert starter.post(f"/bargains/{bargain.pk}/buy/").status_code == 302
    # then both orders are credited to the sharer, through the link visited
    joined = Order.objects.get(buyer=joiner)
    bought = Order.objects.get(buyer=bargain.starter)
    assert Attribution.objects.get(order=joined).link == to_group
    assert Attribution.objects.get(order=bought).link == to_bargain
    assert {a.sharer_id for a in Attribution.objects.all()} == {sharer.pk}
