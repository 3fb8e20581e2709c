"""Reading what the store's community said: keywords, topics, sentiment, wishes and motives,
per circle, product and period. The callers checked the store (`access_store`, need="insights"
for the figures, need="customers" for anything naming a member); these functions only read.

Privacy (docs/needs.md): the text of members who left the anonymous totals counts nowhere;
members who chose not to be profiled are never named and have no per-member data (the
functions for the customers domain answer nothing about them)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.core.errors import NotFound
from quanzi.core.ids import is_public_id
from quanzi.needs.errors import NeedsCode
from quanzi.needs.models import Source, TextItem, Wish, WishMention
from quanzi.needs.periods import Period
from quanzi.needs.privacy import is_profiled as _is_profiled
from quanzi.needs.privacy import not_profiled, out_of_aggregates
from quanzi.needs.text.base import DEEP_MOTIVES, SURFACE_MOTIVES, Motive, Sentiment, get_model
from quanzi.stores.models import Store

TOPIC_SAMPLE = 400  # the recent texts of each period the topics are clustered from
TOPICS = 6
KEYWORD_SAMPLE = 5000


@dataclass(frozen=True)
class Filters:
    """Narrow a read to one circle or one product of the store (ids checked by the caller)."""

    circle_id: str | None = None
    product_id: str | None = None


NO_FILTER = Filters()


def check_filters(store: Store, circle_id: str | None, product_id: str | None) -> Filters:
    """The filters of a page or call: an id that is not one of the store's is 404."""
    from quanzi.catalog.models import Product
    from quanzi.circles.models import Circle

    if circle_id and (
        not is_public_id(circle_id) or not Circle.objects.filter(pk=circle_id, store=store).exists()
    ):
        raise NotFound(_("Circle not found."), code=NeedsCode.CIRCLE_NOT_FOUND)
    if product_id and (
        not is_public_id(product_id)
        or not Product.objects.filter(pk=product_id, store=store).exists()
    ):
        raise NotFound(_("Product not found."), code=NeedsCode.PRODUCT_NOT_FOUND)
    return Filters(circle_id or None, product_id or None)


def _local_tz():  # type: ignore[no-untyped-def]
    return timezone.get_current_timezone()


def texts(
    store: Store, since: datetime, until: datetime, filters: Filters = NO_FILTER
) -> QuerySet[TextItem]:
    """The store's analysed texts in [since, until) that count in the totals."""
    qs = TextItem.objects.filter(
        store=store, written_at__gte=since, written_at__lt=until, analysed_at__isnull=False
    ).exclude(author_id__in=out_of_aggregates())
    if filters.circle_id:
        qs = qs.filter(circle_id=filters.circle_id)
    if filters.product_id:
        qs = qs.filter(product_id=filters.product_id)
    return qs


def period_texts(store: Store, period: Period, filters: Filters = NO_FILTER) -> QuerySet[TextItem]:
    return texts(store, period.since, period.until, filters)


# --- Keywords and topics ---------------------------------------------------------------------


def keywords(
    store: Store, period: Period, filters: Filters = NO_FILTER, n: int = 20
) -> list[tuple[str, int]]:
    """The period's most frequent keywords (jieba's, stored by the analysis) over its most
    recent texts."""
    counts: Counter[str] = Counter()
    rows = period_texts(store, period, filters).order_by("-written_at")
    for words in rows.values_list("keywords", flat=True)[:KEYWORD_SAMPLE]:
        counts.update(set(words or []))
    return counts.most_common(n)


@dataclass(frozen=True)
class Topic:
    label: str  # its keywords, joined
    keywords: tuple[str, ...]
    count: int  # texts of the sample in this period
    previous: int  # texts of the previous period's sample
    share: float  # of this period's sample
    previous_share: float
    examples: tuple[str, ...]

    @property
    def growth(self) -> float:
        return self.share - self.previous_share


def _sample(qs: QuerySet[TextItem], size: int) -> list[tuple[str, list[str]]]:
    return [
        (text, list(words or []))
        for text, words in qs.order_by("-written_at").values_list("text", "keywords")[:size]
    ]


