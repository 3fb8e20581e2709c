"""A 刷单 ring attacks a store over the HTTP API, as real people would, and ends in the
operators' queue with its reviews out of the rating; the honest buyers' reviews stay.

Everything goes through HTTP: sign-ups and sign-ins (the API's token and the pages' login, which
the sandbox's hosted pay page needs), shipping addresses, checkout, payment on the sandbox pay
page (its webhook delivered in-process on commit: `QUANZI_SANDBOX_DELIVERY = "inline"`), the
merchant shipping, the buyers confirming receipt, the reviews.

- The ring: 8 accounts signed up within minutes from one /24 and one phone model, five of them
  shipping to the same flat, each buying the same 3 products of one store and five-starring
  them with nearly the same words.
- The honest buyers: 8 accounts more than a year old, each buying one or two of 6 products
  over the last five months, with their own stars and words, from their own networks.

Tasks: the test settings' task backend is django-tasks' DummyBackend, which runs nothing. The
test therefore checks that the last review queued the analysis (with no debounce, so every
change queues one) and then runs the queued task itself, as the worker would.

The detectors are the real ones (`quanzi.trust.detect.analyse`), as the task runs them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks import default_task_backend

from quanzi.accounts.models import User
from quanzi.trust import tasks
from quanzi.trust.models import (
    Case,
    CaseMember,
    CaseProduct,
    CaseReview,
    CaseStatus,
    ReviewScore,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

RING_PHONE = "Mozilla/5.0 (Linux; Android 10; SM-G9750) AppleWebKit/537.36 Chrome/96.0 Mobile"
RING_TEXTS = [
    "茶叶很好喝，包装精美，物流很快，五星好评！",
    "茶叶很好喝，包装精美，物流很快，五星好评！！",
    "茶叶很好喝，包装很精美，物流很快，五星好评！",
    "茶叶很好喝，包装精美，物流超快，五星好评！",
]
FLAT = {
    "recipient": "王先生",
    "phone": "13700000000",
    "province": "广东省",
    "city": "深圳市",
    "district": "龙岗区",
    "detail": "坂田街道 328 号 1204 室",
}

# The honest buyers: when they joined (days ago), and what they bought and said:
# (days ago, product index, stars, text). Products 0–2 are the ring's targets.
HONEST: list[tuple[int, list[tuple[int, int, int, str]]]] = [
    (
        400,
        [
            (150, 0, 4, "茶香浓郁，回甘明显，就是价格稍贵。"),
            (60, 3, 5, "第二次买了，一如既往的好。"),
        ],
    ),
    (380, [(120, 1, 3, "一般吧，和图片有差距，泡了三次就淡了。")]),
    (
        350,
        [
            (90, 0, 5, "送给爸爸的，他很喜欢，包装也很用心。"),
            (20, 4, 4, "物流有点慢，但东西不错。"),
        ],
    ),
    (300, [(75, 2, 2, "收到的时候有点受潮，客服处理得还行。")]),
    (420, [(45, 5, 5, "一直在这家买，品质稳定。"), (10, 1, 4, "口感清爽，适合夏天喝。")]),
    (260, [(30, 3, 3, "中规中矩。")]),
    (310, [(14, 2, 4, "味道不错，下次试试别的口味。")]),
    (365, [(5, 4, 5, "很满意，已推荐给同事。"), (2, 0, 3, "这次的比上次苦一点。")]),
]
CITIES = ["北京市", "上海市", "杭州市", "成都市", "武汉市", "西安市", "南京市", "长沙市"]
BROWSERS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Mobile/15E148 MicroMessenger/8.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120.0 Mobile",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; V2231A) Chrome/118.0 Mobile",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 12; HUAWEI P50) Chrome/110.0 Mobile",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) Mobile/15E148",
]


class Person:
    """Someone using Quanzi from one phone and network: the API with a bearer token, the pages
    (the sandbox pay page) with a session, both from the same client."""

    def __init__(self, username: str, address: str, agent: str) -> None:
        self.username = username
        self.client = Client(
            REMOTE_ADDR=address, HTTP_USER_AGENT=agent, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
        )
        self.token = ""

    @property
    def user(self) -> User:
        return User.objects.get(username=self.username)

    def call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        fn = getattr(self.client, method)
        url = f"/api/v1/{path}"
        if method == "get":
            return fn(url, data, headers=headers)
        if extra.pop("multipart", False):
            return fn(url, data, headers=headers)
        return fn(url, data, content_type="application/json", headers=headers)

    def ok(self, method: str, path: str, data: Any = None, status: int = 200, **kw: Any) -> Any:
        response = self.call(method, path, data, **kw)
        assert response.status_code == status, (path, response.content.decode()[:500])
        return response.json() if response.content else None

    def sign_up(self) -> None:
        body = {"username": self.username, "password": PASSWORD}
        self.token = self.ok("post", "accounts/signup", body, status=201)["token"]
        self._page_login()

    def sign_in(self) -> None:
        body = {"identifier": self.username, "password": PASSWORD}
        self.token = self.ok("post", "accounts/token", body)["token"]
        self._page_login()

    def _page_login(self) -> None:
        form = {"identifier": self.username, "password": PASSWORD}
        assert self.client.post("/accounts/login/", form).status_code == 302

    def add_address(self, place: dict[str, str]) -> str:
        body = {**place, "is_default": True}
        return str(self.ok("post", "accounts/addresses", body, status=201)["id"])

    def buy(self, address_id: str, skus: Sequence[str]) -> dict[str, Any]:
        """Check out the SKUs and pay on the sandbox's page: the one order of the store."""
        lines = [{"sku_id": sku, "quantity": 1} for sku in skus]
        (order,) = self.ok(
            "post", "orders/checkout", {"address_id": address_id, "lines": lines}, status=201
        )
        pay = self.ok("post", f"orders/{order['id']}/pay")
        confirm = self.client.post(pay["pay_url"].rstrip("/") + "/confirm/")
        assert confirm.status_code == 302, confirm.content.decode()[:500]
        assert self.ok("get", f"orders/{order['id']}")["status"] == "paid"
        return dict(order)

    def receive_and_review(
        self, order: dict[str, Any], texts: Sequence[tuple[int, str]]
    ) -> list[str]:
        self.ok("post", f"orders/{order['id']}/confirm-receipt")
        reviews = []
        for item, (stars, text) in zip(order["items"], texts, strict=True):
            form = {"order_id": order["id"], "item_id": item["id"], "stars": stars, "text": text}
            reviews.append(self.ok("post", "reviews", form, status=201, multipart=True)["id"])
        return reviews


