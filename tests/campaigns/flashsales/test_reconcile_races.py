"""Reconciliation racing purchases, failed attempts and cancellations (issue 9, point 11).

Before the fix, `reconcile_flash_sale` copied the database into Redis while reservations were in
flight: a purchase taken in Redis but not yet committed was forgotten (and committed afterwards:
Redis one unit over), a failed attempt's give-back or a cancellation's give-back landed on top of
a rebuild that already counted it (one unit over each). After a sell-out Redis was seen at 20,
4, 10 and 3 units with the database at 0. These tests put each interleaving in order, then let
many buyers race a reconciler that runs over and over; afterwards Redis holds exactly what the
database holds.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from bench.flash import crowd
from quanzi.accounts.models import User
from quanzi.campaigns.flashsales import fast, services
from quanzi.campaigns.flashsales.models import FlashClaim, FlashQuota, FlashSale
from quanzi.core.errors import Conflict, DomainError
from quanzi.orders.models import Order
from quanzi.orders.services.transitions import cancel_order
from tests.campaigns.flashsales.conftest import MakeSale
from tests.campaigns.flashsales.test_races_pg import run_pool
from tests.factories import UserFactory
from tests.orders.conftest import Shop

pytestmark = [pytest.mark.redis]


def redis_state(sale: FlashSale) -> tuple[int, dict[int, int]]:
    """(units left, units per user) as Redis holds them."""
    state = fast.read(sale.pk)
    assert state is not None
    return state[0]["stock"], state[1]


def database_state(sale: FlashSale) -> tuple[int, dict[int, int]]:
    """(units left, units per user) as the database holds them."""
    sale.refresh_from_db()
    quotas = FlashQuota.objects.filter(sale=sale, claimed__gt=0)
    return sale.stock, dict(quotas.values_list("user_id", "claimed"))


# --- Each interleaving in order --------------------------------------------------------------


@pytest.mark.django_db
def test_a_cancellation_reconciled_before_its_redis_give_back_is_not_given_back_twice(
    shop: Shop, make_sale: MakeSale, django_capture_on_commit_callbacks: Any
):
    # given the buyer holds the only unit
    sale = make_sale(stock=1)
    order = services.buy_flash_sale(shop.buyer, sale.pk)
    # when the order is cancelled and a reconciliation runs between the database's give-back
    # and Redis's (the give-back waits for the commit)
    with django_capture_on_commit_callbacks() as after_commit:
        cancel_order(shop.buyer, order.pk)
    with django_capture_on_commit_callbacks() as give_back:
        for callback in after_commit:
            callback()  # order_cancelled: the database gives the unit back
    services.reconcile_flash_sale(sale.pk)
    for callback in give_back:
        callback()  # then Redis's give-back
    # then Redis holds the one unit the database holds, not two
    assert database_state(sale) == (1, {})
    assert redis_state(sale) == (1, {})


@pytest.mark.django_db
def test_a_failed_attempt_reconciled_before_its_give_back_is_not_given_back_twice(
    shop: Shop, make_sale: MakeSale, monkeypatch: pytest.MonkeyPatch
):
    # given a slot in Redis and a customer without an address (the database path refuses them)
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    nomad = UserFactory()
    database_path = services._buy_in_db

    def refused_then_reconciled(*args: Any, **kwargs: Any) -> Any:
        try:
            return database_path(*args, **kwargs)
        except DomainError:
            services.reconcile_flash_sale(sale.pk)  # after the rollback, before the give-back
            raise

    monkeypatch.setattr(services, "_buy_in_db", refused_then_reconciled)
    # when they try: Redis takes a unit, the database refuses, a reconciliation runs, Redis
    # gets the unit back
    with pytest.raises(DomainError):
        services.buy_flash_sale(nomad, sale.pk)
    # then Redis holds the slot's 10 units, not 11
    assert database_state(sale) == (10, {})
    assert redis_state(sale) == (10, {})


class Paused:
    """Makes the first buyer stop inside its database transaction until `go` is set: in
    `place_campaign_order` (after its quota, before the slot's stock), or with `locked`, in
    `FlashClaim.objects.create` (after the slot's stock: it holds the slot's row)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, locked: bool = False) -> None:
        self.inside, self.go = threading.Event(), threading.Event()
        owner, name = (
            (FlashClaim.objects, "create") if locked else (services, "place_campaign_order")
        )
        step = getattr(owner, name)

        def paused(*args: Any, **kwargs: Any) -> Any:
            if not self.inside.is_set():
                self.inside.set()
                assert self.go.wait(timeout=60)
            return step(*args, **kwargs)

        monkeypatch.setattr(owner, name, paused)

    def buy_in_thread(self, user: User, slot_id: str) -> tuple[threading.Thread, list[Any]]:
        return in_thread(lambda: services.buy_flash_sale(user, slot_id), wait_for=self.inside)


