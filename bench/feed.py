"""Home feed: the hybrid fan-out of quanzi.social.services.feed (docs/feed.md) against plain
fan-out on read, on one generated PostgreSQL data set, in one run.

`feed()` (called by `python -m bench`) creates a scratch database, migrates it with the project's
migrations, then runs two child processes with the bench environment pointed at it:

- `python -m bench.feed generate …` bulk-loads (COPY) users, stores, a skewed follow graph and
  notes spread over a year, then the `FeedEntry` rows that fan-out on write would have written
  for the people's notes (one per follower), with the big tables' indexes and foreign keys
  dropped during the load and rebuilt after it;
- `python -m bench.feed measure …` reads the first and the next page of a fixed sample of users
  with both designs, in process, and prints the figures as JSON.

The measurement has a process of its own so that its peak memory is the reader's, not the
generator's. Progress goes to stderr, the JSON result to stdout.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.harness import (
    PYTHON,
    ROOT,
    bench_env,
    machine,
    manage,
    percentile,
    scratch_database,
)

if TYPE_CHECKING:
    from django.db.models import Field, Model

    from quanzi.accounts.models import User
    from quanzi.social.models import Note

SEED = 4
PAGE = 20
SPAN = timedelta(days=365)
USERS_PER_STORE = 100  # 1,000 stores for 100,000 users
STORE_FOLLOW_SHARE = 0.1  # of all follows
STORE_NOTE_SHARE = 0.05  # of all notes
# Power-law exponents: the k-th most popular gets a weight of 1 / k**exponent.
FOLLOWEE_SKEW = 0.8  # who gets followed: the top person has ~2% of all person follows
FOLLOWER_SKEW = 0.5  # who follows: heavy followers follow over a thousand people
AUTHOR_SKEW = 0.6  # who writes notes, independent of popularity
STORE_SKEW = 1.0  # popular stores get the followers and post the most
ID_CHARS = string.ascii_letters + string.digits
PHRASES = (
    "今天收到的云南小粒咖啡，坚果和可可的香气很足。",
    "手冲二十克豆子，水温九十二度，闷蒸三十秒。",
    "包装很用心，附赠的滤纸也很好用。",
    "和朋友一起拼团买的，比平时便宜不少。",
    "酸度柔和，适合早上配一块面包。",
    "第二次回购了，店家发货很快。",
    "推荐给喜欢中深烘焙的朋友。",
    "周末在家做了一杯拿铁，奶泡打得不错。",
)

# --- The parent: scratch database, two children, the result -------------------------------


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.feed", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def feed(
    users: int, follows: int, notes: int, sample: int, rounds: int, postgres_url: str
) -> dict[str, Any]:
    """Generate the data set, measure both designs, return the suite's result."""
    with (
        scratch_database(postgres_url, "quanzi_bench_feed") as database_url,
        tempfile.TemporaryDirectory(prefix="quanzi-bench-") as tmp,
    ):
        env = bench_env(Path(tmp), database_url)
        started = time.monotonic()
        manage(env, "migrate", "--noinput")
        migrate_s = time.monotonic() - started
        sizes = ("--users", str(users), "--follows", str(follows), "--notes", str(notes))
        data = _child(env, "generate", *sizes)
        data["seconds"] = {"migrate": round(migrate_s, 1), **data["seconds"]}
        data["seconds"]["total"] = round(time.monotonic() - started, 1)
        measured = _child(env, "measure", "--sample", str(sample), "--rounds", str(rounds))
    by_key = {(r["design"], r["page"]): r for r in measured["results"]}
    ratios = {
        page: {
            q: round(by_key[("hybrid", page)][q] / by_key[("read", page)][q], 3)
            for q in ("p50_ms", "p99_ms")
        }
        for page in ("first", "next")
    }
    return {
        "suite": "feed",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "config": {
            "database": "PostgreSQL",
            "users": users,
            "follows": follows,
            "notes": notes,
            "page_size": PAGE,
            "sample_users": measured["sample"]["users"],
            "rounds": rounds,
            "seed": SEED,
        },
        "data": data,
        "sample": measured["sample"],
        "results": measured["results"],
        "ratio_hybrid_to_read": ratios,
        "agreement": measured["agreement"],
        "reader_peak_rss_mib": measured["reader_peak_rss_mib"],
    }


