"""Merchant insights (issue 12) on PostgreSQL at size: the dashboard and cascade pages' server
time against a plain indexed count over the same period, and the cost of recording events on
the checkout path — all in one run, on one generated database.

`insights()` (called by `python -m bench --only insights`) creates a scratch database, migrates
it, then:

- `python -m bench.insights generate …` (a child process) loads one big store and four small
  ones: ~1 M paid orders over 90 days, their buyers, a forest of share links with visits,
  attributions and commissions, each paid order's touch (`insights_ordertouch`), three circles
  with members and messages, 10 M raw tracking events, and the daily rollups those events give,
  computed by SQL aggregation from the events (what `tracking.services.roll_up` would have
  written). Secondary indexes, unique constraints and foreign keys of the big tables are dropped
  during the load and rebuilt after it (as bench/feed.py does), then `VACUUM ANALYZE`.
- `python -m bench.insights measure …` (a child process) times the insights pages in process
  (Django's test client, the store's owner signed in: middleware, views, queries and templates)
  and the baseline query in the same rounds, and prints the figures as JSON.
- Checkout throughput: the real server (uvicorn, as `make run`) is started with
  `QUANZI_TRACKING=1` and with `QUANZI_TRACKING=0`, in alternating order, on the same database,
  and driven with buy-now order creation and add-to-cart against `/api/v1/health`, by `wrk`
  when it is on PATH (else bench.harness.run_load; the result says which).

Progress goes to stderr, the JSON result of a child to stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psycopg

from bench.harness import (
    PYTHON,
    ROOT,
    LoadResult,
    bench_env,
    machine,
    manage,
    peak_rss_mib,
    percentile,
    run_load,
    scratch_database,
    server,
)

if TYPE_CHECKING:
    from django.db.models import Model

SEED = 12
DAYS = 90
SMALL_STORES = 4
BIG_PRODUCTS = 200
SMALL_PRODUCTS = 10
ORDERS_PER_BUYER = 5  # buyers = orders / 5 (a power law: some buy often, most rarely)
SMALL_STORE_SHARE = 0.02  # of the orders, each small store
UNPAID_SHARE = 0.02  # orders cancelled before paying (no paid_at)
REFUNDED_SHARE = 0.03  # paid orders refunded in full
PARTLY_REFUNDED_SHARE = 0.02  # paid orders refunded in part
ATTRIBUTED_SHARE = 0.10  # the big store's paid orders attributed to a share link
ROOT_SHARE = 0.3  # share links that start a cascade (the rest reshare a link)
CHAINS, CHAIN_LENGTH = 10, 30  # person-to-person chains hung on the forest (deep cascades)
NOTES = 2000
CIRCLE_SIZES = (0.15, 0.05, 0.01)  # members of the big store's circles, as a share of buyers
MESSAGES_PER_MEMBER = 10
ID_CHARS = string.ascii_letters + string.digits
CODE_CHARS = string.ascii_lowercase + string.digits
BUY_PRODUCTS = 5  # the checkout store: 5 products × 4 SKUs
WARM_UP = 1  # passes over every page before the timings (the last one counts the queries)
STOCK = 1_000_000  # of each SKU of the checkout store


def _log(message: str) -> None:
    print(f"insights: {message}", file=sys.stderr, flush=True)


# --- The parent: scratch database, children, checkout throughput, the result -----------------


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.insights", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def insights(
    orders: int,
    events: int,
    links: int,
    samples: int,
    duration: float,
    concurrency: int,
    rounds: int,
    postgres_url: str,
) -> dict[str, Any]:
    """Generate the data set, time the pages, measure checkout with and without recording."""
    with (
        scratch_database(postgres_url, "quanzi_bench_insights") as database_url,
        tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp,
    ):
        env = bench_env(Path(tmp), database_url)
        env["QUANZI_TRACKING"] = "1"
        started = time.monotonic()
        manage(env, "migrate", "--noinput")
        migrate_s = time.monotonic() - started
        sizes = ("--orders", str(orders), "--events", str(events), "--links", str(links))
        data = _child(env, "generate", *sizes)
        data["seconds"] = {"migrate": round(migrate_s, 1), **data["seconds"]}
        data["seconds"]["total"] = round(time.monotonic() - started, 1)
        _log(f"generated in {data['seconds']['total']} s")
        pages = _child(env, "measure", "--samples", str(samples))
        checkout = recording_cost(env, duration, concurrency, rounds)
    return {
        "suite": "insights",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {
            "database": "PostgreSQL",
            "orders": orders,
            "events": events,
            "share_links": links,
            "days": DAYS,
            "samples_per_page": samples,
            "seed": SEED,
            "checkout_duration_s": duration,
            "checkout_concurrency": concurrency,
            "checkout_rounds": rounds,
        },
        "data": data,
        "pages": pages,
        "checkout": checkout,
    }


# --- Checkout with and without recording ------------------------------------------------------

WRK_SCRIPT = """
local bodies = {%(bodies)s}
local tokens = {%(tokens)s}
local path, method = "%(path)s", "%(method)s"
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  server_errors = 0
  not_ok = 0
end

