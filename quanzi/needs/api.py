"""The needs API (/api/v1/needs/{store}/…): what the pages show, for the store's owner and the
staff let see the insights; who asked for a wish only with the customers right. Every call
takes the period (`period=7d|30d|90d|custom`, `start`, `end`) and may narrow to one of the
store's circles (`circle`) or products (`product`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.errors import NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.schemas import Schema
from quanzi.needs import selectors
from quanzi.needs.errors import NeedsCode
from quanzi.needs.models import Digest
from quanzi.needs.periods import Period, parse_period
from quanzi.needs.views import sees_customers
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

router = Router()


class NeedsQuery(Schema):
    period: Literal["7d", "30d", "90d", "custom"] = Field(
        default="30d", description="the last 7, 30 or 90 days, or custom start..end"
    )
    start: date | None = Field(default=None, description="custom: the first day (included)")
    end: date | None = Field(default=None, description="custom: the last day (included)")
    circle: str | None = Field(default=None, description="only this circle of the store")
    product: str | None = Field(default=None, description="only this product of the store")

    def parse(self, store: Store) -> tuple[Period, selectors.Filters]:
        period = parse_period(
            {
                "period": self.period,
                "start": self.start.isoformat() if self.start else "",
                "end": self.end.isoformat() if self.end else "",
            }
        )
        return period, selectors.check_filters(store, self.circle, self.product)


class NeedsPeriodOut(Schema):
    key: str
    start: date
    end: date
    previous_start: date
    previous_end: date


class NeedsWishOut(Schema):
    id: str
    label: str
    count: int = Field(description="mentions in the period")
    askers: int = Field(description="people who asked in the period")
    previous: int = Field(description="mentions in the period before")
    total: int = Field(description="mentions ever")


class NeedsTopicOut(Schema):
    label: str
    keywords: list[str]
    count: int
    previous: int
    share: float = Field(description="of the period's sample, 0..1")
    previous_share: float
    examples: list[str]


class NeedsKeywordOut(Schema):
    word: str
    count: int


class NeedsSentimentSummaryOut(Schema):
    positive: int
    neutral: int
    negative: int
    average: float = Field(description="-1 (negative) .. 1 (positive)")


class NeedsSentimentDayOut(Schema):
    day: date
    positive: int
    neutral: int
    negative: int
    average: float


class NeedsMotivesOut(Schema):
    counts: dict[str, int] = Field(description="motive → texts naming it")
    surface: int = Field(description="texts with a surface motive (function, quality, price)")
    deep: int = Field(description="texts with a deep motive (gift, status, self-reward, …)")
    texts: int


class NeedsOverviewOut(Schema):
    period: NeedsPeriodOut
    wishes: list[NeedsWishOut]
    topics: list[NeedsTopicOut]
    sentiment: NeedsSentimentSummaryOut
    previous_sentiment: NeedsSentimentSummaryOut
    days: list[NeedsSentimentDayOut]
    motives: NeedsMotivesOut


class NeedsTopicsOut(Schema):
    period: NeedsPeriodOut
    topics: list[NeedsTopicOut]
    keywords: list[NeedsKeywordOut]


class NeedsMoodOut(Schema):
    source: str = Field(description="chat, note, comment, review or after_sale")
    text: str
    sentiment: str
    score: float
    written_at: datetime
    link: str


class NeedsSentimentOut(Schema):
    period: NeedsPeriodOut
    sentiment: NeedsSentimentSummaryOut
    previous_sentiment: NeedsSentimentSummaryOut
    days: list[NeedsSentimentDayOut]
    recent: list[NeedsMoodOut]


class NeedsWeekOut(Schema):
    week: date = Field(description="the Monday")
    count: int


class NeedsQuoteOut(Schema):
    text: str
    start: int
    end: int
    source: str
    link: str
    written_at: datetime
    author: str | None = Field(description="only with the customers right, for profiled members")


class NeedsAskerOut(Schema):
    id: str = Field(description="the member's public id")
    name: str
    count: int
    last_at: datetime


class NeedsWishDetailOut(Schema):
    id: str
    label: str
    mention_count: int
    asker_count: int
    first_at: datetime | None
    last_at: datetime | None
    weeks: list[NeedsWeekOut]
    quotes: list[NeedsQuoteOut]
    askers: list[NeedsAskerOut] | None = Field(description="null without the customers right")


class NeedsDigestOut(Schema):
    id: str
    week_start: date
    content: dict[str, object]


def _store(request: HttpRequest, store_id: str) -> Store:
    return access_store(current_user(request), store_id, need="insights")


def _period(period: Period) -> NeedsPeriodOut:
    before = period.previous()
    return NeedsPeriodOut(
        key=period.key,
        start=period.start,
        end=period.end,
        previous_start=before.start,
        previous_end=before.end,
    )


def _wish(w: selectors.WishRow) -> NeedsWishOut:
    return NeedsWishOut(
        id=w.id, label=w.label, count=w.count, askers=w.askers, previous=w.previous, total=w.total
    )


def _topic(t: selectors.Topic) -> NeedsTopicOut:
    return NeedsTopicOut(
        label=t.label,
        keywords=list(t.keywords),
        count=t.count,
        previous=t.previous,
        share=round(t.share, 4),
        previous_share=round(t.previous_share, 4),
        examples=list(t.examples),
    )


def _mood(s: selectors.SentimentSummary) -> NeedsSentimentSummaryOut:
    return NeedsSentimentSummaryOut(
        positive=s.positive, neutral=s.neutral, negative=s.negative, average=s.average
    )


def _days(days: list[selectors.SentimentDay]) -> list[NeedsSentimentDayOut]:
    return [
        NeedsSentimentDayOut(
            day=d.day,
            positive=d.positive,
            neutral=d.neutral,
            negative=d.negative,
            average=d.average,
        )
        for d in days
    ]


@router.get("/{store_id}/overview", auth=AUTH, response=NeedsOverviewOut)
def overview(request: HttpRequest, store_id: str, q: Query[NeedsQuery]) -> NeedsOverviewOut:
    """The top wishes, the rising topics, the mood and its trend, and the motives' split."""
    store = _store(request, store_id)
    period, filters = q.parse(store)
    split = selectors.motives(store, period, filters)
    return NeedsOverviewOut(
        period=_period(period),
        wishes=[_wish(w) for w in selectors.wishes(store, period, filters, limit=10)],
        topics=[_topic(t) for t in selectors.topics(store, period, filters)],
        sentiment=_mood(selectors.sentiment(store, period, filters)),
        previous_sentiment=_mood(selectors.sentiment(store, period.previous(), filters)),
        days=_days(selectors.sentiment_trend(store, period, filters)),
        motives=NeedsMotivesOut(
            counts=split.counts, surface=split.surface, deep=split.deep, texts=split.texts
        ),
    )


