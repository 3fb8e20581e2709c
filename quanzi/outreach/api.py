"""The outreach API (/api/v1/outreach/…): a store's outreaches with their lift, creating and
sending one in a single call (`Idempotency-Key` honoured; a sent outreach is never sent again),
the audience preview and the report. Owner and staff with the customers right; money in fen,
rates as proportions (0.05 = 5 %)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.idempotency import idempotent
from quanzi.core.schemas import Schema
from quanzi.outreach import stats
from quanzi.outreach.models import DEFAULT_HOLDOUT, DEFAULT_WINDOW_DAYS, Outreach
from quanzi.outreach.services import sending
from quanzi.outreach.services.report import OutreachReport, report_of
from quanzi.stores.services import access_store

router = Router()


class OutreachIn(Schema):
    name: str = Field(max_length=60)
    segment_id: str = Field(max_length=16)
    channel: str = Field(max_length=20, description="coupon, announcement or notification")
    holdout_percent: int = Field(default=DEFAULT_HOLDOUT, description="5-50")
    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, description="1-30")
    coupon_id: str = Field(default="", max_length=16, description="coupon: the store's coupon")
    circle_id: str = Field(default="", max_length=16, description="announcement: the circle")
    title: str = Field(default="", max_length=80, description="announcement")
    body: str = Field(default="", max_length=4000, description="announcement")
    product_id: str = Field(default="", max_length=16, description="announcement, optional")
    text: str = Field(default="", max_length=200, description="notification")
    link: str = Field(default="", max_length=200, description="notification: a path of the site")


class OutreachIntervalOut(Schema):
    estimate: float
    low: float | None = Field(description="95 % interval; null when it cannot be bounded")
    high: float | None


class OutreachGroupOut(Schema):
    members: int
    converters: int
    orders: int
    conversion: float
    gmv: int = Field(description="fen, paid minus refunded")
    gmv_per_member: float = Field(description="fen")


class OutreachLiftOut(Schema):
    conversion: OutreachIntervalOut = Field(description="reached − held out (Newcombe)")
    conversion_relative: OutreachIntervalOut | None = Field(description="ratio − 1 (Katz)")
    gmv_per_member: OutreachIntervalOut = Field(description="fen (Welch)")
    gmv_relative: float | None
    incremental_converters: OutreachIntervalOut
    incremental_orders: float
    incremental_gmv: OutreachIntervalOut = Field(description="fen")
    significant: bool = Field(description="the conversion interval excludes 0")


class OutreachOut(Schema):
    id: str
    name: str
    segment_id: str | None
    segment_name: str
    channel: str
    state: str
    holdout_percent: int
    window_days: int
    seed: int | None
    sent_at: datetime | None
    reached: int
    holdout: int
    lift: OutreachLiftOut | None = None


class OutreachListOut(Schema):
    outreaches: list[OutreachOut]


class OutreachReportOut(Schema):
    outreach: OutreachOut
    window_ends: datetime
    complete: bool
    reached: OutreachGroupOut
    holdout: OutreachGroupOut
    lift: OutreachLiftOut
    delivered: int
    pending: int
    skipped: dict[str, int] = Field(description="reason → members not delivered")
    analysis: str = Field(description="intention to treat: assigned members count as reached")


class OutreachPreviewQuery(Schema):
    segment_id: str = Field(max_length=16)
    holdout_percent: int = DEFAULT_HOLDOUT


class OutreachPreviewOut(Schema):
    size: int
    reached: int
    holdout: int
    too_small: bool


def _finite(value: float) -> float | None:
    return value if value == value and abs(value) != float("inf") else None


def _interval(i: stats.Interval) -> OutreachIntervalOut:
    return OutreachIntervalOut(estimate=i.estimate, low=_finite(i.low), high=_finite(i.high))


def _lift(lift: stats.Lift) -> OutreachLiftOut:
    rel = lift.conversion_relative
    return OutreachLiftOut(
        conversion=_interval(lift.conversion),
        conversion_relative=_interval(rel) if rel else None,
        gmv_per_member=_interval(lift.gmv_per_member),
        gmv_relative=lift.gmv_relative,
        incremental_converters=_interval(lift.incremental_converters),
        incremental_orders=lift.incremental_orders,
        incremental_gmv=_interval(lift.incremental_gmv),
        significant=not lift.conversion.covers_zero,
    )


def _group(g: stats.GroupOutcome) -> OutreachGroupOut:
    return OutreachGroupOut(
        members=g.members,
        converters=g.converters,
        orders=g.orders,
        conversion=g.conversion,
        gmv=round(g.gmv.total),
        gmv_per_member=g.gmv_per_member,
    )


def _out(o: Outreach, report: OutreachReport | None) -> OutreachOut:
    return OutreachOut(
        id=o.pk,
        name=o.name,
        segment_id=o.segment_id,
        segment_name=o.segment_name,
        channel=o.channel,
        state=o.state,
        holdout_percent=o.holdout_percent,
        window_days=o.window_days,
        seed=o.seed,
        sent_at=o.sent_at,
        reached=o.reached_count,
        holdout=o.holdout_count,
        lift=_lift(report.lift) if report else None,
    )


@router.get("/{store_id}/outreaches", auth=AUTH, response=OutreachListOut)
def list_outreaches(request: HttpRequest, store_id: str) -> OutreachListOut:
    """The store's outreaches, newest first, each with its lift once sent."""
    store = access_store(current_user(request), store_id, need="customers")
    return OutreachListOut(outreaches=[_out(o, report_of(o)) for o in sending.outreaches_of(store)])


@router.post("/{store_id}/outreaches", auth=AUTH, response={201: OutreachOut})
@idempotent("outreach.send")
def send(request: HttpRequest, store_id: str, data: OutreachIn) -> Status[Any]:
    """Create an outreach and send it to its segment now: 409 `outreach_audience_too_small`,
    `outreach_over_budget` (nothing is created then). Idempotency-Key honoured."""
    outreach = sending.create_and_send(
        current_user(request), store_id, sending.OutreachInput(**data.dict())
    )
    return Status(201, _out(outreach, report_of(outreach)).model_dump(mode="json"))


@router.get("/{store_id}/preview", auth=AUTH, response=OutreachPreviewOut)
def preview(
    request: HttpRequest, store_id: str, query: Query[OutreachPreviewQuery]
) -> OutreachPreviewOut:
    """The segment's size now and how the holdout would split it."""
    found = sending.preview(
        current_user(request), store_id, query.segment_id, query.holdout_percent
    )
    return OutreachPreviewOut(
        size=found.size, reached=found.reached, holdout=found.holdout, too_small=found.too_small
    )


@router.get("/{store_id}/outreaches/{outreach_id}/report", auth=AUTH, response=OutreachReportOut)
def report(request: HttpRequest, store_id: str, outreach_id: str) -> OutreachReportOut:
    """Reached against held out, with the lift and its 95 % intervals (409 for a draft)."""
    store = access_store(current_user(request), store_id, need="customers")
    outreach = sending.find_outreach(store, outreach_id)
    found = report_of(outreach)
    if found is None:
        raise sending.not_sent()
    sending.resume_if_stalled(outreach)
    return OutreachReportOut(
        outreach=_out(outreach, found),
        window_ends=found.window_ends,
        complete=found.complete,
        reached=_group(found.reached),
        holdout=_group(found.holdout),
        lift=_lift(found.lift),
        delivered=found.delivered,
        pending=found.pending,
        skipped=found.skipped,
        analysis="intention_to_treat",
    )
