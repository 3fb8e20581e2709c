"""Chat fan-out: one circle, N connected members, messages sent at a steady rate; how many
deliveries per second and how long from send to delivery, for the in-memory channel layer (one
server process) and the Redis layer (two server processes, members split between them), in one
run."""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import websockets

from bench.harness import PYTHON, ROOT, bench_env, machine, manage, peak_rss_mib, percentile, server


async def _fan_out(
    urls: list[str], sessions: list[str], rate: float, seconds: float
) -> dict[str, Any]:
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    delivered = 0
    expected_each = int(rate * seconds)

    async def member(i: int, ready: asyncio.Event) -> None:
        nonlocal delivered
        url = urls[i % len(urls)]
        headers = {"Cookie": f"sessionid={sessions[i]}", "Origin": "http://127.0.0.1"}
        async with websockets.connect(
            url + "?after=0", additional_headers=headers, max_queue=None
        ) as ws:
            ready.set()
            seen = 0
            while seen < expected_each:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=seconds + 30)
                except TimeoutError:
                    break
                frame = json.loads(raw)
                if frame.get("type") != "message":
                    continue
                cid = frame["message"].get("client_id")
                if cid in sent_at:
                    latencies.append((time.perf_counter() - sent_at[cid]) * 1000)
                    delivered += 1
                    seen += 1

    readies = [asyncio.Event() for _ in sessions]
    tasks = [asyncio.create_task(member(i, readies[i])) for i in range(len(sessions))]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), timeout=120)
    headers = {"Cookie": f"sessionid={sessions[0]}", "Origin": "http://127.0.0.1"}
    async with websockets.connect(urls[0] + "?after=0", additional_headers=headers) as sender:
        start = time.perf_counter()
        for n in range(expected_each):
            target = start + n / rate
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            cid = uuid.uuid4().hex
            sent_at[cid] = time.perf_counter()
            await sender.send(json.dumps({"type": "send", "client_id": cid, "text": f"消息 {n}"}))
        await asyncio.wait(tasks, timeout=seconds + 60)
        elapsed = time.perf_counter() - start
    want = expected_each * len(sessions)
    return {
        "members": len(sessions),
        "messages": expected_each,
        "send_rate_per_s": rate,
        "deliveries_expected": want,
        "delivered": delivered,
        "delivered_per_s": round(delivered / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "seconds": round(elapsed, 1),
    }


def chat_fanout(members: int, rate: float, seconds: float, redis_url: str | None) -> dict[str, Any]:
    rows = []
    for layer in ("in-memory", "redis"):
        if layer == "redis" and not redis_url:
            continue
        with tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp:
            env = bench_env(Path(tmp))
            if layer == "redis":
                env["REDIS_URL"] = str(redis_url)
                env["QUANZI_CACHE_PREFIX"] = f"bench{int(time.time())}"
            manage(env, "migrate", "--noinput")
            seeded = json.loads(
                subprocess.run(
                    [PYTHON, "-m", "bench.seed_chat", str(members)],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            processes = 2 if layer == "redis" else 1
            with ExitStack() as stack:
                servers = [stack.enter_context(server(env)) for _ in range(processes)]
                urls = [
                    base.replace("http", "ws") + f"/ws/circles/{seeded['circle']}/"
                    for base, _pid in servers
                ]
                result = asyncio.run(_fan_out(urls, seeded["sessions"], rate, seconds))
                result["layer"] = (
                    f"{layer} ({processes} server process{'es' if processes > 1 else ''})"
                )
                result["server_peak_rss_mib"] = [peak_rss_mib(pid) for _b, pid in servers]
            rows.append(result)
    return {
        "suite": "chat_fanout",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {"members": members, "rate_per_s": rate, "seconds": seconds},
        "results": rows,
    }
