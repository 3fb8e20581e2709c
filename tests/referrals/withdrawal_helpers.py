"""Building blocks of the withdrawal tests: a store with a distribution programme, commission
earned through real orders, and the people of the role matrix. Money in fen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.core.ids import new_id
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.postings import record_capture
from quanzi.orders.services.timers import complete_order
from quanzi.referrals.models import DistributionConfig
from quanzi.referrals.services.distribution import (
    bind,
    freeze_commissions,
    promoter_balance,
    release_commissions,
)
from quanzi.stores.models import StaffRole, Store, StoreStaff
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import event_body, make_order, post_webhook

RATE_BP = 1000  # 10 %: an order of 10 × n earns its level 1 promoter n


@dataclass
class Cast:
    store: Store
    owner: User
    staff: User
    promoter: User
    customer: User
    stranger: User


def review_roles(ok: int, anonymous: int) -> list[tuple[str, int]]:
    """The role matrix of the store's review endpoints: the owner and staff get `ok`, people who
    do not work for the store 403, anonymous `anonymous` (401 on the API, a login redirect on
    pages)."""
    return [
        ("owner", ok),
        ("staff", ok),
        ("promoter", 403),
        ("customer", 403),
        ("stranger", 403),
        ("anonymous", anonymous),
    ]


def programme_store(owner: User | None = None, **config: Any) -> Store:
    store = store_with_owner(owner or UserFactory())
    fields = {"enabled": True, "level1_rate_bp": RATE_BP, "min_withdrawal": 100, **config}
    DistributionConfig.objects.create(store=store, **fields)
    return store


def make_cast(**config: Any) -> Cast:
    """A store (programme on, 10 %, the given settings), its owner and a staff member, a
    promoter, a customer of the store who never earned, and a stranger."""
    owner, staff = UserFactory(), UserFactory()
    store = programme_store(owner, **config)
    StoreStaff.objects.create(store=store, user=staff, role=StaffRole.STAFF)
    return Cast(
        store=store,
        owner=owner,
        staff=staff,
        promoter=UserFactory(),
        customer=UserFactory(),
        stranger=UserFactory(),
    )


def earn(store: Store, promoter: User, amount: int) -> Order:
    """Give `promoter` `amount` fen of released commission in `store` the real way: a new buyer
    bound to them pays an order of 10 × amount, which completes (settled, commission released)."""
    before = promoter_balance(store.pk, promoter.public_id).available
    buyer = UserFactory()
    bind(buyer.pk, store.pk, promoter.pk)
    order = make_order(buyer, store, total=amount * 10)
    payment_id = new_id()
    record_capture(
        provider="sandbox", payment_id=payment_id, parts=[(store.pk, order.pk, order.total)]
    )
    assert on_payment_captured(order.pk, payment_id)
    freeze_commissions(order.pk)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    assert complete_order(order.pk)
    release_commissions(order.pk)  # (already done on commit when the test commits)
    assert promoter_balance(store.pk, promoter.public_id).available == before + amount
    return order


def payout_event(payout: Any, event_type: str, event_id: str, **changes: Any) -> Any:
    """POST a signed payout event about `payout` to the platform's webhook."""
    data = {
        "payout": payout.provider_ref or "spo_test",
        "payout_id": payout.pk,
        "recipient": payout.recipient.public_id,
        "amount": payout.amount,
        "currency": "CNY",
        **changes,
    }
    return post_webhook(event_body(event_type, data, event_id=event_id))
