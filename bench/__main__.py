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


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--only", choices=["catalog_api", "checkout", "chat_fanout"], action="append"
    )
    parser.add_argument("--members", type=int, default=200, help="chat fan-out: members")
    parser.add_argument("--rate", type=float, default=10.0, help="chat fan-out: messages/s")
    args = parser.parse_args()
    chosen = args.only or ["catalog_api", "checkout", "chat_fanout"]
    pg_url = os.environ.get("QUANZI_BENCH_POSTGRES_URL") or os.environ.get(
        "QUANZI_TEST_POSTGRES_URL", DEFAULT_PG
    )
    if "catalog_api" in chosen:
        data = suites.catalog_api(args.duration, args.concurrency)
        print(f"catalog_api -> {save_results('catalog_api', data)}")
    if "checkout" in chosen:
        try:
            psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
        except psycopg.Error as exc:
            print(f"checkout: skipped, PostgreSQL not reachable ({exc})", file=sys.stderr)
        else:
            data = suites.checkout(args.duration, args.concurrency, pg_url)
            print(f"checkout -> {save_results('checkout', data)}")
    if "chat_fanout" in chosen:
        from bench.chat import chat_fanout

        redis_url = os.environ.get("QUANZI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        data = chat_fanout(args.members, args.rate, args.duration, redis_url or None)
        print(f"chat_fanout -> {save_results('chat_fanout', data)}")
    write_performance_doc()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
