"""Liveness, readiness and metrics: /healthz/live never touches the database, /healthz/ready says
what failed, /metrics is for loopback (or a configured network or token) only."""

from __future__ import annotations

import os
from ipaddress import ip_network

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from tests.circles.conftest_chat import free_port
from tests.core.conftest import refusing

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_the_database(django_assert_num_queries):
    # given a database that refuses connections
    with refusing(OperationalError("connection refused")), django_assert_num_queries(0):
        # when the liveness probe asks
        r = Client().get("/healthz/live")
    # then the process is alive: no query was needed to say so
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


@override_settings(REDIS_URL="")
def test_readiness_is_200_when_the_database_answers():
    r = Client().get("/healthz/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in r["Cache-Control"]


@override_settings(REDIS_URL="")
def test_readiness_is_503_naming_the_database_when_it_is_down():
    # given a database that refuses connections
    with refusing(OperationalError("connection to server at 10.1.2.3 failed")):
        # when the readiness probe asks
        r = Client().get("/healthz/ready")
    # then it is not ready, says which check failed, and leaks no host name
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert r.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable (OperationalError)"},
    }


def test_readiness_checks_redis_when_it_is_configured():
    # given a REDIS_URL where nothing listens
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        # when the readiness probe asks
        r = Client().get("/healthz/ready")
    # then Redis is named as what failed, the database is fine
    assert r.status_code == 503
    assert r.json()["checks"] == {"database": "ok", "redis": "unavailable (ConnectionError)"}


@pytest.mark.redis
def test_readiness_is_200_with_a_live_redis():
    with override_settings(REDIS_URL=os.environ["REDIS_URL"]):
        r = Client().get("/healthz/ready")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_metrics_are_served_to_loopback_in_prometheus_format(token_headers):
    # given a few requests, one of them answered 503 during an outage
    Client().get("/healthz/live")
    with refusing(OperationalError("connection refused")):
        Client(raise_request_exception=False).get("/api/v1/orders", headers=token_headers)
    # when Prometheus scrapes from the same machine
    r = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    # then it gets the request metrics and the outage counter
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    body = r.content.decode()
    assert "django_http_responses_total_by_status_total" in body
    assert 'quanzi_database_unavailable_responses_total{kind="api"}' in body


@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "10.0.0.5"},
        # a proxy on the same machine forwards a stranger's request: refused too
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer wrong"},
    ],
)
def test_metrics_are_refused_to_anyone_else(meta):
    with override_settings(QUANZI_METRICS_TOKEN="s3cret-scrape-token"):
        r = Client().get("/metrics", **meta)
    assert r.status_code == 403
    assert b"python_gc" not in r.content


def test_metrics_are_served_to_a_configured_network_and_to_the_token():
    with override_settings(
        QUANZI_METRICS_ALLOWED_NETWORKS=[ip_network("10.0.0.0/8")],
        QUANZI_METRICS_TOKEN="s3cret-scrape-token",
    ):
        from_network = Client().get("/metrics", REMOTE_ADDR="10.0.0.5")
        with_token = Client().get(
            "/metrics",
            REMOTE_ADDR="203.0.113.9",
            HTTP_AUTHORIZATION="Bearer s3cret-scrape-token",
        )
    assert (from_network.status_code, with_token.status_code) == (200, 200)
