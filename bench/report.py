"""Render bench/results/*.json into the tables of docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
# Suites with a section of their own in the doc (text around their table), between these.
OWN_MARKERS = {
    "feed": ("<!-- bench:feed:begin -->", "<!-- bench:feed:end -->"),
    "insights": ("<!-- bench:insights:begin -->", "<!-- bench:insights:end -->"),
    "trust": ("<!-- bench:trust:begin -->", "<!-- bench:trust:end -->"),
}

TITLES = {
    "needs": "Needs discovery",
    "chat_fanout": "Chat fan-out: one circle, every member connected by WebSocket",
    "catalog_api": "Catalog API (embedded: SQLite, one uvicorn worker)",
    "checkout": "Checkout: one-click order creation (PostgreSQL, one uvicorn worker)",
    "feed": "Home feed: hybrid fan-out against plain fan-out on read (PostgreSQL, in process)",
    "flash": "Flash sale (秒杀): database path against the Redis fast path (PostgreSQL)",
    "insights": "Merchant insights: pages against an indexed count, and the cost of recording "
    "(PostgreSQL)",
    "trust": "Fake reviews and 刷单 rings: the detector against a new-account + five-star "
    "baseline (generated graph, in process)",
}
FEED_DESIGNS = {
    "read": "fan-out on read (baseline, one query)",
    "hybrid": "hybrid, `home_feed` (chosen)",
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


def _feed_table(data: dict[str, Any]) -> str:
    m, c, d, s = data["machine"], data["config"], data["data"], data["sample"]
    rows, agree = d["rows"], data["agreement"]
    people = s["people_followed"]
    lines = [
        f"### {TITLES['feed']}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}. Data: {rows['users']:,} users, {rows['stores']:,} stores, "
        f"{rows['person_follows']:,} follows of people + {rows['store_follows']:,} of stores "
        f"(the most followed person has {d['most_followers_of_a_person']:,} followers), "
        f"{rows['person_notes']:,} notes of people + {rows['store_notes']:,} of stores, "
        f"{rows['feed_entries']:,} feed entries written on write. Measured: {s['users']} users "
        f"({s['heavy_followers']} heaviest followers, the rest at random; following "
        f"{people['min']}–{people['max']} people, median {people['median']}), page size "
        f"{c['page_size']}, each user timed {c['rounds']}× after a warm-up pass; reader peak RSS "
        f"{data['reader_peak_rss_mib']} MiB.",
        "",
        "| Design | page | p50 ms | p99 ms | mean ms | p50 ratio | p99 ratio | queries per page "
        "| pages timed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(data["results"], key=lambda r: (r["page"] != "first", r["design"] != "read")):
        ratio = data["ratio_hybrid_to_read"][r["page"]] if r["design"] == "hybrid" else None
        p50, p99 = (ratio["p50_ms"], ratio["p99_ms"]) if ratio else (1.0, 1.0)
        lines.append(
            f"| {FEED_DESIGNS.get(r['design'], r['design'])} | {r['page']} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['mean_ms']} | {p50} | {p99} | {r['queries_per_page']} | "
            f"{r['pages']} |"
        )
    tables = ", ".join(f"{k} {v} MiB" for k, v in d["table_mib"].items())
    steps = ", ".join(f"{k} {v}" for k, v in d["seconds"].items() if k != "total")
    lines += [
        "",
        f"Both designs showed the same notes on the first page for {agree['first_page']} of "
        f"{s['users']} users and on the next page for {agree['next_page']} (users who follow "
        f"only people: {agree['people_only_first']} of {agree['people_only_users']}).",
        "",
        f"Generation took {d['seconds']['total']} s ({steps}); sizes with indexes: {tables}.",
    ]
    return "\n".join(lines) + "\n"


def _flash_table(data: dict[str, Any]) -> str:
    m, c = data["machine"], data["config"]
    lines = [
        f"### {TITLES['flash']}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}; one slot of {c['units']} units per path, limit "
        f"{c['per_user_limit']} per person, {c['buyers']:,} buyers making one attempt each over "
        f"{c['threads']} threads calling `buy_flash_sale`; attempts/s over the whole burst, "
        "orders/s until the last order; oversell = orders beyond the units "
        "+ buyers over the limit (must be 0); Redis drift = Redis's stock minus the database's "
        "after the burst (must be 0; `redis_reconciling` rebuilds Redis over and over during it).",
        "",
        "| Path | attempts/s | orders/s | attempts | orders | refused | errors | stock left "
        "| oversell | Redis drift | sold out after s | burst s |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in data["results"]:
        refused = ", ".join(f"{k} {v}" for k, v in r["refused"].items()) or "0"
        lines.append(
            f"| {r['path']} | {r['attempts_per_s']} | {r['orders_per_s']} | {r['attempts']} | "
            f"{r['orders']} | {refused} | {r['errors']} | {r['stock_left']} | {r['oversell']} | "
            f"{r.get('redis_drift', '–')} | {r['sold_out_after_s']} | {r['seconds']} |"
        )
    return "\n".join(lines) + "\n"


def _insights_table(data: dict[str, Any]) -> str:
    m, c, d, p, k = data["machine"], data["config"], data["data"], data["pages"], data["checkout"]
    rows, big = d["rows"], d["big_store"]
    cascade = p["biggest_cascade"]
    base = p["baseline"]
    lines = [
        f"### {TITLES['insights']}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}. Data over {c['days']} days: {d['stores']} stores, "
        f"{d['users']:,} people; the big store has {big['orders']:,} orders ({big['paid']:,} "
        f"paid, {big['refunded_in_full']:,} refunded in full, {big['refunded_in_part']:,} in "
        f"part) of {rows['orders_order']:,} in all; {rows['insights_ordertouch']:,} order "
        f"touches; {rows['referrals_sharelink']:,} share links ({rows['referrals_visit']:,} "
        f"visits, {rows['referrals_attribution']:,} attributions, "
        f"{rows['referrals_commission']:,} commissions; the biggest cascade has "
        f"{cascade['size']:,} links, depth {cascade['depth']}, widest level "
        f"{cascade['max_breadth']}, structural virality {cascade['virality']}); "
        f"{rows['circles_membership']:,} circle members, {rows['circles_message']:,} messages; "
        f"{rows['tracking_event']:,} raw events rolled up into {rows['tracking_dailycount']:,} "
        f"daily counts, {rows['tracking_dailyvisitor']:,} daily visitors and "
        f"{rows['tracking_dailystep']:,} funnel steps.",
        "",
        f"Server time in process (the owner signed in, Django's test client: middleware, "
        f"view, queries, template), {c['samples_per_page']} timings per page after a warm-up "
        f"pass, against the baseline `SELECT count(*) FROM orders_order WHERE store_id = … "
        f"AND paid_at >= … AND paid_at < …` (index `order_store_paid_at`) timed in the same "
        f"rounds: 7 days p50 {base['7d']['p50_ms']} ms / p99 {base['7d']['p99_ms']} ms "
        f"({base['7d']['orders_counted']:,} orders), 30 days p50 {base['30d']['p50_ms']} ms / "
        f"p99 {base['30d']['p99_ms']} ms ({base['30d']['orders_counted']:,} orders); a page "
        "of the whole life (one cascade) is compared with the 30-day count. Reader peak RSS "
        f"{p['reader_peak_rss_mib']} MiB.",
        "",
        "| Page | period | p50 ms | p99 ms | p50 ratio | p99 ratio | queries | KiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in p["results"]:
        lines.append(
            f"| {r['page']} | {r['period']} | {r['p50_ms']} | {r['p99_ms']} | {r['p50_ratio']} "
            f"| {r['p99_ratio']} | {r['queries']} | {round(r['bytes'] / 1024, 1)} |"
        )
    runs = k["runs"]
    lines += [
        "",
        f"Checkout with recording on and off (`QUANZI_TRACKING=1` / `0`), the real server "
        f"(uvicorn, one worker) on the same database, {len(runs) // 2} × {c['checkout_duration_s']}"
        f" s per endpoint and mode in the order "
        + ", ".join("on" if r["tracking"] else "off" for r in runs)
        + f", {c['checkout_concurrency']} connections from {k['load_generator']}; buy-now "
        "creates an order (the API's buy-now records no event itself), add to cart records "
        "one `add_to_cart` event.",
        "",
        "| Endpoint | recording | req/s | ratio to health | p50 ms | p99 ms | requests | 5xx "
        "| errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("on", "off"):
        for name, r in k["summary"][mode].items():
            lines.append(
                f"| {name} | {mode} | {r['throughput']} | {r['ratio_to_health']} | "
                f"{r['p50_ms']} | {r['p99_ms']} | {r['requests']} | {r['status_5xx']} | "
                f"{r['errors']} |"
            )
    ratios = ", ".join(f"{n} {v}" for n, v in k["throughput_ratio_on_to_off"].items())
    written = [
        ", ".join(f"{kind} {n}" for kind, n in r["events_written"].items()) or "none" for r in runs
    ]
    check = k["check"]
    steps = ", ".join(f"{key} {v}" for key, v in d["seconds"].items() if key != "total")
    tables = ", ".join(f"{key} {v}" for key, v in d["table_mib"].items())
    lines += [
        "",
        f"Throughput ratio, recording on ÷ off: {ratios}. Events written per run: "
        + "; ".join(
            f"{'on' if r['tracking'] else 'off'}: {w}" for r, w in zip(runs, written, strict=True)
        )
        + f". Check after the runs: orders_in_db = {check['orders_in_db']}, units_taken = "
        f"{check['units_taken']}, consistent = {check['consistent']}.",
        "",
        f"Generation took {d['seconds']['total']} s ({steps}); sizes with indexes (MiB): {tables}.",
    ]
    return "\n".join(lines) + "\n"


def _needs_table(data: dict[str, Any]) -> str:
    m, c = data["machine"], data["config"]
    path, worker, digest = data["chat_path"], data["worker"], data["digest"]
    w, wo = path["with_receivers"], path["without_receivers"]
    return "\n".join(
        [
            "### Needs discovery: the chat path, the worker's analysis, the weekly digest",
            "",
            f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
            f"Python {m['python']}; {c['database']}, {c['members']} members, seed {c['seed']}.",
            "",
            "| Chat path (send_message and its commit) | messages | mean ms | p50 ms | p99 ms |",
            "|---|---:|---:|---:|---:|",
            f"| without the needs receivers | {wo['messages']} | {wo['mean_ms']} | "
            f"{wo['p50_ms']} | {wo['p99_ms']} |",
            f"| with them (collect + queue) | {w['messages']} | {w['mean_ms']} | "
            f"{w['p50_ms']} | {w['p99_ms']} |",
            f"| added per message | | {path['added_mean_ms']} | {path['added_p50_ms']} | |",
            "",
            f"Worker ({worker['model']} model): {worker['items']} items in {worker['seconds']} s, "
            f"{worker['items_per_second']} items/s.",
            "",
            f"Weekly digest over {data['data']['messages']} messages (and "
            f"{data['data']['previous_week_messages']} the week before): median "
            f"{digest['median_seconds']} s ({digest['seconds']}), peak traced memory "
            f"{digest['peak_traced_mib']} MiB, {digest['queries']} queries; "
            f"{digest['unanswered']} questions left unanswered.",
            "",
        ]
    )


def _trust_table(data: dict[str, Any]) -> str:
    from bench.trust import table

    m, c, sc = data["machine"], data["config"], data["fraudar_scale"]
    g = data["graphs"]
    sizes = ", ".join(
        f"seed {x['seed']}: {x['accounts']:,} accounts, {x['reviews']:,} reviews "
        f"({x['edges']:,} distinct edges), {x['ring_accounts']} ring accounts writing "
        f"{x['ring_reviews']} target reviews"
        for x in g
        if x["camouflage"] == 0.5 and x["scenario"] == "rings"
    )
    shares = ", ".join(
        f"{x['camouflage']:.0%} → {x['camouflage_share']:.1%}"
        for x in g
        if x["seed"] == g[0]["seed"] and x["scenario"] == "rings"
    )
    lines = [
        f"### {TITLES['trust']}",
        "",
        f"Run {data['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}; {c['users']:,} organic users, {c['products']:,} products, "
        f"{c['rings_per_graph']} rings per graph, seeds {', '.join(str(s) for s in c['seeds'])}; "
        f"at 50 % camouflage {sizes}. Flags: review score ≥ {c['review_flag']}, account score "
        f"≥ {c['account_flag']}. {c['camouflage'][0].upper()}{c['camouflage'][1:]}; realised "
        f"share of the rings' reviews (seed {g[0]['seed']}): {shares}. Baseline: "
        f"{c['baseline']}. FRAUDAR only: {c['fraudar_only']}.",
        "",
        table(data),
        "",
        f"Careful rings: {c['careful']}.",
        "",
        table(data, "careful rings"),
        "",
        f"`analyse` on the full graph: median {data['analyse_wall_s']['median']} s wall "
        f"({data['analyse_cpu_s']['median']} s CPU), slowest {data['analyse_wall_s']['max']} s "
        f"wall ({data['analyse_cpu_s']['max']} s CPU) over the {data['analyse_graphs']} "
        "graphs of the table (all signals, near-duplicate texts, FRAUDAR, scoring). FRAUDAR "
        f"alone on {sc['users']:,} users × {sc['products']:,} products with {sc['edges']:,} "
        f"edges: one peel {sc['peel_wall_s']} s wall ({sc['peel_cpu_s']} s CPU), ten blocks "
        f"{sc['ten_blocks_wall_s']} s wall ({sc['ten_blocks_cpu_s']} s CPU).",
    ]
    return "\n".join(lines) + "\n"


def _table(data: dict[str, Any]) -> str:
    if data["suite"] == "trust":
        return _trust_table(data)
    if data["suite"] == "insights":
        return _insights_table(data)
    if data["suite"] == "flash":
        return _flash_table(data)
    if data["suite"] == "chat_fanout":
        return _chat_table(data)
    if data["suite"] == "feed":
        return _feed_table(data)
    if data["suite"] == "needs":
        return _needs_table(data)
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


def _put_between(text: str, begin: str, end: str, body: str) -> str:
    """`text` with what stands between the markers replaced by `body` (both appended at the
    end when missing)."""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        return f"{head}{begin}\n{body}{end}{tail}"
    return text + f"\n{begin}\n{body}{end}\n"


def write_performance_doc() -> None:
    parts, own = [], {}
    for path in sorted((ROOT / "bench" / "results").glob("*.json")):
        data = json.loads(path.read_text())
        if data["suite"] in OWN_MARKERS:
            own[data["suite"]] = _table(data)
        else:
            parts.append(_table(data))
    body = "\n".join(parts) if parts else "No results yet: run `make bench`.\n"
    text = _put_between(DOC.read_text() if DOC.exists() else "", BEGIN, END, body)
    for suite, table in own.items():
        text = _put_between(text, *OWN_MARKERS[suite], table)
    DOC.write_text(text)
