"""Distribution (分销): binding modes, self-binding, cycles, and the signal-driven commission flow
through a real sandbox payment, completion and refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import StoreBalance, store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.paying import refund_order
from quanzi.orders.services.payment_events import on_refund_succeeded
from quanzi.orders.services.timers import complete_order
from quanzi.referrals.models import (
    Attribution,
    Binding,
    BindingMode,
    Commission,
    CommissionStatus,
    DistributionConfig,
    ShareLink,
)
from quanzi.referrals.services.distribution import (
    PromoterBalance,
    bind,
    promoter_balance,
    promoter_of,
)
from quanzi.stores.models import Store
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order, pay

pytestmark = pytest.mark.django_db


def _store(mode: str = BindingMode.PERMANENT, *, enabled: bool = True, days: int = 30) -> Store:
    store = store_with_owner()
    DistributionConfig.objects.create(
        store=store,
        enabled=enabled,
        level1_rate_bp=1000,
        level2_rate_bp=500,
        binding_mode=mode,
        binding_days=days,
    )
    return store


def _attribute(order: Order, sharer: User) -> None:
    link = ShareLink.objects.create(
        code=f"c{order.pk[:7]}", sharer=sharer, kind="store", target_id=order.store_id
    )
    Attribution.objects.create(order=order, link=link, sharer=sharer)


def test_permanent_binding_keeps_the_first_binder():
    # given a store in permanent mode and a customer bound to A
    store = _store(BindingMode.PERMANENT)
    customer, a, b = UserFactory(), UserFactory(), UserFactory()
    bind(customer.pk, store.pk, a.pk)
    # when B tries to bind them a year later
    with time_machine.travel(timezone.now() + timedelta(days=365)):
        kept = bind(customer.pk, store.pk, b.pk)
        # then A stays
        assert kept is not None and kept.promoter_id == a.pk
        assert promoter_of(customer.pk, store.pk) == a.pk


def test_time_limited_binding_holds_until_it_expires():
    # given a store binding for 30 days and a customer bound to A
    store = _store(BindingMode.TIME_LIMITED, days=30)
    customer, a, b = UserFactory(), UserFactory(), UserFactory()
    first = bind(customer.pk, store.pk, a.pk)
    assert first is not None and first.expires_at is not None
    # when B binds within the 30 days, A stays
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        kept = bind(customer.pk, store.pk, b.pk)
        assert kept is not None and kept.promoter_id == a.pk
    # then after they pass, nobody is bound, and B may bind
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert promoter_of(customer.pk, store.pk) is None
        rebound = bind(customer.pk, store.pk, b.pk)
        assert rebound is not None and rebound.promoter_id == b.pk
    assert Binding.objects.filter(customer=customer, store=store).count() == 1


def test_last_touch_rebinds_to_the_newest_promoter():
    # given a store in last-touch mode and a customer bound to A
    store = _store(BindingMode.LAST_TOUCH)
    customer, a, b = UserFactory(), UserFactory(), UserFactory()
    bind(customer.pk, store.pk, a.pk)
    # when B binds them
    bind(customer.pk, store.pk, b.pk)
    # then B is their promoter (one binding row)
    assert promoter_of(customer.pk, store.pk) == b.pk
    assert Binding.objects.filter(customer=customer, store=store).count() == 1


def test_self_binding_and_disabled_stores_bind_nobody():
    # given an enabled and a disabled store
    enabled, disabled = _store(), _store(enabled=False)
    customer, a = UserFactory(), UserFactory()
    # when a customer is bound to themself, or bound in a disabled store
    assert bind(customer.pk, enabled.pk, customer.pk) is None
    assert bind(customer.pk, disabled.pk, a.pk) is None
    # then no binding exists
    assert not Binding.objects.exists()


def test_cycles_are_refused_along_the_whole_chain():
    # given A bound to B, and B bound to C (in last-touch mode, which would otherwise rebind)
    store = _store(BindingMode.LAST_TOUCH)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    bind(a.pk, store.pk, b.pk)
    bind(b.pk, store.pk, c.pk)
    # when B tries to bind to A (direct cycle) or C to A (C → A → B → C)
    refused_direct = bind(b.pk, store.pk, a.pk)
    refused_chain = bind(c.pk, store.pk, a.pk)
    # then both are refused: B keeps C, and C stays unbound
    assert refused_direct is not None and refused_direct.promoter_id == c.pk
    assert refused_chain is None
    assert promoter_of(c.pk, store.pk) is None


def test_paid_order_freezes_two_levels_then_releases_and_reverses(
    django_capture_on_commit_callbacks,
):
    # given a chain buyer → A → B → C in a store paying 10 % and 5 %
    store = _store(BindingMode.PERMANENT)
    buyer, a, b, c = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    bind(b.pk, store.pk, c.pk)
    bind(a.pk, store.pk, b.pk)
    order = make_order(buyer, store, total=12345)
    _attribute(order, a)
    # when the buyer pays through the sandbox (signals run on commit)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    # then the buyer is bound to A, A earns 1234 and B 617 frozen; C (level 3) nothing
    assert promoter_of(buyer.pk, store.pk) == a.pk
    assert promoter_balance(store.pk, a.public_id).frozen == 1234
    assert promoter_balance(store.pk, b.public_id).frozen == 617
    assert not Commission.objects.filter(promoter=c).exists()
    assert store_balance(store.pk).escrow == 12345 - 1234 - 617
    # when the order completes after its after-sales window
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert complete_order(order.pk)
    # then the commissions are available and the store settled the rest; escrow is empty
    assert promoter_balance(store.pk, a.public_id) == PromoterBalance(frozen=0, available=1234)
    assert store_balance(store.pk).escrow == 0
    assert store_balance(store.pk).available == 12345 - 1234 - 617
    # when the whole order is refunded afterwards
    with django_capture_on_commit_callbacks(execute=True):
        on_refund_succeeded(order.pk, 12345, None)
    # then both commissions are reversed by new entries back to the store's balance
    assert promoter_balance(store.pk, a.public_id).available == 0
    assert promoter_balance(store.pk, b.public_id).available == 0
    assert set(Commission.objects.values_list("status", flat=True)) == {CommissionStatus.REVERSED}
    assert store_balance(store.pk).available == 12345
    assert check_ledger() == []


def test_a_disabled_store_pays_no_commission(django_capture_on_commit_callbacks):
    # given a disabled store and an attributed order
    store = _store(enabled=False)
    buyer, a = UserFactory(), UserFactory()
    order = make_order(buyer, store, total=5000)
    _attribute(order, a)
    # when it is paid
    pay(buyer, [order], django_capture_on_commit_callbacks)
    # then nobody is bound and nothing is earned
    assert not Binding.objects.exists() and not Commission.objects.exists()
    assert store_balance(store.pk).escrow == 5000


def test_a_refund_before_completion_returns_frozen_commission_to_escrow(
    django_capture_on_commit_callbacks,
):
    # given a paid order of 100.00 whose buyer was brought by A (10 %)
    store = _store(BindingMode.PERMANENT)
    buyer, a = UserFactory(), UserFactory()
    order = make_order(buyer, store, total=10000)
    _attribute(order, a)
    pay(buyer, [order], django_capture_on_commit_callbacks)
    # when 20.00 is refunded through the sandbox provider (webhook delivered inline)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order, 2000, reason="少件")
    # then a fifth of A's frozen commission went back to the store's escrow
    commission = Commission.objects.get(order=order)
    assert (commission.amount, commission.reversed_amount) == (1000, 200)
    assert promoter_balance(store.pk, a.public_id).frozen == 800
    assert store_balance(store.pk).escrow == 10000 - 2000 - 800
    # when the order completes, the rest is released and the store settles the remainder
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        complete_order(order.pk)
    assert promoter_balance(store.pk, a.public_id) == PromoterBalance(frozen=0, available=800)
    assert store_balance(store.pk) == StoreBalance(escrow=0, available=7200)
    assert check_ledger() == []