@dataclass
class Store:
    merchant: Person
    store_id: str = ""
    products: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    tracking: int = 0

    def open(self) -> None:
        self.merchant.sign_up()
        body = {"name": "云岭茶庄", "shipping_fee": 0}
        self.store_id = self.merchant.ok("post", "stores", body, status=201)["id"]
        for n, title in enumerate(
            ["普洱熟茶", "滇红金芽", "古树白茶", "凤庆红茶", "茉莉花茶", "月光白"]
        ):
            product = {
                "title": title,
                "specs": [{"name": "规格", "values": ["100g"]}],
                "skus": [{"spec_values": {"规格": "100g"}, "price": 6800 + 100 * n, "stock": 500}],
            }
            made = self.merchant.ok(
                "post", f"catalog/stores/{self.store_id}/products", product, status=201
            )
            self.merchant.ok("post", f"catalog/products/{made['id']}/shelf", {"on_shelf": True})
            self.products.append(made["id"])
            self.skus.append(made["skus"][0]["id"])

    def ship(self, order: dict[str, Any]) -> None:
        self.tracking += 1
        body = {"carrier": "SF", "tracking_number": f"SF{1000_0000_0000 + self.tracking}"}
        self.merchant.ok("post", f"orders/{order['id']}/ship", body)


def queued() -> list[Any]:
    return [r for r in default_task_backend.results if r.task.name == "analyse_trust"]


