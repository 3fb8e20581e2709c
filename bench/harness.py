"""Benchmark harness: start the real ASGI server, drive it with a bounded async load from a
second process, and report throughput, latency percentiles and the server's peak memory.

Every suite compares an endpoint against a baseline served by the same server configuration in
the same run, so the ratio means something on any machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@contextmanager
def scratch_database(postgres_url: str, prefix: str) -> Iterator[str]:
    """A new PostgreSQL database on the server of `postgres_url` for one suite; yields its URL
    and drops it afterwards, whatever happened."""
    server_url = postgres_url.rsplit("/", 1)[0]
    name = f"{prefix}_{int(time.time())}"
    with psycopg.connect(server_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url}/{name}"
    finally:
        with psycopg.connect(server_url + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command with the bench environment; return its stdout."""
    out = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def bench_env(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        {
            "QUANZI_VAR_DIR": str(var_dir),
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
            "QUANZI_SANDBOX_DELIVERY": "inline",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def server(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """Run uvicorn (one worker, as `make run` does) and yield (base url, pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "quanzi.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    status_5xx: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


RequestFn = Callable[[httpx.AsyncClient, int], Any]


async def _drive(
    base: str, make_request: RequestFn, concurrency: int, duration: float, max_requests: int
) -> tuple[list[float], int, int, list[int], float]:
    latencies: list[float] = []
    statuses: list[int] = []
    errors = 0
    counter = 0
    stop_at = time.monotonic() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors, counter
            while time.monotonic() < stop_at and counter < max_requests:
                n = counter
                counter += 1
                t0 = time.perf_counter()
                try:
                    response = await make_request(client, n)
                    statuses.append(response.status_code)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return latencies, errors, counter, statuses, elapsed


def run_load(
    name: str,
    base: str,
    make_request: RequestFn,
    *,
    concurrency: int = 16,
    duration: float = 10.0,
    max_requests: int = 200_000,
) -> LoadResult:
    """A bounded closed-loop load: `concurrency` clients for `duration` seconds at most."""
    latencies, errors, _count, statuses, elapsed = asyncio.run(
        _drive(base, make_request, concurrency, duration, max_requests)
    )
    ok = [s for s in statuses if s < 500]
    return LoadResult(
        name=name,
        requests=len(statuses),
        errors=errors,
        status_5xx=len(statuses) - len(ok),
        seconds=round(elapsed, 2),
        throughput=round(len(statuses) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(percentile(latencies, 50), 2),
        p99_ms=round(percentile(latencies, 99), 2),
    )


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def save_results(suite: str, payload: dict[str, Any]) -> Path:
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{suite}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path
