"""Circle health and campaign results for the store's owner and the staff let see the
insights: `GET /api/v1/insights/{store_id}/circles` and `…/campaigns`, the period asked as the
pages ask it (`?period=today|7d|30d|custom&start=&end=`). The definitions are those of
quanzi/insights/circles.py and quanzi/insights/campaigns.py."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH
from quanzi.core.schemas import Schema
from quanzi.insights.api.common import PeriodOut, PeriodQuery, insights_store, period_out
from quanzi.insights.campaigns import CampaignResults, campaign_results
from quanzi.insights.circles import CircleHealth, circle_health
from quanzi.insights.periods import Period

router = Router()


class CircleMembersOnDay(Schema):
    day: date
    members: int


class CircleHealthOut(Schema):
    circle_id: str
    name: str
    members: int = Field(description="members now")
    members_by_day: list[CircleMembersOnDay] = Field(description="members at the end of each day")
    dau: int = Field(description="people who sent a message on the period's last day")
    wau: int = Field(description="… in the period's last 7 days")
    mau: int = Field(description="… in the period's last 28 days")
    senders: int = Field(description="people who sent a message in the period")
    messages: int
    messages_per_active: float | None
    commercial_messages: int
    commercial_share: float | None = Field(description="0–1")
    settled_members: int = Field(description="members who joined before the 28 days")
    lurkers: int = Field(description="settled members who sent nothing in the 28 days")
    lurker_share: float | None = Field(description="lurkers ÷ settled members, 0–1")
    joins: int
    leaves: int
    orders: int = Field(description="members' paid orders at the store in the period")
    gmv: int = Field(description="fen: Σ(total − refunded) of those orders")
    score: float = Field(description="social dividend")


class CircleHealthListOut(Schema):
    period: PeriodOut
    circles: list[CircleHealthOut]


class GroupBuyResultOut(Schema):
    campaign_id: str
    name: str
    ended: int
    filled: int
    fill_rate: float | None
    median_hours_to_fill: float | None


class BargainResultOut(Schema):
    campaign_id: str
    name: str
    ended: int
    bought: int
    completion_rate: float | None


class FlashSaleResultOut(Schema):
    sale_id: str
    name: str
    starts_at: datetime
    offered: int
    sold: int
    sell_through: float | None
    hours_to_sell_out: float | None


class RedPacketResultOut(Schema):
    packet_id: str
    name: str
    published_at: datetime
    shares: int
    grabbed: int
    grab_rate: float | None
    total: int = Field(description="fen")
    grabbed_amount: int = Field(description="fen")
    amount_rate: float | None
    orders: int = Field(description="paid orders by grabbers within 24 h after their grab")
    gmv: int = Field(description="fen")


class CouponResultOut(Schema):
    coupon_id: str
    name: str
    handed_out: int
    used: int
    redemption: float | None


class CampaignResultsOut(Schema):
    period: PeriodOut
    group_buys: list[GroupBuyResultOut]
    bargains: list[BargainResultOut]
    flash_sales: list[FlashSaleResultOut]
    red_packets: list[RedPacketResultOut]
    coupons: list[CouponResultOut]


def circle_out(h: CircleHealth) -> CircleHealthOut:
    return CircleHealthOut(
        circle_id=h.circle_id,
        name=h.name,
        members=h.members,
        members_by_day=[CircleMembersOnDay(day=d, members=n) for d, n in h.members_by_day],
        dau=h.dau,
        wau=h.wau,
        mau=h.mau,
        senders=h.senders,
        messages=h.messages,
        messages_per_active=h.messages_per_active,
        commercial_messages=h.commercial,
        commercial_share=h.commercial_share,
        settled_members=h.settled,
        lurkers=h.lurkers,
        lurker_share=h.lurker_share,
        joins=h.joins,
        leaves=h.leaves,
        orders=h.orders,
        gmv=h.gmv,
        score=h.score.value,
    )


def campaigns_out(period: Period, r: CampaignResults) -> CampaignResultsOut:
    return CampaignResultsOut(
        period=period_out(period),
        group_buys=[
            GroupBuyResultOut(
                campaign_id=g.campaign_id,
                name=g.name,
                ended=g.ended,
                filled=g.filled,
                fill_rate=g.fill_rate,
                median_hours_to_fill=g.median_hours_to_fill,
            )
            for g in r.group_buys
        ],
        bargains=[
            BargainResultOut(
                campaign_id=b.campaign_id,
                name=b.name,
                ended=b.ended,
                bought=b.bought,
                completion_rate=b.completion_rate,
            )
            for b in r.bargains
        ],
        flash_sales=[
            FlashSaleResultOut(
                sale_id=f.sale_id,
                name=f.name,
                starts_at=f.starts_at,
                offered=f.offered,
                sold=f.sold,
                sell_through=f.sell_through,
                hours_to_sell_out=f.hours_to_sell_out,
            )
            for f in r.flash_sales
        ],
        red_packets=[
            RedPacketResultOut(
                packet_id=p.packet_id,
                name=p.name,
                published_at=p.published_at,
                shares=p.shares,
                grabbed=p.grabbed,
                grab_rate=p.grab_rate,
                total=p.total,
                grabbed_amount=p.grabbed_amount,
                amount_rate=p.amount_rate,
                orders=p.orders,
                gmv=p.gmv,
            )
            for p in r.red_packets
        ],
        coupons=[
            CouponResultOut(
                coupon_id=c.coupon_id,
                name=c.name,
                handed_out=c.handed_out,
                used=c.used,
                redemption=c.redemption,
            )
            for c in r.coupons
        ],
    )


@router.get("/{store_id}/circles", auth=AUTH, response=CircleHealthListOut)
def circles(request: HttpRequest, store_id: str, query: Query[PeriodQuery]) -> CircleHealthListOut:
    """The health of each of the store's circles over the period (owner, or staff let see the
    insights)."""
    store = insights_store(request, store_id)
    period = query.parse()
    return CircleHealthListOut(
        period=period_out(period), circles=[circle_out(h) for h in circle_health(store, period)]
    )


@router.get("/{store_id}/campaigns", auth=AUTH, response=CampaignResultsOut)
def campaigns(request: HttpRequest, store_id: str, query: Query[PeriodQuery]) -> CampaignResultsOut:
    """How each of the store's campaigns did over the period (owner, or staff let see the
    insights)."""
    store = insights_store(request, store_id)
    period = query.parse()
    return campaigns_out(period, campaign_results(store, period))
