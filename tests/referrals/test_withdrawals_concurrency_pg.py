"""Withdrawal races that need PostgreSQL's row locks: concurrent requests that together ask for
more than the balance, and concurrent reviews of one withdrawal."""

from __future__ import annotations

import pytest

from quanzi.core.errors import Conflict
from quanzi.ledger.services import check_ledger
from quanzi.payments.models import Payout, PayoutStatus
from quanzi.payments.providers.sandbox_models import SandboxPayout
from quanzi.referrals.models import Withdrawal, WithdrawalStatus
from quanzi.referrals.services.distribution import promoter_balance
from quanzi.referrals.services.withdrawals import (
    approve_withdrawal,
    reject_withdrawal,
    request_withdrawal,
)
from tests.payments.test_concurrency_pg import run_together
from tests.referrals.withdrawal_helpers import earn, make_cast

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_requests_never_hold_more_than_the_balance():
    # given a promoter with ¥10.00 available
    cast = make_cast()
    earn(cast.store, cast.promoter, 1000)
    # when twenty requests of ¥1.50 arrive at once (¥30.00 in all)
    results = run_together(20, lambda i: request_withdrawal(cast.promoter, cast.store.pk, 150))
    # then only the six that fit succeed; the others are refused for the balance
    made = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(made), len(refused)) == (6, 14)
    assert {r.code for r in refused} == {"insufficient_balance"}
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.available, balance.withdrawing) == (100, 900)
    assert Withdrawal.objects.count() == 6
    assert check_ledger() == []


def test_two_requests_that_each_fit_but_not_together():
    # given ¥10.00 available
    cast = make_cast()
    earn(cast.store, cast.promoter, 1000)
    # when ¥6.00 and ¥7.00 are asked for at the same time
    results = run_together(
        2, lambda i: request_withdrawal(cast.promoter, cast.store.pk, 600 + 100 * i)
    )
    # then exactly one is held
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Withdrawal"]
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).withdrawing in (600, 700)
    assert check_ledger() == []


def test_concurrent_reviews_of_one_withdrawal_decide_it_once():
    # given a waiting ¥5.00 withdrawal
    cast = make_cast()
    earn(cast.store, cast.promoter, 500)
    withdrawal = request_withdrawal(cast.promoter, cast.store.pk, 500)

    def review(i: int) -> Withdrawal:
        if i % 2:
            return approve_withdrawal(cast.owner, cast.store.pk, withdrawal.pk)
        return reject_withdrawal(cast.staff, cast.store.pk, withdrawal.pk, "no")

    # when the owner approves and the staff rejects it, three times each, at once
    results = run_together(6, review)
    # then one review won, the others were told it was already reviewed
    won = [r for r in results if isinstance(r, Withdrawal)]
    assert len(won) == 1
    assert all(isinstance(r, Conflict) for r in results if r not in won)
    withdrawal.refresh_from_db()
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    if withdrawal.status == WithdrawalStatus.REJECTED:
        assert not Payout.objects.exists()
        assert (balance.available, balance.withdrawing) == (500, 0)
    else:
        # approved: paid once through the sandbox
        assert withdrawal.status == WithdrawalStatus.PAID
        assert Payout.objects.get().status == PayoutStatus.SUCCEEDED
        assert SandboxPayout.objects.count() == 1
        assert (balance.available, balance.withdrawing) == (0, 0)
    assert check_ledger() == []
