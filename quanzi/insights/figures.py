"""The store's figures for a period: sales trends, the funnel, where buyers came from and who
brought them. Everything is read from rollups and indexed rows, never a scan of raw events:
money from the orders (total − refunded, so refunds and cancellations are taken out of the
period the order was paid in), visitors and the funnel from tracking's daily rows, sources
from each order's touch (`OrderTouch`), people from the share attributions and commissions.

The base of every money figure is `paid_orders()`: the store's orders paid in the period,
without those refunded in full. Every breakdown (by day, by source, by person) sums over that
same base, so its GMV adds up to the period's sales to the fen (tests/insights check it
against the ledger).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.insights.models import OrderTouch
from quanzi.insights.periods import Period
from quanzi.orders.models import Order
from quanzi.referrals.models import Attribution, Commission, CommissionStatus
from quanzi.social.models import Note
from quanzi.stores.models import Store
from quanzi.tracking.models import DailyStep, DailyVisitor, FunnelStep, Source

NET = F("total") - F("refunded_amount")
SOURCES = [s.value for s in Source]


def paid_orders(store: Store, period: Period) -> QuerySet[Order]:
    """The store's orders paid in the period, less those refunded in full."""
    return Order.objects.filter(
        store=store, paid_at__gte=period.since, paid_at__lt=period.until
    ).exclude(Q(total__gt=0) & Q(refunded_amount__gte=F("total")))


@dataclass(frozen=True)
class Totals:
    sales: int  # fen, net of refunds
    orders: int
    buyers: int
    visitors: int

    @property
    def average_order(self) -> int:
        return self.sales // self.orders if self.orders else 0


def visitors(store: Store, period: Period) -> int:
    return (
        DailyVisitor.objects.filter(store_id=store.pk, day__gte=period.start, day__lte=period.end)
        .values("visitor")
        .distinct()
        .count()
    )


def totals(store: Store, period: Period) -> Totals:
    row = paid_orders(store, period).aggregate(
        sales=Coalesce(Sum(NET), 0), orders=Count("id"), buyers=Count("buyer", distinct=True)
    )
    return Totals(row["sales"], row["orders"], row["buyers"], visitors(store, period))


@dataclass(frozen=True)
class Kpi:
    key: str
    label: Any
    kind: str  # fen or int
    value: int
    before: int

    @property
    def change(self) -> float | None:
        """The change against the previous period, as a fraction (None when it was 0)."""
        if not self.before:
            return None
        return (self.value - self.before) / self.before


def kpis(now: Totals, before: Totals) -> list[Kpi]:
    return [
        Kpi("sales", _("Sales"), "fen", now.sales, before.sales),
        Kpi("orders", _("Orders"), "int", now.orders, before.orders),
        Kpi("buyers", _("Buyers"), "int", now.buyers, before.buyers),
        Kpi("average_order", _("Average order"), "fen", now.average_order, before.average_order),
        Kpi("visitors", _("Visitors"), "int", now.visitors, before.visitors),
    ]


def daily(store: Store, period: Period) -> list[dict[str, Any]]:
    """One row per day of the period: sales, orders, buyers and visitors (0 on quiet days)."""
    zone = timezone.get_current_timezone()
    by_day: dict[date, dict[str, Any]] = {
        day: {"day": day, "sales": 0, "orders": 0, "buyers": 0, "visitors": 0}
        for day in period.each_day()
    }
    rows = (
        paid_orders(store, period)
        .annotate(day=TruncDate("paid_at", tzinfo=zone))
        .values("day")
        .annotate(sales=Sum(NET), orders=Count("id"), buyers=Count("buyer", distinct=True))
    )
    for row in rows:
        if row["day"] in by_day:
            by_day[row["day"]].update(
                sales=row["sales"] or 0, orders=row["orders"], buyers=row["buyers"]
            )
    seen: Any = (
        DailyVisitor.objects.filter(store_id=store.pk, day__gte=period.start, day__lte=period.end)
        .values("day")
        .annotate(n=Count("visitor"))
    )
    for row in seen:
        if row["day"] in by_day:
            by_day[row["day"]]["visitors"] = row["n"]
    return list(by_day.values())


def funnel(store: Store, period: Period) -> list[dict[str, Any]]:
    """Per source: people who visited, added to the cart, started a checkout and paid (each
    counted once per source in the period), and the visit → paid conversion."""
    steps: dict[str, dict[str, int]] = defaultdict(
        lambda: {"visit": 0, "cart": 0, "checkout": 0, "paid": 0}
    )
    window = {"store_id": store.pk, "day__gte": period.start, "day__lte": period.end}
    for row in (
        DailyVisitor.objects.filter(**window)
        .values("source")
        .annotate(n=Count("visitor", distinct=True))
    ):
        steps[row["source"] or Source.DIRECT]["visit"] += row["n"]
    for row in (
        DailyStep.objects.filter(**window)
        .values("source", "step")
        .annotate(n=Count("visitor", distinct=True))
    ):
        steps[row["source"] or Source.DIRECT][row["step"]] += row["n"]
    rows = []
    for source in SOURCES:
        if source not in steps:
            continue
        s = steps[source]
        rows.append(
            {
                "source": Source(source).label,
                "key": source,
                "visit": s["visit"],
                "cart": s[FunnelStep.CART],
                "checkout": s[FunnelStep.CHECKOUT],
                "paid": s[FunnelStep.PAID],
                "conversion": (s[FunnelStep.PAID] / s["visit"]) if s["visit"] else None,
            }
        )
    return rows


