"""Withdrawals (提现) through the services: the hold, the fee, the review, the payout through the
sandbox (success, failure, replays), the minimum and balance checks, a negative balance, and who
may withdraw after a revocation or with the programme off."""

from __future__ import annotations

import pytest
from django.utils import translation

from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.ledger.models import Account, Entry, Transaction
from quanzi.ledger.services import check_ledger
from quanzi.ledger.store_accounts import store_balance
from quanzi.orders.services.payment_events import on_refund_succeeded
from quanzi.orders.services.postings import record_refund
from quanzi.payments.accounts import provider_account
from quanzi.payments.models import Payout, PayoutStatus, WebhookEvent, WebhookStatus
from quanzi.payments.providers.base import ProviderError
from quanzi.payments.providers.sandbox import SandboxProvider
from quanzi.payments.providers.sandbox_models import SandboxEvent, SandboxPayout
from quanzi.referrals.models import (
    DistributionConfig,
    Promoter,
    PromoterStatus,
    Withdrawal,
    WithdrawalStatus,
)
from quanzi.referrals.services.distribution import promoter_balance, reverse_commissions
from quanzi.referrals.services.withdrawals import (
    approve_withdrawal,
    fee_of,
    reject_withdrawal,
    request_withdrawal,
    withdrawal_summary,
    withdrawals_of_store,
)
from quanzi.stores.models import Store
from tests.factories import UserFactory
from tests.payments.helpers import post_webhook
from tests.referrals.withdrawal_helpers import earn, make_cast, payout_event

pytestmark = pytest.mark.django_db

SANDBOX = provider_account("sandbox")


def books() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


def provider_held() -> int:
    return Account.objects.get(code=SANDBOX).balance


def test_a_request_holds_the_amount_with_the_fee_rounded_down():
    # given a promoter with ¥10.00 available in a store taking a 2.5 % fee
    cast = make_cast(withdrawal_fee_bp=250)
    earn(cast.store, cast.promoter, 1000)
    # when they ask to withdraw ¥9.99
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 999)
    # then the fee is floor(999 × 2.5 %) = 24 fen, 975 fen will be paid, the request waits
    assert (withdrawal.amount, withdrawal.fee, withdrawal.net) == (999, 24, 975)
    assert withdrawal.status == WithdrawalStatus.PENDING
    # and the amount moved from available to withdrawing in one balanced posting
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.available, balance.withdrawing) == (1, 999)
    assert Transaction.objects.filter(kind="withdrawal.requested", reference=withdrawal.pk)
    assert check_ledger() == []


@pytest.mark.parametrize(
    ("amount", "fee_bp", "fee"),
    [(100, 0, 0), (100, 100, 1), (199, 50, 0), (200, 50, 1), (1, 9999, 0), (10000, 9999, 9999)],
)
def test_the_fee_is_floored_and_the_net_is_at_least_one_fen(amount, fee_bp, fee):
    assert fee_of(amount, fee_bp) == fee
    assert amount - fee_of(amount, fee_bp) >= 1


def test_below_the_minimum_or_above_the_balance_is_refused_and_nothing_is_written():
    # given a promoter with ¥5.00 available in a store whose minimum is ¥2.00
    cast = make_cast(min_withdrawal=200)
    earn(cast.store, cast.promoter, 500)
    before = books()
    # when they ask for ¥1.99, then for ¥5.01
    with translation.override("en"):
        with pytest.raises(InvalidInput) as low:
            request_withdrawal(cast.promoter, cast.store.pk, 199)
        with pytest.raises(Conflict) as high:
            request_withdrawal(cast.promoter, cast.store.pk, 501)
        # then both are refused with a clear message, and nothing is written
        assert (low.value.code, str(low.value.message)) == (
            "below_minimum",
            "You can withdraw ¥2.00 or more at a time.",
        )
        assert (high.value.code, str(high.value.message)) == (
            "insufficient_balance",
            "You can withdraw at most ¥5.00.",
        )
    assert books() == before
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 10**13, 2**70, 1.5, "100", None, True])
def test_amounts_that_are_not_positive_whole_fen_are_refused(amount):
    cast = make_cast()
    earn(cast.store, cast.promoter, 500)
    before = books()
    with pytest.raises(InvalidInput):
        request_withdrawal(cast.promoter, cast.store.pk, amount)
    assert books() == before
    assert not Withdrawal.objects.exists()


