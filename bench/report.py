"""Render bench/results/*.json into the tables of docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

TITLES = {
    "chat_fanout": "Chat fan-out: one circle, every member connected by WebSocket",
    "catalog_api": "Catalog API (embedded: SQLite, one uvicorn worker)",
    "checkout": "Checkout: one-click order creation (PostgreSQL, one uvicorn worker)",
}


def _chat_table(data: dict[str, Any]) -> str:
    m = data["machine"]
    base = data["results"][0]
    lines = [
        f"### {TITLES['chat_fanout']}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}; {data['config']['members']} members, "
        f"{data['config']['rate_per_s']} messages/s for {data['config']['seconds']} s; the "
        "in-memory layer is the baseline of the ratio.",
        "",
        "| Channel layer | deliveries/s | ratio | p50 ms | p99 ms | delivered / expected "
        "| server peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        ratio = round(r["delivered_per_s"] / base["delivered_per_s"], 3)
        rss = " + ".join(str(x) for x in r["server_peak_rss_mib"])
        lines.append(
            f"| {r['layer']} | {r['delivered_per_s']} | {ratio} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['delivered']} / {r['deliveries_expected']} | {rss} |"
        )
    return "\n".join(lines) + "\n"


def _table(data: dict[str, Any]) -> str:
    if data["suite"] == "chat_fanout":
        return _chat_table(data)
    m = data["machine"]
    lines = [
        f"### {TITLES.get(data['suite'], data['suite'])}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}; config: "
        + ", ".join(f"{k} {v}" for k, v in data["config"].items())
        + f"; server peak RSS {data['server_peak_rss_mib']} MiB.",
        "",
        "| Endpoint | req/s | ratio to baseline | p50 ms | p99 ms | p99 ratio | requests | 5xx "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        lines.append(
            f"| {r['name']} | {r['throughput']} | {r['throughput_ratio']} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['p99_ratio']} | {r['requests']} | {r['status_5xx']} | "
            f"{r['errors']} |"
        )
        if r.get("extra"):
            lines.append("")
            checks = ", ".join(f"{k} = {v}" for k, v in r["extra"].items())
            lines.append(f"Check after the run: {checks}")
    return "\n".join(lines) + "\n"


def write_performance_doc() -> None:
    parts = []
    for path in sorted((ROOT / "bench" / "results").glob("*.json")):
        parts.append(_table(json.loads(path.read_text())))
    body = "\n".join(parts) if parts else "No results yet: run `make bench`.\n"
    text = DOC.read_text() if DOC.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = f"{head}{BEGIN}\n{body}{END}{tail}"
    else:
        text += f"\n{BEGIN}\n{body}{END}\n"
    DOC.write_text(text)
