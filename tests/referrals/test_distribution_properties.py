"""Property tests of distribution money: for random totals, rates, refunds and sequences of
refund / complete / payout after a payment, every transaction balances, nobody beyond level 2
earns, the store's escrow never goes negative, and a refund after release takes exactly the
reversed amount from the promoter's available balance, which may go negative.

The services are called directly (the test runs in a rolled-back transaction, where on-commit
signals never fire); tests/referrals/test_distribution.py covers the signal wiring."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quanzi.ledger.models import Account, Entry
from quanzi.ledger.services import (
    check_ledger,
    escrow_account,
    post_transaction,
    provider_account,
    record_capture,
    record_refund,
    store_balance,
)
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services import complete_order, on_payment_captured, on_refund_succeeded
from quanzi.referrals.distribution import (
    bind,
    commission_amount,
    freeze_commissions,
    promoter_available_account,
    promoter_balance,
    release_commissions,
    reverse_commissions,
)
from quanzi.referrals.models import Commission, CommissionStatus, DistributionConfig
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order

SANDBOX = provider_account("sandbox")

rates = st.integers(0, 10000).flatmap(lambda r1: st.tuples(st.just(r1), st.integers(0, 10000 - r1)))
operation = st.one_of(
    st.tuples(st.just("refund"), st.integers(1, 200_000)),
    st.tuples(st.just("complete"), st.just(0)),
    st.tuples(st.just("payout"), st.just(0)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    total=st.integers(1, 200_000),
    level_rates=rates,
    ops=st.lists(operation, max_size=8),
)
def test_commission_money_always_balances(db, total, level_rates, ops):
    with transaction.atomic():
        _run(total, level_rates, ops)
        transaction.set_rollback(True)


class World:
    """One store, a chain buyer → p1 → p2 → p3, and one paid order (p3 is level 3)."""

    def __init__(self, total: int, level_rates: tuple[int, int]) -> None:
        self.store = store_with_owner()
        DistributionConfig.objects.create(
            store=self.store,
            enabled=True,
            level1_rate_bp=level_rates[0],
            level2_rate_bp=level_rates[1],
        )
        self.buyer, self.p1, self.p2, self.p3 = (UserFactory() for _ in range(4))
        bind(self.p2.pk, self.store.pk, self.p3.pk)
        bind(self.p1.pk, self.store.pk, self.p2.pk)
        bind(self.buyer.pk, self.store.pk, self.p1.pk)
        self.order = make_order(self.buyer, self.store, total=total)
        self.refunds = 0
        self.paid_out = 0


def _run(total: int, level_rates: tuple[int, int], ops: list[tuple[str, int]]) -> None:
    # given a paid order of a store paying two levels
    w = World(total, level_rates)
    record_capture(provider="sandbox", payment_id="pay1", parts=[(w.store.pk, w.order.pk, total)])
    assert on_payment_captured(w.order.pk, "pay1")
    freeze_commissions(w.order.pk)
    # then level 1 and 2 earn floor(total × rate / 10000), level 3 never
    for level, promoter in ((1, w.p1), (2, w.p2)):
        expected = commission_amount(total, level_rates[level - 1])
        assert promoter_balance(w.store.pk, promoter.public_id).frozen == expected
    _assert_sound(w)
    # when refunds, completion and payouts follow in any order
    for kind, amount in ops:
        if kind == "refund":
            _refund(w, amount)
        elif kind == "complete":
            _complete(w)
        else:
            _payout(w)
        _assert_sound(w)


def _refund(w: World, amount: int) -> None:
    w.order.refresh_from_db()
    amount = min(amount, w.order.total - w.order.refunded_amount)
    if amount <= 0:
        return
    released = {
        c.promoter.public_id: (c.pk, c.reversed_amount)
        for c in Commission.objects.filter(
            order=w.order, status=CommissionStatus.AVAILABLE
        ).select_related("promoter")
    }
    before = {pid: promoter_balance(w.store.pk, pid).available for pid in released}
    w.refunds += 1
    record_refund(provider="sandbox", refund_id=f"r{w.refunds}", order_id=w.order.pk, amount=amount)
    on_refund_succeeded(w.order.pk, amount, None)
    w.order.refresh_from_db()
    reverse_commissions(w.order.pk, w.order.refunded_amount)
    # then a released commission's reversal comes out of the promoter's available balance,
    # exactly (even below zero)
    for public_id, (commission_id, reversed_before) in released.items():
        reversed_now = Commission.objects.get(pk=commission_id).reversed_amount - reversed_before
        assert promoter_balance(w.store.pk, public_id).available == before[public_id] - reversed_now


def _complete(w: World) -> None:
    w.order.refresh_from_db()
    if w.order.status not in (OrderStatus.PAID, OrderStatus.RECEIVED):
        return
    Order.objects.filter(pk=w.order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    assert complete_order(w.order.pk)
    release_commissions(w.order.pk)
    # then the order's escrow is emptied: settlement took the rest after commissions
    left = sum(
        Entry.objects.filter(order=w.order, account__code=escrow_account(w.store.pk)).values_list(
            "amount", flat=True
        )
    )
    assert left == 0


def _payout(w: World) -> None:
    """A stand-in for a withdrawal (not built yet): pay a promoter's whole available balance out
    through the provider, so a later reversal shows as a negative balance."""
    for promoter in (w.p1, w.p2):
        balance = promoter_balance(w.store.pk, promoter.public_id).available
        if balance > 0:
            w.paid_out += balance
            post_transaction(
                "test.payout",
                f"{promoter.public_id}:{w.paid_out}",
                [
                    (promoter_available_account(w.store.pk, promoter.public_id), balance),
                    (SANDBOX, -balance),
                ],
            )


def _assert_sound(w: World) -> None:
    assert check_ledger() == []
    # nobody beyond level 2 earns
    assert not Commission.objects.filter(promoter=w.p3).exists()
    assert not Account.objects.filter(code__contains=f":{w.p3.public_id}:").exists()
    assert set(Commission.objects.filter(order=w.order).values_list("level", flat=True)) <= {1, 2}
    # the store's escrow never goes negative
    assert store_balance(w.store.pk).escrow >= 0
    # and the money adds up: what the provider holds is owed to the store and the promoters
    w.order.refresh_from_db()
    held = w.order.total - w.order.refunded_amount - w.paid_out
    assert Account.objects.get(code=SANDBOX).balance == held
    owed = store_balance(w.store.pk).escrow + store_balance(w.store.pk).available
    for promoter in (w.p1, w.p2):
        balance = promoter_balance(w.store.pk, promoter.public_id)
        owed += balance.frozen + balance.available
    assert owed == held
    # and each commission is split exactly between frozen, available, paid out and reversed
    for commission in Commission.objects.filter(order=w.order):
        assert commission.amount == commission_amount(
            w.order.total,
            w.store.distribution.level1_rate_bp
            if commission.level == 1
            else w.store.distribution.level2_rate_bp,
        )
        remaining = w.order.total - w.order.refunded_amount
        assert commission.reversed_amount == commission.amount - (
            commission.amount * remaining // w.order.total
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(total=st.integers(1, 200_000), level_rates=rates, refund=st.integers(1, 200_000))
def test_a_refund_after_withdrawal_leaves_exactly_the_reversal_owed(db, total, level_rates, refund):
    with transaction.atomic():
        # given a paid, completed order whose released commissions were all paid out
        w = World(total, level_rates)
        record_capture(
            provider="sandbox", payment_id="pay1", parts=[(w.store.pk, w.order.pk, total)]
        )
        on_payment_captured(w.order.pk, "pay1")
        freeze_commissions(w.order.pk)
        _complete(w)
        _payout(w)
        store_before = store_balance(w.store.pk).available
        # when part or all of the order is refunded
        _refund(w, refund)
        # then each promoter's available balance is minus exactly what was reversed from them,
        # and the store got back its refund less nothing: the merchant does not lose it
        reversed_total = 0
        for commission in Commission.objects.filter(order=w.order).select_related("promoter"):
            balance = promoter_balance(w.store.pk, commission.promoter.public_id)
            assert balance.available == -commission.reversed_amount
            reversed_total += commission.reversed_amount
        refunded = min(refund, total)
        assert store_balance(w.store.pk).available == store_before - refunded + reversed_total
        assert check_ledger() == []
        transaction.set_rollback(True)