def topics_between(
    store: Store,
    now: tuple[datetime, datetime],
    before: tuple[datetime, datetime],
    filters: Filters = NO_FILTER,
    *,
    k: int = TOPICS,
    sample: int = TOPIC_SAMPLE,
) -> list[Topic]:
    """Cluster a bounded sample of both periods together (the model's `topics`), label each
    cluster with its commonest keywords, and count it in each period; rising first."""
    current = _sample(texts(store, *now, filters), sample)
    previous = _sample(texts(store, *before, filters), sample)
    both = current + previous
    if not both:
        return []
    labels = get_model().topics([text for text, _w in both], k)
    words: dict[int, Counter[str]] = defaultdict(Counter)
    examples: dict[int, list[str]] = defaultdict(list)
    in_now: Counter[int] = Counter()
    in_before: Counter[int] = Counter()
    for i, ((text, kws), label) in enumerate(zip(both, labels, strict=True)):
        words[label].update(kws[:5])
        if i < len(current):
            in_now[label] += 1
            if len(examples[label]) < 3:
                examples[label].append(text[:80])
        else:
            in_before[label] += 1
    out = []
    for label in words.keys() | in_now.keys() | in_before.keys():
        top = tuple(w for w, _n in words[label].most_common(3))
        out.append(
            Topic(
                label=" · ".join(top) if top else _("Other"),
                keywords=top,
                count=in_now[label],
                previous=in_before[label],
                share=in_now[label] / len(current) if current else 0.0,
                previous_share=in_before[label] / len(previous) if previous else 0.0,
                examples=tuple(examples[label]),
            )
        )
    out.sort(key=lambda t: (-t.growth, -t.count, t.label))
    return out


def topics(
    store: Store, period: Period, filters: Filters = NO_FILTER, *, k: int = TOPICS
) -> list[Topic]:
    before = period.previous()
    return topics_between(
        store, (period.since, period.until), (before.since, before.until), filters, k=k
    )


# --- Sentiment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentimentDay:
    day: date
    positive: int
    neutral: int
    negative: int
    average: float  # -1..1


@dataclass(frozen=True)
class SentimentSummary:
    positive: int
    neutral: int
    negative: int
    average: float

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


def _split(qs: QuerySet[TextItem]) -> dict[str, object]:
    return qs.aggregate(
        positive=Count("pk", filter=Q(sentiment=Sentiment.POSITIVE)),
        neutral=Count("pk", filter=Q(sentiment=Sentiment.NEUTRAL)),
        negative=Count("pk", filter=Q(sentiment=Sentiment.NEGATIVE)),
        average=Avg("sentiment_score"),
    )


def sentiment_between(
    store: Store, since: datetime, until: datetime, filters: Filters = NO_FILTER
) -> SentimentSummary:
    row = _split(texts(store, since, until, filters))
    return SentimentSummary(
        positive=int(row["positive"] or 0),  # type: ignore[call-overload]
        neutral=int(row["neutral"] or 0),  # type: ignore[call-overload]
        negative=int(row["negative"] or 0),  # type: ignore[call-overload]
        average=round(float(row["average"] or 0.0), 3),  # type: ignore[arg-type]
    )


def sentiment(store: Store, period: Period, filters: Filters = NO_FILTER) -> SentimentSummary:
    return sentiment_between(store, period.since, period.until, filters)


def sentiment_trend(
    store: Store, period: Period, filters: Filters = NO_FILTER
) -> list[SentimentDay]:
    """Each day of the period (days without text are zeros)."""
    rows = (
        period_texts(store, period, filters)
        .annotate(day=TruncDate("written_at", tzinfo=_local_tz()))
        .values("day")
        .annotate(
            positive=Count("pk", filter=Q(sentiment=Sentiment.POSITIVE)),
            neutral=Count("pk", filter=Q(sentiment=Sentiment.NEUTRAL)),
            negative=Count("pk", filter=Q(sentiment=Sentiment.NEGATIVE)),
            average=Avg("sentiment_score"),
        )
    )
    by_day = {row["day"]: row for row in rows}
    out = []
    for day in period.each_day():
        row = by_day.get(day)
        out.append(
            SentimentDay(
                day=day,
                positive=row["positive"] if row else 0,
                neutral=row["neutral"] if row else 0,
                negative=row["negative"] if row else 0,
                average=round(float(row["average"] or 0.0), 3) if row else 0.0,
            )
        )
    return out