# --- Child: generate -------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"feed: {message}", file=sys.stderr, flush=True)


def _popularity(n: int, exponent: float, rng: random.Random) -> tuple[list[int], list[float]]:
    """Ids 1..n with power-law weights, the ranking shuffled: (population, cumulative weights)
    for `rng.choices`."""
    ids = list(range(1, n + 1))
    rng.shuffle(ids)
    return ids, list(itertools.accumulate(1 / k**exponent for k in range(1, n + 1)))


def _pairs(
    count: int,
    left: tuple[list[int], list[float]],
    right: tuple[list[int], list[float]],
    rng: random.Random,
    *,
    distinct: bool,
) -> list[tuple[int, int]]:
    """`count` different (left, right) pairs drawn by popularity, in a random order."""
    if count > len(left[0]) * len(right[0]) // 4:
        raise SystemExit(f"feed: {count} follows are too many for so few users or stores")
    found: set[tuple[int, int]] = set()
    while len(found) < count:
        need = count - len(found)
        a = rng.choices(left[0], cum_weights=left[1], k=need)
        b = rng.choices(right[0], cum_weights=right[1], k=need)
        found.update((x, y) for x, y in zip(a, b, strict=True) if not (distinct and x == y))
    pairs = sorted(found)
    rng.shuffle(pairs)
    return pairs


def _new_id(rng: random.Random) -> str:
    return "".join(rng.choices(ID_CHARS, k=16))


def _spread(count: int, end: datetime, rng: random.Random) -> list[datetime]:
    """`count` moments over the year before `end`, oldest first (microseconds apart at least
    in practice, as real posts are)."""
    span_us = SPAN // timedelta(microseconds=1)
    return sorted(end - timedelta(microseconds=rng.randrange(span_us)) for _ in range(count))


def _defaults(model: type[Model], given: Sequence[str]) -> tuple[list[Field[Any, Any]], list[Any]]:
    """The concrete fields of `model` not in `given` and the database value of their defaults
    (the same for every row). An auto-increment primary key is left to the database."""
    from django.db import connection, models

    fields, values = [], []
    for field in model._meta.concrete_fields:
        if field.name in given or isinstance(field, models.AutoField):
            continue
        value = field.get_default()
        if value is None and not field.null:
            raise ValueError(f"the generator gives no value for {model._meta.label}.{field.name}")
        fields.append(field)
        values.append(field.get_db_prep_save(value, connection))
    return fields, values


