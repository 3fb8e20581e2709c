"""Liveness, readiness and Prometheus metrics (docs/operations.md "Health and metrics").

- `/healthz/live`: the process answers HTTP. Touches nothing else, so a database outage never
  makes an orchestrator restart servers that will recover by themselves.
- `/healthz/ready`: the process can serve: the database answers (and Redis, when REDIS_URL is
  set). 200, or 503 naming what failed, so a load balancer sends traffic elsewhere meanwhile.
- `/metrics`: Prometheus text format, for the addresses of QUANZI_METRICS_ALLOWED_NETWORKS
  (loopback by default) or a bearer QUANZI_METRICS_TOKEN; anyone else gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import ip_address

import prometheus_client
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Headers a reverse proxy adds: a request carrying one came through a proxy, so its loopback
# REMOTE_ADDR is the proxy's, not the client's.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_ping_database)}
    if settings.REDIS_URL:
        checks["redis"] = _check(_ping_redis)
    ok = all(result == "ok" for result in checks.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks})
    if not ok:
        response.status_code = 503
        response["Retry-After"] = str(settings.QUANZI_DB_RETRY_AFTER)
    return response


def _check(ping: Callable[[], None]) -> str:
    """The word ok, or the failure's class name (its message may name hosts and users)."""
    try:
        ping()
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    return "ok"


def _ping_database() -> None:
    timeout = float(settings.QUANZI_HEALTH_TIMEOUT)
    connection = connections["default"]
    pool = getattr(connection, "pool", None)
    if pool is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    # The pool the requests use, with a short wait of our own: a readiness probe must answer
    # quickly, and waiting for the pool's full timeout would say "busy" too late.
    pool.open()
    with pool.connection(timeout=timeout) as conn:
        conn.execute("SELECT 1")


def _ping_redis() -> None:
    import redis

    timeout = float(settings.QUANZI_HEALTH_TIMEOUT)
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.QUANZI_METRICS_TOKEN
    if token and constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return True
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    try:
        address = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.QUANZI_METRICS_ALLOWED_NETWORKS)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    response: HttpResponse = ExportToDjangoView(request)
    return response


class DatabasePoolCollector(Collector):
    """The psycopg pool's figures: connections open and idle, requests waiting, errors."""

    GAUGES = (
        ("pool_max", "Connections the pool may open."),
        ("pool_size", "Connections open or being opened."),
        ("pool_available", "Idle connections ready for a request."),
        ("requests_waiting", "Requests waiting for a connection now."),
    )
    COUNTERS = (
        ("requests_num", "Connections requested from the pool."),
        ("requests_queued", "Requests that had to wait for a connection."),
        ("requests_errors", "Requests that got no connection in time (answered 503)."),
        ("connections_errors", "Failed attempts to open a connection."),
        ("connections_lost", "Connections found broken and replaced."),
    )

    def describe(self) -> list[Metric]:
        # Without it the registry calls collect() when the collector is registered, at start-up,
        # which would create the pool before the settings are final (the test database's name).
        return []

    def collect(self) -> Iterator[Metric]:
        pool = getattr(connections["default"], "pool", None)
        if pool is None:
            return
        stats = pool.get_stats()
        for key, help_text in self.GAUGES:
            yield GaugeMetricFamily(f"quanzi_db_{key}", help_text, value=stats.get(key, 0))
        for key, help_text in self.COUNTERS:
            yield CounterMetricFamily(f"quanzi_db_{key}", help_text, value=stats.get(key, 0))
        yield CounterMetricFamily(
            "quanzi_db_requests_wait_seconds",
            "Time requests spent waiting for a connection.",
            value=stats.get("requests_wait_ms", 0) / 1000,
        )


def register_collectors() -> None:
    prometheus_client.REGISTRY.register(DatabasePoolCollector())