@dataclass(frozen=True)
class MessageMood:
    source: str
    text: str
    sentiment: str
    score: float
    written_at: datetime
    link: str


def recent_moods(
    store: Store, period: Period, filters: Filters = NO_FILTER, *, limit: int = 20
) -> list[MessageMood]:
    """The sentiment of each of the period's latest texts (no names)."""
    items = list(period_texts(store, period, filters).order_by("-written_at")[:limit])
    links = links_of(store, items)
    return [
        MessageMood(
            i.source, i.text[:200], i.sentiment, i.sentiment_score, i.written_at, links[i.pk]
        )
        for i in items
    ]


# --- Wishes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WishRow:
    id: str
    label: str
    count: int  # mentions in the period
    askers: int
    previous: int  # mentions in the period before
    total: int  # mentions ever


def _mentions(
    store: Store, since: datetime, until: datetime, filters: Filters = NO_FILTER
) -> QuerySet[WishMention]:
    qs = WishMention.objects.filter(
        wish__store=store, written_at__gte=since, written_at__lt=until
    ).exclude(user_id__in=out_of_aggregates())
    if filters.circle_id:
        qs = qs.filter(item__circle_id=filters.circle_id)
    if filters.product_id:
        qs = qs.filter(item__product_id=filters.product_id)
    return qs


def wishes_between(
    store: Store,
    now: tuple[datetime, datetime],
    before: tuple[datetime, datetime],
    filters: Filters = NO_FILTER,
    *,
    limit: int = 20,
) -> list[WishRow]:
    rows = list(
        _mentions(store, *now, filters)
        .values("wish_id", "wish__label", "wish__mention_count")
        .annotate(n=Count("pk"), askers=Count("user_id", distinct=True))
        .order_by("-n", "wish__label")[:limit]
    )
    previous = dict(
        _mentions(store, *before, filters)
        .filter(wish_id__in=[r["wish_id"] for r in rows])
        .values("wish_id")
        .annotate(n=Count("pk"))
        .values_list("wish_id", "n")
    )
    return [
        WishRow(
            id=r["wish_id"],
            label=r["wish__label"],
            count=r["n"],
            askers=r["askers"],
            previous=previous.get(r["wish_id"], 0),
            total=r["wish__mention_count"],
        )
        for r in rows
    ]


def wishes(
    store: Store, period: Period, filters: Filters = NO_FILTER, *, limit: int = 20
) -> list[WishRow]:
    before = period.previous()
    return wishes_between(
        store, (period.since, period.until), (before.since, before.until), filters, limit=limit
    )


def wish_of(store: Store, wish_id: str) -> Wish:
    wish = Wish.objects.filter(pk=wish_id, store=store).first() if is_public_id(wish_id) else None
    if wish is None:
        raise NotFound(_("Wish not found."), code=NeedsCode.WISH_NOT_FOUND)
    return wish


@dataclass(frozen=True)
class WeekCount:
    week: date  # the Monday
    count: int