def test_approval_pays_the_net_through_the_sandbox_and_the_store_keeps_the_fee(
    django_capture_on_commit_callbacks,
):
    # given a ¥10.00 withdrawal waiting for review in a store taking 10 %
    cast = make_cast(withdrawal_fee_bp=1000)
    earn(cast.store, cast.promoter, 1000)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 1000)
    held, store_before = provider_held(), store_balance(cast.store.pk).available
    # when the owner approves it (the payout starts after commit; the sandbox answers inline)
    with django_capture_on_commit_callbacks(execute=True):
        approved = approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
    assert approved.status == WithdrawalStatus.PAYING
    # then ¥9.00 was paid out once and the withdrawal is paid
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.paid_at is not None
    assert withdrawal.reviewed_by == cast.owner
    payout = Payout.objects.get()
    assert (payout.status, payout.amount, payout.recipient) == (
        PayoutStatus.SUCCEEDED,
        900,
        cast.promoter,
    )
    assert withdrawal.payout_ref == payout.pk
    assert SandboxPayout.objects.get().amount == 900
    assert payout.provider_ref == SandboxPayout.objects.get().pk
    # and the books: the hold is gone, ¥9.00 left the provider, the store got the ¥1.00 fee
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.available, balance.withdrawing) == (0, 0)
    assert provider_held() == held - 900
    assert store_balance(cast.store.pk).available == store_before + 100
    assert Transaction.objects.filter(kind="withdrawal.paid", reference=withdrawal.pk).count() == 1
    assert check_ledger() == []
    # and the promoter centre's figure counts it as withdrawn
    summary = withdrawal_summary(cast.store.pk, cast.promoter)
    assert (summary.withdrawn, summary.fees, summary.received, summary.in_progress) == (
        1000,
        100,
        900,
        0,
    )


def test_a_replayed_or_repeated_payout_event_changes_nothing(django_capture_on_commit_callbacks):
    # given a paid withdrawal
    cast = make_cast()
    earn(cast.store, cast.promoter, 500)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 500)
    with django_capture_on_commit_callbacks(execute=True):
        approve_withdrawal(cast.staff, cast.store.pk, withdrawal.pk)
    before = books()
    payout = Payout.objects.get()
    # when the sandbox's event is delivered again, and a failure under another id follows
    replay = post_webhook(SandboxEvent.objects.get(type="payout.succeeded").body.encode())
    late_failure = payout_event(payout, "payout.failed", "evt_late", reason="bounced")
    # then the first is a duplicate, the second changes nothing either
    assert replay.json() == {"result": "duplicate"}
    assert late_failure.json() == {"result": "processed"}
    assert books() == before
    withdrawal.refresh_from_db()
    payout.refresh_from_db()
    assert (withdrawal.status, payout.status) == (WithdrawalStatus.PAID, PayoutStatus.SUCCEEDED)


def test_a_failed_payout_gives_the_money_back_and_keeps_the_reason():
    # given an approved withdrawal whose payout has not been answered yet
    cast = make_cast()
    earn(cast.store, cast.promoter, 800)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 800)
    approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)  # on-commit never runs here
    payout = Payout.objects.get()
    held = provider_held()
    # when the provider reports the payout failed
    answer = payout_event(payout, "payout.failed", "evt_fail", reason="account_closed")
    # then the withdrawal failed with the reason, and the amount is available again
    assert answer.json() == {"result": "processed"}
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.reject_reason) == (
        WithdrawalStatus.FAILED,
        "account_closed",
    )
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.available, balance.withdrawing) == (800, 0)
    assert provider_held() == held
    assert check_ledger() == []
    # and a late success under another id, or the same failure again, changes nothing
    before = books()
    assert payout_event(payout, "payout.succeeded", "evt_late").json() == {"result": "processed"}
    assert payout_event(payout, "payout.failed", "evt_fail").json() == {"result": "duplicate"}
    assert books() == before
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.FAILED
    # and the promoter may withdraw it again
    assert request_withdrawal(cast.promoter, cast.store.pk, 800).status == "pending"


