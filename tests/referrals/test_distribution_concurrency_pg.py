"""Distribution races that need PostgreSQL's row locks: a commission frozen twice at once, and
two binds that would close a cycle between them."""

from __future__ import annotations

import pytest

from quanzi.ledger.models import Transaction
from quanzi.ledger.services import check_ledger
from quanzi.orders.services.payment_events import on_payment_captured
from quanzi.orders.services.postings import record_capture
from quanzi.referrals.models import BindingMode, Commission, DistributionConfig
from quanzi.referrals.services.distribution import bind, freeze_commissions, promoter_of
from tests.factories import UserFactory, store_with_owner
from tests.payments.helpers import make_order
from tests.payments.test_concurrency_pg import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_freezes_of_one_order_post_once():
    # given a paid order of a buyer bound to a promoter (10 %)
    store = store_with_owner()
    DistributionConfig.objects.create(store=store, enabled=True, level1_rate_bp=1000)
    buyer, promoter = UserFactory(), UserFactory()
    bind(buyer.pk, store.pk, promoter.pk)
    order = make_order(buyer, store, total=5900)
    record_capture(provider="sandbox", payment_id="pay1", parts=[(store.pk, order.pk, 5900)])
    on_payment_captured(order.pk, "pay1")
    # when the commission is frozen by six workers at once
    results = run_together(6, lambda i: freeze_commissions(order.pk))
    # then none failed and one commission was posted once
    assert not [r for r in results if isinstance(r, Exception)]
    assert Commission.objects.get(order=order).amount == 590
    assert Transaction.objects.filter(kind="commission.frozen").count() == 1
    assert check_ledger() == []


def test_concurrent_opposite_binds_never_make_a_cycle():
    # given a last-touch store and two unbound users
    store = store_with_owner()
    DistributionConfig.objects.create(
        store=store, enabled=True, binding_mode=BindingMode.LAST_TOUCH
    )
    a, b = UserFactory(), UserFactory()
    # when A → B and B → A are bound at the same time
    run_together(2, lambda i: bind(a.pk, store.pk, b.pk) if i else bind(b.pk, store.pk, a.pk))
    # then exactly one of them holds
    bound = [promoter_of(a.pk, store.pk), promoter_of(b.pk, store.pk)]
    assert sorted(x is not None for x in bound) == [False, True]
