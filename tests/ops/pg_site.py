"""A real server on a PostgreSQL database of its own, for the fault and burst tests.

The database `quanzi_<kind>_<random>` is a copy of this test worker's (migrated) test database,
owned by a role of the same name that is not a superuser and may open at most
CONNECTION_LIMIT connections: PostgreSQL holds such a role to the limit (a superuser is let
through), so a server that opens a connection per request meets "too many connections" here,
as on a small production database, instead of taking the slots of the tests running beside it.
Only this database is ever closed to connections, and it is dropped, with its role, at the end.

The server is uvicorn (LiveSite of tests/circles/conftest_chat.py) with the settings of
production: the psycopg pool, the database task queue, the sandbox provider's webhooks handled
in-process on commit.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connections
from psycopg import sql

from tests.circles.conftest_chat import ROOT, LiveSite, run_django, server_env

CONNECTION_LIMIT = 20

# The mark of a test on a site: the test database is set up (it is the site's template), no
# transaction holds it open (a template must be idle), and as the test writes nothing there
# the flush after it is limited to one small app.
OWN_DATABASE = pytest.mark.django_db(transaction=True, available_apps=["quanzi.core"])
CSRF_SECRET = "faultfaultfaultfaultfaultfault12"  # a 32-character CSRF secret for the cookie

SCRIPT = """
import json, django
django.setup()
from tests.ops import pg_site
print("RESULT" + json.dumps(pg_site.{function}(**json.loads({arguments!r}))))
"""


def run_in_site(env: dict[str, str], function: str, **arguments: Any) -> Any:
    """Call `tests.ops.pg_site.<function>(**arguments)` in a process on the site's database."""
    out = run_django(env, "-c", SCRIPT.format(function=function, arguments=json.dumps(arguments)))
    return json.loads(out.split("RESULT", 1)[1])


@dataclass
class Output:
    """A child process's output, read as it comes (a full pipe would block the child)."""

    lines: list[str] = field(default_factory=list)

    def follow(self, stream: Any) -> None:
        def read() -> None:
            for line in stream:
                self.lines.append(line.decode(errors="replace"))

        threading.Thread(target=read, daemon=True).start()

    @property
    def text(self) -> str:
        return "".join(self.lines)


@dataclass
class PgSite:
    name: str
    admin_url: str
    env: dict[str, str]
    seed: dict[str, Any]
    live: LiveSite
    base: str = ""
    server: subprocess.Popen[bytes] | None = None
    server_output: Output = field(default_factory=Output)
    worker: subprocess.Popen[bytes] | None = None
    worker_output: Output = field(default_factory=Output)

    def start_server(self) -> str:
        self.base = self.live.start()
        self.server = self.live.servers[-1][0]
        self.server_output.follow(self.server.stderr)
        return self.base

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "task_worker", "--queue-name", "*", "--no-reload"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.worker_output.follow(self.worker.stdout)

    def refuse_connections(self) -> None:
        """The outage: nobody may connect to the site's database, and its sessions are cut."""
        with self._admin() as admin:
            admin.execute(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(
                    sql.Identifier(self.name)
                )
            )
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            )

    def allow_connections(self) -> None:
        with self._admin() as admin:
            admin.execute(
                sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(
                    sql.Identifier(self.name)
                )
            )

    def call(self, function: str, **arguments: Any) -> Any:
        return run_in_site(self.env, function, **arguments)

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_url, autocommit=True)

    def stop(self) -> None:
        self.live.stop()
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(10)
            except subprocess.TimeoutExpired:
                self.worker.kill()


def _with_database(url: str, name: str, user: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user or parts.username or 'postgres'}@{host}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, f"/{name}", parts.query, ""))


def _copy_test_database(admin: psycopg.Connection[Any], name: str, template: str) -> None:
    """CREATE DATABASE … TEMPLATE needs the template without sessions: close this process's
    (its pool too), then retry briefly while PostgreSQL notices the closed ones.

    A session can outlive its user: a connection taken by a thread of an earlier test that
    ended without closing it. The template is this test worker's own database (pytest-django
    gives each xdist worker its own) and no other test runs in this worker now, so any session
    still on it is such a leftover, and is ended."""
    connections.close_all()
    connections["default"].close_pool()  # type: ignore[attr-defined]
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
        sql.Identifier(name), sql.Identifier(template), sql.Identifier(name)
    )
    for attempt in range(50):
        try:
            admin.execute(create)
            return
        except psycopg.errors.ObjectInUse:
            if attempt >= 10:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [template],
                )
            time.sleep(0.1)
    admin.execute(create)


