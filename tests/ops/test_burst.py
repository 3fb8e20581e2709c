"""BURST: 500 requests at once against the real server, a mix of pages, API reads and a few
orders. The server opens no more database connections than its pool allows (the site's role
may open only CONNECTION_LIMIT), so the burst waits for connections instead of failing: every
answer is a success or a 503 with Retry-After, never another 5xx, and the same server process
answers normally afterwards.

The figures (answers by status, the pool's queueing) are printed and written to
var/ops/burst.json.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.loops import run
from tests.ops.pg_site import OWN_DATABASE, PgSite, pg_site

pytestmark = [pytest.mark.postgres, OWN_DATABASE]

REQUESTS = 500
WRITES = 20
STOCK = 10_000
FIGURES = Path(__file__).resolve().parents[2] / "var" / "ops" / "burst.json"


@pytest.fixture
def site() -> Any:
    with pg_site(
        "burst",
        buyers=WRITES,
        stock=STOCK,
        QUANZI_DB_POOL_MIN_SIZE="2",
        QUANZI_DB_POOL_MAX_SIZE="8",
        QUANZI_DB_POOL_TIMEOUT="10",
    ) as made:
        yield made


def the_mix(seed: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """REQUESTS requests: pages, anonymous and signed-in API reads, and WRITES orders."""
    buyers = seed["buyers"]
    reads = [
        ("GET", "/", {}),
        ("GET", f"/products/{seed['product']}/", {}),
        ("GET", "/api/v1/catalog/products", {}),
        ("GET", f"/api/v1/catalog/products/{seed['product']}", {}),
        ("GET", "/healthz/ready", {}),
    ]
    mix: list[tuple[str, str, dict[str, Any]]] = []
    for i in range(REQUESTS - WRITES):
        method, path, kwargs = reads[i % len(reads)]
        if i % 7 == 0:  # a signed-in buyer's own orders (the token is checked in the database)
            token = buyers[i % len(buyers)]["token"]
            method, path = "GET", "/api/v1/orders"
            kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
        mix.append((method, path, kwargs))
    for buyer in buyers[:WRITES]:
        body = {"address_id": buyer["address"], "lines": [{"sku_id": seed["sku"], "quantity": 1}]}
        headers = {"Authorization": f"Bearer {buyer['token']}", "Idempotency-Key": uuid.uuid4().hex}
        mix.append(("POST", "/api/v1/orders/checkout", {"json": body, "headers": headers}))
    return mix


async def burst(base: str, mix: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Every request of the mix at once, each on its own connection."""
    limits = httpx.Limits(max_connections=len(mix), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        return await asyncio.gather(
            *(client.request(method, path, **kwargs) for method, path, kwargs in mix),
            return_exceptions=True,
        )


def pool_figures(metrics: str) -> dict[str, float]:
    found = re.findall(r"^quanzi_db_(\w+?)(?:_total)? ([0-9.e+]+)$", metrics, re.MULTILINE)
    return {name: float(value) for name, value in found}


def test_a_burst_of_500_requests_queues_for_connections_instead_of_failing(
    site: PgSite, record_property: Any
):
    # given the server on a database whose role may open at most CONNECTION_LIMIT connections
    base = site.start_server()
    server = site.server
    assert server is not None
    # when 500 requests arrive at once
    answers = run(lambda: burst(base, the_mix(site.seed)))
    # then every one got an HTTP answer: a success, or a 503 that says when to come back
    errors = [repr(a) for a in answers if isinstance(a, Exception)]
    responses = [a for a in answers if isinstance(a, httpx.Response)]
    statuses = Counter(r.status_code for r in responses)
    metrics = httpx.get(f"{base}/metrics").text
    created = [r for r in responses if r.request.method == "POST" and r.status_code == 201]
    audit = site.call("audit", sku=site.seed["sku"])
    figures = {
        "requests": REQUESTS,
        "answers_by_status": dict(sorted((str(k), v) for k, v in statuses.items())),
        "no_answer": len(errors),
        "orders_created": len(created),
        "pool": pool_figures(metrics),
    }
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2))
    record_property("figures", json.dumps(figures))
    print("burst figures:", json.dumps(figures, indent=2))
    assert errors == []
    unexpected = [
        (r.request.url.path, r.status_code, r.text[:300])
        for r in responses
        if r.status_code not in (200, 201)
        and not (r.status_code == 503 and r.headers.get("Retry-After"))
    ]
    assert unexpected == [], site.server_output.text[-5000:]
    # and the same server process answers normally afterwards
    assert server.poll() is None
    assert httpx.get(f"{base}/healthz/ready").status_code == 200
    buyer = site.seed["buyers"][0]
    after = httpx.post(
        f"{base}/api/v1/orders/checkout",
        json={
            "address_id": buyer["address"],
            "lines": [{"sku_id": site.seed["sku"], "quantity": 1}],
        },
        headers={"Authorization": f"Bearer {buyer['token']}"},
    )
    assert after.status_code == 201
    # and the orders the burst created are all there, and only they
    assert audit["sold"] == len(created)
    assert audit["stock"] + audit["sold"] == STOCK