def wish_weeks(store: Store, wish: Wish, period: Period) -> list[WeekCount]:
    """Mentions of the wish by week (Monday to Sunday) over the period."""
    rows = dict(
        _mentions(store, period.since, period.until)
        .filter(wish=wish)
        .annotate(week=TruncWeek("written_at", tzinfo=_local_tz()))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    counts = {(w.date() if isinstance(w, datetime) else w): n for w, n in rows.items()}
    monday = period.start - timedelta(days=period.start.weekday())
    out = []
    while monday <= period.end:
        out.append(WeekCount(monday, counts.get(monday, 0)))
        monday += timedelta(days=7)
    return out


@dataclass(frozen=True)
class Quote:
    text: str
    start: int
    end: int
    source: str
    link: str
    written_at: datetime
    author: str | None  # shown only to the customers right, for profiled members


def links_of(store: Store, items: Iterable[TextItem]) -> dict[int, str]:
    """Where each text can be read: the chat message, the note (or its comment), the product's
    reviews, the after-sales request."""
    from quanzi.circles.models import Message
    from quanzi.orders.models import AfterSaleMessage
    from quanzi.social.models import NoteComment

    items = list(items)
    ids: dict[str, list[str]] = defaultdict(list)
    for item in items:
        ids[item.source].append(item.source_id)
    seqs = dict(Message.objects.filter(pk__in=ids[Source.CHAT]).values_list("pk", "seq"))
    notes = dict(
        NoteComment.objects.filter(pk__in=ids[Source.COMMENT]).values_list("pk", "note_id")
    )
    orders = dict(
        AfterSaleMessage.objects.filter(pk__in=ids[Source.AFTER_SALE]).values_list(
            "pk", "after_sale__order_id"
        )
    )
    out = {}
    for item in items:
        link = ""
        if item.source == Source.CHAT and item.source_id in seqs:
            link = f"/circles/{item.circle_id}/chat/#m{seqs[item.source_id]}"
        elif item.source == Source.NOTE:
            link = f"/social/notes/{item.source_id}/"
        elif item.source == Source.COMMENT and item.source_id in notes:
            link = f"/social/notes/{notes[item.source_id]}/#c{item.source_id}"
        elif item.source == Source.REVIEW and item.product_id:
            link = f"/products/{item.product_id}/#review-{item.source_id}"
        elif item.source == Source.AFTER_SALE and item.source_id in orders:
            link = f"/orders/console/{store.pk}/{orders[item.source_id]}/"
        out[item.pk] = link
    return out


def wish_quotes(store: Store, wish: Wish, *, names: bool = False, limit: int = 20) -> list[Quote]:
    """The latest mentions in their text, linking to where they were said; `names` (the
    customers right) adds the author's nickname where the author may be profiled."""
    mentions = list(
        WishMention.objects.filter(wish=wish)
        .exclude(user_id__in=out_of_aggregates())
        .select_related("item", "user")
        .order_by("-written_at", "-pk")[:limit]
    )
    links = links_of(store, [m.item for m in mentions])
    hidden = (
        set(not_profiled().filter(user_id__in=[m.user_id for m in mentions])) if names else set()
    )
    return [
        Quote(
            text=m.item.text[:300],
            start=m.start,
            end=m.end,
            source=m.item.source,
            link=links[m.item_id],
            written_at=m.written_at,
            author=(m.user.nickname or m.user.username)
            if names and m.user_id not in hidden
            else None,
        )
        for m in mentions
    ]


@dataclass(frozen=True)
class Asker:
    user_id: int
    public_id: str
    name: str
    count: int
    last_at: datetime


def wish_askers(store: Store, wish: Wish, *, limit: int = 100) -> list[Asker]:
    """Who asked (the customers right only): profiled members, most mentions first."""
    rows = (
        WishMention.objects.filter(wish=wish)
        .exclude(user_id__in=not_profiled())
        .values("user_id", "user__public_id", "user__nickname", "user__username")
        .annotate(n=Count("pk"), last=Max("written_at"))
        .order_by("-n", "-last")[:limit]
    )
    return [
        Asker(
            r["user_id"],
            r["user__public_id"],
            r["user__nickname"] or r["user__username"],
            r["n"],
            r["last"],
        )
        for r in rows
    ]


# --- Motives ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MotiveSplit:
    counts: dict[str, int] = field(default_factory=dict)  # motive → texts naming it
    surface: int = 0  # texts with a surface motive
    deep: int = 0  # texts with a deep motive
    texts: int = 0  # texts with any motive


def _motive_split(rows: Iterable[list[str]]) -> MotiveSplit:
    counts: Counter[str] = Counter()
    surface = deep = total = 0
    for motives in rows:
        found = set(motives or [])
        if not found:
            continue
        total += 1
        counts.update(found)
        surface += bool(found & SURFACE_MOTIVES)
        deep += bool(found & DEEP_MOTIVES)
    return MotiveSplit({m.value: counts[m.value] for m in Motive}, surface, deep, total)


def motives(
    store: Store,
    period: Period | None = None,
    filters: Filters = NO_FILTER,
    *,
    user_ids: Iterable[int] | None = None,
) -> MotiveSplit:
    """Surface against deep motives of the store's texts (of a set of members: a segment)."""
    if period is not None:
        qs = period_texts(store, period, filters)
    else:
        qs = TextItem.objects.filter(store=store, analysed_at__isnull=False).exclude(
            author_id__in=out_of_aggregates()
        )
    if user_ids is not None:
        qs = qs.filter(author_id__in=list(user_ids)).exclude(author_id__in=not_profiled())
    return _motive_split(qs.exclude(motives=[]).values_list("motives", flat=True).iterator())


# --- For the customers domain (profiles and segments) ----------------------------------------


def is_profiled(user: User) -> bool:
    """False when the member chose not to be profiled (or left the anonymous totals)."""
    return _is_profiled(user.pk)


@dataclass(frozen=True)
class MemberWish:
    wish_id: str
    label: str
    count: int
    last_at: datetime


def wishes_of_member(store: Store, user: User) -> list[MemberWish]:
    """What the member asked the store for, most asked first (nothing if not profiled)."""
    if not _is_profiled(user.pk):
        return []
    rows = (
        WishMention.objects.filter(wish__store=store, user=user)
        .values("wish_id", "wish__label")
        .annotate(n=Count("pk"), last=Max("written_at"))
        .order_by("-n", "-last")
    )
    return [MemberWish(r["wish_id"], r["wish__label"], r["n"], r["last"]) for r in rows]


def motives_of_members(store: Store, user_ids: Iterable[int]) -> MotiveSplit:
    """The motives of these members' texts (members not profiled left out)."""
    return motives(store, user_ids=user_ids)


@dataclass(frozen=True)
class MemberMood:
    week: date
    average: float
    texts: int


def sentiment_trend_of_member(store: Store, user: User, weeks: int = 12) -> list[MemberMood]:
    """The member's average sentiment by week over the last `weeks` weeks that have text."""
    if not _is_profiled(user.pk):
        return []
    since = timezone.now() - timedelta(weeks=weeks)
    rows = (
        TextItem.objects.filter(
            store=store, author=user, analysed_at__isnull=False, written_at__gte=since
        )
        .annotate(week=TruncWeek("written_at", tzinfo=_local_tz()))
        .values("week")
        .annotate(avg=Avg("sentiment_score"), n=Count("pk"))
        .order_by("week")
    )
    return [
        MemberMood(
            r["week"].date() if isinstance(r["week"], datetime) else r["week"],
            round(float(r["avg"] or 0.0), 3),
            r["n"],
        )
        for r in rows
    ]


def member_ids_with_wish(store: Store, wish_id: str) -> set[int]:
    """The profiled members who asked for the wish (its public id; unknown: none)."""
    if not is_public_id(wish_id):
        return set()
    return set(
        WishMention.objects.filter(wish__store=store, wish_id=wish_id)
        .exclude(user_id__in=not_profiled())
        .values_list("user_id", flat=True)
        .distinct()
    )


def member_ids_with_motive(store: Store, motive: str) -> set[int]:
    """The profiled members with at least one text of this motive."""
    if motive not in {m.value for m in Motive}:
        return set()
    ids = set()
    for author_id, found in (
        TextItem.objects.filter(store=store, analysed_at__isnull=False)
        .exclude(motives=[])
        .exclude(author_id__in=not_profiled())
        .values_list("author_id", "motives")
        .iterator()
    ):
        if motive in (found or []):
            ids.add(author_id)
    return ids