def test_a_ring_attacking_over_the_api_ends_in_the_queue_with_its_reviews_held(
    settings: Any,
) -> None:
    settings.QUANZI_SANDBOX_DELIVERY = "inline"
    settings.TRUST_QUEUE_SECONDS = 0  # every change queues the analysis (no debounce)
    tasks._last_queued[0] = -1e9
    default_task_backend.results.clear()  # type: ignore[attr-defined]
    now = timezone.now()

    # given a tea shop of 6 products, open for well over a year
    with time_machine.travel(now - timedelta(days=500), tick=True):
        shop = Store(Person("cha_zhuang", "119.62.40.8", BROWSERS[2]))
        shop.open()

    # and honest buyers, members for more than a year, buying over the last five months
    honest_reviews: dict[str, tuple[str, int]] = {}  # review → (product, stars)
    honest_people: list[Person] = []
    for n, (joined, purchases) in enumerate(HONEST):
        person = Person(f"buyer_{n}", f"{60 + 10 * n}.{20 + n}.{7 * n}.{30 + n}", BROWSERS[n])
        honest_people.append(person)
        with time_machine.travel(now - timedelta(days=joined), tick=True):
            person.sign_up()
            place = {
                **FLAT,
                "recipient": f"顾客{n}",
                "phone": f"1390000{n:04d}",
                "city": CITIES[n],
                "detail": f"人民路 {n + 10} 号",
            }
            address = person.add_address(place)
        for days, product, stars, text in purchases:
            with time_machine.travel(now - timedelta(days=days), tick=True):
                person.sign_in()
                order = person.buy(address, [shop.skus[product]])
                shop.merchant.sign_in()
                shop.ship(order)
            with time_machine.travel(now - timedelta(days=days - 1), tick=True):
                person.sign_in()
                (review,) = person.receive_and_review(order, [(stars, text)])
                honest_reviews[review] = (shop.products[product], stars)

    # when a ring of 8 new accounts, minutes apart, from one network and one phone model, five
    # shipping to the same flat, buys the same 3 products and five-stars them in near-copies
    ring_people: list[Person] = []
    ring_reviews: list[str] = []
    targets = shop.skus[:3]
    orders = []
    for n in range(8):
        with time_machine.travel(now - timedelta(minutes=40 - 3 * n), tick=True):
            person = Person(f"hao_ping_{n}", f"58.246.12.{10 + n}", RING_PHONE)
            ring_people.append(person)
            person.sign_up()
            place = FLAT if n < 5 else {**FLAT, "detail": f"坂田街道 {500 + n} 号"}
            orders.append(person.buy(person.add_address(place), targets))
    with time_machine.travel(now - timedelta(minutes=12), tick=True):
        shop.merchant.sign_in()
        for order in orders:
            shop.ship(order)
    for n, (person, order) in enumerate(zip(ring_people, orders, strict=True)):
        with time_machine.travel(now - timedelta(minutes=10 - n), tick=True):
            texts = [(5, RING_TEXTS[(n + k) % len(RING_TEXTS)]) for k in range(3)]
            before = len(queued())
            ring_reviews += person.receive_and_review(order, texts)
    # then the last review queued the analysis (the dummy backend keeps it: nothing runs)
    assert len(queued()) > before
    assert not ReviewScore.objects.exists()

    # when the worker runs the queued analysis
    last = queued()[-1]
    result = last.task.call(*last.args, **last.kwargs)
    assert result["reviews"] == len(ring_reviews) + len(honest_reviews) == 24 + 12

    # then the operators' queue holds the ring: its 8 accounts and the 3 products
    (case,) = Case.objects.filter(status=CaseStatus.OPEN)
    ring_users = {p.user.pk for p in ring_people}
    honest_users = {p.user.pk for p in honest_people}
    members = set(CaseMember.objects.filter(case=case).values_list("user_id", flat=True))
    assert members == ring_users
    products = set(CaseProduct.objects.filter(case=case).values_list("product_id", flat=True))
    assert products == set(shop.products[:3])
    assert case.store_id == shop.store_id
    # and its reviews, held
    held = CaseReview.objects.filter(case=case)
    assert set(held.values_list("review_id", flat=True)) == set(ring_reviews)
    assert not held.filter(held=False).exists()

    # and the ring's reviews are out of each product's rating and list; the honest ones stay
    visitor = Client()
    by_product: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for review, (product, stars) in honest_reviews.items():
        by_product[product].append((review, stars))
    for product in shop.products:
        page = visitor.get(f"/api/v1/reviews/products/{product}").json()
        honest = by_product[product]
        assert page["rating_count"] == len(honest)
        expected = round(sum(s for _, s in honest) / len(honest), 1) if honest else None
        assert page["rating"] == expected
        assert {item["id"] for item in page["items"]} == {r for r, _ in honest}

    # and no honest buyer or review is in any case
    assert not CaseMember.objects.filter(user_id__in=honest_users).exists()
    assert not CaseReview.objects.filter(review_id__in=honest_reviews).exists()
