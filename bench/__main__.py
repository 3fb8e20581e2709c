"""`make bench`: run the benchmark suites, save bench/results/*.json, refresh
docs/performance.md."""

from __future__ import annotations

import argparse
import os
import sys

import psycopg

from bench import suites
from bench.harness import save_results
from bench.report import write_performance_doc

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
SUITES = ["catalog_api", "checkout", "chat_fanout", "feed", "flash", "insights", "needs", "trust"]


def _postgres_reachable(suite: str, pg_url: str) -> bool:
    try:
        psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        print(f"{suite}: skipped, PostgreSQL not reachable ({exc})", file=sys.stderr)
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", choices=SUITES, action="append")
    parser.add_argument("--members", type=int, default=200, help="chat fan-out: members")
    parser.add_argument("--rate", type=float, default=10.0, help="chat fan-out: messages/s")
    parser.add_argument("--feed-users", type=int, default=100_000, help="feed: users")
    parser.add_argument("--feed-follows", type=int, default=1_000_000, help="feed: follows")
    parser.add_argument("--feed-notes", type=int, default=1_000_000, help="feed: notes")
    parser.add_argument("--feed-sample", type=int, default=300, help="feed: users measured")
    parser.add_argument("--feed-rounds", type=int, default=3, help="feed: passes measured")
    parser.add_argument("--flash-units", type=int, default=100, help="flash sale: units")
    parser.add_argument("--flash-buyers", type=int, default=2000, help="flash sale: buyers")
    parser.add_argument("--flash-threads", type=int, default=50, help="flash sale: threads")
    parser.add_argument("--insights-orders", type=int, default=1_000_000, help="insights: orders")
    parser.add_argument(
        "--insights-events", type=int, default=10_000_000, help="insights: raw tracking events"
    )
    parser.add_argument("--insights-links", type=int, default=50_000, help="insights: share links")
    parser.add_argument(
        "--insights-samples", type=int, default=10, help="insights: timings per page"
    )
    parser.add_argument(
        "--insights-rounds",
        type=int,
        default=2,
        help="insights: checkout measurements per mode (recording on / off)",
    )
    parser.add_argument(
        "--needs-messages", type=int, default=100_000, help="needs: chat messages in the week"
    )
    parser.add_argument(
        "--needs-previous", type=int, default=50_000, help="needs: messages the week before"
    )
    parser.add_argument(
        "--needs-chat", type=int, default=2000, help="needs: messages sent per mode (with/without)"
    )
    parser.add_argument("--trust-users", type=int, default=5000, help="trust: organic users")
    parser.add_argument("--trust-products", type=int, default=2000, help="trust: products")
    parser.add_argument(
        "--trust-seed",
        type=int,
        action="append",
        help="trust: a seed of the generated graph (repeat for several; default 1, 2, 3)",
    )
    args = parser.parse_args()
    chosen = args.only or SUITES
    pg_url = os.environ.get("QUANZI_BENCH_POSTGRES_URL") or os.environ.get(
        "QUANZI_TEST_POSTGRES_URL", DEFAULT_PG
    )
    if "catalog_api" in chosen:
        data = suites.catalog_api(args.duration, args.concurrency)
        print(f"catalog_api -> {save_results('catalog_api', data)}")
    if "checkout" in chosen and _postgres_reachable("checkout", pg_url):
        data = suites.checkout(args.duration, args.concurrency, pg_url)
        print(f"checkout -> {save_results('checkout', data)}")
    if "chat_fanout" in chosen:
        from bench.chat import chat_fanout

        redis_url = os.environ.get("QUANZI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        data = chat_fanout(args.members, args.rate, args.duration, redis_url or None)
        print(f"chat_fanout -> {save_results('chat_fanout', data)}")
    if "feed" in chosen and _postgres_reachable("feed", pg_url):
        from bench.feed import feed

        data = feed(
            args.feed_users,
            args.feed_follows,
            args.feed_notes,
            args.feed_sample,
            args.feed_rounds,
            pg_url,
        )
        print(f"feed -> {save_results('feed', data)}")
    if "flash" in chosen and _postgres_reachable("flash", pg_url):
        from bench.flash import flash

        redis_url = os.environ.get("QUANZI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        data = flash(
            args.flash_units, args.flash_buyers, args.flash_threads, pg_url, redis_url or None
        )
        print(f"flash -> {save_results('flash', data)}")
    if "insights" in chosen and _postgres_reachable("insights", pg_url):
        from bench.insights import insights

        data = insights(
            args.insights_orders,
            args.insights_events,
            args.insights_links,
            args.insights_samples,
            args.duration,
            args.concurrency,
            args.insights_rounds,
            pg_url,
        )
        print(f"insights -> {save_results('insights', data)}")
    if "needs" in chosen and _postgres_reachable("needs", pg_url):
        from bench.needs import needs

        data = needs(args.needs_messages, args.needs_previous, args.needs_chat, pg_url)
        print(f"needs -> {save_results('needs', data)}")
    if "trust" in chosen:
        from bench.trust import trust

        data = trust(args.trust_users, args.trust_products, args.trust_seed or [1, 2, 3])
        print(f"trust -> {save_results('trust', data)}")
    write_performance_doc()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
