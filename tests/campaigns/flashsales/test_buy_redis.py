"""Flash sales through the Redis fast path: the Lua script takes stock and quota together,
refusals never reach the database, failures give the reservation back, and reconciliation
rebuilds Redis from the database after a crash."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from quanzi.campaigns.flashsales import fast, services
from quanzi.campaigns.flashsales.models import FlashSale
from quanzi.campaigns.flashsales.tasks import reconcile_flash_sale_task
from quanzi.core.errors import Conflict, InvalidInput
from quanzi.core.ids import new_id
from quanzi.orders.models import Order
from quanzi.orders.services.transitions import cancel_order
from tests.campaigns.flashsales.conftest import MakeSale
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def in_redis(sale: FlashSale) -> tuple[int, dict[int, int]]:
    state = fast.read(sale.pk)
    assert state is not None
    return state[0]["stock"], state[1]


def test_a_purchase_takes_stock_and_quota_in_redis_and_the_database(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks
):
    # given a slot loaded into Redis when it was created
    with django_capture_on_commit_callbacks(execute=True):
        sale = make_sale()
    assert in_redis(sale) == (10, {})
    # when the buyer buys
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # then Redis and the database agree
    sale.refresh_from_db()
    assert (order.campaign_ref, sale.stock) == (sale.pk, 9)
    assert in_redis(sale) == (9, {shop.buyer.pk: 1})


def test_an_attempt_redis_refuses_never_touches_the_database(
    shop: Shop, make_sale: MakeSale, django_assert_num_queries
):
    # given the buyer already holds their one unit
    sale = make_sale()
    services.buy_flash_sale(shop.buyer, sale.pk)
    # when they try again
    with django_assert_num_queries(0), pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.buyer, sale.pk)
    # then Redis alone refused it
    assert refused.value.code == "over_limit"
    assert Order.objects.count() == 1


def test_sold_out_in_redis_is_refused_without_queries(
    shop: Shop, make_sale: MakeSale, django_assert_num_queries
):
    # given a one-unit slot sold to the buyer
    sale = make_sale(stock=1)
    services.buy_flash_sale(shop.buyer, sale.pk)
    # when another customer tries
    with django_assert_num_queries(0), pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.other, sale.pk)
    # then it is sold out
    assert refused.value.code == "sold_out"


def test_a_database_failure_gives_the_redis_reservation_back(shop: Shop, make_sale: MakeSale):
    # given a customer without an address
    sale = make_sale()
    nomad = UserFactory()
    services.reconcile_flash_sale(sale.pk)
    # when they buy: Redis accepts, the database path refuses
    with pytest.raises(InvalidInput):
        services.buy_flash_sale(nomad, sale.pk)
    # then Redis got the unit and the quota back
    assert in_redis(sale) == (10, {})


def test_reconciliation_repairs_redis_after_a_crash_before_the_database_write(
    shop: Shop, make_sale: MakeSale, settings: Any
):
    # given a process crashed after the Lua script took a unit, before the database wrote it
    sale = make_sale(stock=1)
    services.reconcile_flash_sale(sale.pk)
    assert fast.take(sale.pk, shop.buyer.pk, 1, timezone.now().timestamp(), new_id()) == 1
    assert in_redis(sale) == (0, {shop.buyer.pk: 1})
    with pytest.raises(Conflict):
        services.buy_flash_sale(shop.other, sale.pk)  # Redis wrongly says sold out
    # and a reconciliation while the reservation may still be in flight keeps it
    services.reconcile_flash_sale(sale.pk)
    assert in_redis(sale) == (0, {shop.buyer.pk: 1})
    # when the reconciliation runs (the periodic command) once the reservation is stale
    settings.FLASHSALES_RESERVATION_SECONDS = 0
    call_command("reconcile_flash_sales", stdout=io.StringIO())
    # then Redis holds what the database holds, and the unit sells
    assert in_redis(sale) == (1, {})
    assert services.buy_flash_sale(shop.other, sale.pk).buyer_id == shop.other.pk
    assert in_redis(sale) == (0, {shop.other.pk: 1})


def test_a_slot_missing_from_redis_is_loaded_from_the_database_on_first_use(
    shop: Shop, make_sale: MakeSale
):
    # given a slot with one unit sold, then Redis lost its keys (a restart without persistence)
    sale = make_sale()
    services.buy_flash_sale(shop.buyer, sale.pk)
    fast.forget(sale.pk)
    # when the buyer tries again
    with pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.buyer, sale.pk)
    # then the reloaded counters still know their limit
    assert refused.value.code == "over_limit"
    assert in_redis(sale) == (9, {shop.buyer.pk: 1})


def test_a_cancelled_order_gives_back_in_redis_too(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks
):
    # given the buyer holds the only unit
    sale = make_sale(stock=1)
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # when they cancel it
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(shop.buyer, order.pk)
    # then Redis has the unit back and the other customer can buy it
    assert in_redis(sale) == (1, {})
    assert services.buy_flash_sale(shop.other, sale.pk).buyer_id == shop.other.pk


def test_switching_a_slot_off_stops_redis_at_once(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks
):
    # given a running slot in Redis
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    # when the owner switches it off
    with django_capture_on_commit_callbacks(execute=True):
        services.set_flash_sale_active(shop.owner, sale.pk, False)
    # then Redis refuses the buyer
    with pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.buyer, sale.pk)
    assert refused.value.code == "ended"


def test_the_reconcile_task_reloads_redis_and_repeats_while_the_slot_runs(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks, settings: Any
):
    # given a running slot whose Redis stock drifted (a crash took a unit, a while ago)
    sale = make_sale(stock=3)
    services.reconcile_flash_sale(sale.pk)
    fast.take(sale.pk, shop.buyer.pk, 1, timezone.now().timestamp(), new_id())
    settings.FLASHSALES_RESERVATION_SECONDS = 0
    default_task_backend.clear()  # type: ignore[attr-defined]
    queued: list[Any] = default_task_backend.results  # type: ignore[attr-defined]
    # when the task runs, twice (a doubled delivery)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_flash_sale_task.call(sale.pk) == 3
        assert reconcile_flash_sale_task.call(sale.pk) == 3
    # then Redis agrees with the database and the next runs are queued
    assert in_redis(sale) == (3, {})
    assert [(r.task.name, r.args) for r in queued] == [("reconcile_flash_sale_task", [sale.pk])] * 2
    # and once the slot is over it stops repeating
    FlashSale.objects.filter(pk=sale.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_flash_sale_task.call(sale.pk)
    assert [(r.task.name, r.args) for r in queued] == [("reconcile_flash_sale_task", [sale.pk])] * 2


def test_a_slot_long_over_is_refused_cleanly(shop: Shop, make_sale: MakeSale):
    # given a slot that ended two days ago (its Redis keys expire a day after the end)
    sale = make_sale()
    start = timezone.now() - timedelta(days=3)
    FlashSale.objects.filter(pk=sale.pk).update(starts_at=start, ends_at=start + timedelta(days=1))
    fast.forget(sale.pk)
    # when the buyer tries
    with pytest.raises(Conflict) as refused:
        services.buy_flash_sale(shop.buyer, sale.pk)
    # then it is over, with nothing written
    assert refused.value.code == "ended"
    assert Order.objects.count() == 0
