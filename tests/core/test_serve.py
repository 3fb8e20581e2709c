"""`manage.py serve` (what `make run` starts) keeps the site up: a child that dies, the server
or the task worker, is started again with a log line instead of serve stopping everything; and
Ctrl-C still stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.circles.conftest_chat import ROOT, free_port, run_django, server_env

DEADLINE_SECONDS = 60  # a hang guard for each wait, not a timing assertion


def children(pid: int) -> dict[str, int]:
    """The live child processes of `pid`, as {"server" | "worker": pid}."""
    found = {}
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return {}
    for child in map(int, listed):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{child}/stat").read_text().split(") ", 1)[1][0]
        except FileNotFoundError:
            continue
        if state != "Z":
            found["server" if "uvicorn" in cmdline else "worker"] = child
    return found


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, list[str]]]:
    env = server_env(tmp_path / "serve.sqlite3", MEDIA_ROOT=str(tmp_path / "media"))
    run_django(env, "manage.py", "migrate", "--noinput")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's job
    )
    output: list[str] = []
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(
        target=lambda: output.extend(line.decode(errors="replace") for line in stdout),
        daemon=True,
    )
    reader.start()
    try:
        yield proc, f"http://127.0.0.1:{port}", output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_serve_restarts_a_crashed_child_and_ctrl_c_stops_both(serve):
    proc, base, output = serve
    # given serve running its server and its task worker
    wait_for(lambda: answers(base) and len(children(proc.pid)) == 2, "serve to start")
    first = children(proc.pid)
    # when the task worker is killed (as the out-of-memory killer would)
    os.kill(first["worker"], signal.SIGKILL)
    # then serve is still running and starts another worker
    wait_for(
        lambda: children(proc.pid).get("worker", first["worker"]) != first["worker"], "a worker"
    )
    assert proc.poll() is None
    # when the server is killed too
    os.kill(first["server"], signal.SIGKILL)
    # then another server answers
    wait_for(
        lambda: children(proc.pid).get("server", first["server"]) != first["server"], "a server"
    )
    wait_for(lambda: answers(base), "the new server to answer")
    second = children(proc.pid)
    # and each restart was logged
    log = "".join(output)
    assert f"the task worker (pid {first['worker']}) exited with code -9; restarting" in log
    assert f"the server (pid {first['server']}) exited with code -9; restarting" in log
    # when Ctrl-C reaches the terminal's process group
    os.killpg(proc.pid, signal.SIGINT)
    # then serve stops both children and exits cleanly
    assert proc.wait(timeout=DEADLINE_SECONDS) == 0
    assert not any(alive(pid) for pid in second.values())
    assert not answers(base)