def _qn(name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(name)


def _col(model: type[Model], name: str) -> str:
    """The quoted column of a model's field, as the migrations made it."""
    column = getattr(model._meta.get_field(name), "column", None)
    if not isinstance(column, str):
        raise ValueError(f"{model._meta.label}.{name} has no column")
    return _qn(column)


def _copy(model: type[Model], given: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows (values of the `given` fields) into the model's table; the other fields take
    their defaults."""
    from django.db import connection

    rest, defaults = _defaults(model, given)
    columns = [_col(model, name) for name in [*given, *(f.name for f in rest)]]
    n = 0
    with connection.cursor() as cursor:
        sql = f"COPY {_qn(model._meta.db_table)} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *defaults))
                n += 1
    return n


def _drop_secondary(models: Sequence[type[Model]]) -> list[str]:
    """Drop the indexes, unique constraints and foreign keys of the tables (keeping primary
    keys and checks) so the load does not maintain them row by row; returns the statements that
    rebuild them, foreign keys last."""
    from django.db import connection

    indexes: list[str] = []
    constraints: list[str] = []
    foreign: list[str] = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {_qn(name)}")
                indexes.append(definition)
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(name)}")
                restore = f"ALTER TABLE {_qn(table)} ADD CONSTRAINT {_qn(name)} {definition}"
                (foreign if kind == "f" else constraints).append(restore)
    return indexes + constraints + foreign


def _fan_out_sql(
    entry: type[Model], note: type[Model], follow: type[Model]
) -> tuple[str, list[Any]]:
    """One INSERT … SELECT writing what `feed.fan_out_note` writes for every person's note:
    a `note` entry per follower of the author, ranked by the note's time, in publication
    order (entry ids grow with time, as they do live)."""
    from quanzi.social.models import ActivityKind

    given = ["owner", "kind", "actor", "note", "rank", "created_at"]
    rest, defaults = _defaults(entry, given)
    columns = [_col(entry, name) for name in [*given, *(f.name for f in rest)]]
    n_created, n_author = _col(note, "created_at"), _col(note, "author")
    values = ", ".join(
        [
            f"f.{_col(follow, 'follower')}",
            "%s",
            f"n.{n_author}",
            f"n.{_col(note, 'id')}",
            f"n.{n_created}",
            f"n.{n_created}",
            *["%s"] * len(defaults),
        ]
    )
    sql = (
        f"INSERT INTO {_qn(entry._meta.db_table)} ({', '.join(columns)}) SELECT {values} "
        f"FROM {_qn(note._meta.db_table)} n JOIN {_qn(follow._meta.db_table)} f "
        f"ON f.{_col(follow, 'followee')} = n.{n_author} "
        f"WHERE n.{_col(note, 'store')} IS NULL ORDER BY n.{n_created}, n.{_col(note, 'id')}"
    )
    return sql, [ActivityKind.NOTE.value, *defaults]


def _note_body(rng: random.Random) -> str:
    return "".join(rng.sample(PHRASES, rng.randint(2, 5)))


def generate(users: int, follows: int, notes: int) -> dict[str, Any]:
    """Load the data set into the (migrated, empty) database Django points at."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from quanzi.accounts.models import User
    from quanzi.social.models import FeedEntry, Follow, Note
    from quanzi.stores.models import StaffRole, Store, StoreStaff

    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    clock = time.monotonic()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.monotonic()
        seconds[step] = round(now - clock, 1)
        clock = now
        _log(f"{step} {seconds[step]} s")

    stores = max(1, users // USERS_PER_STORE)
    store_follows = int(follows * STORE_FOLLOW_SHARE)
    person_follows = follows - store_follows
    store_notes = int(notes * STORE_NOTE_SHARE)
    person_notes = notes - store_notes
    end = timezone.now().replace(microsecond=0)
    start = end - SPAN

    followed = _popularity(users, FOLLOWEE_SKEW, rng)
    following = _popularity(users, FOLLOWER_SKEW, rng)
    writing = _popularity(users, AUTHOR_SKEW, rng)
    store_rank = _popularity(stores, STORE_SKEW, rng)
    person_pairs = _pairs(person_follows, following, followed, rng, distinct=True)
    store_pairs = _pairs(store_follows, following, store_rank, rng, distinct=False)
    store_ids = [_new_id(rng) for _ in range(stores)]
    owners = rng.sample(range(1, users + 1), stores)
    authors = rng.choices(writing[0], cum_weights=writing[1], k=person_notes)
    posting_stores = rng.choices(store_rank[0], cum_weights=store_rank[1], k=store_notes)
    is_store_note = [True] * store_notes + [False] * person_notes
    rng.shuffle(is_store_note)
    lap("draw")

    big = (Follow, Note, FeedEntry)
    with transaction.atomic():
        restore = _drop_secondary(big)
        _copy(
            User,
            ["id", "password", "username", "nickname", "public_id", "date_joined"],
            ((i, "!", f"bench{i}", f"用户{i}", _new_id(rng), start) for i in range(1, users + 1)),
        )
        _copy(
            Store,
            ["id", "name", "created_at", "updated_at"],
            ((sid, f"小店{n}", start, start) for n, sid in enumerate(store_ids, 1)),
        )
        _copy(
            StoreStaff,
            ["store", "user", "role", "created_at"],
            (
                (sid, owner, StaffRole.OWNER.value, start)
                for sid, owner in zip(store_ids, owners, strict=True)
            ),
        )
        lap("users and stores")
        follow_times = _spread(follows, end, rng)
        _copy(
            Follow,
            ["follower", "followee", "store", "created_at"],
            itertools.chain(
                ((a, b, None, follow_times[i]) for i, (a, b) in enumerate(person_pairs)),
                (
                    (a, None, store_ids[s - 1], follow_times[person_follows + i])
                    for i, (a, s) in enumerate(store_pairs)
                ),
            ),
        )
        lap("follows")
        people, shops = iter(authors), iter(posting_stores)

        def note_rows() -> Iterable[tuple[Any, ...]]:
            for n, (when, by_store) in enumerate(
                zip(_spread(notes, end, rng), is_store_note, strict=True)
            ):
                if by_store:
                    s = next(shops)
                    author, store = owners[s - 1], store_ids[s - 1]
                else:
                    author, store = next(people), None
                title = f"笔记 {n} · 咖啡"
                yield (_new_id(rng), author, store, title, _note_body(rng), when, when)

        _copy(
            Note,
            ["id", "author", "store", "title", "body", "created_at", "updated_at"],
            note_rows(),
        )
        lap("notes")
        sql, params = _fan_out_sql(FeedEntry, Note, Follow)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(sql, params)
            entries = cursor.rowcount
        lap("feed entries")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for statement in restore:
                cursor.execute(statement)
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [User, Follow, FeedEntry, StoreStaff]
            ):
                cursor.execute(statement)
        lap("indexes and constraints")
    tables = (User, Store, Follow, Note, FeedEntry)
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"VACUUM (ANALYZE) {_qn(model._meta.db_table)}")
        lap("vacuum analyze")
        sizes = {}
        for model in tables:
            cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [model._meta.db_table])
            sizes[model._meta.db_table] = round(cursor.fetchone()[0] / 2**20, 1)
        cursor.execute(
            f"SELECT max(c) FROM (SELECT count(*) c FROM {_qn(Follow._meta.db_table)} "
            f"WHERE {_col(Follow, 'followee')} IS NOT NULL GROUP BY {_col(Follow, 'followee')}) t"
        )
        most_followers = cursor.fetchone()[0]
    return {
        "rows": {
            "users": users,
            "stores": stores,
            "person_follows": person_follows,
            "store_follows": store_follows,
            "person_notes": person_notes,
            "store_notes": store_notes,
            "feed_entries": entries,
        },
        "most_followers_of_a_person": most_followers,
        "table_mib": sizes,
        "seconds": seconds,
    }


