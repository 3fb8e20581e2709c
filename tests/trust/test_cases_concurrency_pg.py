"""Case races that need PostgreSQL's row locks: two cases letting go of one review at once, an
operator hiding a review while a case restores it, a suspension lifted while the order
completes, and a suspension arriving while the promoter asks to withdraw."""

from __future__ import annotations

import pytest

from quanzi.core.errors import Conflict
from quanzi.ledger.services import check_ledger
from quanzi.referrals.models import Commission, CommissionStatus, Withdrawal
from quanzi.referrals.services.suspension import suspend_commissions
from quanzi.referrals.services.withdrawals import request_withdrawal
from quanzi.reviews.models import Moderation
from quanzi.reviews.services import set_hidden
from quanzi.trust.services.cases import apply_action, hold_reviews
from tests.payments.test_concurrency_pg import run_together
from tests.referrals.test_suspension import complete, paid_with_commission
from tests.referrals.withdrawal_helpers import earn, make_cast
from tests.trust.case_helpers import fresh, make_world, open_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_cases_restoring_one_review_at_once_never_leave_it_held():
    # given a review two open cases hold
    w = make_world()
    shared = w.ring_reviews[0]
    other = open_case(w.store, [w.ring[0]], [shared], [w.product])
    hold_reviews(other, None, "second ring")
    # when both cases are restored at the same instant
    cases = [w.case.pk, other.pk]
    results = run_together(2, lambda i: apply_action(w.operator, cases[i], "restore", "real"))
    # then the review is shown again: whichever came second saw the first's release
    assert not [r for r in results if isinstance(r, Exception)]
    assert fresh(shared).moderation == Moderation.VISIBLE
    w.product.refresh_from_db()
    assert (w.product.rating_sum, w.product.rating_count) == (18, 4)


def test_an_operator_s_hide_during_a_restore_is_never_undone():
    w = make_world()
    target = w.ring_reviews[0]

    def step(i: int) -> object:
        if i == 0:
            return apply_action(w.operator, w.case.pk, "restore", "real")
        return set_hidden(target.pk, True)

    results = run_together(2, step)
    assert not [r for r in results if isinstance(r, Exception)]
    # the hide came last or first; either way it stands
    assert fresh(target).moderation == Moderation.HIDDEN
    w.product.refresh_from_db()
    assert (w.product.rating_sum, w.product.rating_count) == (3 + 10, 3)


def test_lifting_a_suspension_while_the_order_completes_releases_the_commission_once():
    cast = make_cast()
    order = paid_with_commission(cast.store, cast.promoter, 500)
    suspend_commissions(cast.store, cast.promoter, True, "ring")

    def step(i: int) -> object:
        if i == 0:
            return suspend_commissions(cast.store, cast.promoter, False, "cleared")
        complete(order)
        return None

    results = run_together(2, step)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Commission.objects.get(order=order).status == CommissionStatus.AVAILABLE
    assert check_ledger() == []


def test_a_suspension_and_a_withdrawal_request_at_once():
    cast = make_cast()
    earn(cast.store, cast.promoter, 1000)

    def step(i: int) -> object:
        if i == 0:
            return suspend_commissions(cast.store, cast.promoter, True, "ring")
        return request_withdrawal(cast.promoter, cast.store.pk, 300)

    results = run_together(2, step)
    # either the request came first (it waits for the store, which cannot approve it now) or it
    # was refused: never a withdrawal that began after the suspension
    request = results[1]
    if isinstance(request, Conflict):
        assert request.code == "commissions_suspended"
        assert not Withdrawal.objects.exists()
    else:
        assert isinstance(request, Withdrawal)
    assert check_ledger() == []
