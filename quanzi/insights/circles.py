"""Circle health: how alive each of a store's circles is over a period, and what its members
bought. Every figure is read in a fixed number of queries, however many circles there are.

Definitions (the period's *end* is the first moment after its last local day):

- **members**: today's active memberships (exact; a circle keeps one membership row per person
  for life, its state saying whether they are in).
- **members per day**: the members at the end of each day of the period, counted back from
  today's exact members with the tracking rollups of joins and leaves (the circles keep no date
  of leaving, so the rollups are the only record of when people left): members at the end of
  day D = members now − joins after D + leaves after D. The rollup leaves the store's staff out
  and runs every minute, so a staff member's join or the last minute's moves are not in the
  history; a day before the circle existed is 0.
- **DAU / WAU / MAU**: the people who sent at least one message on the period's last day / in
  its last 7 days / in its last 28 days (local days, ending at the period's end).
- **messages**: messages people sent in the period (system notices and messages the
  moderators removed are left out; recalled ones were sent and count). The **commercial share**
  is the part of them marked commercial (the store's people and promoters selling).
- **messages per active member**: the period's messages ÷ the people who sent them.
- **lurkers**: today's members who joined before the 28 days ending at the period's end began
  and sent no message in those 28 days. The **lurker share** is lurkers ÷ those settled members
  (today's members who joined before the 28 days began; someone who joined later has not had the
  time to lurk). A person who left and came back counts from the latest join.
- **joins / leaves**: the tracking rollups' joins and leaves of the circle in the period.
- **orders / GMV**: paid orders at the store with `paid_at` in the period, by today's members;
  GMV is Σ(total − refunded), so refunds and cancellations are taken out.
- **score**: the social dividend (quanzi.insights.score) with reach = the people who sent a
  message in the period, virality = 0 (chat is not a share cascade; a circle's share links are
  counted with the cascades) and interactions = the period's messages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from quanzi.circles.models import Circle, Membership, MemberState, Message, MessageKind
from quanzi.insights.periods import Period
from quanzi.insights.score import Score, social_dividend
from quanzi.orders.models import Order
from quanzi.stores.models import Store
from quanzi.tracking.models import DailyCount, EventKind

DAY, WEEK, MONTH = 1, 7, 28  # the windows of DAU, WAU and MAU, in local days
LURK_DAYS = MONTH


@dataclass
class CircleHealth:
    circle_id: str
    name: str
    members: int = 0
    members_by_day: list[tuple[date, int]] = field(default_factory=list)
    dau: int = 0
    wau: int = 0
    mau: int = 0
    senders: int = 0  # people who sent a message in the period
    messages: int = 0
    commercial: int = 0
    settled: int = 0  # today's members who joined before the 28-day window
    lurkers: int = 0
    joins: int = 0
    leaves: int = 0
    orders: int = 0
    gmv: int = 0  # fen

    @property
    def messages_per_active(self) -> float | None:
        return self.messages / self.senders if self.senders else None

    @property
    def lurker_share(self) -> float | None:
        return self.lurkers / self.settled if self.settled else None

    @property
    def commercial_share(self) -> float | None:
        return self.commercial / self.messages if self.messages else None

    @property
    def score(self) -> Score:
        return social_dividend(reach=self.senders, virality=0.0, interactions=self.messages)


def window_start(period: Period, days: int) -> datetime:
    """The first moment of the last `days` local days of the period."""
    first = period.end - timedelta(days=days - 1)
    return timezone.make_aware(datetime.combine(first, time.min))


def people_messages(circles: list[Circle]) -> QuerySet[Message]:
    """The messages people sent in these circles: no system notices, none the moderators
    removed."""
    return Message.objects.filter(
        circle__in=circles, sender__isnull=False, removed_at__isnull=True
    ).exclude(kind=MessageKind.SYSTEM)


def circle_health(store: Store, period: Period, today: date | None = None) -> list[CircleHealth]:
    """The health of each of the store's circles, biggest first (seven queries in all)."""
    today = today or timezone.localdate()
    circles = list(Circle.objects.filter(store=store).order_by("-member_count", "created_at"))
    if not circles:
        return []
    health = {c.pk: CircleHealth(circle_id=c.pk, name=c.name) for c in circles}
    _members(circles, health)
    _messages(circles, period, health)
    _lurkers(circles, period, health)
    _joins_and_leaves(store, circles, period, today, health)
    _orders(store, circles, period, health)
    return [health[c.pk] for c in circles]


