"""Fixtures of the trust pipeline's tests: a store with products, purchases made through the
services (buy now, paid on the sandbox, shipped, received, reviewed), and a stand-in for the
detectors (`detector`) that the test tells which accounts form a ring.

- `shop`: the owner, the store with three products and another store with one;
- `buy(buyer, sku, stars=5, text=...)`: a review of a real purchase (its on-commit work run);
- `detector`: replaces `quanzi.trust.services.analysis.analyse` (the real detectors land in
  `quanzi.trust.detect.analyse`); `detector.ring = {...users}` and `detector.score = 90`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from quanzi.accounts.models import User
from quanzi.accounts.services import AddressInput, save_address
from quanzi.catalog.models import Product, Sku
from quanzi.orders.models import Order
from quanzi.orders.services.checkout import buy_now
from quanzi.orders.services.transitions import confirm_receipt, ship_order
from quanzi.reviews.models import Review
from quanzi.reviews.services import write_review
from quanzi.stores.models import Store
from quanzi.trust import tasks
from quanzi.trust.detect.records import (
    AccountRecord,
    Block,
    Findings,
    Reason,
    ReviewRecord,
    Scored,
    Thresholds,
)
from tests.factories import ProductFactory, SkuFactory, UserFactory, store_with_owner
from tests.payments.helpers import pay

ADDRESS = AddressInput(
    recipient="张三",
    phone="13912345678",
    province="云南省",
    city="昆明市",
    district="五华区",
    detail="翠湖路 1 号",
)


@dataclass
class Shop:
    owner: User
    store: Store
    products: list[Product]
    skus: list[Sku]
    other_owner: User
    other_store: Store
    other_sku: Sku


@pytest.fixture(autouse=True)
def _unthrottled(settings: Any) -> Iterator[None]:
    """Each test starts with an unthrottled queue and inline sandbox webhooks."""
    settings.QUANZI_SANDBOX_DELIVERY = "inline"
    tasks._last_queued[0] = -1e9
    yield
    tasks._last_queued[0] = -1e9


@pytest.fixture
def shop(db: None) -> Shop:
    owner = UserFactory(username="trust_owner")
    store = store_with_owner(owner, shipping_fee=0)
    products = [ProductFactory(store=store, title=f"茶叶 {n}") for n in range(3)]
    skus = [SkuFactory(product=p, price=5900, stock=100) for p in products]
    other_owner = UserFactory()
    other_store = store_with_owner(other_owner, shipping_fee=0)
    other_sku = SkuFactory(product=ProductFactory(store=other_store), price=3900, stock=100)
    return Shop(owner, store, products, skus, other_owner, other_store, other_sku)


Buy = Callable[..., Review]


@pytest.fixture
def buy(shop: Shop, django_capture_on_commit_callbacks: Any) -> Buy:
    """`buy(buyer, sku, stars=5, text="…", address=ADDRESS)`: the buyer buys the SKU now, pays
    on the sandbox, the merchant ships, the buyer confirms and reviews it."""

    def run(
        buyer: User,
        sku: Sku,
        stars: int = 5,
        text: str = "很好",
        address: AddressInput = ADDRESS,
        tracking: str = "SF1234567890123",
    ) -> Review:
        with django_capture_on_commit_callbacks(execute=True):
            save_address(buyer, address, make_default=True)
            order = buy_now(buyer, sku.pk, 1)
        pay(buyer, [order], django_capture_on_commit_callbacks)
        owner = shop.owner if sku.product.store_id == shop.store.pk else shop.other_owner
        with django_capture_on_commit_callbacks(execute=True):
            ship_order(owner, order.pk, "顺丰速运", tracking)
            confirm_receipt(buyer, order.pk)
            item = Order.objects.get(pk=order.pk).items.get()
            return write_review(buyer, order.pk, item.pk, stars, text)

    return run


@dataclass
class StandIn:
    """A stand-in for the detectors: the reviews of the accounts in `ring` form one block with
    `score`; every review scores `score` in the ring and 5 outside, every account likewise."""

    ring: set[int] = field(default_factory=set)
    score: int = 90
    calls: list[tuple[Sequence[ReviewRecord], Sequence[AccountRecord], Thresholds, float]] = field(
        default_factory=list
    )

    def __call__(
        self,
        reviews: Sequence[ReviewRecord],
        accounts: Sequence[AccountRecord],
        thresholds: Thresholds,
        now: float,
    ) -> Findings:
        self.calls.append((reviews, accounts, thresholds, now))
        ring = {str(u) for u in self.ring}
        reason = Reason("dense_block", self.score, {"accounts": len(ring)})
        inside = [r for r in reviews if r.user in ring]
        blocks = []
        if inside:
            blocks.append(
                Block(
                    users=frozenset(r.user for r in inside),
                    products=frozenset(r.product for r in inside),
                    review_ids=frozenset(r.review_id for r in inside),
                    density=2.5,
                    score=self.score,
                    reasons=(reason,),
                )
            )
        return Findings(
            reviews={
                r.review_id: Scored(self.score, (reason,)) if r.user in ring else Scored(5)
                for r in reviews
            },
            accounts={
                a.user: Scored(self.score, (reason,)) if a.user in ring else Scored(0)
                for a in accounts
            },
            blocks=blocks,
        )


@pytest.fixture
def detector(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    stand_in = StandIn()
    monkeypatch.setattr("quanzi.trust.services.analysis.analyse", stand_in)
    return stand_in