function request()
  counter = counter + 1
  local headers = {["User-Agent"] = "Mozilla/5.0 (quanzi-bench)"}
  local body = nil
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[counter %% #tokens + 1]
  end
  if #bodies > 0 then
    headers["Content-Type"] = "application/json"
    body = bodies[counter %% #bodies + 1]
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if status >= 400 then not_ok = not_ok + 1 end
end

function done(summary, latency, requests)
  local s5, bad = 0, 0
  for _, t in ipairs(threads) do
    s5 = s5 + t:get("server_errors")
    bad = bad + t:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"socket_errors\\": %%d, \\"status_5xx\\": %%d, \\"not_ok\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, s5, bad))
end
"""


def _lua_strings(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _wrk(
    name: str,
    base: str,
    path: str,
    *,
    method: str = "GET",
    tokens: Sequence[str] = (),
    bodies: Sequence[str] = (),
    concurrency: int,
    duration: float,
) -> LoadResult:
    """A closed-loop load by wrk (one thread, `concurrency` keep-alive connections)."""
    script = WRK_SCRIPT % {
        "bodies": _lua_strings(bodies),
        "tokens": _lua_strings(tokens),
        "path": path,
        "method": method,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        script_path = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "30s",
                "-s",
                script_path,
                base + path,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script_path)
    found = re.search(r"^WRKJSON (\{.*\})$", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk said: {out}")
    r = json.loads(found.group(1))
    seconds = r["duration_us"] / 1e6
    return LoadResult(
        name=name,
        requests=r["requests"],
        errors=r["socket_errors"],
        status_5xx=r["status_5xx"],
        seconds=round(seconds, 2),
        throughput=round(r["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(r["p50_us"] / 1000, 2),
        p99_ms=round(r["p99_us"] / 1000, 2),
        extra={"not_2xx": r["not_ok"]},
    )


def _seed_checkout(base: str, buyers: int) -> tuple[str, list[str], list[str]]:
    """A store with products to buy and buyers with a default address, through the API.
    Returns (a product id of the store, buyer tokens, sku ids)."""
    from bench.suites import _buyers, _seed_store

    _, product_ids, sku_ids = _seed_store(base, BUY_PRODUCTS, STOCK)
    tokens = _buyers(base, buyers)
    return product_ids[0], tokens, sku_ids


def _one_server(
    env: dict[str, str],
    tracking: bool,
    seeded: tuple[str, list[str], list[str]] | None,
    duration: float,
    concurrency: int,
) -> tuple[tuple[str, list[str], list[str]], list[LoadResult], float, str]:
    env = {**env, "QUANZI_TRACKING": "1" if tracking else "0"}
    with server(env) as (base, pid):
        if seeded is None:
            seeded = _seed_checkout(base, concurrency * 2)
        _, tokens, skus = seeded
        buy = [json.dumps({"sku_id": s, "quantity": 1}) for s in skus]
        use_wrk = shutil.which("wrk") is not None
        results = []
        for name, path, method, bodies in (
            ("baseline /api/v1/health", "/api/v1/health", "GET", []),
            ("buy-now order creation", "/api/v1/orders/buy-now", "POST", buy),
            ("add to cart", "/api/v1/orders/cart/items", "POST", buy),
        ):
            if use_wrk:
                results.append(
                    _wrk(
                        name,
                        base,
                        path,
                        method=method,
                        tokens=tokens if bodies else [],
                        bodies=bodies,
                        concurrency=concurrency,
                        duration=duration,
                    )
                )
            else:
                results.append(
                    run_load(
                        name,
                        base,
                        _httpx_request(path, method, tokens, bodies),
                        concurrency=concurrency,
                        duration=duration,
                    )
                )
        rss = peak_rss_mib(pid)
    return seeded, results, rss, "wrk" if use_wrk else "bench.harness.run_load (httpx)"


def _httpx_request(path: str, method: str, tokens: Sequence[str], bodies: Sequence[str]) -> Any:
    async def call(c: httpx.AsyncClient, n: int) -> httpx.Response:
        headers = {"User-Agent": "Mozilla/5.0 (quanzi-bench)"}
        if tokens:
            headers["Authorization"] = f"Bearer {tokens[n % len(tokens)]}"
        if bodies:
            headers["Content-Type"] = "application/json"
            return await c.request(method, path, content=bodies[n % len(bodies)], headers=headers)
        return await c.request(method, path, headers=headers)

    return call


def recording_cost(
    env: dict[str, str], duration: float, concurrency: int, rounds: int
) -> dict[str, Any]:
    """Checkout with recording on and off, `rounds` times each in alternating order (on, off,
    off, on, …), on the generated database; throughput summed over the rounds."""
    seeded: tuple[str, list[str], list[str]] | None = None
    runs: list[dict[str, Any]] = []
    generator = ""
    order = list(itertools.islice(itertools.cycle([True, False, False, True]), 2 * rounds))
    for tracking in order:
        _log(f"checkout with recording {'on' if tracking else 'off'}")
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM tracking_event").fetchone()
        seeded, results, rss, generator = _one_server(env, tracking, seeded, duration, concurrency)
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            written = conn.execute(
                "SELECT kind, count(*) FROM tracking_event WHERE id > %s GROUP BY kind",
                [before[0] if before else 0],
            ).fetchall()
        runs.append(
            {
                "tracking": tracking,
                "results": [r.as_dict() for r in results],
                "server_peak_rss_mib": rss,
                "events_written": {k: n for k, n in written},
            }
        )
    summary: dict[str, dict[str, Any]] = {}
    names = [r["name"] for r in runs[0]["results"]]
    for tracking in (True, False):
        mine = [run for run in runs if run["tracking"] == tracking]
        rows = {}
        for i, name in enumerate(names):
            parts = [run["results"][i] for run in mine]
            requests = sum(p["requests"] for p in parts)
            seconds = sum(p["seconds"] for p in parts)
            rows[name] = {
                "requests": requests,
                "throughput": round(requests / seconds, 1) if seconds else 0.0,
                "p50_ms": round(statistics.median(p["p50_ms"] for p in parts), 2),
                "p99_ms": round(max(p["p99_ms"] for p in parts), 2),
                "status_5xx": sum(p["status_5xx"] for p in parts),
                "errors": sum(p["errors"] for p in parts),
            }
        base = rows[names[0]]["throughput"]
        for row in rows.values():
            row["ratio_to_health"] = round(row["throughput"] / base, 3) if base else None
        summary["on" if tracking else "off"] = rows
    ratios = {
        name: round(summary["on"][name]["throughput"] / summary["off"][name]["throughput"], 3)
        for name in names
        if summary["off"][name]["throughput"]
    }
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        found = conn.execute(
            "SELECT store_id FROM catalog_product WHERE id = %s", [seeded[0] if seeded else ""]
        ).fetchone()
        store_id = found[0] if found else ""
        orders_made = conn.execute(
            "SELECT count(*) FROM orders_order WHERE store_id = %s", [store_id]
        ).fetchone()
        taken = conn.execute(
            "SELECT coalesce(sum(%s - s.stock), 0) FROM catalog_sku s "
            "JOIN catalog_product p ON p.id = s.product_id WHERE p.store_id = %s",
            [STOCK, store_id],
        ).fetchone()
    made = int(orders_made[0]) if orders_made else 0
    units = int(taken[0]) if taken else 0
    return {
        "load_generator": generator,
        "runs": runs,
        "summary": summary,
        "throughput_ratio_on_to_off": ratios,
        "check": {"orders_in_db": made, "units_taken": units, "consistent": made == units},
    }


# --- Child: generate -------------------------------------------------------------------------


def _new_id(rng: random.Random, n: int = 16) -> str:
    return "".join(rng.choices(ID_CHARS, k=n))


def _table(model: type[Model]) -> str:
    from bench.feed import _qn

    return _qn(model._meta.db_table)


def _insert(
    model: type[Model], given: dict[str, str], rest_sql: str, params: Sequence[Any] = ()
) -> int:
    """INSERT … SELECT: `given` maps field names to SQL expressions over `rest_sql` (the FROM
    clause and what follows it); the model's other fields take their defaults."""
    from django.db import connection

    from bench.feed import _col, _defaults

    rest, defaults = _defaults(model, list(given))
    # The defaults first, so that the placeholders of `given` and `rest_sql` follow in `params`.
    columns = [_col(model, name) for name in [*(f.name for f in rest), *given]]
    values = [*["%s"] * len(defaults), *given.values()]
    sql = (
        f"INSERT INTO {_table(model)} ({', '.join(columns)}) SELECT {', '.join(values)} {rest_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])
        return int(cursor.rowcount)


def _sql(statement: str, params: Sequence[Any] = ()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return int(cursor.rowcount)


def _pick(column: str, choices: Sequence[tuple[str, float]]) -> str:
    """A CASE choosing a value by the uniform `column` (0 ≤ column < 1) and the weights."""
    total = sum(w for _, w in choices)
    acc, parts = 0.0, []
    for value, weight in choices[:-1]:
        acc += weight / total
        parts.append(f"WHEN {column} < {acc:.6f} THEN '{value}'")
    return f"(CASE {' '.join(parts)} ELSE '{choices[-1][0]}' END)"


SOURCE_WEIGHTS = (
    ("share", 15.0),
    ("chat", 10.0),
    ("note", 10.0),
    ("feed", 15.0),
    ("search", 15.0),
    ("campaign", 5.0),
    ("direct", 30.0),
)
# The raw events that are not derived from rows (orders, members, messages): their mix.
RANDOM_KINDS = (
    ("product_view", 62.0),
    ("store_view", 12.0),
    ("share_visit", 7.0),
    ("share_created", 1.0),
    ("add_to_cart", 9.0),
    ("checkout", 6.0),
    ("like", 2.0),
    ("comment", 1.0),
)


def _share_forest(
    links: int, users: int, rng: random.Random
) -> list[tuple[int, int | None, int, int]]:
    """Share links in creation order as (index, parent index or None, sharer, root index):
    ROOT_SHARE of them start a cascade, the others reshare an earlier link — half of them a
    link drawn uniformly (old cascades grow, a few become large), half the parent of such a
    link (preferential attachment: hubs gain children) — then CHAINS chains of CHAIN_LENGTH
    links, each resharing the one before (deep, person to person)."""
    forest: list[tuple[int, int | None, int, int]] = []
    chain_links = min(CHAINS * CHAIN_LENGTH, links // 5)
    plain = links - chain_links
    for i in range(plain):
        if i == 0 or rng.random() < ROOT_SHARE:
            forest.append((i, None, rng.randint(1, users), i))
            continue
        other = forest[rng.randrange(i)]
        if rng.random() < 0.5 and other[1] is not None:
            other = forest[other[1]]
        forest.append((i, other[0], rng.randint(1, users), other[3]))
    i = plain
    per_chain = max(1, chain_links // CHAINS)
    while i < links:
        parent = forest[rng.randrange(plain)]
        for _ in range(min(per_chain, links - i)):
            forest.append((i, parent[0], rng.randint(1, users), parent[3]))
            parent = forest[i]
            i += 1
    return forest


def generate(orders: int, events: int, links: int) -> dict[str, Any]:
    """Load the data set into the (migrated, empty) database Django points at."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.feed import _copy, _drop_secondary
    from quanzi.accounts.models import User
    from quanzi.catalog.models import Product, Sku
    from quanzi.circles.models import Circle, Membership, Message
    from quanzi.insights.models import OrderTouch
    from quanzi.orders.models import Order
    from quanzi.referrals.models import Attribution, Commission, ShareLink, Visit
    from quanzi.social.models import Note
    from quanzi.stores.models import StaffRole, Store, StoreStaff
    from quanzi.tracking.models import (
        DailyCount,
        DailyStep,
        DailyVisitor,
        Event,
        RollupMark,
    )

    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    clock = time.monotonic()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.monotonic()
        seconds[step] = round(now - clock, 1)
        clock = now
        _log(f"{step} {seconds[step]} s")

    end = timezone.now().replace(second=0, microsecond=0)
    start = end - timedelta(days=DAYS)
    zone = str(timezone.get_current_timezone())
    buyers = max(1000, orders // ORDERS_PER_BUYER)
    users = 1 + SMALL_STORES + buyers  # owners first, then buyers
    first_buyer = 2 + SMALL_STORES
    store_ids = [_new_id(rng) for _ in range(1 + SMALL_STORES)]
    big = store_ids[0]
    per_small = int(orders * SMALL_STORE_SHARE)
    per_store = [orders - per_small * SMALL_STORES] + [per_small] * SMALL_STORES
    forest = _share_forest(links, buyers, rng)
    lap("draw")

    heavy = (
        Order,
        OrderTouch,
        Event,
        DailyCount,
        DailyVisitor,
        DailyStep,
        ShareLink,
        Visit,
        Attribution,
        Commission,
        Membership,
        Message,
    )
    with transaction.atomic():
        _sql("SET LOCAL work_mem = '256MB'")
        _sql("SET LOCAL synchronous_commit = off")
        restore = _drop_secondary(heavy)
        _copy(
            User,
            ["id", "password", "username", "nickname", "public_id", "date_joined"],
            (
                (i, "!", f"ib{i}", f"用户{i}", _new_id(rng), start - timedelta(days=30))
                for i in range(1, users + 1)
            ),
        )
        _copy(
            Store,
            ["id", "name", "created_at", "updated_at"],
            (
                (sid, "大店" if n == 0 else f"小店{n}", start, start)
                for n, sid in enumerate(store_ids)
            ),
        )
        _copy(
            StoreStaff,
            ["store", "user", "role", "created_at"],
            ((sid, n + 1, StaffRole.OWNER.value, start) for n, sid in enumerate(store_ids)),
        )
        products: dict[str, list[str]] = {}
        product_rows, sku_rows = [], []
        for n, sid in enumerate(store_ids):
            count = BIG_PRODUCTS if n == 0 else SMALL_PRODUCTS
            products[sid] = [_new_id(rng) for _ in range(count)]
            for k, pid in enumerate(products[sid]):
                product_rows.append(
                    Product(
                        id=pid,
                        store_id=sid,
                        title=f"云南小粒咖啡豆 第{k}号",
                        on_shelf=True,
                        min_price=5900,
                    )
                )
                sku_rows.append(Sku(product_id=pid, price=5900, stock=1000))
        Product.objects.bulk_create(product_rows, batch_size=500)
        Sku.objects.bulk_create(sku_rows, batch_size=500)
        note_ids = [_new_id(rng) for _ in range(NOTES)]
        Note.objects.bulk_create(
            [
                Note(
                    id=nid,
                    author_id=rng.randint(first_buyer, users),
                    title=f"笔记 {k} · 咖啡",
                    body="今天收到的云南小粒咖啡，坚果和可可的香气很足。",
                )
                for k, nid in enumerate(note_ids)
            ],
            batch_size=500,
        )
        circle_ids = [_new_id(rng) for _ in CIRCLE_SIZES]
        Circle.objects.bulk_create(
            [
                Circle(
                    id=cid,
                    name=f"咖啡同好会 {k + 1}",
                    store_id=big,
                    owner_id=1,
                    invite_code=_new_id(rng, 12),
                )
                for k, cid in enumerate(circle_ids)
            ]
        )
        Circle.objects.filter(pk__in=circle_ids).update(created_at=start - timedelta(days=30))
        lap("users, stores, products, notes, circles")

        # Share links: the big store's products (80 % of the cascades) and the store itself.
        codes: set[str] = set()
        while len(codes) < links:
            codes.add("".join(rng.choices(CODE_CHARS, k=8)))
        code_of = sorted(codes)
        rng.shuffle(code_of)
        link_ids = [_new_id(rng) for _ in range(links)]
        span = (end - start).total_seconds()
        created = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(links))
        targets: dict[int, tuple[str, str]] = {}
        seen: set[tuple[int, str, str, int | None]] = set()
        link_rows = []
        for i, parent, sharer, root in forest:
            if root not in targets:
                targets[root] = (
                    ("product", rng.choice(products[big])) if rng.random() < 0.8 else ("store", big)
                )
            kind, target = targets[root]
            while (sharer, kind, target, parent) in seen:  # one link per sharer, target, parent
                sharer = rng.randint(1, buyers)
            seen.add((sharer, kind, target, parent))
            link_rows.append(
                (
                    link_ids[i],
                    code_of[i],
                    first_buyer + sharer - 1,
                    kind,
                    target,
                    None if parent is None else link_ids[parent],
                    created[i],
                    created[i],
                )
            )
        _copy(
            ShareLink,
            ["id", "code", "sharer", "kind", "target_id", "parent", "created_at", "updated_at"],
            link_rows,
        )
        lap("share links")

        _sql("SELECT setseed(0.12)")
        address = json.dumps(
            {
                "recipient": "张三",
                "phone": "13912345678",
                "province": "云南省",
                "city": "昆明市",
                "detail": "翠湖路1号",
            },
            ensure_ascii=False,
        )
        offset = 0
        for sid, count in zip(store_ids, per_store, strict=True):
            # g / n spreads the orders over the 90 days in time order (ids grow with time);
            # buyers by 1 / rank^2-ish (the square of a uniform draw); amounts add up.
            _insert(
                Order,
                {
                    "id": "substr(md5('o' || g), 1, 16)",
                    "created_at": "t - interval '3 minutes'",
                    "updated_at": "t",
                    "buyer": f"{first_buyer} + floor(power(random(), 2) * {buyers})::int",
                    "store": "%s",
                    "number": "to_char(t, 'YYYYMMDD') || lpad(g::text, 8, '0')",
                    "status": "(CASE WHEN r < %s THEN 'cancelled' WHEN r < %s THEN 'refunded' "
                    "WHEN t < %s THEN 'completed' ELSE 'paid' END)",
                    "subtotal": "sub",
                    "shipping_fee": "ship",
                    "discount": "disc",
                    "total": "sub + ship - disc",
                    "refunded_amount": "(CASE WHEN r < %s THEN 0 WHEN r < %s "
                    "THEN sub + ship - disc WHEN r < %s THEN (sub + ship - disc) / 3 ELSE 0 END)",
                    "address": "%s::jsonb",
                    "pay_deadline": "t + interval '30 minutes'",
                    "paid_at": "(CASE WHEN r < %s THEN NULL ELSE t END)",
                    "cancelled_at": "(CASE WHEN r < %s THEN t + interval '30 minutes' END)",
                    "completed_at": "(CASE WHEN r >= %s AND t < %s THEN t + interval '10 days' "
                    "END)",
                },
                "FROM (SELECT g, r, sub, "
                "(CASE WHEN sub >= 9900 THEN 0 ELSE 800 END) AS ship, "
                "(CASE WHEN r2 < 0.2 THEN sub / 10 ELSE 0 END) AS disc, "
                "%s::timestamptz + (%s::timestamptz - %s::timestamptz) * ((g - %s) / %s::float) "
                "+ interval '1 second' * floor(random() * 60) AS t "
                "FROM (SELECT g, random() AS r, random() AS r2, "
                "1000 + floor(random() * 30000)::bigint AS sub "
                "FROM generate_series(%s::bigint, %s::bigint) g) s) o",
                [
                    sid,
                    UNPAID_SHARE,
                    UNPAID_SHARE + REFUNDED_SHARE,
                    end - timedelta(days=10),
                    UNPAID_SHARE,
                    UNPAID_SHARE + REFUNDED_SHARE,
                    UNPAID_SHARE + REFUNDED_SHARE + PARTLY_REFUNDED_SHARE,
                    address,
                    UNPAID_SHARE,
                    UNPAID_SHARE,
                    UNPAID_SHARE,
                    end - timedelta(days=10),
                    start,
                    end - timedelta(seconds=61),
                    start,
                    offset + 1,
                    count,
                    offset + 1,
                    offset + count,
                ],
            )
            offset += count
        lap("orders")

        # Attributions: a tenth of the big store's paid orders, each to a link made before it
        # (the links are in time order, so an index below the order's place in time).
        _sql(
            "CREATE TEMP TABLE bench_links ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY created_at, id) AS n, id, sharer_id, parent_id, "
            "code, created_at FROM referrals_sharelink"
        )
        _sql("CREATE UNIQUE INDEX ON bench_links (n)")
        _insert(
            Attribution,
            {
                "id": "substr(md5('a' || o.id), 1, 16)",
                "created_at": "o.paid_at",
                "updated_at": "o.paid_at",
                "order": "o.id",
                "link": "l.id",
                "sharer": "l.sharer_id",
            },
            "FROM (SELECT id, paid_at, 1 + floor(random() * greatest(1, %s * extract(epoch "
            "FROM paid_at - %s::timestamptz) / %s))::bigint AS k FROM orders_order "
            "WHERE store_id = %s AND paid_at IS NOT NULL AND random() < %s) o "
            "JOIN bench_links l ON l.n = least(o.k, %s)",
            [links, start, span, big, ATTRIBUTED_SHARE, links],
        )
        lap("attributions")
        for level, rate, link_join in (
            (1, 0.05, "JOIN referrals_sharelink l ON l.id = a.link_id"),
            (
                2,
                0.02,
                "JOIN referrals_sharelink c ON c.id = a.link_id "
                "JOIN referrals_sharelink l ON l.id = c.parent_id",
            ),
        ):
            _insert(
                Commission,
                {
                    "id": f"substr(md5('c{level}' || o.id), 1, 16)",
                    "created_at": "o.paid_at",
                    "updated_at": "o.paid_at",
                    "order": "o.id",
                    "promoter": "l.sharer_id",
                    "level": str(level),
                    "amount": f"floor(o.total * {rate})::int",
                    "reversed_amount": f"floor(o.refunded_amount * {rate})::int",
                    "status": "(CASE WHEN o.total > 0 AND o.refunded_amount >= o.total "
                    "THEN 'reversed' WHEN o.status = 'completed' THEN 'available' "
                    "ELSE 'frozen' END)",
                },
                f"FROM referrals_attribution a JOIN orders_order o ON o.id = a.order_id "
                f"{link_join}",
            )
        lap("commissions")

        # Each paid order's touch: the attributed ones came last through their share link;
        # the others by the source mix; the first touch is the last one 60 % of the time.
        src_last = _pick("r1", SOURCE_WEIGHTS)
        src_first = _pick("r3", SOURCE_WEIGHTS)
        _insert(
            OrderTouch,
            {
                "order": "id",
                "store_id": "store_id",
                "buyer_id": "buyer_id::text",
                "paid_at": "paid_at",
                "first_source": "(CASE WHEN r2 < 0.6 THEN last_src ELSE first_src END)",
                "first_ref": "(CASE WHEN r2 < 0.6 THEN last_ref ELSE '' END)",
                "last_source": "last_src",
                "last_ref": "last_ref",
                "new_customer": "nth = 1",
            },
            "FROM (SELECT *, (CASE WHEN code IS NOT NULL THEN code "
            "WHEN last_src = 'note' THEN (%s::text[])[1 + floor(r4 * %s)::int] "
            "WHEN last_src = 'chat' THEN %s ELSE '' END) AS last_ref "
            f"FROM (SELECT *, (CASE WHEN code IS NOT NULL THEN 'share' "
            f"WHEN {src_last} = 'share' THEN 'direct' ELSE {src_last} END) AS last_src, "
            f"(CASE WHEN {src_first} = 'share' THEN 'feed' ELSE {src_first} END) AS first_src "
            "FROM (SELECT o.id, o.store_id, o.buyer_id, o.paid_at, l.code, random() AS r1, "
            "random() AS r2, random() AS r3, random() AS r4, row_number() OVER "
            "(PARTITION BY o.store_id, o.buyer_id ORDER BY o.paid_at, o.id) AS nth "
            "FROM orders_order o LEFT JOIN referrals_attribution a ON a.order_id = o.id "
            "LEFT JOIN referrals_sharelink l ON l.id = a.link_id "
            "WHERE o.paid_at IS NOT NULL OFFSET 0) s OFFSET 0) s2 OFFSET 0) s3",
            [note_ids, NOTES, circle_ids[0]],
        )
        lap("order touches")

        # Visits through the links: a skewed number each (most a few, some dozens), by people
        # signed in (70 %) or anonymous sessions.
        _insert(
            Visit,
            {
                "id": "substr(md5('v' || l.id || g), 1, 16)",
                "created_at": "least(l.created_at + random() * interval '3 days', %s)",
                "updated_at": "l.created_at",
                "link": "l.id",
                "visitor": f"(CASE WHEN random() < 0.7 THEN {first_buyer} "
                f"+ floor(random() * {buyers})::int END)",
                "session_key": "md5(l.id || g)",
            },
            "FROM referrals_sharelink l CROSS JOIN LATERAL generate_series(1, "
            "1 + floor(power(random(), 3) * 30 + 0 * length(l.id))::int) g",
            [end],
        )
        lap("visits")

        # Circles: members (a tenth of them left), ten messages a member on average.
        circle_users = [max(10, int(buyers * share)) for share in CIRCLE_SIZES]
        for cid, size in zip(circle_ids, circle_users, strict=True):
            _insert(
                Membership,
                {
                    "circle": "%s",
                    "user": f"{first_buyer} + g",
                    "state": "(CASE WHEN random() < 0.1 THEN 'left' ELSE 'active' END)",
                    "joined_at": "%s::timestamptz + random() * interval '120 days'",
                },
                "FROM generate_series(0, %s) g",
                [cid, start - timedelta(days=30), size - 1],
            )
            _sql(
                "UPDATE circles_membership SET joined_at = %s WHERE circle_id = %s "
                "AND joined_at > %s",
                [end - timedelta(hours=1), cid, end],
            )
            _insert(
                Message,
                {
                    "id": "substr(md5('m' || %s || g), 1, 16)",
                    "created_at": "t",
                    "updated_at": "t",
                    "circle": "%s",
                    "seq": "g",
                    "sender": f"{first_buyer} + floor(power(random(), 2) * {size})::int",
                    "kind": "'text'",
                    "text": "'今天的豆子到了，手冲很香。'",
                    "is_commercial": "random() < 0.05",
                },
                "FROM (SELECT g, %s::timestamptz + (%s::timestamptz - %s::timestamptz) "
                "* (g / %s::float) AS t FROM generate_series(1, %s) g) s",
                [
                    cid,
                    cid,
                    start,
                    end - timedelta(seconds=1),
                    start,
                    size * MESSAGES_PER_MEMBER,
                    size * MESSAGES_PER_MEMBER,
                ],
            )
        _sql(
            "UPDATE circles_circle c SET member_count = (SELECT count(*) FROM circles_membership "
            "m WHERE m.circle_id = c.id AND m.state = 'active'), last_message_seq = "
            "(SELECT coalesce(max(seq), 0) FROM circles_message m WHERE m.circle_id = c.id)"
        )
        lap("circles: members and messages")

        # Raw events: first those that rows made (paid, refunded, joins, leaves, messages),
        # then the rest of the 10 M drawn by the mix, in time order.
        ev = {
            "at": "at",
            "kind": "kind",
            "store_id": "store_id",
            "user_id": "uid",
            "visitor": "uid",
            "source": "''",
            "ref": "ref",
            "amount": "amount",
            "written_at": "at",
        }
        derived = _insert(
            Event,
            ev,
            "FROM (SELECT paid_at AS at, 'paid' AS kind, store_id, buyer_id::text AS uid, "
            "id AS ref, total AS amount FROM orders_order WHERE paid_at IS NOT NULL "
            "UNION ALL SELECT least(paid_at + interval '3 days', %s), 'refunded', store_id, "
            "buyer_id::text, id, refunded_amount FROM orders_order WHERE refunded_amount > 0 "
            "UNION ALL SELECT joined_at, 'circle_join', %s, user_id::text, circle_id, 0 "
            "FROM circles_membership WHERE joined_at >= %s "
            "UNION ALL SELECT joined_at + (%s - joined_at) * 0.5, 'circle_leave', %s, "
            "user_id::text, circle_id, 0 FROM circles_membership "
            "WHERE state = 'left' AND joined_at >= %s "
            "UNION ALL SELECT created_at, 'message', %s, sender_id::text, circle_id, 0 "
            "FROM circles_message) d",
            [end, big, start, end, big, start, big],
        )
        lap("events: derived from rows")
        rest = max(0, events - derived)
        all_products = [p for sid in store_ids for p in products[sid]]
        product_store = [sid for sid in store_ids for _ in products[sid]]
        kind = _pick("r1", RANDOM_KINDS)
        source = _pick("r2", SOURCE_WEIGHTS)
        anon = f"'a' || substr(md5(floor(r3 * {buyers // 2})::text), 1, 23)"
        signed = f"({first_buyer} + floor(power(r3, 2) * {buyers})::int)::text"
        _insert(
            Event,
            {
                "at": "at",
                "kind": "kind",
                "store_id": "(%s::text[])[p]",
                "user_id": "(CASE WHEN r4 < 0.7 THEN signed ELSE '' END)",
                "visitor": "(CASE WHEN r4 < 0.7 THEN signed ELSE anon END)",
                "source": "(CASE WHEN kind IN ('product_view', 'store_view') THEN source "
                "WHEN kind = 'share_visit' THEN 'share' ELSE '' END)",
                "ref": "(CASE WHEN kind = 'store_view' THEN '' ELSE (%s::text[])[p] END)",
                "via": "(CASE WHEN source = 'share' OR kind = 'share_visit' THEN "
                "substr(md5(p::text || r3), 1, 8) ELSE '' END)",
                "amount": "(CASE WHEN kind = 'add_to_cart' THEN 5900 ELSE 0 END)",
                "written_at": "at",
            },
            f"FROM (SELECT *, {kind} AS kind, {source} AS source, {signed} AS signed, "
            f"{anon} AS anon FROM (SELECT %s::timestamptz + (%s::timestamptz - %s::timestamptz)"
            " * (g / %s::float) AS at, random() AS r1, random() AS r2, random() AS r3, "
            "random() AS r4, 1 + floor(random() * %s)::int AS p "
            "FROM generate_series(1, %s) g) s OFFSET 0) s2",
            [
                product_store,
                all_products,
                start,
                end - timedelta(seconds=1),
                start,
                max(1, rest),
                len(all_products),
                rest,
            ],
        )
        lap("events: the rest")

        # The rollups, by SQL over the raw events: what tracking.services.roll_up writes
        # (the store's staff left out; a visitor's source of the day is their first visit's,
        # a funnel step's source the day's first visit's, else direct).
        staff_out = (
            "NOT EXISTS (SELECT 1 FROM stores_storestaff st WHERE st.store_id = e.store_id "
            "AND st.user_id::text = e.user_id)"
        )
        day = f"(e.at AT TIME ZONE '{zone}')::date"
        _insert(
            DailyCount,
            {
                "day": "day",
                "store_id": "store_id",
                "kind": "kind",
                "source": "source",
                "ref": "ref",
                "count": "n",
                "amount": "amount",
            },
            f"FROM (SELECT {day} AS day, e.store_id, e.kind, e.source, e.ref, count(*) AS n, "
            f"sum(e.amount) AS amount FROM tracking_event e WHERE {staff_out} "
            "GROUP BY 1, 2, 3, 4, 5) c",
        )
        lap("rollup: daily counts")
        _insert(
            DailyVisitor,
            {"day": "day", "store_id": "store_id", "visitor": "visitor", "source": "source"},
            f"FROM (SELECT DISTINCT ON (e.store_id, {day}, e.visitor) {day} AS day, e.store_id, "
            "e.visitor, e.source FROM tracking_event e WHERE e.kind IN ('product_view', "
            f"'store_view') AND e.visitor <> '' AND e.store_id <> '' AND {staff_out} "
            f"ORDER BY e.store_id, {day}, e.visitor, e.id) v",
        )
        lap("rollup: daily visitors")
        _insert(
            DailyStep,
            {
                "day": "s.day",
                "store_id": "s.store_id",
                "visitor": "s.visitor",
                "step": "s.step",
                "source": "coalesce(nullif(v.source, ''), 'direct')",
            },
            f"FROM (SELECT DISTINCT {day} AS day, e.store_id, e.visitor, CASE e.kind "
            "WHEN 'add_to_cart' THEN 'cart' WHEN 'checkout' THEN 'checkout' ELSE 'paid' END "
            "AS step FROM tracking_event e WHERE e.kind IN ('add_to_cart', 'checkout', 'paid') "
            f"AND e.visitor <> '' AND e.store_id <> '' AND {staff_out}) s "
            "LEFT JOIN tracking_dailyvisitor v ON v.store_id = s.store_id AND v.day = s.day "
            "AND v.visitor = s.visitor",
        )
        RollupMark.objects.update_or_create(
            name="events",
            defaults={
                "last_event_id": Event.objects.order_by("-id").values_list("id", flat=True)[0],
                "rolled_at": end,
            },
        )
        lap("rollup: funnel steps")
        _sql("SET LOCAL maintenance_work_mem = '1GB'")
        for statement in restore:
            _sql(statement)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [User, Event, DailyCount, DailyVisitor, DailyStep, Membership]
            ):
                cursor.execute(statement)
        lap("indexes and constraints")
    tables = (*heavy, User)
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"VACUUM (ANALYZE) {_table(model)}")
        lap("vacuum analyze")
        sizes, rows = {}, {}
        for model in tables:
            table = model._meta.db_table
            cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
            sizes[table] = round(cursor.fetchone()[0] / 2**20, 1)
            cursor.execute(f"SELECT count(*) FROM {_table(model)}")
            rows[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(paid_at), count(*) FILTER (WHERE refunded_amount > 0 AND "
            "refunded_amount >= total), count(*) FILTER (WHERE refunded_amount > 0 AND "
            "refunded_amount < total) FROM orders_order WHERE store_id = %s",
            [big],
        )
        all_orders, paid, refunded, partly = cursor.fetchone()
        cursor.execute(
            "SELECT kind, count(*) FROM tracking_event GROUP BY kind ORDER BY count(*) DESC"
        )
        kinds = dict(cursor.fetchall())
    return {
        "big_store": {
            "orders": all_orders,
            "paid": paid,
            "refunded_in_full": refunded,
            "refunded_in_part": partly,
        },
        "stores": len(store_ids),
        "users": users,
        "rows": rows,
        "events_by_kind": kinds,
        "table_mib": sizes,
        "seconds": seconds,
    }


# --- Child: measure --------------------------------------------------------------------------


def measure(samples: int) -> dict[str, Any]:
    """Time each insights page (in process, the owner signed in) and the baseline count, over
    `samples` rounds after a warm-up pass, every round in a shuffled order."""
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from quanzi.accounts.models import User
    from quanzi.insights.cascades import cascades_of
    from quanzi.insights.periods import Period, parse_period
    from quanzi.orders.models import Order
    from quanzi.stores.models import StaffRole, Store, StoreStaff

    big = Order.objects.values("store_id").annotate(n=Count("id")).order_by("-n")[0]["store_id"]
    store = Store.objects.get(pk=big)
    owner = User.objects.get(pk=StoreStaff.objects.get(store=store, role=StaffRole.OWNER).user_id)
    today = timezone.localdate()
    whole = Period("custom", today - timedelta(days=DAYS), today)
    found = cascades_of(store, whole, limit=1)
    biggest = found[0]
    client = Client()
    client.force_login(owner)
    periods = {key: parse_period({"period": key}) for key in ("7d", "30d")}

    def url(name: str, *args: str) -> str:
        return reverse(f"insights:{name}", args=[store.pk, *args])

    pages: list[tuple[str, str, str]] = [
        ("overview", "7d", url("overview") + "?period=7d"),
        ("overview", "30d", url("overview") + "?period=30d"),
        ("sources", "7d", url("sources") + "?period=7d"),
        ("sources", "30d", url("sources") + "?period=30d"),
        ("people", "7d", url("people") + "?period=7d"),
        ("people", "30d", url("people") + "?period=30d"),
        ("cascades", "7d", url("cascades") + "?period=7d"),
        ("cascades", "30d", url("cascades") + "?period=30d"),
        ("biggest cascade", "whole", url("cascade", biggest.code)),
        ("circles", "7d", url("circles") + "?period=7d"),
        ("campaigns", "7d", url("campaigns") + "?period=7d"),
    ]
    baseline_sql = (
        "SELECT count(*) FROM orders_order WHERE store_id = %s AND paid_at >= %s AND paid_at < %s"
    )

    def baseline(key: str) -> float:
        p = periods[key]
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [store.pk, p.since, p.until])
            cursor.fetchone()
        return (time.perf_counter() - t0) * 1000

    def page(address: str) -> tuple[float, int, int]:
        t0 = time.perf_counter()
        response = client.get(address)
        ms = (time.perf_counter() - t0) * 1000
        return ms, response.status_code, len(response.content)

    info: dict[str, dict[str, Any]] = {}
    _log("warm-up")
    for _ in range(WARM_UP):
        for name, key, address in pages:
            with CaptureQueriesContext(connection) as ctx:
                _, status, size = page(address)
            if status != 200:
                raise RuntimeError(f"{address} answered {status}")
            info[f"{name} {key}"] = {"queries": len(ctx.captured_queries), "bytes": size}
        for key in periods:
            baseline(key)
    with connection.cursor() as cursor:
        counts = {}
        for key, p in periods.items():
            cursor.execute(baseline_sql, [store.pk, p.since, p.until])
            counts[key] = cursor.fetchone()[0]
        p30 = periods["30d"]
        cursor.execute("EXPLAIN " + baseline_sql, [store.pk, p30.since, p30.until])
        plan = " ".join(row[0].strip() for row in cursor.fetchall()[:2])
    timings: dict[str, list[float]] = {f"{n} {k}": [] for n, k, _ in pages}
    base: dict[str, list[float]] = {key: [] for key in periods}
    rng = random.Random(SEED)
    jobs: list[tuple[str, str, str | None]] = [*pages, *((("baseline", k, None)) for k in periods)]
    for n in range(samples):
        if n % 5 == 0:
            _log(f"round {n + 1} of {samples}")
        rng.shuffle(jobs)
        for name, key, target in jobs:
            if target is None:
                base[key].append(baseline(key))
            else:
                timings[f"{name} {key}"].append(page(target)[0])
    baselines = {
        key: {
            "p50_ms": round(percentile(v, 50), 3),
            "p99_ms": round(percentile(v, 99), 3),
            "orders_counted": counts[key],
        }
        for key, v in base.items()
    }
    results = []
    for name, key, address in pages:
        v = timings[f"{name} {key}"]
        against = baselines["30d" if key in ("30d", "whole") else key]
        p50, p99 = percentile(v, 50), percentile(v, 99)
        results.append(
            {
                "page": name,
                "period": key,
                "path": address.replace(store.pk, "<store>").replace(biggest.code, "<code>"),
                "p50_ms": round(p50, 2),
                "p99_ms": round(p99, 2),
                "mean_ms": round(statistics.fmean(v), 2),
                "baseline": "30d" if key in ("30d", "whole") else key,
                "p50_ratio": round(p50 / against["p50_ms"], 1),
                "p99_ratio": round(p99 / against["p99_ms"], 1),
                "samples": len(v),
                **info[f"{name} {key}"],
            }
        )
    return {
        "baseline": baselines,
        "baseline_plan": plan,
        "results": results,
        "biggest_cascade": {
            "size": biggest.metrics.size,
            "depth": biggest.metrics.depth,
            "max_breadth": biggest.metrics.max_breadth,
            "virality": round(biggest.metrics.virality, 2),
        },
        "reader_peak_rss_mib": _vm_hwm_mib(),
    }


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.insights")
    sub = parser.add_subparsers(dest="step", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--orders", type=int, required=True)
    gen.add_argument("--events", type=int, required=True)
    gen.add_argument("--links", type=int, required=True)
    mea = sub.add_parser("measure")
    mea.add_argument("--samples", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    import django

    django.setup()
    if args.step == "generate":
        result = generate(args.orders, args.events, args.links)
    else:
        result = measure(args.samples)
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
