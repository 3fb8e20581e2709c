"""Property tests of distribution money: for random totals, rates, withdrawal fees, refunds and
sequences of refund / complete / withdrawal (paid or rejected) after a payment, every transaction
balances, nobody beyond level 2 earns, the store's escrow never goes negative, and a refund after
release takes exactly the reversed amount from the promoter's available balance, which may go
negative.

The services are called directly (the test runs in a rolled-back transaction, where on-commit
signals never fire); tests/referrals/test_distribution.py covers the signal wiring. Withdrawals
are the real ones: requested, approved by the store's owner and paid out through the sandbox,
whose payout and webhook run through the captured on-commit callbacks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quanzi.ledger.models import Account, Entry
from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import escrow_account, store_balance
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.payment_events import on_payment_captured, on_refund_succeeded
from quanzi.orders.services.postings import record_capture, record_refund
from quanzi.orders.services.timers import complete_order
from quanzi.payments.accounts import provider_account
from quanzi.referrals.models import (
    Commission,
    CommissionStatus,
    DistributionConfig,
    Withdrawal,
    WithdrawalStatus,
)
from quanzi.referrals.services.distribution import (
    bind,
    commission_amount,
    freeze_commissions,
    promoter_balance,
    release_commissions,
    reverse_commissions,
)
from quanzi.referrals.services.withdrawals import (
    approve_withdrawal,
    fee_of,
    reject_withdrawal,
    request_withdrawal,
)
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order

SANDBOX = provider_account("sandbox")

rates = st.integers(0, 10000).flatmap(lambda r1: st.tuples(st.just(r1), st.integers(0, 10000 - r1)))
fees = st.integers(0, 9999)  # basis points of a withdrawal the store keeps
operation = st.one_of(
    st.tuples(st.just("refund"), st.integers(1, 200_000)),
    st.tuples(st.just("complete"), st.just(0)),
    st.tuples(st.just("payout"), st.just(0)),
    st.tuples(st.just("rejected"), st.just(0)),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    total=st.integers(1, 200_000),
    level_rates=rates,
    fee_bp=fees,
    ops=st.lists(operation, max_size=8),
)
def test_commission_money_always_balances(
    db, django_capture_on_commit_callbacks, total, level_rates, fee_bp, ops
):
    with transaction.atomic():
        _run(World(total, level_rates, fee_bp, django_capture_on_commit_callbacks), ops)
        transaction.set_rollback(True)


class World:
    """One store, a chain buyer → p1 → p2 → p3, and one paid order (p3 is level 3)."""

    def __init__(
        self, total: int, level_rates: tuple[int, int], fee_bp: int, on_commit: Any
    ) -> None:
        self.owner = UserFactory()
        self.store = store_with_owner(self.owner)
        DistributionConfig.objects.create(
            store=self.store,
            enabled=True,
            level1_rate_bp=level_rates[0],
            level2_rate_bp=level_rates[1],
            min_withdrawal=1,
            withdrawal_fee_bp=fee_bp,
        )
        self.buyer, self.p1, self.p2, self.p3 = (UserFactory() for _ in range(4))
        bind(self.p2.pk, self.store.pk, self.p3.pk)
        bind(self.p1.pk, self.store.pk, self.p2.pk)
        bind(self.buyer.pk, self.store.pk, self.p1.pk)
        self.order = make_order(self.buyer, self.store, total=total)
        self.refunds = 0
        self.paid_out = 0  # what payouts sent out of the provider: withdrawals less their fees
        self.fees = 0  # what the store kept of paid withdrawals
        self.on_commit = on_commit  # runs the payout and its webhook, as a commit would


def _run(w: World, ops: list[tuple[str, int]]) -> None:
    # given a paid order of a store paying two levels
    total = w.order.total
    level_rates = (
        w.store.distribution.level1_rate_bp,
        w.store.distribution.level2_rate_bp,
    )
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
        elif kind == "payout":
            _payout(w)
        else:
            _rejected_withdrawal(w)
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
    """Each promoter withdraws their whole available balance; the owner approves and the
    sandbox pays it out (so a later reversal shows as a negative balance)."""
    for promoter in (w.p1, w.p2):
        available = promoter_balance(w.store.pk, promoter.public_id).available
        if available <= 0:
            continue
        withdrawal = request_withdrawal(promoter, w.store.pk, available)
        with w.on_commit(execute=True):
            approve_withdrawal(w.owner, w.store.pk, withdrawal.pk)
        withdrawal.refresh_from_db()
        # then it was paid: the amount less the floored fee left through the provider
        assert withdrawal.status == WithdrawalStatus.PAID
        assert withdrawal.fee == fee_of(available, w.store.distribution.withdrawal_fee_bp)
        assert promoter_balance(w.store.pk, promoter.public_id).available == 0
        w.paid_out += withdrawal.net
        w.fees += withdrawal.fee


def _rejected_withdrawal(w: World) -> None:
    """A withdrawal of everything available that the owner rejects: nothing moves in the end."""
    for promoter in (w.p1, w.p2):
        available = promoter_balance(w.store.pk, promoter.public_id).available
        if available <= 0:
            continue
        withdrawal = request_withdrawal(promoter, w.store.pk, available)
        assert promoter_balance(w.store.pk, promoter.public_id).withdrawing == available
        reject_withdrawal(w.owner, w.store.pk, withdrawal.pk, "no")
        assert promoter_balance(w.store.pk, promoter.public_id).available == available


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
        owed += balance.frozen + balance.available + balance.withdrawing
        # and nothing stays held: every withdrawal here is paid or rejected at once
        assert balance.withdrawing == 0
    assert owed == held
    # and the store kept exactly the fees of the paid withdrawals
    paid = Withdrawal.objects.filter(store=w.store, status=WithdrawalStatus.PAID)
    assert sum(paid.values_list("fee", flat=True)) == w.fees
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
@given(
    total=st.integers(1, 200_000),
    level_rates=rates,
    fee_bp=fees,
    refund=st.integers(1, 200_000),
)
def test_a_refund_after_withdrawal_leaves_exactly_the_reversal_owed(
    db, django_capture_on_commit_callbacks, total, level_rates, fee_bp, refund
):
    with transaction.atomic():
        # given a paid, completed order whose released commissions were all withdrawn and paid
        w = World(total, level_rates, fee_bp, django_capture_on_commit_callbacks)
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