def _members(circles: list[Circle], health: dict[str, CircleHealth]) -> None:
    rows = (
        Membership.objects.filter(circle__in=circles, state=MemberState.ACTIVE)
        .values("circle_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        health[row["circle_id"]].members = row["n"]


def _messages(circles: list[Circle], period: Period, health: dict[str, CircleHealth]) -> None:
    since, until = period.since, period.until
    day, week, month = (window_start(period, n) for n in (DAY, WEEK, MONTH))
    in_period = Q(created_at__gte=since)
    rows = (
        people_messages(circles)
        .filter(created_at__gte=min(since, month), created_at__lt=until)
        .values("circle_id")
        .annotate(
            messages=Count("pk", filter=in_period),
            commercial=Count("pk", filter=in_period & Q(is_commercial=True)),
            senders=Count("sender", distinct=True, filter=in_period),
            dau=Count("sender", distinct=True, filter=Q(created_at__gte=day)),
            wau=Count("sender", distinct=True, filter=Q(created_at__gte=week)),
            mau=Count("sender", distinct=True, filter=Q(created_at__gte=month)),
        )
    )
    for row in rows:
        h = health[row["circle_id"]]
        h.messages, h.commercial, h.senders = row["messages"], row["commercial"], row["senders"]
        h.dau, h.wau, h.mau = row["dau"], row["wau"], row["mau"]


def _lurkers(circles: list[Circle], period: Period, health: dict[str, CircleHealth]) -> None:
    start, until = window_start(period, LURK_DAYS), period.until
    spoke = people_messages(circles).filter(
        circle=OuterRef("circle"),
        sender=OuterRef("user"),
        created_at__gte=start,
        created_at__lt=until,
    )
    rows = (
        Membership.objects.filter(circle__in=circles, state=MemberState.ACTIVE, joined_at__lt=start)
        .annotate(spoke=Exists(spoke))
        .values("circle_id")
        .annotate(settled=Count("pk"), lurkers=Count("pk", filter=Q(spoke=False)))
    )
    for row in rows:
        h = health[row["circle_id"]]
        h.settled, h.lurkers = row["settled"], row["lurkers"]


def _joins_and_leaves(
    store: Store,
    circles: list[Circle],
    period: Period,
    today: date,
    health: dict[str, CircleHealth],
) -> None:
    """Joins and leaves in the period, and the members at the end of each of its days."""
    net: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        DailyCount.objects.filter(
            store_id=store.pk,
            kind__in=(EventKind.CIRCLE_JOIN, EventKind.CIRCLE_LEAVE),
            ref__in=[c.pk for c in circles],
            day__gte=period.start,
        )
        .values("ref", "day", "kind")
        .annotate(n=Sum("count"))
    )
    for row in rows:
        h = health[row["ref"]]
        joined = row["kind"] == EventKind.CIRCLE_JOIN
        if row["day"] <= period.end:
            if joined:
                h.joins += row["n"]
            else:
                h.leaves += row["n"]
        net[row["ref"]][row["day"]] += row["n"] if joined else -row["n"]
    for circle in circles:
        h = health[circle.pk]
        born = timezone.localtime(circle.created_at).date()
        changes = net[circle.pk]
        after = sum(n for d, n in changes.items() if d > period.end)  # moves after the period
        by_day: list[tuple[date, int]] = []
        for day in reversed(list(period.each_day())):
            if day >= today:
                count = h.members
            elif day < born:
                count = 0
            else:
                count = max(h.members - after, 0)
            by_day.append((day, count))
            after += changes.get(day, 0)
        h.members_by_day = list(reversed(by_day))


def _orders(
    store: Store, circles: list[Circle], period: Period, health: dict[str, CircleHealth]
) -> None:
    # One join on the memberships: each order counts once for each circle its buyer is in.
    rows = (
        Order.objects.filter(
            store=store,
            paid_at__gte=period.since,
            paid_at__lt=period.until,
            buyer__circle_memberships__circle__in=circles,
            buyer__circle_memberships__state=MemberState.ACTIVE,
        )
        .values(circle_id=F("buyer__circle_memberships__circle"))
        .annotate(orders=Count("pk"), gmv=Sum(F("total") - F("refunded_amount")))
    )
    for row in rows:
        h = health[row["circle_id"]]
        h.orders, h.gmv = row["orders"], int(row["gmv"] or 0)
