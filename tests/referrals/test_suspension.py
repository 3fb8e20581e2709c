"""Suspending a promoter's commissions at a store (what trust and safety does to a 刷单 ring):
frozen commissions stay frozen when their orders complete, withdrawals are refused, and lifting
it releases through the ledger what completed meanwhile; several holders each lift their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.ledger.models import Transaction
from quanzi.ledger.services import check_ledger
from quanzi.orders.models import Order, OrderStatus
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.postings import record_capture
from quanzi.orders.services.timers import complete_order
from quanzi.referrals.errors import ReferralCode
from quanzi.referrals.models import (
    Commission,
    CommissionStatus,
    CommissionSuspension,
    Promoter,
    PromoterStatus,
    WithdrawalStatus,
)
from quanzi.referrals.services.distribution import (
    bind,
    freeze_commissions,
    promoter_balance,
    release_commissions,
)
from quanzi.referrals.services.suspension import (
    bound_promoters,
    is_suspended,
    promoters_among,
    suspend_commissions,
)
from quanzi.referrals.services.withdrawals import (
    approve_withdrawal,
    reject_withdrawal,
    request_withdrawal,
)
from quanzi.stores.models import Store
from tests.factories import UserFactory
from tests.payments.helpers import make_order
from tests.referrals.withdrawal_helpers import earn, make_cast

pytestmark = pytest.mark.django_db


def paid_with_commission(store: Store, promoter: User, amount: int) -> Order:
    """A new buyer bound to `promoter` pays an order of 10 × amount: `amount` fen is frozen."""
    buyer = UserFactory()
    bind(buyer.pk, store.pk, promoter.pk)
    order = make_order(buyer, store, total=amount * 10)
    payment_id = new_id()
    record_capture(
        provider="sandbox", payment_id=payment_id, parts=[(store.pk, order.pk, order.total)]
    )
    assert on_payment_captured(order.pk, payment_id)
    freeze_commissions(order.pk)
    return order


def complete(order: Order) -> None:
    """The after-sales window closes: the order completes and referrals' release runs."""
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.RECEIVED, complete_at=timezone.now() - timedelta(seconds=1)
    )
    assert complete_order(order.pk)
    release_commissions(order.pk)  # what order_completed runs on commit


def test_while_suspended_completed_orders_keep_the_commission_frozen():
    # given a promoter with ¥5.00 frozen on a paid order
    cast = make_cast()
    order = paid_with_commission(cast.store, cast.promoter, 500)
    # when their commissions are suspended and the order then completes
    change = suspend_commissions(cast.store, cast.promoter, True, "suspected ring")
    complete(order)
    # then the store is settled but the commission stays frozen, and the ledger is sound
    assert (change.changed, change.suspended, change.released) == (True, True, 0)
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.frozen, balance.available) == (500, 0)
    assert Commission.objects.get(order=order).status == CommissionStatus.FROZEN
    assert not Transaction.objects.filter(kind="commission.released").exists()
    assert check_ledger() == []


def test_lifting_releases_what_completed_meanwhile_through_the_ledger():
    # given a suspended promoter with one order completed meanwhile and one still open
    cast = make_cast()
    done = paid_with_commission(cast.store, cast.promoter, 500)
    still_open = paid_with_commission(cast.store, cast.promoter, 300)
    suspend_commissions(cast.store, cast.promoter, True, "suspected ring")
    complete(done)
    # when the suspension is lifted
    change = suspend_commissions(cast.store, cast.promoter, False, "cleared")
    # then the completed order's commission is released as the normal release posts it
    assert (change.changed, change.suspended, change.released) == (True, False, 500)
    assert Transaction.objects.filter(kind="commission.released", reference=f"{done.pk}:1")
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.frozen, balance.available) == (300, 500)
    assert Commission.objects.get(order=still_open).status == CommissionStatus.FROZEN
    assert check_ledger() == []
    # and the open one is released normally when it completes
    complete(still_open)
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == 800
    assert check_ledger() == []