def in_thread(
    job: Callable[[], Any], wait_for: threading.Event | None = None
) -> tuple[threading.Thread, list[Any]]:
    """Run `job` in a thread with its own connection; its result (or exception) lands in the
    list. With `wait_for`, return once that event is set."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(job())
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    if wait_for is not None:
        assert wait_for.wait(timeout=60)
    return thread, outcome


def waiting_for_a_lock(thread: threading.Thread) -> bool:
    """Wait until `thread` ends (False) or a connection to the test database waits for a lock
    (True)."""
    with connection.cursor() as cursor:
        while thread.is_alive():
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_purchase_in_flight_while_redis_is_rebuilt_is_counted_once(
    shop: Shop, make_sale: MakeSale, monkeypatch: pytest.MonkeyPatch
):
    # given a buyer whose unit Redis has taken and whose database transaction is under way
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    paused = Paused(monkeypatch)
    thread, outcome = paused.buy_in_thread(shop.buyer, sale.pk)
    # when Redis is rebuilt from the database now, then the purchase commits
    services.reconcile_flash_sale(sale.pk)
    paused.go.set()
    thread.join(timeout=60)
    # then the purchase went through and Redis counts it once, as the database does
    assert isinstance(outcome[0], Order)
    assert database_state(sale) == (9, {shop.buyer.pk: 1})
    assert redis_state(sale) == (9, {shop.buyer.pk: 1})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_started_while_a_purchase_holds_the_slot_waits_for_its_commit(
    shop: Shop, make_sale: MakeSale, monkeypatch: pytest.MonkeyPatch
):
    # given a buyer whose transaction has taken the slot's stock and not committed yet
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    paused = Paused(monkeypatch, locked=True)
    buying, outcome = paused.buy_in_thread(shop.buyer, sale.pk)
    # when a rebuild starts now (it waits for the slot's row), and then the purchase commits
    rebuilding, rebuilt = in_thread(lambda: services.reconcile_flash_sale(sale.pk))
    waited = waiting_for_a_lock(rebuilding)
    paused.go.set()
    buying.join(timeout=60)
    rebuilding.join(timeout=60)
    # then the rebuild had waited, and Redis counts the purchase once, as the database does
    assert isinstance(outcome[0], Order) and isinstance(rebuilt[0], dict)
    assert waited
    assert database_state(sale) == (9, {shop.buyer.pk: 1})
    assert redis_state(sale) == (9, {shop.buyer.pk: 1})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reservation_dropped_as_stale_refuses_its_purchase_cleanly(
    shop: Shop, make_sale: MakeSale, monkeypatch: pytest.MonkeyPatch, settings: Any
):
    # given a buyer whose unit Redis has taken, slow in its database transaction
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    paused = Paused(monkeypatch)
    thread, outcome = paused.buy_in_thread(shop.buyer, sale.pk)
    # when a rebuild finds the reservation older than the window and drops it, then the
    # purchase goes on
    settings.FLASHSALES_RESERVATION_SECONDS = 0
    assert services.reconcile_flash_sale(sale.pk)["in_flight"] == 0
    paused.go.set()
    thread.join(timeout=60)
    # then the purchase is refused (try again) and wrote nothing, and Redis agrees
    assert isinstance(outcome[0], Conflict) and outcome[0].code == "try_again"
    assert Order.objects.count() == 0
    assert database_state(sale) == (10, {})
    assert redis_state(sale) == (10, {})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slot_loaded_by_a_buyer_inside_a_transaction_does_not_deadlock_the_same_buyer(
    shop: Shop, make_sale: MakeSale, monkeypatch: pytest.MonkeyPatch
):
    # given a slot (2 per person) missing from Redis, and the buyer's first attempt, inside a
    # transaction as the API runs it, paused after it loaded the slot, before its quota
    sale = make_sale(per_user_limit=2)
    fast.forget(sale.pk)
    loaded, go = threading.Event(), threading.Event()
    take_quota = services._take_quota

    def paused(*args: Any, **kwargs: Any) -> None:
        if not loaded.is_set():
            loaded.set()
            assert go.wait(timeout=60)
        take_quota(*args, **kwargs)

    monkeypatch.setattr(services, "_take_quota", paused)

    def in_a_transaction() -> Order:
        with transaction.atomic():
            return services.buy_flash_sale(shop.buyer, sale.pk)

    first, first_outcome = in_thread(in_a_transaction, wait_for=loaded)
    # when the same buyer's second attempt goes through Redis and the database meanwhile
    second, second_outcome = in_thread(lambda: services.buy_flash_sale(shop.buyer, sale.pk))
    second_waited = waiting_for_a_lock(second)
    go.set()
    first.join(timeout=60)
    second.join(timeout=60)
    # then the second did not wait for the first's transaction (loading took no lock the
    # purchases take after the quota's), both bought, and Redis agrees with the database
    assert not second_waited
    assert isinstance(first_outcome[0], Order) and isinstance(second_outcome[0], Order)
    assert database_state(sale) == (8, {shop.buyer.pk: 2})
    assert redis_state(sale) == (8, {shop.buyer.pk: 2})


@pytest.mark.django_db
def test_a_purchase_its_outer_transaction_rolled_back_is_dropped_by_the_next_rebuild(
    shop: Shop, make_sale: MakeSale
):
    # given a purchase made inside an outer transaction that then rolled back
    sale = make_sale()
    services.reconcile_flash_sale(sale.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.buy_flash_sale(shop.buyer, sale.pk)
        raise RuntimeError("the caller failed after the purchase")
    # Redis still holds the unit (lower than the database, never higher)
    assert redis_state(sale) == (9, {shop.buyer.pk: 1})
    # when Redis is rebuilt
    services.reconcile_flash_sale(sale.pk)
    # then it holds what the database holds
    assert database_state(sale) == (10, {})
    assert redis_state(sale) == (10, {})


# --- Many buyers racing a reconciler ---------------------------------------------------------


class Reconciler:
    """A thread that reconciles one slot over and over until `stop()`; `seen` counts its runs
    (and any exception, by type: the tests assert there was none)."""

    def __init__(self) -> None:
        self.halt = threading.Event()
        self.seen: Counter[str] = Counter()
        self.thread: threading.Thread | None = None

    def start(self, slot_id: str) -> None:
        def loop() -> None:
            try:
                while not self.halt.is_set():
                    try:
                        services.reconcile_flash_sale(slot_id)
                        self.seen["runs"] += 1
                    except Exception as exc:
                        self.seen[type(exc).__name__] += 1
            finally:
                connection.close()

        self.thread = threading.Thread(target=loop)
        self.thread.start()

    def stop(self) -> None:
        self.halt.set()
        if self.thread is not None:
            self.thread.join(timeout=60)


@pytest.fixture
def reconciler() -> Iterator[Reconciler]:
    running = Reconciler()
    yield running
    running.stop()


UNITS = 60
BUYERS = 80
NOMADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_buyers_racing_a_reconciler_leave_redis_exactly_where_the_database_is(
    shop: Shop, make_sale: MakeSale, reconciler: Reconciler
):
    # given a 60-unit slot (2 per person), 80 customers who each want 2, some of whom cancel
    # and buy again, and 20 customers without an address whom the database path refuses
    sale = make_sale(stock=UNITS, per_user_limit=2)
    people = crowd(BUYERS)
    nomads = [UserFactory() for _ in range(NOMADS)]

    def buyer(user: User, index: int) -> Callable[[], Any]:
        def go() -> Any:
            outcomes = []
            for _ in range(2):
                try:
                    order = services.buy_flash_sale(user, sale.pk, 1 + (index % 2))
                    outcomes.append("order")
                    if index % 3 == 0:
                        cancel_order(user, order.pk)
                        outcomes.append("cancelled")
                except DomainError as exc:
                    outcomes.append(exc.code)
            return outcomes

        return go

    def nomad(user: User) -> Callable[[], Any]:
        return lambda: services.buy_flash_sale(user, sale.pk)

    jobs = [buyer(user, i) for i, user in enumerate(people)] + [nomad(u) for u in nomads]
    random.Random(9).shuffle(jobs)
    # when they all buy over 12 threads while another thread reconciles over and over, until
    # two thirds of them have started (what a reconciliation leaves must last: the next one
    # would be minutes later)
    reconciler.start(sale.pk)
    results = run_pool([*jobs[:66], reconciler.stop, *jobs[66:]], threads=12)
    # then nothing failed but the expected refusals, and the reconciler really raced them
    unexpected = [r for r in results if isinstance(r, BaseException)]
    assert [r for r in unexpected if not isinstance(r, DomainError)] == []
    assert set(reconciler.seen) == {"runs"} and reconciler.seen["runs"] > 1
    # and nothing was oversold: the live orders' units and the stock left make the slot
    live = FlashClaim.objects.filter(sale=sale, returned=False)
    per_buyer: Counter[int] = Counter()
    for user_id, quantity in live.values_list("user_id", "quantity"):
        per_buyer[user_id] += quantity
    stock, quotas = database_state(sale)
    assert stock + sum(per_buyer.values()) == UNITS
    assert max(per_buyer.values()) <= 2
    assert quotas == dict(per_buyer)
    # and Redis holds exactly the database's stock and units per user
    assert redis_state(sale) == (stock, quotas)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_a_sell_out_raced_by_reconciles_redis_refuses_without_the_database(
    shop: Shop, make_sale: MakeSale, reconciler: Reconciler, django_assert_num_queries: Any
):
    # given a 30-unit slot and 120 customers, each buying one unit, racing a reconciler that
    # stops before the slot sells out
    sale = make_sale(stock=30, per_user_limit=1)
    people = crowd(120)
    jobs: list[Callable[[], Any]] = [
        lambda u=u: services.buy_flash_sale(u, sale.pk) for u in people
    ]
    reconciler.start(sale.pk)
    results = run_pool([*jobs[:20], reconciler.stop, *jobs[20:]], threads=12)
    # when it has sold out
    assert sum(isinstance(r, Order) for r in results) == 30
    assert reconciler.seen["runs"] > 1
    assert database_state(sale)[0] == 0
    # then Redis says 0 too, and a late customer is refused by Redis alone
    assert redis_state(sale)[0] == 0
    late = UserFactory()
    with django_assert_num_queries(0), pytest.raises(Conflict) as refused:
        services.buy_flash_sale(late, sale.pk)
    assert refused.value.code == "sold_out"