# --- Child: measure --------------------------------------------------------------------------


def _plain_page(user: User, after: Note | None) -> list[Note]:
    """Plain fan-out on read, the baseline: one query for the newest notes of every person and
    store the viewer follows, the next page by keyset (created_at, id) after the last note."""
    from django.db.models import Q

    from quanzi.social.models import Follow, Note

    people = Follow.objects.filter(follower=user, followee__isnull=False).values("followee_id")
    stores = Follow.objects.filter(follower=user, store__isnull=False).values("store_id")
    notes = Note.objects.filter(
        Q(store__isnull=True, author__in=people) | Q(store__in=stores, store__is_active=True),
        is_hidden=False,
    )
    if after is not None:
        notes = notes.filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.pk)
        )
    return list(notes.select_related("author", "store").order_by("-created_at", "-id")[:PAGE])


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 50), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
        "max_ms": round(max(samples), 2),
    }


def _sample(size: int) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """A fixed sample of users who follow someone: the heaviest followers (a tenth of the
    sample) and the rest at random; with (people, stores) followed per user."""
    from django.db.models import Count

    from quanzi.social.models import Follow

    rows = Follow.objects.values("follower_id").annotate(
        people=Count("followee_id"), stores=Count("store_id")
    )
    follows = {r["follower_id"]: (r["people"], r["stores"]) for r in rows}
    ranked = sorted(follows, key=lambda u: (-sum(follows[u]), u))
    heavy = ranked[: max(1, size // 10)]
    rest = ranked[len(heavy) :]
    chosen = heavy + random.Random(SEED).sample(rest, min(len(rest), size - len(heavy)))
    return chosen, {u: follows[u] for u in chosen}


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(sample_size: int, rounds: int) -> dict[str, Any]:
    """Time the first and the next page of both designs for each sampled user: a warm-up pass
    (which also checks that both show the same notes and counts the queries), then `rounds`
    passes in a shuffled order, the two designs alternating which goes first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quanzi.accounts.models import User
    from quanzi.social.services.feed import home_feed

    ids, follows = _sample(sample_size)
    users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    order = [users[i] for i in ids]

    def hybrid(user: User) -> tuple[list[str], list[str], float, float | None]:
        t0 = time.perf_counter()
        first = home_feed(user, None, PAGE)
        t1 = time.perf_counter()
        second = home_feed(user, first.next_cursor, PAGE) if first.next_cursor else None
        t2 = time.perf_counter()
        notes = [[i.note.pk if i.note else "" for i in p.items] for p in (first, second) if p]
        if second is None:
            return notes[0], [], (t1 - t0) * 1000, None
        return notes[0], notes[1], (t1 - t0) * 1000, (t2 - t1) * 1000

    def plain(user: User) -> tuple[list[str], list[str], float, float | None]:
        t0 = time.perf_counter()
        first = _plain_page(user, None)
        t1 = time.perf_counter()
        if len(first) < PAGE:
            return [n.pk for n in first], [], (t1 - t0) * 1000, None
        second = _plain_page(user, first[-1])
        t2 = time.perf_counter()
        return [n.pk for n in first], [n.pk for n in second], (t1 - t0) * 1000, (t2 - t1) * 1000

    designs = {"read": plain, "hybrid": hybrid}
    queries = {name: 0 for name in designs}
    agree = {"first_page": 0, "next_page": 0, "people_only_users": 0, "people_only_first": 0}
    _log(f"warm-up over {len(order)} users")
    for user in order:
        shown = {}
        for name, run in designs.items():
            with CaptureQueriesContext(connection) as ctx:
                shown[name] = run(user)
            pages = 1 if shown[name][3] is None else 2
            queries[name] = max(queries[name], -(-len(ctx.captured_queries) // pages))
        same_first = shown["read"][0] == shown["hybrid"][0]
        agree["first_page"] += same_first
        agree["next_page"] += shown["read"][1] == shown["hybrid"][1]
        if follows[user.pk][1] == 0:
            agree["people_only_users"] += 1
            agree["people_only_first"] += same_first
    timings: dict[tuple[str, str], list[float]] = {
        (name, page): [] for name in designs for page in ("first", "next")
    }
    rng = random.Random(SEED)
    for n in range(rounds):
        _log(f"round {n + 1} of {rounds}")
        shuffled = order[:]
        rng.shuffle(shuffled)
        for i, user in enumerate(shuffled):
            names = list(designs) if i % 2 == 0 else list(reversed(designs))
            for name in names:
                _, _, first_ms, next_ms = designs[name](user)
                timings[(name, "first")].append(first_ms)
                if next_ms is not None:
                    timings[(name, "next")].append(next_ms)
    people = sorted(p for p, _ in follows.values())
    stores = sorted(s for _, s in follows.values())
    return {
        "sample": {
            "users": len(order),
            "heavy_followers": max(1, sample_size // 10),
            "people_followed": {
                "min": people[0],
                "median": statistics.median(people),
                "max": people[-1],
            },
            "stores_followed": {
                "min": stores[0],
                "median": statistics.median(stores),
                "max": stores[-1],
            },
        },
        "results": [
            {
                "design": name,
                "page": page,
                "pages": len(samples),
                "queries_per_page": queries[name],
                **_stats(samples),
            }
            for (name, page), samples in timings.items()
        ],
        "agreement": agree,
        "reader_peak_rss_mib": _vm_hwm_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feed")
    sub = parser.add_subparsers(dest="step", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--users", type=int, required=True)
    gen.add_argument("--follows", type=int, required=True)
    gen.add_argument("--notes", type=int, required=True)
    mea = sub.add_parser("measure")
    mea.add_argument("--sample", type=int, required=True)
    mea.add_argument("--rounds", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    import django

    django.setup()
    if args.step == "generate":
        result = generate(args.users, args.follows, args.notes)
    else:
        result = measure(args.sample, args.rounds)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