def test_a_payout_event_with_another_amount_is_refused_and_changes_nothing():
    # given an approved withdrawal of ¥8.00
    cast = make_cast()
    earn(cast.store, cast.promoter, 800)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 800)
    approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
    payout = Payout.objects.get()
    before = books()
    # when a success event claims ¥80.00
    answer = payout_event(payout, "payout.succeeded", "evt_big", amount=8000)
    # then it is refused and stored as rejected; the withdrawal is still paying
    assert answer.status_code == 422
    assert WebhookEvent.objects.get(event_id="evt_big").status == WebhookStatus.REJECTED
    assert books() == before
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAYING


def test_a_provider_refusing_the_payout_fails_the_withdrawal(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given a provider that refuses payouts
    def refuse(self, payout_id, amount, recipient_ref):
        raise ProviderError("The recipient cannot receive payouts.", code="no_account")

    monkeypatch.setattr(SandboxProvider, "payout", refuse)
    cast = make_cast()
    earn(cast.store, cast.promoter, 300)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 300)
    # when the withdrawal is approved
    with django_capture_on_commit_callbacks(execute=True):
        approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
    # then the payout and the withdrawal failed, and the money is available again
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.FAILED
    assert withdrawal.reject_reason == "The recipient cannot receive payouts."
    assert Payout.objects.get().status == PayoutStatus.FAILED
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == 300
    assert check_ledger() == []


def test_rejection_releases_the_hold_and_a_review_happens_once(django_capture_on_commit_callbacks):
    # given two waiting withdrawals
    cast = make_cast()
    earn(cast.store, cast.promoter, 1000)
    first = request_withdrawal(cast.promoter, cast.store.pk, 400)
    second = request_withdrawal(cast.promoter, cast.store.pk, 600)
    # when the first is rejected and the second approved
    rejected = reject_withdrawal(cast.staff, cast.store.pk, first.pk, "  重复申请  ")
    with django_capture_on_commit_callbacks(execute=True):
        approve_withdrawal(cast.owner, cast.store.pk, second.pk)
    # then the rejected amount is available again with its reason
    assert (rejected.status, rejected.reject_reason) == (WithdrawalStatus.REJECTED, "重复申请")
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.available, balance.withdrawing) == (400, 0)
    # and neither can be reviewed again
    before = books()
    for withdrawal in (first, second):
        with pytest.raises(Conflict):
            approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
        with pytest.raises(Conflict):
            reject_withdrawal(cast.owner, cast.store.pk, withdrawal.pk, "again")
    assert books() == before
    assert Payout.objects.count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201, None])
def test_a_rejection_needs_a_short_reason(reason):
    cast = make_cast()
    earn(cast.store, cast.promoter, 300)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 300)
    before = books()
    with pytest.raises(InvalidInput):
        reject_withdrawal(cast.owner, cast.store.pk, withdrawal.pk, reason)
    assert books() == before
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PENDING


def test_a_refund_after_withdrawal_blocks_withdrawals_until_later_earnings_repay_it(
    django_capture_on_commit_callbacks,
):
    # given a promoter who withdrew all of a ¥5.00 commission
    cast = make_cast()
    order = earn(cast.store, cast.promoter, 500)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 500)
    with django_capture_on_commit_callbacks(execute=True):
        approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
    # when the order is refunded in full
    record_refund(provider="sandbox", refund_id="r1", order_id=order.pk, amount=order.total)
    on_refund_succeeded(order.pk, order.total, None)
    reverse_commissions(order.pk, order.total)
    # then their balance is minus the reversed commission and a new request is refused
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == -500
    before = books()
    with translation.override("en"), pytest.raises(Conflict) as refused:
        request_withdrawal(cast.promoter, cast.store.pk, 100)
    assert refused.value.code == "negative_balance"
    assert "¥5.00" in str(refused.value.message)
    assert books() == before
    # and once later earnings repay it, what is left can be withdrawn
    earn(cast.store, cast.promoter, 800)
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == 300
    with pytest.raises(Conflict):
        request_withdrawal(cast.promoter, cast.store.pk, 301)
    assert request_withdrawal(cast.promoter, cast.store.pk, 300).amount == 300
    assert check_ledger() == []


