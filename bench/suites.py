"""The benchmark suites of `make bench`. Each returns a dict that lands in bench/results/."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.harness import (
    bench_env,
    machine,
    manage,
    peak_rss_mib,
    run_load,
    scratch_database,
    server,
)

PASSWORD = "bench-password-2026"
PRODUCTS = 200


def _signup(base: str, username: str, phone: str) -> str:
    r = httpx.post(
        f"{base}/api/v1/accounts/signup",
        timeout=30,
        json={"username": username, "password": PASSWORD, "phone": phone},
    )
    r.raise_for_status()
    return str(r.json()["token"])


def _seed_store(base: str, products: int, stock: int) -> tuple[str, list[str], list[str]]:
    """A merchant, a store and `products` products with 2 × 2 SKUs, all on shelf, through the
    API itself. Returns (merchant token, product ids, sku ids)."""
    token = _signup(base, "bench_merchant", "13700000000")
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=h, timeout=30) as c:
        store = c.post("/api/v1/stores", json={"name": "压测小店"}).json()
        product_ids, sku_ids = [], []
        for i in range(products):
            body = {
                "title": f"云南小粒咖啡豆 第{i}号 中深烘焙",
                "subtitle": "保山高山产区 · 新鲜烘焙",
                "description": "产自云南保山的小粒咖啡，坚果与可可风味。" * 5,
                "specs": [
                    {"name": "烘焙度", "values": ["中烘", "深烘"]},
                    {"name": "重量", "values": ["250g", "500g"]},
                ],
                "skus": [
                    {
                        "spec_values": {"烘焙度": r, "重量": w},
                        "price": 5900 + 100 * j,
                        "stock": stock,
                    }
                    for j, (r, w) in enumerate(
                        [("中烘", "250g"), ("中烘", "500g"), ("深烘", "250g"), ("深烘", "500g")]
                    )
                ],
            }
            r = c.post(f"/api/v1/catalog/stores/{store['id']}/products", json=body)
            r.raise_for_status()
            product = r.json()
            c.post(
                f"/api/v1/catalog/products/{product['id']}/shelf", json={"on_shelf": True}
            ).raise_for_status()
            product_ids.append(product["id"])
            sku_ids.extend(s["id"] for s in product["skus"])
    return token, product_ids, sku_ids


def catalog_api(duration: float, concurrency: int) -> dict[str, Any]:
    """Product list and product detail against /api/v1/health on one server (SQLite, embedded)."""
    with tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp:
        env = bench_env(Path(tmp))
        manage(env, "migrate", "--noinput")
        with server(env) as (base, pid):
            _, product_ids, _ = _seed_store(base, PRODUCTS, 100)
            rng = random.Random(7)

            async def health(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.get("/api/v1/health")

            async def product_list(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.get(f"/api/v1/catalog/products?page={1 + n % 5}&page_size=20")

            async def product_detail(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.get(f"/api/v1/catalog/products/{rng.choice(product_ids)}")

            async def search(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.get("/api/v1/catalog/products?q=咖啡&page_size=20")

            results = [
                run_load(name, base, fn, concurrency=concurrency, duration=duration)
                for name, fn in (
                    ("baseline /api/v1/health", health),
                    ("product list (20 per page)", product_list),
                    ("product detail", product_detail),
                    ("search 咖啡 (20 per page)", search),
                )
            ]
            rss = peak_rss_mib(pid)
    return _with_ratios(
        "catalog_api",
        results,
        rss,
        {
            "database": "SQLite (embedded)",
            "products": PRODUCTS,
            "concurrency": concurrency,
            "duration_s": duration,
        },
    )


def _buyers(base: str, count: int) -> list[str]:
    """`count` buyers signed up through the API, each with a default address: their tokens."""
    tokens = []
    for i in range(count):
        token = _signup(base, f"bench_buyer{i}", f"136{i:08d}")
        httpx.post(
            f"{base}/api/v1/accounts/addresses",
            timeout=30,
            headers={"Authorization": f"Bearer {token}"},
            json={
                "recipient": "张三",
                "phone": "13912345678",
                "province": "云南省",
                "city": "昆明市",
                "detail": "翠湖路1号",
                "is_default": True,
            },
        ).raise_for_status()
        tokens.append(token)
    return tokens


def checkout(duration: float, concurrency: int, postgres_url: str) -> dict[str, Any]:
    """Buy-now (one-click) order creation on PostgreSQL against /api/v1/health."""
    with (
        scratch_database(postgres_url, "quanzi_bench") as database_url,
        tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp,
    ):
        env = bench_env(Path(tmp), database_url)
        manage(env, "migrate", "--noinput")
        with server(env) as (base, pid):
            _, _, sku_ids = _seed_store(base, 5, 1_000_000)
            buyers = _buyers(base, concurrency * 2)

            async def health(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.get("/api/v1/health")

            async def buy(c: httpx.AsyncClient, n: int) -> httpx.Response:
                return await c.post(
                    "/api/v1/orders/buy-now",
                    json={"sku_id": sku_ids[n % len(sku_ids)], "quantity": 1},
                    headers={"Authorization": f"Bearer {buyers[n % len(buyers)]}"},
                )

            results = [
                run_load(name, base, fn, concurrency=concurrency, duration=duration)
                for name, fn in (
                    ("baseline /api/v1/health", health),
                    ("buy-now order creation", buy),
                )
            ]
            rss = peak_rss_mib(pid)
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            orders = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]
            taken = conn.execute(
                "SELECT coalesce(sum(1000000 - stock), 0) FROM catalog_sku"
            ).fetchone()[0]
        results[1].extra = {
            "orders_in_db": orders,
            "units_taken": int(taken),
            "consistent": orders == int(taken),
        }
    return _with_ratios(
        "checkout",
        results,
        rss,
        {
            "database": "PostgreSQL",
            "concurrency": concurrency,
            "duration_s": duration,
            "buyers": concurrency * 2,
        },
    )


def _with_ratios(
    suite: str, results: list[Any], rss: float, config: dict[str, Any]
) -> dict[str, Any]:
    baseline = results[0]
    rows = []
    for r in results:
        row = r.as_dict()
        row["throughput_ratio"] = round(r.throughput / baseline.throughput, 3)
        row["p99_ratio"] = round(r.p99_ms / baseline.p99_ms, 2) if baseline.p99_ms else None
        rows.append(row)
    return {
        "suite": suite,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": config,
        "server_peak_rss_mib": rss,
        "results": rows,
    }