def test_a_suspended_promoter_cannot_withdraw_and_their_pending_withdrawal_cannot_be_approved():
    # given a promoter with ¥10.00 available and a pending withdrawal of ¥2.00
    cast = make_cast()
    earn(cast.store, cast.promoter, 1000)
    pending = request_withdrawal(cast.promoter, cast.store.pk, 200)
    # when their commissions are suspended
    suspend_commissions(cast.store, cast.promoter, True, "suspected ring")
    # then a new request is refused with a clear code and nothing moves
    with translation.override("en"), pytest.raises(Conflict) as refused:
        request_withdrawal(cast.promoter, cast.store.pk, 100)
    assert refused.value.code == ReferralCode.COMMISSIONS_SUSPENDED
    with translation.override("en"):
        assert "suspended" in str(refused.value.message)
    # and the store cannot approve the pending one (it may still reject it)
    with pytest.raises(Conflict) as approval:
        approve_withdrawal(cast.owner, cast.store.pk, pending.pk)
    assert approval.value.code == ReferralCode.COMMISSIONS_SUSPENDED
    pending.refresh_from_db()
    assert pending.status == WithdrawalStatus.PENDING
    reject_withdrawal(cast.owner, cast.store.pk, pending.pk, "under review")
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == 1000
    # and once lifted they may withdraw again
    suspend_commissions(cast.store, cast.promoter, False, "cleared")
    assert request_withdrawal(cast.promoter, cast.store.pk, 100).status == WithdrawalStatus.PENDING
    assert check_ledger() == []


def test_a_suspension_lasts_while_any_holder_holds_it():
    # given a promoter suspended by two holders (two trust cases)
    cast = make_cast()
    order = paid_with_commission(cast.store, cast.promoter, 500)
    suspend_commissions(cast.store, cast.promoter, True, "ring A", holder="case:A")
    again = suspend_commissions(cast.store, cast.promoter, True, "ring B", holder="case:B")
    complete(order)
    # when the first lifts its hold
    first = suspend_commissions(cast.store, cast.promoter, False, "A cleared", holder="case:A")
    # then the promoter stays suspended and nothing is released
    assert not again.changed
    assert (first.changed, first.suspended, first.released) == (False, True, 0)
    assert is_suspended(cast.store.pk, cast.promoter.pk)
    # and lifting the second releases the commission
    last = suspend_commissions(cast.store, cast.promoter, False, "B cleared", holder="case:B")
    assert (last.changed, last.suspended, last.released) == (True, False, 500)
    assert not is_suspended(cast.store.pk, cast.promoter.pk)
    row = CommissionSuspension.objects.get(store=cast.store, promoter=cast.promoter)
    assert row.holders == [] and row.lifted_at is not None
    # and lifting again changes nothing
    assert suspend_commissions(cast.store, cast.promoter, False, "again", holder="case:B") == (
        type(last)(changed=False, suspended=False, released=0)
    )
    assert check_ledger() == []


def test_a_suspension_is_per_store():
    # given a promoter of two stores, suspended in the first
    cast = make_cast()
    other = make_cast().store
    suspend_commissions(cast.store, cast.promoter, True, "suspected ring")
    # when an order of the other store completes
    order = paid_with_commission(other, cast.promoter, 400)
    complete(order)
    # then its commission is released as usual
    assert promoter_balance(other.pk, cast.promoter.public_id).available == 400
    assert not is_suspended(other.pk, cast.promoter.pk)


def test_the_ring_s_promoters_are_approved_or_earning_members_and_who_members_are_bound_to():
    # given a store with an approved promoter, one who earned, and a customer bound to a third
    cast = make_cast()
    approved, earning, bound_to, customer = (UserFactory() for _ in range(4))
    Promoter.objects.create(store=cast.store, user=approved, status=PromoterStatus.APPROVED)
    paid_with_commission(cast.store, earning, 100)
    bind(customer.pk, cast.store.pk, bound_to.pk)
    members = {approved.pk, earning.pk, customer.pk, cast.stranger.pk}
    # then the members who promote are the approved and the earning ones
    assert promoters_among(cast.store.pk, members) == {approved.pk, earning.pk}
    # and the customer is bound to the third
    assert bound_promoters(cast.store.pk, members) == {bound_to.pk}
    assert promoters_among(cast.store.pk, []) == set()
