"""The report of a sent outreach: reached against held-out members, as assigned.

A member **converts** with a paid order at the store (`paid_at`) within the attribution window
after sending ([sent_at, sent_at + window_days)); an order refunded later still converted, its
**GMV** (total − refunded, fen, as the insights count it) drops by what went back. Every member
assigned to the reached group counts as reached, delivered or not (intention to treat)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Sum

from quanzi.orders.models import Order
from quanzi.outreach import stats
from quanzi.outreach.models import Delivery, Group, Outreach, OutreachMember, SkipReason


@dataclass(frozen=True)
class OutreachReport:
    outreach: Outreach
    window_ends: datetime
    reached: stats.GroupOutcome
    holdout: stats.GroupOutcome
    lift: stats.Lift
    delivered: int
    pending: int
    skipped: dict[str, int]  # reason → members

    @property
    def complete(self) -> bool:
        """The window has ended: the figures will not change any more (save refunds)."""
        from django.utils import timezone

        return timezone.now() >= self.window_ends


def _outcome(members: int, per_buyer: dict[int, tuple[int, int]]) -> stats.GroupOutcome:
    gmvs = [float(gmv) for _orders, gmv in per_buyer.values()]
    return stats.GroupOutcome(
        members=members,
        converters=len(per_buyer),
        orders=sum(orders for orders, _gmv in per_buyer.values()),
        gmv=stats.Moments.of(gmvs, n=members),
    )


def report_of(outreach: Outreach) -> OutreachReport | None:
    """The figures of a sent outreach (None for a draft): a few aggregate queries."""
    if outreach.sent_at is None:
        return None
    ends = outreach.sent_at + timedelta(days=outreach.window_days)
    audience = OutreachMember.objects.filter(outreach=outreach)
    buyers = (
        Order.objects.filter(
            store_id=outreach.store_id,
            paid_at__gte=outreach.sent_at,
            paid_at__lt=ends,
            buyer_id__in=audience.values("user_id"),
        )
        .values("buyer_id")
        .annotate(orders=Count("pk"), gmv=Sum(F("total") - F("refunded_amount")))
    )
    per_buyer = {row["buyer_id"]: (row["orders"], row["gmv"] or 0) for row in buyers}
    groups = dict(
        audience.filter(user_id__in=list(per_buyer)).values_list("user_id", "group")
        if per_buyer
        else []
    )
    split: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for pk, value in per_buyer.items():
        split[groups[pk]][pk] = value
    counts = audience.aggregate(
        reached=Count("pk", filter=Q(group=Group.REACHED)),
        holdout=Count("pk", filter=Q(group=Group.HOLDOUT)),
        delivered=Count("pk", filter=Q(delivery=Delivery.DELIVERED)),
        pending=Count("pk", filter=Q(delivery=Delivery.PENDING)),
    )
    skipped = dict(
        audience.filter(delivery=Delivery.SKIPPED)
        .values("skip_reason")
        .annotate(n=Count("pk"))
        .values_list("skip_reason", "n")
    )
    reached = _outcome(counts["reached"], split[Group.REACHED])
    holdout = _outcome(counts["holdout"], split[Group.HOLDOUT])
    return OutreachReport(
        outreach=outreach,
        window_ends=ends,
        reached=reached,
        holdout=holdout,
        lift=stats.compare(reached, holdout),
        delivered=counts["delivered"],
        pending=counts["pending"],
        skipped={reason: skipped.get(reason, 0) for reason in SkipReason.values},
    )
