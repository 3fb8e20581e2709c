"""Flash-sale (秒杀) benchmark: the database path against the Redis fast path, side by side.

`flash()` (called by `python -m bench`) creates a scratch PostgreSQL database, migrates it and
runs a child process (`python -m bench.flash run …`) that, for each path, opens a slot of
`units` units (limit 1 per person) and lets `buyers` customers each make one attempt, spread
over `threads` worker threads calling the service function `buy_flash_sale` (as the race tests
do). It reports attempts/s over the whole burst, orders/s until the last order (the time to
sell out), the refusals by reason, and the
oversell: orders beyond the slot's units plus buyers holding more than the limit (must be 0).
The third path, `redis_reconciling`, is the Redis path with another thread rebuilding the slot's
Redis counters over and over during the burst (as the reconciliation at a slot's start does
while buyers are already in); for the Redis paths `redis_drift` is Redis's stock minus the
database's once the burst is over (must be 0: the rebuild counts reservations in flight).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.harness import PYTHON, ROOT, bench_env, machine, manage, scratch_database

PATHS = ("database", "redis", "redis_reconciling")


def flash(
    units: int, buyers: int, threads: int, postgres_url: str, redis_url: str | None
) -> dict[str, Any]:
    """Migrate a scratch database, run both paths in a child process, return the result."""
    with (
        scratch_database(postgres_url, "quanzi_bench_flash") as database_url,
        tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp,
    ):
        env = bench_env(Path(tmp), database_url)
        manage(env, "migrate", "--noinput")
        args = ["--units", str(units), "--buyers", str(buyers), "--threads", str(threads)]
        if redis_url:
            args += ["--redis-url", redis_url]
        out = subprocess.run(
            [PYTHON, "-m", "bench.flash", "run", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        results = json.loads(out.stdout)
    return {
        "suite": "flash",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {
            "database": "PostgreSQL",
            "units": units,
            "buyers": buyers,
            "threads": threads,
            "per_user_limit": 1,
            "redis": bool(redis_url),
        },
        "results": results,
    }


# --- Child: one burst per path ---------------------------------------------------------------


def _log(message: str) -> None:
    print(f"flash: {message}", file=sys.stderr, flush=True)


def crowd(n: int) -> list[Any]:
    """`n` customers, each with a default address, written in bulk (the race tests use it too)."""
    from quanzi.accounts.models import Address, User
    from quanzi.core.ids import new_id

    users = User.objects.bulk_create(
        User(username=f"fan{i}", nickname=f"粉丝{i}", public_id=new_id(), password="!")
        for i in range(n)
    )
    Address.objects.bulk_create(
        Address(
            user=user,
            recipient="张三",
            phone="13912345678",
            province="云南省",
            city="昆明市",
            detail="翠湖路 1 号",
            is_default=True,
        )
        for user in users
    )
    return users


def _shop(buyers: int) -> tuple[Any, Any, list[Any]]:
    """A store with its owner, a SKU and `buyers` customers with default addresses."""
    from quanzi.accounts.models import User
    from quanzi.catalog.models import Product, Sku
    from quanzi.core.ids import new_id
    from quanzi.stores.models import StaffRole, Store, StoreStaff

    owner = User.objects.create(username="bench_owner", public_id=new_id(), password="!")
    store = Store.objects.create(name="秒杀压测小店")
    StoreStaff.objects.create(store=store, user=owner, role=StaffRole.OWNER)
    product = Product.objects.create(store=store, title="云南小粒咖啡豆 秒杀", on_shelf=True)
    sku = Sku.objects.create(product=product, price=5900, stock=0, spec_values={"重量": "250g"})
    return owner, sku, crowd(buyers)


def _burst(
    owner: Any, sku: Any, users: list[Any], units: int, threads: int, reconciling: bool = False
) -> dict[str, Any]:
    """One slot of `units`, one attempt per user over `threads` threads (with `reconciling`,
    plus a thread rebuilding the slot's Redis counters until the attempts are over); what
    happened."""
    from django.db import connection
    from django.utils import timezone

    from quanzi.campaigns.flashsales import services
    from quanzi.campaigns.flashsales.models import FlashSale
    from quanzi.core.errors import DomainError
    from quanzi.orders.models import Order

    now = timezone.now()
    sale = services.create_flash_sale(
        owner,
        sku.product.store_id,
        services.FlashSaleFields(
            sku_id=sku.pk,
            flash_price=990,
            stock=units,
            per_user_limit=1,
            starts_at=now,
            ends_at=now + timedelta(hours=1),
        ),
    )
    if services.fast.enabled():
        services.reconcile_flash_sale(sale.pk)  # loaded before the burst, as at a slot's start
    todo: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for user in users:
        todo.put(user)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1 + reconciling)
    last_order = [0.0]

    def worker() -> None:
        seen: Counter[str] = Counter()
        try:
            barrier.wait()
            while True:
                try:
                    user = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    services.buy_flash_sale(user, sale.pk)
                    seen["order"] += 1
                    done = time.perf_counter()
                    with lock:
                        last_order[0] = max(last_order[0], done)
                except DomainError as exc:
                    seen[exc.code] += 1
                except Exception:  # counted, never hidden: the table shows errors
                    seen["error"] += 1
        finally:
            connection.close()
            with lock:
                outcomes.update(seen)

    over = threading.Event()
    rebuilds = [0]

    def reconciler() -> None:
        try:
            barrier.wait()
            while not over.is_set():
                services.reconcile_flash_sale(sale.pk)
                rebuilds[0] += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    if reconciling:
        pool.append(threading.Thread(target=reconciler))
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool[:threads]:
        thread.join()
    elapsed = time.perf_counter() - started
    over.set()
    for thread in pool[threads:]:
        thread.join()
    sale = FlashSale.objects.get(pk=sale.pk)
    orders = Order.objects.filter(campaign=services.CAMPAIGN, campaign_ref=sale.pk)
    per_buyer = Counter(orders.values_list("buyer_id", flat=True))
    made = sum(per_buyer.values())
    over_limit = sum(1 for n in per_buyer.values() if n > 1)
    attempts = len(users)
    selling = last_order[0] - started if made else 0.0
    redis_figures: dict[str, Any] = {}
    if services.fast.enabled():
        counters = services.fast.read(sale.pk)
        redis_stock = counters[0]["stock"] if counters else sale.stock
        redis_figures = {"redis_drift": redis_stock - sale.stock}
        if reconciling:
            redis_figures["rebuilds_during_burst"] = rebuilds[0]
    return {
        "attempts": attempts,
        "seconds": round(elapsed, 3),
        "attempts_per_s": round(attempts / elapsed, 1),
        "orders": made,
        "sold_out_after_s": round(selling, 3),
        "orders_per_s": round(made / selling, 1) if selling else 0.0,
        "refused": {k: v for k, v in sorted(outcomes.items()) if k not in ("order", "error")},
        "errors": outcomes["error"],
        "stock_left": sale.stock,
        "oversell": max(0, made - units) + over_limit,
        "buyers_over_limit": over_limit,
        **redis_figures,
    }


def run(units: int, buyers: int, threads: int, redis_url: str | None) -> list[dict[str, Any]]:
    from django.conf import settings

    owner, sku, users = _shop(buyers)
    results = []
    for path in PATHS:
        on_redis = path.startswith("redis")
        if on_redis and not redis_url:
            _log(f"{path} path skipped: no Redis URL")
            continue
        settings.REDIS_URL = redis_url if on_redis else ""
        settings.FLASHSALES_REDIS_PREFIX = f"bench-{uuid.uuid4().hex[:8]}:"
        _log(f"{path} path: {buyers} attempts on {units} units over {threads} threads")
        burst = _burst(owner, sku, users, units, threads, reconciling=path == "redis_reconciling")
        results.append({"path": path, **burst})
        if on_redis:
            from quanzi.campaigns.flashsales import fast

            client = fast.client()
            stale = list(client.scan_iter(match=f"{settings.FLASHSALES_REDIS_PREFIX}*"))
            if stale:
                client.delete(*stale)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flash")
    sub = parser.add_subparsers(dest="step", required=True)
    one = sub.add_parser("run")
    one.add_argument("--units", type=int, required=True)
    one.add_argument("--buyers", type=int, required=True)
    one.add_argument("--threads", type=int, required=True)
    one.add_argument("--redis-url", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    import django

    django.setup()
    results = run(args.units, args.buyers, args.threads, args.redis_url or None)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