@contextmanager
def pg_site(kind: str, *, buyers: int, stock: int, **server_settings: str) -> Iterator[PgSite]:
    """A seeded copy of the test database and its environment; the server is not started."""
    test_url = os.environ["DATABASE_URL"]
    template = connections["default"].settings_dict["NAME"]
    name = f"quanzi_{kind}_{secrets.token_hex(4)}"
    admin_url = _with_database(test_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT {}").format(
                sql.Identifier(name), sql.Literal(CONNECTION_LIMIT)
            )
        )
        try:
            _copy_test_database(admin, name, template)
            with psycopg.connect(_with_database(test_url, name), autocommit=True) as db:
                for grant in (
                    "GRANT ALL ON SCHEMA public TO {}",
                    "GRANT ALL ON ALL TABLES IN SCHEMA public TO {}",
                    "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {}",
                ):
                    db.execute(sql.SQL(grant).format(sql.Identifier(name)))
            env = server_env(Path(os.devnull))
            env.update(
                DATABASE_URL=_with_database(test_url, name, user=name),
                QUANZI_SANDBOX_DELIVERY="inline",
                **server_settings,
            )
            seed = run_in_site(env, "seed", buyers=buyers, stock=stock)
            site = PgSite(name, admin_url, env, seed, LiveSite(Path(os.devnull), env, seed, []))
            try:
                yield site
            finally:
                site.stop()
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


# --- Run inside the site's database (run_in_site) ---------------------------------------------


def seed(buyers: int, stock: int) -> dict[str, Any]:
    """A store selling one SKU, and buyers with an address, an API token and a signed-in
    session each."""
    from django.test import Client

    from quanzi.accounts.models import ApiToken
    from tests.factories import (
        AddressFactory,
        ProductFactory,
        SkuFactory,
        UserFactory,
        store_with_owner,
    )

    store = store_with_owner(UserFactory(username="fault_owner"))
    sku = SkuFactory(product=ProductFactory(store=store, title="压测咖啡豆"), stock=stock)
    people = []
    for i in range(buyers):
        user = UserFactory(username=f"fault_buyer{i}")
        address = AddressFactory(user=user)
        browser = Client()
        browser.force_login(user)
        _, token = ApiToken.issue(user)
        session = browser.cookies["sessionid"].value
        people.append({"token": token, "session": session, "address": address.pk})
    return {"sku": sku.pk, "product": sku.product_id, "stock": stock, "buyers": people}


def audit(sku: str) -> dict[str, Any]:
    """What the database holds once the load is over: orders, stock, money.

    A sandbox event whose in-process delivery was cut off by the outage is still undelivered;
    it is delivered first, as the provider's retries would (they run on the task worker in
    production), so that every charge the buyer confirmed has reached its order."""
    from django.db.models import Count, Sum

    from quanzi.catalog.models import Sku
    from quanzi.ledger.services import check_ledger
    from quanzi.orders.models import Order, OrderItem
    from quanzi.payments.models import PartOutcome, PaymentOrder
    from quanzi.payments.providers.sandbox import deliver_inline
    from quanzi.payments.providers.sandbox_models import SandboxEvent

    undelivered = list(SandboxEvent.objects.filter(delivered_at=None).values_list("pk", flat=True))
    for event_id in undelivered:
        deliver_inline(event_id)
    return {
        "orders": dict(Order.objects.values_list("pk", "status")),
        "paid_parts": {
            row["order_id"]: row["n"]
            for row in PaymentOrder.objects.filter(outcome=PartOutcome.PAID)
            .values("order_id")
            .annotate(n=Count("pk"))
        },
        "stock": Sku.objects.get(pk=sku).stock,
        "sold": OrderItem.objects.filter(sku_id=sku).aggregate(n=Sum("quantity"))["n"] or 0,
        "ledger_problems": check_ledger(),
        "redelivered_events": len(undelivered),
    }
