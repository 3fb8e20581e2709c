"""The app shell: the five tabs on every page with live unread badges, 我的 with its counts, and
what makes the site installable (manifest, icons, favicon)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from quanzi.circles.models import NotificationKind
from quanzi.circles.services.chat import send_message
from quanzi.circles.services.notifications import notify
from tests.circles.conftest_chat import make_chat_circle
from tests.factories import UserFactory, store_with_owner
from tests.orders.conftest import Shop, make_order, shop  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

TABS = ("tab-home", "tab-circles", "tab-discover", "tab-messages", "tab-me")


def _client(user=None, lang: str = "zh-hans") -> Client:
    client = Client(headers={"Accept-Language": lang})
    if user is not None:
        client.force_login(user)
    return client


def _badge(html: str, testid: str) -> str | None:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    "path", ["/", "/circles/", "/social/", "/me/", "/products/search/?q=x", "/accounts/login/"]
)
def test_every_page_carries_the_five_tabs(path):
    # given a visitor
    client = _client()
    # when they open a page
    html = client.get(path).content.decode()
    # then the tab bar is there with its five tabs, and no badge for a visitor
    for testid in TABS:
        assert f'data-testid="{testid}"' in html, (path, testid)
    assert "badge-messages" not in html and 'hx-get="/me/tabbar/' not in html


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("/", "tab-home"),
        ("/circles/", "tab-circles"),
        ("/social/", "tab-discover"),
        ("/me/", "tab-me"),
    ],
)
def test_the_page_s_own_tab_is_marked_current(path, tab):
    # given a visitor on a tab's page
    html = _client().get(path).content.decode()
    # then exactly that tab is the current one
    current = re.findall(r'data-testid="(tab-\w+)" aria-current="page"', html)
    assert current == [tab]


def test_a_member_sees_unread_chat_and_notifications_on_the_tabs():
    # given a member with two unread chat messages and one unread notification
    cc = make_chat_circle()
    for n in range(2):
        send_message(cc.bob, cc.id, kind="text", text=f"在吗 {n}", client_id=f"c-{n}")
    notify(cc.alice, NotificationKind.MENTION, "阿宝 提到了你", circle=cc.circle)
    # when alice opens any page
    html = _client(cc.alice).get("/social/").content.decode()
    # then 圈子 shows 2 and 消息 shows 1, and the bar re-fetches itself
    assert _badge(html, "badge-circles") == "2"
    assert _badge(html, "badge-messages") == "1"
    assert 'hx-get="/me/tabbar/?active=discover"' in html


def test_the_tab_bar_fragment_brings_fresh_counts():
    # given a member whose page was rendered with no unread notification
    cc = make_chat_circle()
    client = _client(cc.alice)
    assert _badge(client.get("/").content.decode(), "badge-messages") is None
    # when a notification arrives and the bar re-fetches itself
    notify(cc.alice, NotificationKind.REPLY, "阿宝 回复了你", circle=cc.circle)
    fragment = client.get("/me/tabbar/?active=home")
    # then the fragment is only the bar, uncached, with the new count and the same active tab
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "no-cache" in fragment.headers["Cache-Control"]
    assert html.strip().startswith("<nav") and "<header" not in html
    assert _badge(html, "badge-messages") == "1"
    assert 'data-testid="tab-home" aria-current="page"' in html


def test_the_tab_bar_fragment_ignores_an_unknown_tab():
    # given a forged active tab
    html = _client(UserFactory()).get('/me/tabbar/?active="><script>').content.decode()
    # then no tab is current and nothing of the input is echoed
    assert "aria-current" not in html and "<script>" not in html


def test_me_counts_the_orders_in_each_state(shop: Shop, make_order):  # noqa: F811
    # given a buyer with two orders to pay, one to ship and one shipped
    make_order(shop, "pending_payment")
    make_order(shop, "pending_payment")
    make_order(shop, "paid")
    make_order(shop, "shipped")
    # when they open 我的
    html = _client(shop.buyer).get("/me/").content.decode()
    # then each state shows its count and links to its list
    counts = dict(re.findall(r'data-testid="me-orders-(\w+)" data-count="(\d+)"', html))
    assert counts == {
        "pending_payment": "2",
        "paid": "1",
        "shipped": "1",
        "received": "0",
        "after_sales": "0",
    }
    assert 'href="/orders/?status=paid"' in html


def test_only_store_staff_see_the_merchant_console(shop: Shop):  # noqa: F811
    # given a buyer, the store's staff member and its owner
    # when each opens 我的
    pages = {
        who: _client(getattr(shop, who)).get("/me/").content.decode()
        for who in ("buyer", "staff", "owner")
    }
    # then only the store's people get the console entry; the buyer may open a store instead
    assert 'data-testid="me-console"' not in pages["buyer"]
    assert 'data-testid="me-open-store"' in pages["buyer"]
    assert 'data-testid="me-open-store"' not in pages["owner"]
    assert 'data-testid="me-console"' in pages["staff"]
    assert 'data-testid="me-console"' in pages["owner"]


def test_me_shows_the_wallet_coupons_and_points_of_the_member():
    # given a member with nothing yet
    html = _client(UserFactory()).get("/me/", headers={"Accept-Language": "en"}).content.decode()
    # then the assets read zero, in yuan for the wallet
    assert re.search(r'data-testid="me-wallet"><strong>¥0.00</strong>', html)
    assert re.search(r'data-testid="me-coupons"><strong>0</strong>', html)
    assert re.search(r'data-testid="me-points"><strong>0</strong>', html)


def test_a_visitor_s_me_offers_log_in_sign_up_and_language():
    # given a visitor
    html = _client(lang="en").get("/me/").content.decode()
    # then 我的 offers the ways in and the language switch, and no member data
    assert 'data-testid="me-login"' in html and 'data-testid="me-signup"' in html
    assert 'name="language" value="zh-hans"' in html and 'name="language" value="en"' in html
    assert "me-orders" not in html and "me-logout" not in html


def test_the_staff_check_is_per_person_not_per_store_count():
    # given two stores, each with its owner; and a person with no store
    owners = [UserFactory(), UserFactory()]
    for owner in owners:
        store_with_owner(owner)
    # then each owner sees the console entry and the third person does not
    assert "me-console" in _client(owners[1]).get("/me/").content.decode()
    assert "me-console" not in _client(UserFactory()).get("/me/").content.decode()


# --- Installable -------------------------------------------------------------------------------


def test_the_manifest_makes_the_site_installable():
    # given a browser asking in Chinese
    response = _client().get("/manifest.webmanifest")
    # then the manifest is JSON of the right type with a start URL, standalone display, colours
    # and icons of 192 and 512 px (one maskable), every one of them served
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["short_name"] == "圈子" and manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/") and manifest["theme_color"] == "#e4393c"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        served = _client().get(icon["src"])
        image = Image.open(io.BytesIO(served.content))
        assert served.headers["Content-Type"] == "image/png"
        assert f"{image.width}x{image.height}" == icon["sizes"]


def test_every_page_links_the_manifest_and_the_icons():
    html = _client().get("/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'rel="apple-touch-icon" href="/icons/180.png"' in html
    assert 'name="theme-color"' in html


def test_the_favicon_is_an_icon_file():
    response = _client().get("/favicon.ico")
    image = Image.open(io.BytesIO(response.content))
    assert response.status_code == 200 and image.format == "ICO"


@pytest.mark.parametrize("path", ["/icons/7.png", "/icons/100000.png", "/icons/512-evil.png"])
def test_an_icon_of_no_size_we_draw_is_not_found(path):
    assert _client().get(path).status_code == 404
