"""The client address as the real server sees it: `manage.py serve` (uvicorn) in a child process.

Forwarded headers are trusted only from QUANZI_TRUSTED_PROXIES (default none), so rotating
X-Forwarded-For from 127.0.0.1 gives no fresh address, while a configured proxy's header names
the client (the right-most address it did not add itself)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from tests.circles.conftest_chat import (
    ROOT,
    free_port,
    run_django,
    server_env,
    wait_until_serving,
)
from tests.factories import PASSWORD

Serve = Callable[..., str]


@pytest.fixture(scope="module")
def site_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated file SQLite database for the servers of this module."""
    tmp = tmp_path_factory.mktemp("login-server")
    env = server_env(tmp / "db.sqlite3", QUANZI_VAR_DIR=str(tmp), MEDIA_ROOT=str(tmp / "media"))
    env["DJANGO_SETTINGS_MODULE"] = "tests.accounts.live_settings"
    run_django(env, "manage.py", "migrate", "--noinput")
    return env


@pytest.fixture
def serve(site_env: dict[str, str]) -> Iterator[Serve]:
    """`serve(**env)` starts `manage.py serve` on a free port and returns its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={**site_env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: uvicorn and the worker with it
        )
        started.append(proc)
        return wait_until_serving(proc, f"http://127.0.0.1:{port}", tries=600)

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # serve stops its children
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def post(base: str, path: str, body: dict[str, str], forwarded_for: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    request = urllib.request.Request(
        f"{base}/api/v1/{path}", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_rotating_x_forwarded_for_from_localhost_gives_no_fresh_address(serve: Serve):
    # given the server as `make run` starts it (no trusted proxy configured)
    base = serve()
    # when one client sprays one password over 60 names, a new X-Forwarded-For each time
    codes = [
        post(
            base,
            "accounts/token",
            {"identifier": f"someone{i}", "password": "Password123!"},
            forwarded_for=f"198.51.100.{i}",
        )
        for i in range(60)
    ]
    # then its own address (127.0.0.1) is what is limited
    assert codes[0] == 401
    assert 429 in codes, codes


def test_a_trusted_proxy_names_the_client(serve: Serve):
    # given a server behind a proxy on 127.0.0.1, and an account
    base = serve(QUANZI_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    signup = {"username": "alice", "password": PASSWORD, "phone": "13800000001"}
    assert post(base, "accounts/signup", signup) == 201
    guess = {"identifier": "alice", "password": "wrong-guess-1"}
    # when an attacker the proxy saw as 203.0.113.9 fails until refused
    codes = [post(base, "accounts/token", guess, forwarded_for="203.0.113.9") for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    # then a spoofed address in front of the proxy's entry does not help them
    spoofed = "198.51.100.20, 203.0.113.9, 10.1.2.3"
    assert post(base, "accounts/token", guess, forwarded_for=spoofed) == 429
    # and the owner, whom the proxy saw as 198.51.100.20, gets in
    owner = {"identifier": "alice", "password": PASSWORD}
    assert post(base, "accounts/token", owner, forwarded_for="198.51.100.20") == 200