def _with_touch(orders: QuerySet[Order], side: str) -> Any:
    """The orders with the source of their `side` (first or last) touch and whether the order
    made a new customer (one LEFT JOIN on the touches; an order not touched yet is direct)."""
    return orders.annotate(
        src=Coalesce(
            F(f"touch__{side}_source"), Value(Source.DIRECT.value), output_field=CharField()
        ),
        is_new=Coalesce(F("touch__new_customer"), Value(False), output_field=BooleanField()),
    )


def by_source(store: Store, period: Period) -> list[dict[str, Any]]:
    """GMV, orders and new customers per source, by last touch and by first touch side by
    side. Orders not yet touched (paid in the last minute) count as direct until they are."""
    base = paid_orders(store, period)
    sides: dict[str, dict[str, dict[str, int]]] = {}
    for side in ("last", "first"):
        sides[side] = {
            row["src"]: row
            for row in _with_touch(base, side)
            .values("src")
            .annotate(gmv=Sum(NET), orders=Count("id"), new=Count("id", filter=Q(is_new=True)))
        }
    rows = []
    for source in SOURCES:
        last = sides["last"].get(source, {})
        first = sides["first"].get(source, {})
        if not last and not first:
            continue
        rows.append(
            {
                "source": Source(source).label,
                "key": source,
                "last_gmv": last.get("gmv") or 0,
                "last_orders": last.get("orders") or 0,
                "last_new": last.get("new") or 0,
                "first_gmv": first.get("gmv") or 0,
                "first_orders": first.get("orders") or 0,
                "first_new": first.get("new") or 0,
            }
        )
    return rows


def _names(user_ids: set[int]) -> dict[int, str]:
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}


def _commission_by(store: Store, period: Period, field: str) -> dict[int, int]:
    """Commission kept (not reversed) on the period's orders, per promoter."""
    rows = (
        Commission.objects.filter(order__in=paid_orders(store, period))
        .exclude(status=CommissionStatus.REVERSED)
        .values(field)
        .annotate(kept=Sum(F("amount") - F("reversed_amount")))
    )
    return {row[field]: row["kept"] or 0 for row in rows}


def top_sharers(store: Store, period: Period, limit: int = 20) -> list[dict[str, Any]]:
    """The people whose share links brought the period's orders (the referrals' last-touch
    attribution): GMV, orders, new customers brought and the commission they kept."""
    base = paid_orders(store, period)
    # The touches joined by their order (not `order_id IN (the new customers' touches)` inside
    # the aggregate's FILTER: a subplan PostgreSQL cannot hash once the touches outgrow
    # work_mem, rescanned per row — minutes at 1 M orders; docs/performance.md).
    is_new = Q(order__touch__new_customer=True)
    rows = list(
        Attribution.objects.filter(order__in=base)
        .values("sharer")
        .annotate(
            gmv=Sum(F("order__total") - F("order__refunded_amount")),
            orders=Count("order"),
            new=Count("order", filter=is_new),
        )
        .order_by("-gmv")[:limit]
    )
    commission = _commission_by(store, period, "promoter")
    names = _names({r["sharer"] for r in rows})
    return [
        {
            "name": names.get(r["sharer"], ""),
            "user": r["sharer"],
            "gmv": r["gmv"] or 0,
            "orders": r["orders"],
            "new": r["new"],
            "commission": commission.get(r["sharer"], 0),
        }
        for r in rows
    ]


def top_promoters(store: Store, period: Period, limit: int = 20) -> list[dict[str, Any]]:
    """The promoters paid commission on the period's orders (both levels)."""
    base = paid_orders(store, period)
    rows = list(
        Commission.objects.filter(order__in=base)
        .exclude(status=CommissionStatus.REVERSED)
        .values("promoter")
        .annotate(
            gmv=Sum(F("order__total") - F("order__refunded_amount")),
            orders=Count("order", distinct=True),
            commission=Sum(F("amount") - F("reversed_amount")),
        )
        .order_by("-commission")[:limit]
    )
    names = _names({r["promoter"] for r in rows})
    return [
        {
            "name": names.get(r["promoter"], ""),
            "user": r["promoter"],
            "gmv": r["gmv"] or 0,
            "orders": r["orders"],
            "commission": r["commission"] or 0,
        }
        for r in rows
    ]


def top_note_authors(store: Store, period: Period, limit: int = 20) -> list[dict[str, Any]]:
    """The authors of the notes that were the last touch of the period's orders."""
    base = paid_orders(store, period)
    touches = list(
        OrderTouch.objects.filter(
            order_id__in=base.values("pk"), last_source=Source.NOTE
        ).values_list("order_id", "last_ref", "new_customer")
    )
    if not touches:
        return []
    authors = dict(
        Note.objects.filter(pk__in={ref for _, ref, _ in touches}).values_list("pk", "author_id")
    )
    net = dict(
        base.filter(pk__in=[o for o, _, _ in touches]).annotate(net=NET).values_list("pk", "net")
    )
    per: dict[int, dict[str, Any]] = {}
    for order_id, ref, new in touches:
        author = authors.get(ref)
        if author is None:
            continue
        row = per.setdefault(author, {"user": author, "gmv": 0, "orders": 0, "new": 0})
        row["gmv"] += net.get(order_id, 0)
        row["orders"] += 1
        row["new"] += int(new)
    names = _names(set(per))
    rows = sorted(per.values(), key=lambda r: -r["gmv"])[:limit]
    for row in rows:
        row["name"] = names.get(row["user"], "")
    return rows
