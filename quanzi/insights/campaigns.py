"""Campaign results: how each of a store's campaigns did over a period, one list per mechanic.
Each list is read in one or two aggregate queries (never one per campaign).

- **Group buys**: the groups that ended in the period (closed as complete or failed, `closed_at`
  in it); fill rate = groups that filled ÷ groups that ended; the median time to fill is from a
  group's opening to its completion, over the groups that filled.
- **Bargains**: the bargains that ended in the period — bought in it (`bought_at`), or ran out
  of time in it without being bought; completion rate = bought ÷ ended.
- **Flash sales**: the slots that ran in the period (started by now, their window meeting the
  period); sell-through = units sold ÷ stock offered (units held by orders, cancelled orders'
  units given back); a slot with nothing left sold out at its last claim still held, and the
  time to sell out runs from the slot's start to then.
- **Red packets**: the store's packets (paid from its balance) published in the period; grab
  rate = shares grabbed ÷ shares, and amount grabbed ÷ total; the orders are the paid orders at
  the store that a grabber placed within 24 hours after their grab, with their GMV
  (Σ total − refunded). An order placed after two grabs counts for each packet.
- **Coupons**: the copies handed out in the period; redemption = copies used (by now) ÷ copies
  handed out.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from quanzi.campaigns.bargains.models import Bargain, BargainStatus
from quanzi.campaigns.flashsales.models import FlashClaim, FlashSale
from quanzi.campaigns.groupbuy.models import Group, GroupStatus
from quanzi.campaigns.redpackets.models import RedPacket, Share
from quanzi.coupons.models import UserCoupon, UserCouponStatus
from quanzi.insights.periods import Period
from quanzi.orders.models import Order
from quanzi.stores.models import Store

ORDER_WINDOW = timedelta(hours=24)  # a red packet's orders: placed within this after the grab


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


@dataclass
class GroupBuyResult:
    campaign_id: str
    name: str
    ended: int = 0
    filled: int = 0
    median_hours_to_fill: float | None = None

    @property
    def fill_rate(self) -> float | None:
        return _rate(self.filled, self.ended)


@dataclass
class BargainResult:
    campaign_id: str
    name: str
    ended: int = 0
    bought: int = 0

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.bought, self.ended)


@dataclass
class FlashSaleResult:
    sale_id: str
    name: str
    starts_at: datetime
    offered: int
    sold: int
    hours_to_sell_out: float | None = None

    @property
    def sell_through(self) -> float | None:
        return _rate(self.sold, self.offered)


@dataclass
class RedPacketResult:
    packet_id: str
    name: str
    published_at: datetime
    shares: int
    total: int  # fen
    grabbed: int = 0
    grabbed_amount: int = 0  # fen
    orders: int = 0
    gmv: int = 0  # fen

    @property
    def grab_rate(self) -> float | None:
        return _rate(self.grabbed, self.shares)

    @property
    def amount_rate(self) -> float | None:
        return _rate(self.grabbed_amount, self.total)


@dataclass
class CouponResult:
    coupon_id: str
    name: str
    handed_out: int = 0
    used: int = 0

    @property
    def redemption(self) -> float | None:
        return _rate(self.used, self.handed_out)


@dataclass
class CampaignResults:
    group_buys: list[GroupBuyResult] = field(default_factory=list)
    bargains: list[BargainResult] = field(default_factory=list)
    flash_sales: list[FlashSaleResult] = field(default_factory=list)
    red_packets: list[RedPacketResult] = field(default_factory=list)
    coupons: list[CouponResult] = field(default_factory=list)


def campaign_results(store: Store, period: Period, now: datetime | None = None) -> CampaignResults:
    now = now or timezone.now()
    return CampaignResults(
        group_buys=group_buys(store, period),
        bargains=bargains(store, period, now),
        flash_sales=flash_sales(store, period, now),
        red_packets=red_packets(store, period),
        coupons=coupons(store, period),
    )


def group_buys(store: Store, period: Period) -> list[GroupBuyResult]:
    groups = Group.objects.filter(
        campaign__store=store,
        status__in=(GroupStatus.COMPLETE, GroupStatus.FAILED),
        closed_at__gte=period.since,
        closed_at__lt=period.until,
    )
    results: dict[str, GroupBuyResult] = {}
    durations: dict[str, list[float]] = defaultdict(list)
    rows = groups.values_list(
        "campaign_id", "campaign__product__title", "status", "opened_at", "closed_at"
    ).order_by("campaign_id")
    for campaign_id, title, status, opened_at, closed_at in rows:
        result = results.setdefault(campaign_id, GroupBuyResult(campaign_id, title))
        result.ended += 1
        if status == GroupStatus.COMPLETE and closed_at is not None:  # closed_at__gte: set
            result.filled += 1
            durations[campaign_id].append(_hours(closed_at - opened_at))
    for campaign_id, hours in durations.items():
        results[campaign_id].median_hours_to_fill = statistics.median(hours)
    return sorted(results.values(), key=lambda r: (-r.ended, r.name))


def bargains(store: Store, period: Period, now: datetime) -> list[BargainResult]:
    since, until = period.since, period.until
    bought = Q(status=BargainStatus.BOUGHT, bought_at__gte=since, bought_at__lt=until)
    ran_out = (
        ~Q(status=BargainStatus.BOUGHT)
        & Q(expires_at__gte=since, expires_at__lt=until)
        & Q(expires_at__lte=now)
    )
    rows = (
        Bargain.objects.filter(Q(campaign__store=store) & (bought | ran_out))
        .values("campaign_id", "campaign__title")
        .annotate(ended=Count("pk"), bought=Count("pk", filter=Q(status=BargainStatus.BOUGHT)))
        .order_by("-ended", "campaign__title")
    )
    return [
        BargainResult(r["campaign_id"], r["campaign__title"], r["ended"], r["bought"]) for r in rows
    ]


def flash_sales(store: Store, period: Period, now: datetime) -> list[FlashSaleResult]:
    sales = list(
        FlashSale.objects.filter(
            store=store,
            starts_at__lte=now,
            starts_at__lt=period.until,
            ends_at__gt=period.since,
        )
        .select_related("sku__product")
        .order_by("starts_at", "pk")
    )
    sold_out = [s for s in sales if s.stock == 0]
    last_claim = dict(
        FlashClaim.objects.filter(sale__in=sold_out, returned=False)
        .values("sale_id")
        .annotate(last=Max("created_at"))
        .values_list("sale_id", "last")
    )
    results = []
    for sale in sales:
        last = last_claim.get(sale.pk)
        results.append(
            FlashSaleResult(
                sale_id=sale.pk,
                name=sale.title or sale.sku.product.title,
                starts_at=sale.starts_at,
                offered=sale.total_stock,
                sold=sale.sold,
                hours_to_sell_out=_hours(last - sale.starts_at) if last else None,
            )
        )
    return results


def red_packets(store: Store, period: Period) -> list[RedPacketResult]:
    packets = list(
        RedPacket.objects.filter(
            store=store, published_at__gte=period.since, published_at__lt=period.until
        )
        .select_related("circle")
        .order_by("published_at", "pk")
    )
    if not packets:
        return []
    results = {
        p.pk: RedPacketResult(
            packet_id=p.pk,
            name=p.greeting or p.circle.name,
            published_at=p.published_at or p.visible_at,
            shares=p.count,
            total=p.total,
        )
        for p in packets
    }
    grabs = list(
        Share.objects.filter(packet__in=packets, claimed_by__isnull=False).values_list(
            "packet_id", "claimed_by_id", "claimed_at", "amount"
        )
    )
    for packet_id, _user, _at, amount in grabs:
        results[packet_id].grabbed += 1
        results[packet_id].grabbed_amount += amount
    grabbed_at = [at for _p, _u, at, _a in grabs if at is not None]
    if grabbed_at:
        orders = Order.objects.filter(
            store=store,
            paid_at__isnull=False,
            buyer_id__in={user for _p, user, _at, _a in grabs},
            created_at__gte=min(grabbed_at),
            created_at__lt=max(grabbed_at) + ORDER_WINDOW,
        ).values_list("buyer_id", "created_at", "total", "refunded_amount")
        by_buyer: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        for buyer, created_at, total, refunded in orders:
            by_buyer[buyer].append((created_at, total - refunded))
        for packet_id, user, at, _amount in grabs:
            if at is None:
                continue
            for created_at, gmv in by_buyer.get(user, []):
                if at <= created_at < at + ORDER_WINDOW:
                    results[packet_id].orders += 1
                    results[packet_id].gmv += gmv
    return list(results.values())


def coupons(store: Store, period: Period) -> list[CouponResult]:
    rows = (
        UserCoupon.objects.filter(
            store=store, created_at__gte=period.since, created_at__lt=period.until
        )
        .values("coupon_id", "coupon__name")
        .annotate(handed_out=Count("pk"), used=Count("pk", filter=Q(status=UserCouponStatus.USED)))
        .order_by("-handed_out", "coupon__name")
    )
    return [
        CouponResult(r["coupon_id"], r["coupon__name"], r["handed_out"], r["used"]) for r in rows
    ]