def test_earned_money_is_never_trapped_by_a_revocation_the_programme_off_or_a_closed_store():
    # given a promoter who earned ¥9.00, then was revoked, the programme switched off and the
    # store closed
    cast = make_cast()
    earn(cast.store, cast.promoter, 900)
    Promoter.objects.create(store=cast.store, user=cast.promoter, status=PromoterStatus.REVOKED)
    DistributionConfig.objects.filter(store=cast.store).update(enabled=False)
    Store.objects.filter(pk=cast.store.pk).update(is_active=False)
    # when they withdraw it
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 900)
    # then it is held for review like any other
    assert withdrawal.status == WithdrawalStatus.PENDING
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).withdrawing == 900


def test_who_may_ask():
    # given a store whose programme is for everyone, and one with no programme at all
    cast = make_cast()
    bare = make_cast().store
    DistributionConfig.objects.filter(store=bare).delete()
    # then a customer who never earned is a promoter there, with nothing to withdraw yet
    with pytest.raises(Conflict):
        request_withdrawal(cast.customer, cast.store.pk, 100)
    # and nobody is a promoter of a store without a programme (or with it off)
    with pytest.raises(PermissionDenied):
        request_withdrawal(cast.customer, bare.pk, 100)
    DistributionConfig.objects.filter(store=cast.store).update(enabled=False)
    with pytest.raises(PermissionDenied):
        request_withdrawal(cast.customer, cast.store.pk, 100)
    # and an unknown or malformed store is not found
    for store_id in ("nosuchstore00000", "../x", ""):
        with pytest.raises(NotFound):
            request_withdrawal(cast.customer, store_id, 100)
    assert not Withdrawal.objects.exists()


def test_review_access(django_capture_on_commit_callbacks):
    # given a waiting withdrawal of a promoter who is also staff of the store, and another store
    cast = make_cast()
    other = make_cast()
    earn(cast.store, cast.staff, 500)
    own = request_withdrawal(cast.staff, cast.store.pk, 500)
    # then they may not review their own; strangers, customers and other stores' owners may not
    # review it either; a forged id or one of another store is not found
    with pytest.raises(PermissionDenied):
        approve_withdrawal(cast.staff, cast.store.pk, own.pk)
    for outsider in (cast.promoter, cast.customer, cast.stranger, other.owner):
        with pytest.raises(PermissionDenied):
            approve_withdrawal(outsider, cast.store.pk, own.pk)
    for reviewer, store_id, withdrawal_id in (
        (cast.owner, cast.store.pk, "forged0000000000"),
        (cast.owner, cast.store.pk, "../../x"),
        (other.owner, other.store.pk, own.pk),
    ):
        with pytest.raises(NotFound):
            reject_withdrawal(reviewer, store_id, withdrawal_id, "no")
    assert Withdrawal.objects.get().status == WithdrawalStatus.PENDING
    # and the owner may
    with django_capture_on_commit_callbacks(execute=True):
        approve_withdrawal(cast.owner, cast.store.pk, own.pk)
    assert Withdrawal.objects.get().status == WithdrawalStatus.PAID


def test_the_review_list_shows_waiting_withdrawals_first():
    # given a rejected, then a waiting, then another rejected withdrawal
    cast = make_cast()
    earn(cast.store, cast.promoter, 900)
    old = request_withdrawal(cast.promoter, cast.store.pk, 300)
    waiting = request_withdrawal(cast.promoter, cast.store.pk, 300)
    new = request_withdrawal(cast.promoter, cast.store.pk, 300)
    for withdrawal in (old, new):
        reject_withdrawal(cast.owner, cast.store.pk, withdrawal.pk, "no")
    # then the list starts with the waiting one, then the newest; a status filter applies
    assert [w.pk for w in withdrawals_of_store(cast.store)] == [waiting.pk, new.pk, old.pk]
    assert [w.pk for w in withdrawals_of_store(cast.store, "rejected")] == [new.pk, old.pk]
    with pytest.raises(InvalidInput):
        list(withdrawals_of_store(cast.store, "bogus"))
    # and someone without withdrawals has an empty summary
    assert withdrawal_summary(cast.store.pk, UserFactory()).withdrawn == 0
