"""A promoter's commissions name the order by its number (issue 11, point 8), on the promoter
centre and in its API, beside the order's id; commissions and withdrawals read their status in
the caller's language beside its code."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.models import DistributionConfig
from quanzi.referrals.services.distribution import bind, freeze_commissions
from quanzi.referrals.services.withdrawals import request_withdrawal
from tests.factories import UserFactory
from tests.payments.helpers import make_order
from tests.referrals.withdrawal_helpers import earn
from tests.referrals.withdrawal_helpers import make_cast as wmake_cast
from tests.stores.roles import make_cast

pytestmark = pytest.mark.django_db


def _commission():
    """A's bound customer paid a ¥100 order: A earns a frozen level 1 commission."""
    cast = make_cast()
    DistributionConfig.objects.create(store=cast.store, enabled=True, level1_rate_bp=1000)
    a, buyer = cast.customer, UserFactory()
    bind(buyer.pk, cast.store.pk, a.pk)
    order = make_order(buyer, cast.store, total=10000)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=order.created_at)
    freeze_commissions(order.pk)
    order.refresh_from_db()
    return cast, a, order


def test_the_centre_page_names_the_commissions_order_by_number():
    # given A's commission on an order
    cast, a, order = _commission()
    browser = Client()
    browser.force_login(a)
    # when A opens the promoter centre
    html = browser.get(f"/promote/{cast.store.pk}/").content.decode()
    # then the commission row names the order by its number, not its id
    assert f'data-testid="commission-order">{order.number}<' in html
    assert order.pk not in html


def test_the_centre_api_gives_the_number_beside_the_id(api):
    # given A's commission on an order
    cast, a, order = _commission()
    # when A reads the centre through the API
    [row] = api(a).get(f"referrals/stores/{cast.store.pk}/centre").json()["commissions"]
    # then the row carries the order's id and its number, its status's code and label
    assert (row["order_id"], row["order_number"]) == (order.pk, order.number)
    assert (row["status"], row["status_label"]) == ("frozen", "冻结中")


def test_a_withdrawal_reads_its_status_in_the_callers_language(api):
    # given a promoter's withdrawal waiting for review
    cast = wmake_cast(withdrawal_fee_bp=100)
    earn(cast.store, cast.promoter, 1000)
    request_withdrawal(cast.promoter, cast.store.pk, 300)
    # when the promoter lists their withdrawals in Chinese
    base = f"referrals/stores/{cast.store.pk}/withdrawals"
    [row] = api(cast.promoter).get(base, headers={"Accept-Language": "zh-hans"}).json()["items"]
    # then the status keeps its code and reads as a label
    assert (row["status"], row["status_label"]) == ("pending", "待审核")
