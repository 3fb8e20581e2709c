"""Suspending a ring's promoter commissions from a case: who the ring's promoters are, the
commissions really held (not released at completion, no withdrawal) and released on restore or
dismissal through the ledger; a promoter two cases suspend stays suspended until both let go."""

from __future__ import annotations

import pytest

from quanzi.core.errors import Conflict
from quanzi.ledger.services import check_ledger
from quanzi.referrals.errors import ReferralCode
from quanzi.referrals.models import Promoter, PromoterStatus
from quanzi.referrals.services.distribution import bind, promoter_balance
from quanzi.referrals.services.suspension import is_suspended
from quanzi.referrals.services.withdrawals import request_withdrawal
from quanzi.trust.models import ActionKind
from quanzi.trust.services.cases import apply_action
from tests.factories import UserFactory
from tests.referrals.test_suspension import complete, paid_with_commission
from tests.referrals.withdrawal_helpers import earn, make_cast
from tests.trust.case_helpers import open_case

pytestmark = pytest.mark.django_db


def ring_at(cast):
    """A self-dealing loop at the cast's store: the promoter is an approved promoter and a
    member of the ring, two members are bound to them, and a third member is bound to an
    outside promoter; an honest promoter of the store has nothing to do with it."""
    Promoter.objects.create(store=cast.store, user=cast.promoter, status=PromoterStatus.APPROVED)
    team = [UserFactory(), UserFactory()]
    for buyer in team:
        bind(buyer.pk, cast.store.pk, cast.promoter.pk)
    outsider_promoter, recruit = UserFactory(), UserFactory()
    bind(recruit.pk, cast.store.pk, outsider_promoter.pk)
    members = [cast.promoter, *team, recruit]
    case = open_case(cast.store, members, [], [])
    return case, outsider_promoter


def test_suspending_suspends_the_members_who_promote_and_the_promoters_they_are_bound_to():
    cast = make_cast()
    case, outsider_promoter = ring_at(cast)
    honest = UserFactory()
    Promoter.objects.create(store=cast.store, user=honest, status=PromoterStatus.APPROVED)
    done = apply_action(_operator(), case.pk, "suspend_commissions", "loop")
    assert done.kind == ActionKind.SUSPEND
    assert sorted(pair[1] for pair in done.detail["promoters"]) == sorted(
        [cast.promoter.pk, outsider_promoter.pk]
    )
    assert is_suspended(cast.store.pk, cast.promoter.pk)
    assert is_suspended(cast.store.pk, outsider_promoter.pk)
    assert not is_suspended(cast.store.pk, honest.pk)


def _operator():
    return UserFactory(is_staff=True)


def test_suspended_commissions_are_really_held_and_restoring_releases_them():
    # given the ring's promoter with ¥10.00 available and ¥5.00 frozen on an open order
    cast = make_cast()
    case, _ = ring_at(cast)
    operator = _operator()
    earn(cast.store, cast.promoter, 1000)
    order = paid_with_commission(cast.store, cast.promoter, 500)
    # when the operator suspends the ring's commissions and the order then completes
    apply_action(operator, case.pk, "suspend_commissions", "self-dealing loop")
    complete(order)
    # then the ¥5.00 stays frozen and the promoter cannot withdraw what was available
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.frozen, balance.available) == (500, 1000)
    with pytest.raises(Conflict) as refused:
        request_withdrawal(cast.promoter, cast.store.pk, 100)
    assert refused.value.code == ReferralCode.COMMISSIONS_SUSPENDED
    assert check_ledger() == []
    # when the operator restores them
    done = apply_action(operator, case.pk, "restore_commissions", "the loop was explained")
    # then what completed meanwhile is released and withdrawals are open again
    assert done.detail == {"freed": 2, "released": 500}
    balance = promoter_balance(cast.store.pk, cast.promoter.public_id)
    assert (balance.frozen, balance.available) == (0, 1500)
    request_withdrawal(cast.promoter, cast.store.pk, 100)
    assert check_ledger() == []


def test_dismissing_the_case_lifts_its_suspensions():
    cast = make_cast()
    case, _ = ring_at(cast)
    operator = _operator()
    order = paid_with_commission(cast.store, cast.promoter, 300)
    apply_action(operator, case.pk, "suspend_commissions", "loop")
    complete(order)
    done = apply_action(operator, case.pk, "dismiss", "no ring after all")
    assert done.detail["released"] == 300
    assert not is_suspended(cast.store.pk, cast.promoter.pk)
    assert promoter_balance(cast.store.pk, cast.promoter.public_id).available == 300
    assert check_ledger() == []


def test_a_promoter_two_cases_suspend_stays_suspended_until_both_restore():
    cast = make_cast()
    first, _ = ring_at(cast)
    second = open_case(cast.store, [cast.promoter], [], [])
    operator = _operator()
    apply_action(operator, first.pk, "suspend_commissions", "ring one")
    apply_action(operator, second.pk, "suspend_commissions", "ring two")
    apply_action(operator, first.pk, "restore_commissions", "ring one cleared")
    assert is_suspended(cast.store.pk, cast.promoter.pk)
    apply_action(operator, second.pk, "restore_commissions", "ring two cleared")
    assert not is_suspended(cast.store.pk, cast.promoter.pk)


def test_restoring_commissions_a_case_never_suspended_changes_nothing():
    cast = make_cast()
    case, _ = ring_at(cast)
    done = apply_action(_operator(), case.pk, "restore_commissions", "nothing to lift")
    assert done.detail == {"freed": 0, "released": 0}
