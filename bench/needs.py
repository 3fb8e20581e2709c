"""Needs discovery at scale (`python -m bench --only needs`), on a scratch PostgreSQL database:

1. **The chat path with and without the needs receivers**, in the same run: members send text
   messages through `circles.services.chat.send_message` (its transaction, then what the commit
   sends), alternating rounds with the receivers connected (collect the item, queue the
   analysis) and disconnected. The analysis itself never runs on this path.
2. **The worker's analysis throughput**: `analyse_pending` over the items the first step made
   (the configured text model, batches of 200), items per second.
3. **The weekly digest over 100,000 messages**: a generated week of chat (messages and their
   analysed items, wish mentions, questions, replies, the staff's answers) and a week before it,
   then `digest_content` timed, and once more under tracemalloc for its peak memory.

The parent makes the database and runs the child (`python -m bench.needs run …`), which prints
its figures as JSON."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.harness import PYTHON, ROOT, bench_env, machine, manage, scratch_database

SEED = 13
ID_CHARS = string.ascii_letters + string.digits
MEMBERS = 300
ROUNDS = 8
BATCH = 5000

WISHES = [
    "无糖款",
    "不加糖的版本",
    "大杯装",
    "冷萃小瓶",
    "燕麦奶口味",
    "低因咖啡",
    "挂耳试喝装",
    "礼盒装",
    "抹茶拿铁",
    "便携装",
    "年货礼包",
    "会员日",
]
CUES = ["希望有", "能不能出", "想要", "有没有", "求"]
PLAIN = [
    "今天的冷萃真的很好喝，已经回购第三次了",
    "快递有点慢，不过包装很用心",
    "这款豆子酸度刚好，手冲很推荐",
    "送给同事当生日礼物，大家都说很有面子",
    "最近加班太累了，下午来一杯放松一下",
    "价格有点贵，等优惠再入手",
    "圈里姐妹们一起拼单吧",
    "上次买的坏了一包，有点失望",
    "奖励自己一杯，心情变好了",
    "磨豆机的效果怎么样？",
]
QUESTIONS = ["什么时候补货？", "冷萃怎么保存？", "有大杯吗？", "发什么快递？", "能开发票吗"]


def _log(message: str) -> None:
    print(f"needs: {message}", file=sys.stderr, flush=True)


def needs(messages: int, previous: int, chat_messages: int, postgres_url: str) -> dict[str, Any]:
    with (
        scratch_database(postgres_url, "quanzi_bench_needs") as database_url,
        tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp,
    ):
        env = bench_env(Path(tmp), database_url)
        started = time.monotonic()
        manage(env, "migrate", "--noinput")
        _log(f"migrated in {time.monotonic() - started:.0f} s")
        out = subprocess.run(
            [
                PYTHON,
                "-m",
                "bench.needs",
                "run",
                "--messages",
                str(messages),
                "--previous",
                str(previous),
                "--chat",
                str(chat_messages),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        result: dict[str, Any] = json.loads(out.stdout)
    return {
        "suite": "needs",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {
            "database": "PostgreSQL",
            "digest_messages": messages,
            "previous_week_messages": previous,
            "chat_messages_per_mode": chat_messages,
            "members": MEMBERS,
            "rounds": ROUNDS,
            "seed": SEED,
        },
        **result,
    }


# --- The child -------------------------------------------------------------------------------


def _new_id(rng: random.Random) -> str:
    return "".join(rng.choices(ID_CHARS, k=16))


def _people(count: int) -> Any:
    from quanzi.accounts.models import User
    from quanzi.circles.models import Circle, Membership, MemberState, Role
    from quanzi.stores.models import StaffRole, Store, StoreStaff

    owner = User.objects.create_user(username="bench_owner", password="x", nickname="店主")
    store = Store.objects.create(name="压测咖啡店")
    StoreStaff.objects.create(store=store, user=owner, role=StaffRole.OWNER)
    circle = Circle.objects.create(
        name="压测咖啡圈",
        store=store,
        owner=owner,
        invite_code="bench-needs",
        flood_per_minute=30000,
    )
    members = User.objects.bulk_create(
        [
            User(username=f"bench_m{i}", nickname=f"会员{i}", public_id=f"benchmember{i:05d}")
            for i in range(count)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(circle=circle, user=owner, role=Role.OWNER, state=MemberState.ACTIVE)]
        + [
            Membership(circle=circle, user=m, role=Role.MEMBER, state=MemberState.ACTIVE)
            for m in members
        ]
    )
    return owner, store, circle, members


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return f"{rng.choice(CUES)}{rng.choice(WISHES)}，{rng.choice(PLAIN)}"
    if roll < 0.20:
        return rng.choice(QUESTIONS)
    return rng.choice(PLAIN)


def chat_path(circle: Any, members: list[Any], per_mode: int) -> dict[str, Any]:
    """Per-message time of send_message (its commit and what the commit sends) with the needs
    receivers and without them, alternating rounds."""
    from quanzi.circles.services import chat
    from quanzi.needs import receivers

    rng = random.Random(SEED)
    per_round = max(1, per_mode // ROUNDS)
    times: dict[str, list[float]] = {"with": [], "without": []}
    # a warm-up: the first messages pay for imports, jieba is not on this path
    for i in range(20):
        chat.send_message(members[i], circle.pk, kind="text", text="你好", client_id=f"warm{i}")
    n = 0
    for _round in range(ROUNDS):
        for mode in ("without", "with"):
            if mode == "without":
                receivers.disconnect()
            else:
                receivers.reconnect()
            for _ in range(per_round):
                user = members[n % len(members)]
                text = _text(rng)
                n += 1
                t0 = time.perf_counter()
                chat.send_message(user, circle.pk, kind="text", text=text, client_id=f"b{n}")
                times[mode].append((time.perf_counter() - t0) * 1000)
    receivers.reconnect()

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "messages": len(values),
            "mean_ms": round(statistics.fmean(values), 3),
            "p50_ms": round(ordered[len(ordered) // 2], 3),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 3),
        }

    with_, without = summary(times["with"]), summary(times["without"])
    return {
        "with_receivers": with_,
        "without_receivers": without,
        "added_mean_ms": round(with_["mean_ms"] - without["mean_ms"], 3),
        "added_p50_ms": round(with_["p50_ms"] - without["p50_ms"], 3),
    }


def worker_throughput() -> dict[str, Any]:
    from quanzi.needs.models import TextItem
    from quanzi.needs.services.analysis import analyse_pending
    from quanzi.needs.text.base import get_model

    pending = TextItem.objects.filter(analysed_at=None).count()
    get_model().analyze(["预热一下模型"])  # loading the model (jieba's dictionary) is not counted
    t0 = time.perf_counter()
    done = analyse_pending()
    seconds = time.perf_counter() - t0
    return {
        "model": get_model().name,
        "items": done,
        "pending_before": pending,
        "seconds": round(seconds, 2),
        "items_per_second": round(done / seconds, 1) if seconds else None,
    }


def generate_weeks(
    store: Any, circle: Any, owner: Any, members: list[Any], now_n: int, before_n: int
) -> dict[str, Any]:
    """A closed week of `now_n` chat messages and the week before with `before_n`, written in
    bulk: messages, their analysed items (sentiment, motives, keywords), the wish mentions, the
    replies and the staff's answers to some of the questions."""
    from django.db.models import Max

    from quanzi.circles.models import Message
    from quanzi.needs.models import Source, TextItem, Wish, WishMention
    from quanzi.needs.services.digest import last_closed_week, week_bounds

    rng = random.Random(SEED + 1)
    week = last_closed_week()
    start, _end = week_bounds(week)
    seq = (Message.objects.filter(circle=circle).aggregate(m=Max("seq"))["m"] or 0) + 1
    wishes = {label: Wish.objects.create(store=store, label=label) for label in WISHES}
    motives = [
        "function",
        "quality",
        "price",
        "gift",
        "status",
        "self_reward",
        "stress_relief",
        "belonging",
    ]
    keywords = ["咖啡", "冷萃", "包装", "快递", "口味", "价格", "礼物", "手冲", "豆子", "回购"]
    t0 = time.perf_counter()
    written = 0
    for base, count in ((start - timedelta(days=7), before_n), (start, now_n)):
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            msgs, times, items, mentions = [], [], [], []
            for _ in range(size):
                staff = rng.random() < 0.002
                # the staff write from Monday to Thursday: later questions wait for Monday
                span = 4 * 86400 if staff else 7 * 86400
                at = base + timedelta(seconds=rng.uniform(0, span))
                text = "收到，我们看一下" if staff else _text(rng)
                sender = owner if staff else rng.choice(members)
                m = Message(
                    id=_new_id(rng), circle=circle, seq=seq, sender=sender, kind="text", text=text
                )
                seq += 1
                msgs.append(m)
                times.append(at)
                if staff:
                    continue
                score = rng.choice([1.0, 0.0, 0.0, -1.0, 0.5])
                item = TextItem(
                    store=store,
                    source=Source.CHAT,
                    source_id=m.pk,
                    circle=circle,
                    author=sender,
                    text=text,
                    written_at=at,
                    sentiment="positive" if score > 0 else "negative" if score < 0 else "neutral",
                    sentiment_score=score,
                    motives=rng.sample(motives, rng.choice([0, 0, 1, 1, 2])),
                    keywords=rng.sample(keywords, 3),
                    analysed_at=at,
                    model="bench",
                )
                items.append(item)
                for label in WISHES:
                    if label in text:
                        i = text.index(label)
                        mentions.append((item, label, i))
            Message.objects.bulk_create(msgs)
            # created_at is auto_now_add: set the generated times afterwards
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE circles_message SET created_at = %s WHERE id = %s",
                    [(at, m.pk) for m, at in zip(msgs, times, strict=True)],
                )
            TextItem.objects.bulk_create(items)
            WishMention.objects.bulk_create(
                [
                    WishMention(
                        wish=wishes[label],
                        item=item,
                        user_id=item.author_id,
                        start=i,
                        end=i + len(label),
                        text=label,
                        written_at=item.written_at,
                    )
                    for item, label, i in mentions
                ]
            )
            done += size
            written += size
            _log(f"generated {written} messages")
    # replies: a fifth of the questions get a member's reply within the hour
    questions = list(
        TextItem.objects.filter(store=store, text__in=QUESTIONS).values_list(
            "source_id", "written_at"
        )
    )
    replies, reply_times = [], []
    for source_id, at in rng.sample(questions, len(questions) // 5):
        r = Message(
            id=_new_id(rng),
            circle=circle,
            seq=seq,
            sender=rng.choice(members),
            kind="text",
            text="我也想知道",
            reply_to_id=source_id,
        )
        seq += 1
        replies.append(r)
        reply_times.append(at + timedelta(minutes=30))
    Message.objects.bulk_create(replies, batch_size=BATCH)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE circles_message SET created_at = %s WHERE id = %s",
            [(at, r.pk) for r, at in zip(replies, reply_times, strict=True)],
        )
    from quanzi.circles.models import Circle
    from quanzi.needs.services.wishes import recount

    Circle.objects.filter(pk=circle.pk).update(last_message_seq=seq)
    recount({w.pk for w in wishes.values()})
    return {
        "week_start": week.isoformat(),
        "messages": now_n,
        "previous_week_messages": before_n,
        "items": TextItem.objects.filter(store=store).count(),
        "wish_mentions": WishMention.objects.filter(wish__store=store).count(),
        "questions": len(questions),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def digest_figures(store: Any, week_start: str) -> dict[str, Any]:
    from datetime import date

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from quanzi.needs.services.digest import digest_content

    week = date.fromisoformat(week_start)
    digest_content(store, week)  # warm: the model and the query plans
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        content = digest_content(store, week)
        timings.append(time.perf_counter() - t0)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        tracemalloc.start()
        digest_content(store, week)
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "seconds": [round(t, 3) for t in timings],
        "median_seconds": round(statistics.median(timings), 3),
        "peak_traced_mib": round(peak / 2**20, 1),
        "queries": len(queries),
        "texts": content["texts"],
        "top_wishes": [(w["label"], w["count"]) for w in content["wishes"][:3]],
        "unanswered": content["unanswered_count"],
        "sentiment_change": content["sentiment"]["change"],
        "topics": len(content["topics"]),
    }


def run(messages: int, previous: int, chat_messages: int) -> dict[str, Any]:
    owner, store, circle, members = _people(MEMBERS)
    _log(f"chat path: {chat_messages} messages per mode")
    path = chat_path(circle, members, chat_messages)
    _log(f"chat path: {path['added_mean_ms']} ms added per message")
    worker = worker_throughput()
    _log(f"worker: {worker['items_per_second']} items/s")
    week = generate_weeks(store, circle, owner, members, messages, previous)
    digest = digest_figures(store, week["week_start"])
    _log(f"digest: {digest['median_seconds']} s, {digest['peak_traced_mib']} MiB")
    return {"chat_path": path, "worker": worker, "data": week, "digest": digest}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.needs")
    sub = parser.add_subparsers(dest="step", required=True)
    step = sub.add_parser("run")
    step.add_argument("--messages", type=int, required=True)
    step.add_argument("--previous", type=int, required=True)
    step.add_argument("--chat", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    import django

    django.setup()
    print(json.dumps(run(args.messages, args.previous, args.chat), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
