"""The key pages of Quanzi as a member and a merchant see them on the demo data, and the scan
of their rendered text for what must never reach a user: internal codes (`snake_case` or
`dotted.codes`), amounts in fen (a ¥ amount without its two decimals, the word "fen"), and
English words on a Chinese page.

`make screenshots` saves each page at phone size in both languages (tests/browser/
test_key_pages.py with QUANZI_SCREENSHOTS_DIR set); the same walk is a test that fails on
any finding."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.campaigns.groupbuy.models import GroupCampaign
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle
from quanzi.orders.models import Order
from quanzi.stores.models import Store

DEMO_CIRCLE = "山野小铺 · 老朋友群"  # the store's circle of the demo (it has others)


@dataclass(frozen=True)
class KeyPage:
    name: str
    who: str  # the demo login that opens it
    path: Callable[[], str]


def _store() -> Store:
    return Store.objects.get(name="山野小铺")


def _product() -> Product:
    return Product.objects.filter(on_shelf=True).order_by("created_at", "id").first()  # type: ignore[return-value]


def _order(username: str) -> Order:
    return Order.objects.filter(buyer__username=username).order_by("created_at", "id").first()  # type: ignore[return-value]


KEY_PAGES = [
    KeyPage("home", "xiaomei", lambda: "/"),
    KeyPage("product", "xiaomei", lambda: f"/products/{_product().pk}/"),
    KeyPage("store", "xiaomei", lambda: f"/stores/{_store().pk}/"),
    KeyPage("search", "xiaomei", lambda: "/products/search/?q=茶"),
    KeyPage("circles", "xiaomei", lambda: "/circles/mine/"),
    KeyPage("chat", "xiaomei", lambda: f"/circles/{Circle.objects.get(name=DEMO_CIRCLE).pk}/chat/"),
    KeyPage("discover", "xiaomei", lambda: "/social/"),
    KeyPage("messages", "xiaomei", lambda: "/circles/me/notifications/"),
    KeyPage("me", "xiaomei", lambda: "/me/"),
    KeyPage("orders", "xiaomei", lambda: "/orders/"),
    KeyPage("order", "xiaomei", lambda: f"/orders/{_order('xiaomei').pk}/"),
    KeyPage("cart", "xiaomei", lambda: "/orders/cart/"),
    KeyPage("wallet", "xiaomei", lambda: "/redpackets/wallet/"),
    KeyPage("coupons", "xiaomei", lambda: "/coupons/"),
    KeyPage("promoter", "xiaomei", lambda: f"/promote/{_store().pk}/"),
    KeyPage("group_buy", "ahua", lambda: f"/groupbuy/c/{GroupCampaign.objects.get().pk}/"),
    KeyPage("bargain", "ahua", lambda: f"/bargains/c/{BargainCampaign.objects.get().pk}/"),
    KeyPage("console", "merchant", lambda: f"/stores/console/{_store().pk}/"),
    KeyPage("console_orders", "merchant", lambda: f"/orders/console/{_store().pk}/"),
]

# `snake_case` or `dotted.codes` of at least two parts; file names and web addresses aside.
INTERNAL_CODE = re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:[._][a-z0-9]+)+(?![\w/@-])")
NOT_CODES = re.compile(r"\.(png|jpe?g|webp|com|cn|net|org)$")
RAW_FEN = re.compile(r"¥\s?-?\d+(?![\d.,])|\bfen\b")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
FILE_OR_ADDRESS = re.compile(r"\S+\.(?:png|jpe?g|webp)\b|https?://\S+|\S+@\S+")
# Latin words a Chinese page may show: the brand, the demo logins, units and product codes.
ALLOWED_LATIN = {"Quanzi", "English", "merchant", "xiaomei", "ahua", "operator", "SKU", "SYW"}
# Identifiers (an order's or a circle's public id, whole or cut short with "…"): six or more
# letters and digits that are neither a lowercase nor a capitalised word.
ID_LIKE = re.compile(r"\b(?![a-z]+\b)(?![A-Z][a-z]+\b)[A-Za-z0-9]{6,}")


def findings(text: str, lang: str) -> list[str]:
    """What in a page's rendered text must not reach a user, one line each."""
    found = [f"internal code {m!r}" for m in INTERNAL_CODE.findall(text) if not NOT_CODES.search(m)]
    found += [f"amount in fen {m!r}" for m in RAW_FEN.findall(text)]
    if lang.startswith("zh"):
        prose = ID_LIKE.sub(" ", FILE_OR_ADDRESS.sub(" ", text))
        words = {w for w in LATIN_WORD.findall(prose) if w not in ALLOWED_LATIN}
        found += [f"English on a Chinese page {w!r}" for w in sorted(words)]
    return found
