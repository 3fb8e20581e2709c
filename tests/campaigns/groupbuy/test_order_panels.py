"""A group-buy order on the buyer's order pages (the group buy's `orders.panels` provider): the
group forming with N more needed, its countdown, members and invite link; then how it ended."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quanzi.campaigns.groupbuy import services
from quanzi.campaigns.groupbuy.panels import order_panels
from quanzi.orders.models import Order
from tests.campaigns.groupbuy.conftest import Deal, customer
from tests.campaigns.groupbuy.test_pages import client_for
from tests.campaigns.groupbuy.test_services import time_travel

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_a_paid_seat_of_a_forming_group_shows_who_is_missing_on_both_order_pages(
    deal: Deal, paid: Any
):
    # given 阿丽 opened and paid a group of three, and 小美 joined and paid
    ali = customer("阿丽")
    seat = services.open_group(ali, deal.campaign.pk, deal.sku.pk)
    paid(seat)
    paid(services.join_group(customer("小美"), seat.group.pk, deal.sku.pk))
    client = client_for(ali)
    # when 阿丽 opens her order and her order list, in English and in Chinese
    detail = client.get(f"/orders/{seat.order.pk}/", **EN).content.decode()
    listed = client.get("/orders/", **EN).content.decode()
    chinese = client.get(f"/orders/{seat.order.pk}/", **ZH).content.decode()
    # then both say the group needs one more, with a countdown, the members and an invite link
    for html in (detail, listed):
        assert 'data-testid="group-panel" data-state="forming"' in html
        assert "Group forming · 1 more needed" in html
        assert 'data-testid="group-panel-countdown" data-seconds-left="' in html
        assert html.count('data-testid="group-member"') == 2 and "小美" in html
        assert f'href="/groupbuy/g/{seat.group.pk}/" data-testid="group-invite"' in html
        # the countdown's script and the avatars' styles are linked, never inline
        assert "groupbuy/groupbuy.js" in html and "groupbuy/groupbuy.css" in html
        assert "Awaiting the group" in html
    assert "拼团中 · 还差 1 人" in chinese
    assert "<script>" not in detail and 'style="' not in detail


def test_an_unpaid_seat_and_an_ordinary_order_show_no_group_panel(deal: Deal):
    # given a group whose opener has not paid yet
    ali = customer()
    seat = services.open_group(ali, deal.campaign.pk, deal.sku.pk)
    # when she opens the order
    html = client_for(ali).get(f"/orders/{seat.order.pk}/", **EN).content.decode()
    # then the order page offers payment and no group panel, and nothing is linked for it
    assert 'data-testid="pay"' in html
    assert 'data-testid="group-panel"' not in html and "groupbuy.js" not in html


def test_completion_flips_the_panel_to_group_complete(deal: Deal, paid: Any):
    # given a group of three whose last member pays
    ali = customer()
    seat = services.open_group(ali, deal.campaign.pk, deal.sku.pk)
    paid(seat)
    for _ in range(2):
        paid(services.join_group(customer(), seat.group.pk, deal.sku.pk))
    # when 阿丽 opens her order
    client = client_for(ali)
    html = client.get(f"/orders/{seat.order.pk}/", **EN).content.decode()
    chinese = client.get("/orders/", **ZH).content.decode()
    # then it says the group is complete, and the order waits to ship as any other
    assert 'data-state="complete"' in html and "Group complete" in html
    assert "Group forming" not in html and "Awaiting the group" not in html
    assert "拼团成功" in chinese


def test_failure_shows_the_refund_as_it_really_stands(
    deal: Deal, paid: Any, django_capture_on_commit_callbacks: Any
):
    # given a group whose time runs out with one paid member, then the refund completes
    ali = customer()
    seat = services.open_group(ali, deal.campaign.pk, deal.sku.pk)
    paid(seat)
    time_travel(seat.group, 25)
    client = client_for(ali)
    # when the order list is read before the refund's webhook arrives (it settles the group)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        waiting = client.get("/orders/", **EN).content.decode()
    # and once the refund went through
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    refunded = Order.objects.get(pk=seat.order.pk)
    assert refunded.refunded_amount == refunded.total
    done = client.get(f"/orders/{seat.order.pk}/", **ZH).content.decode()
    # then it said the refund was on its way, and now says the group failed and was refunded
    assert 'data-state="refunding"' in waiting and "Group failed · refund on its way" in waiting
    assert 'data-state="refunded"' in done and "拼团失败 · 已退款" in done


def test_the_provider_answers_many_orders_in_constant_queries(deal: Deal, paid: Any):
    # given a buyer with a seat in one group, then seats in four groups
    ali = customer()
    for _ in range(4):
        paid(services.open_group(ali, deal.campaign.pk, deal.sku.pk))
        deal.campaign.per_user_limit += 1
        deal.campaign.save(update_fields=["per_user_limit"])
    orders = list(Order.objects.filter(buyer=ali))
    # when the panels of one order and of four are rendered
    with CaptureQueriesContext(connection) as one:
        single = order_panels(orders[:1])
    with CaptureQueriesContext(connection) as four:
        many = order_panels(orders)
    # then each order has its panel, for the same number of queries
    assert len(single) == 1 and set(many) == {o.pk for o in orders}
    assert len(four.captured_queries) == len(one.captured_queries) == 2


def test_the_order_list_costs_the_same_with_more_group_orders(deal: Deal, paid: Any):
    ali = customer()
    client = client_for(ali)
    deal.campaign.per_user_limit = 9
    deal.campaign.save(update_fields=["per_user_limit"])
    paid(services.open_group(ali, deal.campaign.pk, deal.sku.pk))
    client.get("/orders/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/orders/").status_code == 200
    for _ in range(3):
        paid(services.open_group(ali, deal.campaign.pk, deal.sku.pk))
    with CaptureQueriesContext(connection) as big:
        html = client.get("/orders/").content.decode()
    assert html.count('data-testid="group-panel"') == 4
    assert len(big.captured_queries) == len(small.captured_queries)


def test_strangers_never_see_a_group_panel(deal: Deal, paid: Any):
    seat = services.open_group(customer(), deal.campaign.pk, deal.sku.pk)
    paid(seat)
    assert Client().get(f"/orders/{seat.order.pk}/").status_code == 302
    assert client_for(customer()).get(f"/orders/{seat.order.pk}/").status_code == 404