@router.get("/{store_id}/wishes", auth=AUTH, response=list[NeedsWishOut])
def wishes(request: HttpRequest, store_id: str, q: Query[NeedsQuery]) -> list[NeedsWishOut]:
    """The period's wishes, most asked first (counts only)."""
    store = _store(request, store_id)
    period, filters = q.parse(store)
    return [_wish(w) for w in selectors.wishes(store, period, filters, limit=100)]


@router.get("/{store_id}/wishes/{wish_id}", auth=AUTH, response=NeedsWishDetailOut)
def wish(
    request: HttpRequest, store_id: str, wish_id: str, q: Query[NeedsQuery]
) -> NeedsWishDetailOut:
    """One wish: its trend by week, quotes linking to where it was said, and who asked (with
    the customers right only; members who chose not to be profiled are never listed)."""
    user = current_user(request)
    store = _store(request, store_id)
    period, _filters = q.parse(store)
    found = selectors.wish_of(store, wish_id)
    names = sees_customers(user, store)
    return NeedsWishDetailOut(
        id=found.pk,
        label=found.label,
        mention_count=found.mention_count,
        asker_count=found.asker_count,
        first_at=found.first_at,
        last_at=found.last_at,
        weeks=[
            NeedsWeekOut(week=w.week, count=w.count)
            for w in selectors.wish_weeks(store, found, period)
        ],
        quotes=[
            NeedsQuoteOut(
                text=x.text,
                start=x.start,
                end=x.end,
                source=x.source,
                link=x.link,
                written_at=x.written_at,
                author=x.author,
            )
            for x in selectors.wish_quotes(store, found, names=names)
        ],
        askers=[
            NeedsAskerOut(id=a.public_id, name=a.name, count=a.count, last_at=a.last_at)
            for a in selectors.wish_askers(store, found)
        ]
        if names
        else None,
    )


@router.get("/{store_id}/topics", auth=AUTH, response=NeedsTopicsOut)
def topics(request: HttpRequest, store_id: str, q: Query[NeedsQuery]) -> NeedsTopicsOut:
    """Topics clustered over a bounded recent sample of the period and the one before, labelled
    with their keywords (rising first), and the period's keywords."""
    store = _store(request, store_id)
    period, filters = q.parse(store)
    return NeedsTopicsOut(
        period=_period(period),
        topics=[_topic(t) for t in selectors.topics(store, period, filters)],
        keywords=[
            NeedsKeywordOut(word=w, count=n) for w, n in selectors.keywords(store, period, filters)
        ],
    )


@router.get("/{store_id}/sentiment", auth=AUTH, response=NeedsSentimentOut)
def sentiment(request: HttpRequest, store_id: str, q: Query[NeedsQuery]) -> NeedsSentimentOut:
    """The mood of the period and the one before, by day, and of the latest texts."""
    store = _store(request, store_id)
    period, filters = q.parse(store)
    return NeedsSentimentOut(
        period=_period(period),
        sentiment=_mood(selectors.sentiment(store, period, filters)),
        previous_sentiment=_mood(selectors.sentiment(store, period.previous(), filters)),
        days=_days(selectors.sentiment_trend(store, period, filters)),
        recent=[
            NeedsMoodOut(
                source=m.source,
                text=m.text,
                sentiment=m.sentiment,
                score=m.score,
                written_at=m.written_at,
                link=m.link,
            )
            for m in selectors.recent_moods(store, period, filters)
        ],
    )


@router.get("/{store_id}/digests", auth=AUTH, response=list[NeedsDigestOut])
def digests(request: HttpRequest, store_id: str) -> list[NeedsDigestOut]:
    """The store's weekly digests, newest first (a year of them)."""
    store = _store(request, store_id)
    return [
        NeedsDigestOut(id=d.pk, week_start=d.week_start, content=d.content)
        for d in Digest.objects.filter(store=store)[:52]
    ]


@router.get("/{store_id}/digests/{digest_id}", auth=AUTH, response=NeedsDigestOut)
def digest(request: HttpRequest, store_id: str, digest_id: str) -> NeedsDigestOut:
    store = _store(request, store_id)
    found = (
        Digest.objects.filter(pk=digest_id, store=store).first()
        if is_public_id(digest_id)
        else None
    )
    if found is None:
        raise NotFound(_("Digest not found."), code=NeedsCode.DIGEST_NOT_FOUND)
    return NeedsDigestOut(id=found.pk, week_start=found.week_start, content=found.content)
