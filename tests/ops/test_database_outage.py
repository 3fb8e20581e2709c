"""FAULT: the real server, under a steady load of buyers placing and paying orders over HTTP,
loses its PostgreSQL database for about ten seconds and gets it back.

While the database refuses connections every answer is a success (201 for the order, 200 for
its payment, the 302 back from a confirmed pay page) or a 503 with Retry-After (never a 500,
never a reset connection); the buyers retry their 503s with the same Idempotency-Key.
Afterwards, without any restart, the server serves again by itself, every order a buyer was
told about exists exactly once and no other, stock and ledger reconcile, every confirmed charge
has paid its order once, and the task worker has waited the outage out.

The figures (answers during the outage by status, orders before and after, recovery time) are
printed and written to var/ops/database-outage.json.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ops.pg_site import CSRF_SECRET, OWN_DATABASE, PgSite, pg_site

pytestmark = [pytest.mark.postgres, OWN_DATABASE]

BUYERS = 8
STOCK = 100_000
OUTAGE_SECONDS = 10
# Buyers retry a 503 sooner than its Retry-After asks, to keep the load up during the outage
# and to see the first moment the server is back.
RETRY_PAUSE_SECONDS = 0.3
HANG_GUARD_SECONDS = 90  # a bound on each wait, so a hang fails the test instead of the run
FIGURES = Path(__file__).resolve().parents[2] / "var" / "ops" / "database-outage.json"


@dataclass
class Answer:
    step: str
    sent: float
    received: float
    status: int | None  # None: no HTTP answer at all (reset, refused, timed out)
    retry_after: str | None = None
    error: str = ""


class UnexpectedAnswer(Exception):
    pass


@dataclass
class Buyer:
    """Places one order, opens its payment and confirms the pay page, again and again."""

    base: str
    token: str
    session: str
    address: str
    sku: str
    stop: threading.Event
    answers: list[Answer] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> order id
    confirmed: list[str] = field(default_factory=list)
    cycles_started: list[float] = field(default_factory=list)
    cycles_done: list[float] = field(default_factory=list)
    replays: int = 0  # creations answered 201 after an earlier 503 with the same key
    failure: str = ""

    def run(self) -> None:
        with httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token}", "Accept-Language": "en"},
            cookies={"sessionid": self.session, "csrftoken": CSRF_SECRET},
            timeout=30,
        ) as client:
            try:
                while not self.stop.is_set():
                    self.cycle(client)
            except Exception as exc:
                self.failure = repr(exc)

    def paid_since(self, moment: float) -> bool:
        """Whether a cycle begun at `moment` or later has been completed."""
        return any(start >= moment for start in self.cycles_started[: len(self.cycles_done)])

    def cycle(self, client: httpx.Client) -> None:
        self.cycles_started.append(time.monotonic())
        key = uuid.uuid4().hex
        body = {"address_id": self.address, "lines": [{"sku_id": self.sku, "quantity": 1}]}
        created, attempts = self.call(
            client, "checkout", "/api/v1/orders/checkout", {201}, json=body, key=key
        )
        order_id = created.json()[0]["id"]
        self.orders[key] = order_id
        self.replays += attempts > 1
        pay, _ = self.call(client, "pay", f"/api/v1/orders/{order_id}/pay", {200}, key=key + "p")
        pay_page = httpx.URL(pay.json()["pay_url"]).path
        self.call(
            client, "confirm", f"{pay_page}confirm/", {302}, headers={"X-CSRFToken": CSRF_SECRET}
        )
        self.confirmed.append(order_id)
        self.cycles_done.append(time.monotonic())

    def call(
        self,
        client: httpx.Client,
        step: str,
        path: str,
        ok: set[int],
        key: str | None = None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, int]:
        """POST until a success; retry only a 503 with Retry-After (or no answer at all)."""
        headers = dict(kwargs.pop("headers", {}))
        if key:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        attempts = 0
        while time.monotonic() < deadline:
            attempts += 1
            sent = time.monotonic()
            try:
                r = client.post(path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                self.answers.append(Answer(step, sent, time.monotonic(), None, error=repr(exc)))
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            retry_after = r.headers.get("Retry-After")
            self.answers.append(Answer(step, sent, time.monotonic(), r.status_code, retry_after))
            if r.status_code in ok:
                return r, attempts
            if r.status_code == 503 and retry_after:
                time.sleep(min(float(retry_after), RETRY_PAUSE_SECONDS))
                continue
            raise UnexpectedAnswer(f"{step} answered {r.status_code}: {r.text[:2000]}")
        raise UnexpectedAnswer(f"{step} never succeeded")


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def by_status(answers: list[Answer]) -> dict[str, int]:
    return dict(sorted(Counter(str(a.status or a.error[:40]) for a in answers).items()))


@pytest.fixture
def site() -> Any:
    with pg_site(
        "fault",
        buyers=BUYERS,
        stock=STOCK,
        QUANZI_DB_POOL_MIN_SIZE="2",
        QUANZI_DB_POOL_MAX_SIZE="6",
        # A request waits at most this long for a connection before its 503.
        QUANZI_DB_POOL_TIMEOUT="2",
    ) as made:
        yield made


def test_the_server_survives_a_database_outage_under_load(site: PgSite, record_property: Any):
    # given the server and the task worker running on their own database
    base = site.start_server()
    site.start_worker()
    server_pid = site.server.pid  # type: ignore[union-attr]
    seed = site.seed
    stop = threading.Event()
    buyers = [
        Buyer(base, b["token"], b["session"], b["address"], seed["sku"], stop)
        for b in seed["buyers"]
    ]
    threads = [threading.Thread(target=b.run) for b in buyers]
    for thread in threads:
        thread.start()
    try:
        # ... and buyers ordering and paying steadily
        wait_until(lambda: all(b.cycles_done or b.failure for b in buyers), "a first payment")
        orders_before = sum(len(b.orders) for b in buyers)
        # when the database refuses every connection for OUTAGE_SECONDS and cuts its sessions
        cut_at = time.monotonic()
        site.refuse_connections()
        time.sleep(OUTAGE_SECONDS)
        site.allow_connections()
        back_at = time.monotonic()
        # ... and the buyers go on until each has paid an order begun after its return
        wait_until(
            lambda: all(b.failure or b.paid_since(back_at) for b in buyers),
            "every buyer to pay again",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(HANG_GUARD_SECONDS)
    answers = sorted((a for b in buyers for a in b.answers), key=lambda a: a.sent)
    during = [a for a in answers if cut_at <= a.received <= back_at]
    served_after = [a for a in answers if a.sent >= back_at and a.status in (200, 201, 302)]
    audit = site.call("audit", sku=seed["sku"])
    told = {order_id for b in buyers for order_id in b.orders.values()}
    figures = {
        "buyers": BUYERS,
        "outage_seconds": OUTAGE_SECONDS,
        "answers_during_outage_by_status": by_status(during),
        "answers_in_all_by_status": by_status(answers),
        "orders_before_outage": orders_before,
        "orders_after": len(audit["orders"]),
        "orders_created_after_a_503_retry_with_the_same_key": sum(b.replays for b in buyers),
        "recovery_seconds": (
            round(min(a.received for a in served_after) - back_at, 2) if served_after else None
        ),
        "webhooks_redelivered_after_the_outage": audit["redelivered_events"],
    }
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2))
    FIGURES.with_suffix(".server.log").write_text(site.server_output.text)
    record_property("figures", json.dumps(figures))
    print("database outage figures:", json.dumps(figures, indent=2))

    # then no buyer met anything but successes and 503s with Retry-After ...
    assert [b.failure for b in buyers if b.failure] == [], FIGURES.with_suffix(".server.log")
    assert [a for a in answers if a.status is None] == [], "a connection was reset or refused"
    assert all(a.retry_after for a in answers if a.status == 503)
    assert during, "the load did not reach the outage"
    # ... the same server process (never restarted) answers, and the worker waited it out
    assert site.server.poll() is None and site.server.pid == server_pid  # type: ignore[union-attr]
    assert httpx.get(f"{base}/healthz/ready").status_code == 200
    # (the worker probes the database on a backoff of up to 30 s: it may be back a bit later)
    wait_until(lambda: "the database is back" in site.worker_output.text, "the worker")
    assert "the database is unavailable" in site.worker_output.text
    assert site.worker.poll() is None, site.worker_output.text[-3000:]  # type: ignore[union-attr]
    # ... every order a buyer was told about exists once, and there is no other
    assert set(audit["orders"]) == told
    # ... stock and ledger reconcile
    assert audit["stock"] + audit["sold"] == STOCK
    assert audit["sold"] == len(told)
    assert audit["ledger_problems"] == []
    # ... and every confirmed pay page paid its order exactly once
    confirmed = {order_id for b in buyers for order_id in b.confirmed}
    assert {o for o, status in audit["orders"].items() if status == "paid"} == confirmed
    assert all(audit["paid_parts"].get(order_id) == 1 for order_id in confirmed)
