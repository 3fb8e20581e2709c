"""The report end to end: orders paid (and refunded) through the real services before, inside
and after the attribution window, at this store and another; the figures per group on the
service, the page and the API agree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from quanzi.outreach.models import Group, OutreachMember
from quanzi.outreach.services import sending
from quanzi.outreach.services.report import report_of
from tests.factories import (
    AddressFactory,
    ProductFactory,
    SkuFactory,
    UserFactory,
    store_with_owner,
)
from tests.outreach.conftest import Reach, paid_order, refund

pytestmark = pytest.mark.django_db

TOTAL = 5900 + 800  # the coffee and its shipping


def test_the_report_counts_paid_orders_in_the_window_net_of_refunds(
    reach: Reach, draft, django_capture_on_commit_callbacks: Any
):
    oncommit = django_capture_on_commit_callbacks
    shop = reach.shop
    # given a coupon outreach sent to the circle's 20 members, 5 held out
    sent = sending.send_to_audience(
        reach.owner, draft(holdout_percent=25), [m.pk for m in reach.members], seed=17
    )
    groups = dict(OutreachMember.objects.filter(outreach=sent).values_list("user_id", "group"))
    by_pk = {m.pk: m for m in reach.members}
    reached = [by_pk[pk] for pk, g in sorted(groups.items()) if g == Group.REACHED]
    held = [by_pk[pk] for pk, g in sorted(groups.items()) if g == Group.HOLDOUT]
    assert (len(reached), len(held)) == (15, 5)
    assert sent.sent_at is not None
    day = sent.sent_at + timedelta(days=1)
    # and orders: two reached buyers inside the window, one of them twice and refunded ¥10.00
    a = paid_order(shop, reached[0], day, oncommit)
    paid_order(shop, reached[0], day + timedelta(hours=2), oncommit)
    paid_order(shop, reached[1], day + timedelta(days=5), oncommit)
    refund(shop, a, 1000, oncommit)
    # one held-out buyer inside it
    paid_order(shop, held[0], day, oncommit)
    # and what does not count: before sending, after the 7 days, at another store
    paid_order(shop, reached[2], sent.sent_at - timedelta(hours=1), oncommit)
    paid_order(shop, reached[3], sent.sent_at + timedelta(days=7, minutes=1), oncommit)
    elsewhere = store_with_owner(UserFactory())
    sku = SkuFactory(product=ProductFactory(store=elsewhere), price=9900, stock=5)
    import time_machine

    from quanzi.orders.services.checkout import place_orders
    from tests.orders.conftest import pay_through_sandbox

    with time_machine.travel(day, tick=False):
        far = place_orders(held[1], [(sku.pk, 1)], AddressFactory(user=held[1]).pk)[0]
        pay_through_sandbox(far, oncommit)

    # when the report is read
    report = report_of(sent)
    assert report is not None
    # then the reached: 15 members, 2 bought, 3 orders, GMV 3 × ¥67.00 − ¥10.00
    assert (report.reached.members, report.reached.converters, report.reached.orders) == (15, 2, 3)
    assert report.reached.gmv.total == 3 * TOTAL - 1000
    # and the held out: 5 members, 1 bought, GMV ¥67.00
    assert (report.holdout.members, report.holdout.converters) == (5, 1)
    assert report.holdout.gmv.total == TOTAL
    # and the lift is the difference of the rates, 2/15 − 1/5, with an interval around it
    assert report.lift.conversion.estimate == pytest.approx(2 / 15 - 1 / 5)
    assert report.lift.conversion.covers_zero
    assert report.lift.gmv_per_member.estimate == pytest.approx((3 * TOTAL - 1000) / 15 - TOTAL / 5)
    assert report.lift.incremental_gmv.estimate == pytest.approx(
        report.lift.gmv_per_member.estimate * 15
    )

    # and the page says so, side by side, "not significant yet", counted as assigned
    client = Client()
    client.force_login(reach.owner)
    page = client.get(f"/outreach/console/{reach.store_id}/{sent.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="reached-members">15<' in html
    assert 'data-testid="holdout-converters">1<' in html
    assert 'data-testid="not-significant"' in html and 'data-testid="itt-note"' in html
    assert 'id="outreach-chart"' in html and "<script>" not in html
    listing = client.get(f"/outreach/console/{reach.store_id}/").content.decode()
    assert 'data-testid="outreach-lift"' in listing

    # and the API answers the same figures
    api = client.get(f"/api/v1/outreach/{reach.store_id}/outreaches/{sent.pk}/report").json()
    assert api["reached"]["converters"] == 2 and api["reached"]["gmv"] == 3 * TOTAL - 1000
    assert api["holdout"]["members"] == 5 and api["holdout"]["gmv"] == TOTAL
    assert api["lift"]["conversion"]["estimate"] == pytest.approx(2 / 15 - 1 / 5)
    assert api["lift"]["significant"] is False
    assert api["analysis"] == "intention_to_treat"
    assert api["outreach"]["seed"] == 17


def test_a_draft_has_no_report(reach: Reach, draft):
    outreach = draft()
    assert report_of(outreach) is None
    client = Client()
    client.force_login(reach.owner)
    answer = client.get(f"/api/v1/outreach/{reach.store_id}/outreaches/{outreach.pk}/report")
    assert answer.status_code == 409 and answer.json()["code"] == "outreach_not_sent"
    page = client.get(f"/outreach/console/{reach.store_id}/{outreach.pk}/")
    assert page.status_code == 200
    assert 'data-testid="preview-size">20<' in page.content.decode()
