"""Reputation alerts: a spike of negative messages and reviews about a store or a product, against
its own recent baseline, tells the merchant within minutes (docs/trust.md).

How it runs. Needs analyses the store's community text in its worker and sends `text_analysed`
once the analysis committed; `on_text_analysed` reads the batch's complaints
(`services.complaints`) and, per store:

- **per product** (the product a text carries, or the store product a chat text names) and for
  **the store** (the complaints about no product that alerts): the complaints of the last
  `alert_window_minutes` against the store's own usual count per window over the
  `alert_baseline_days` before the window (only the days it had community text). An alert opens
  when there are at least `alert_min_complaints`, from at least two people, and at least
  `alert_ratio` times the usual count;
- **shared again** (RESHARED): the same or nearly the same complaint in two or more of the
  store's circles within the window, or a negative review shared as a card into two or more of
  them (heard on the circles' `message_sent` too, since a card is no text of needs).

One alert is open per (store, product, kind): later complaints join it as its items; a text
already in an alert of its scope never counts towards a new one, so analysing it again changes
nothing. The owner and the staff who see the customers are notified when an alert opens, with
its headline in words and a link to it; its suggested responses (reply in the circle, answer
the review, after-sales on the buyer's order, a goodwill coupon) are kept with it.

What a receiver does never reaches the sender: every entry point logs its failure and returns.
A batch costs a fixed number of queries whatever its size (the complaints of the window are
read once for all its stores, the baseline in one aggregate); alerts are written under one lock
(`locks.lock_alerting`). The sweep after the minute's rollup checks the recently analysed text
again (a signal lost with a worker) and the reviews answered since."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from quanzi.catalog.models import Product
from quanzi.needs.models import Source, TextItem
from quanzi.needs.privacy import out_of_aggregates
from quanzi.trust import alert_words
from quanzi.trust.alert_words import Suggestion
from quanzi.trust.locks import lock_alerting
from quanzi.trust.models import AlertItem, AlertKind, AlertStatus, ReputationAlert, TrustSettings
from quanzi.trust.services import complaints
from quanzi.trust.services.complaints import ProductMatcher
from quanzi.trust.services.settings import current

log = logging.getLogger("quanzi.trust")

UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ANSWERED)
WINDOW_LIMIT = 1000  # complaints of one batch's stores read from the window (newest first)
PRODUCT_LIMIT = 5000  # products of one batch's stores read to find what a chat text names
TEXT_READ = 300  # characters of a text read to find the product it names
SWEEP_MINUTES = 10  # the sweep checks what was analysed this recently
MAX_BUYER_SUGGESTIONS = 5
MIN_PEOPLE = 2  # complaints from one person alone never alert (unless the minimum is 1)


# --- Reading the complaints -------------------------------------------------------------------

_FIELDS = (
    "pk",
    "store_id",
    "source",
    "source_id",
    "circle_id",
    "product_id",
    "author_id",
    "text",
    "written_at",
    "sentiment",
)


@dataclass
class Row:
    """One analysed text as the detection reads it; `product_id` is what it is about."""

    pk: int
    store_id: str
    source: str
    source_id: str
    circle_id: str | None
    product_id: str | None
    author_id: int
    text: str
    written_at: datetime
    sentiment: str

    @property
    def complaint(self) -> bool:
        return complaints.is_complaint(self.source, self.sentiment, self.text)


def _counted(qs: QuerySet[TextItem]) -> QuerySet[TextItem]:
    """Analysed texts whose authors count in the anonymous totals (needs' privacy choice)."""
    return qs.filter(analysed_at__isnull=False).exclude(author_id__in=out_of_aggregates())


def _rows(qs: QuerySet[TextItem]) -> list[Row]:
    return [
        Row(pk, store, source, sid, circle, product, author, (text or "")[:1000], at, mood)
        for pk, store, source, sid, circle, product, author, text, at, mood in qs.values_list(
            *_FIELDS
        )
    ]


def _matchers(store_ids: Iterable[str]) -> dict[str, ProductMatcher]:
    titles: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pk, store_id, title in Product.objects.filter(store_id__in=list(store_ids)).values_list(
        "pk", "store_id", "title"
    )[:PRODUCT_LIMIT]:
        titles[store_id].append((pk, title))
    return {store_id: ProductMatcher.of(pairs) for store_id, pairs in titles.items()}


# --- Decisions --------------------------------------------------------------------------------


@dataclass
class Decision:
    """Open an alert of this scope (`open`), or add these items to the one open."""

    store_id: str
    kind: str
    product_id: str | None
    items: list[int]
    open: bool = False
    count: int = 0
    baseline: float = 0.0
    circles: int = 0
    quote: str = ""
    circle_ids: list[str] = field(default_factory=list)  # where a review card was shared

    @property
    def scope(self) -> tuple[str, str | None, str]:
        return (self.store_id, self.product_id, self.kind)


@dataclass
class State:
    """The alerts the decisions read: the unresolved ones by scope, and the alerts (any state)
    each of the window's texts is already in."""

    open: dict[tuple[str, str | None, str], ReputationAlert]
    in_alerts: dict[int, set[tuple[str, str | None, str]]] = field(default_factory=dict)
    in_alert_ids: dict[int, set[str]] = field(default_factory=dict)

    def free(self, rows: Iterable[Row], scope: tuple[str, str | None, str]) -> list[Row]:
        """The rows in no alert of this scope yet."""
        return [r for r in rows if scope not in self.in_alerts.get(r.pk, set())]

    def in_kind(self, row: Row, kind: str) -> bool:
        return any(k == kind for _s, _p, k in self.in_alerts.get(row.pk, set()))

    def missing(self, rows: Iterable[Row], alert: ReputationAlert) -> list[int]:
        return [r.pk for r in rows if alert.pk not in self.in_alert_ids.get(r.pk, set())]


def _state(store_ids: Iterable[str], item_ids: Iterable[int]) -> State:
    stores = list(store_ids)
    state = State(
        open={
            (a.store_id, a.product_id, a.kind): a
            for a in ReputationAlert.objects.filter(store_id__in=stores, status__in=UNRESOLVED)
        }
    )
    for item_id, alert_id, store_id, product_id, kind in AlertItem.objects.filter(
        item_id__in=list(item_ids), alert__store_id__in=stores
    ).values_list("item_id", "alert_id", "alert__store_id", "alert__product_id", "alert__kind"):
        state.in_alerts.setdefault(item_id, set()).add((store_id, product_id, kind))
        state.in_alert_ids.setdefault(item_id, set()).add(alert_id)
    return state


def _enough(rows: list[Row], cfg: TrustSettings) -> bool:
    people = len({r.author_id for r in rows})
    return len(rows) >= cfg.alert_min_complaints and people >= min(
        MIN_PEOPLE, cfg.alert_min_complaints
    )


@dataclass
class Spike:
    """A scope that may open: its new complaints, waiting for the baseline."""

    store_id: str
    kind: str
    product_id: str | None
    rows: list[Row]


def _grow_or_wait(
    state: State,
    scope: tuple[str, str | None, str],
    rows: list[Row],
    cfg: TrustSettings,
    decisions: list[Decision],
    spikes: list[Spike],
) -> bool:
    """An open alert of the scope takes the rows; otherwise the scope's new rows may spike.
    Answers whether the scope alerts (open, or may open)."""
    store_id, product_id, kind = scope
    alert = state.open.get(scope)
    if alert is not None:
        missing = state.missing(rows, alert)
        if missing:
            decisions.append(Decision(store_id, kind, product_id, missing))
        return True
    new = state.free(rows, scope)
    if _enough(new, cfg):
        spikes.append(Spike(store_id, kind, product_id, new))
        return True
    return False


def _baselines(
    spikes: list[Spike],
    matchers: dict[str, ProductMatcher],
    cfg: TrustSettings,
    since: datetime,
) -> dict[tuple[str, str | None], float]:
    """The usual complaints per window of each spike's store and products: one aggregate over
    the baseline days before the window, one read of when each store's text began."""
    if not spikes:
        return {}
    window = timedelta(minutes=cfg.alert_window_minutes)
    start = since - timedelta(days=cfg.alert_baseline_days)
    stores = sorted({s.store_id for s in spikes})
    products = sorted({(s.store_id, s.product_id) for s in spikes if s.product_id})
    counts: dict[str, Any] = {"total": Count("pk")}
    for i, (store_id, product_id) in enumerate(products):
        names = matchers.get(store_id, ProductMatcher({}, ())).names_of(product_id or "")
        named = Q(pk__in=[])
        for name in names:
            named |= Q(text__contains=name)
        counts[f"p{i}"] = Count(
            "pk",
            filter=Q(store_id=store_id) & (Q(product_id=product_id) | Q(product_id=None) & named),
        )
    rows: dict[str, Any] = {
        r["store_id"]: r
        for r in _counted(
            TextItem.objects.filter(
                store_id__in=stores, written_at__gte=start, written_at__lt=since
            ).filter(complaints.complaint_q())
        )
        .values("store_id")
        .annotate(**counts)
    }
    began = dict(
        TextItem.objects.filter(store_id__in=stores)
        .values("store_id")
        .annotate(first=Min("written_at"))
        .values_list("store_id", "first")
    )

    def per_window(store_id: str, n: int) -> float:
        first = began.get(store_id) or since
        span = since - max(start, first)
        windows = max(1.0, span / window)
        return n / windows

    out: dict[tuple[str, str | None], float] = {}
    for store_id in stores:
        out[(store_id, None)] = per_window(store_id, rows.get(store_id, {}).get("total", 0))
    for i, (store_id, product_id) in enumerate(products):
        out[(store_id, product_id)] = per_window(store_id, rows.get(store_id, {}).get(f"p{i}", 0))
    return out


def _shared_groups(chats: list[Row], fresh: set[int]) -> list[list[Row]]:
    """Groups of nearly the same complaint, each with a fresh one, said in two or more
    circles."""
    signed = [
        (r, complaints.bigrams(norm))
        for r in chats
        if len(norm := complaints.normalise(r.text)) >= complaints.MIN_SHARED_CHARS
    ]
    grouped: set[int] = set()
    groups = []
    for row, sig in signed:
        if row.pk not in fresh or row.pk in grouped:
            continue
        group = [r for r, other in signed if complaints.same_message(sig, other)]
        if len({r.circle_id for r in group}) >= 2:
            groups.append(group)
            grouped.update(r.pk for r in group)
    return groups


def _common_product(rows: list[Row]) -> str | None:
    found = Counter(r.product_id for r in rows if r.product_id)
    return found.most_common(1)[0][0] if found else None


def _reshared(
    state: State,
    store_id: str,
    product_id: str | None,
    rows: list[Row],
    circles: set[str],
    decisions: list[Decision],
) -> None:
    scope = (store_id, product_id, AlertKind.RESHARED)
    alert = state.open.get(scope)
    if alert is not None:
        missing = state.missing(rows, alert)
        if missing or circles:
            decisions.append(
                Decision(
                    store_id, AlertKind.RESHARED, product_id, missing, circle_ids=sorted(circles)
                )
            )
        return
    if state.free(rows, scope):
        decisions.append(
            Decision(
                store_id,
                AlertKind.RESHARED,
                product_id,
                [r.pk for r in rows],
                open=True,
                count=len(rows),
                circles=len(circles),
                quote=rows[0].text,
                circle_ids=sorted(circles),
            )
        )


def decide(
    cfg: TrustSettings,
    now: datetime,
    window_rows: list[Row],
    fresh: set[int],
    state: State,
    matchers: dict[str, ProductMatcher],
) -> list[Decision]:
    """What the window's complaints call for, store by store (rows already carry their
    product)."""
    since = now - timedelta(minutes=cfg.alert_window_minutes)
    decisions: list[Decision] = []
    spikes: list[Spike] = []
    by_store: dict[str, list[Row]] = defaultdict(list)
    for row in window_rows:
        by_store[row.store_id].append(row)
    alerting: dict[str, set[str]] = defaultdict(set)
    for store_id, rows in by_store.items():
        by_product: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.product_id:
                by_product[row.product_id].append(row)
        for product_id, about in by_product.items():
            if not any(r.pk in fresh for r in about):
                if (store_id, product_id, AlertKind.PRODUCT) in state.open:
                    alerting[store_id].add(product_id)
                continue
            scope = (store_id, product_id, AlertKind.PRODUCT)
            if _grow_or_wait(state, scope, about, cfg, decisions, spikes):
                alerting[store_id].add(product_id)
    baselines = _baselines(spikes, matchers, cfg, since)
    product_spikes = [s for s in spikes if s.product_id]
    for spike in product_spikes:
        baseline = baselines.get((spike.store_id, spike.product_id), 0.0)
        if len(spike.rows) >= cfg.alert_ratio * baseline:
            decisions.append(_opening(spike, baseline))
        else:
            alerting[spike.store_id].discard(spike.product_id or "")
    store_spikes: list[Spike] = []
    for store_id, rows in by_store.items():
        # The store's complaints that no product explains: not about a product that alerts,
        # nor already in a product's alert (resolved since).
        rest = [
            r
            for r in rows
            if r.product_id not in alerting[store_id] and not state.in_kind(r, AlertKind.PRODUCT)
        ]
        if any(r.pk in fresh for r in rest):
            _grow_or_wait(
                state, (store_id, None, AlertKind.STORE), rest, cfg, decisions, store_spikes
            )
        chats = [r for r in rows if r.source == Source.CHAT and r.circle_id]
        for group in _shared_groups(chats, fresh):
            circles = {r.circle_id for r in group if r.circle_id}
            _reshared(state, store_id, _common_product(group), group, circles, decisions)
    if store_spikes:
        missing = [s for s in store_spikes if (s.store_id, None) not in baselines]
        baselines.update(_baselines(missing, matchers, cfg, since))
    for spike in store_spikes:
        baseline = baselines.get((spike.store_id, None), 0.0)
        if len(spike.rows) >= cfg.alert_ratio * baseline:
            decisions.append(_opening(spike, baseline))
    return decisions


def _opening(spike: Spike, baseline: float) -> Decision:
    return Decision(
        spike.store_id,
        spike.kind,
        spike.product_id,
        [r.pk for r in spike.rows],
        open=True,
        count=len(spike.rows),
        baseline=round(baseline, 3),
    )


# --- Entry points -----------------------------------------------------------------------------


def check_items(item_ids: Iterable[object]) -> list[ReputationAlert]:
    """The detection for texts just analysed; answers the alerts it opened."""
    ids = sorted({i for i in item_ids if isinstance(i, int) and not isinstance(i, bool)})
    if not ids:
        return []
    cfg = current()
    now = timezone.now()
    since = now - timedelta(minutes=cfg.alert_window_minutes)
    batch = [r for r in _rows(_counted(TextItem.objects.filter(pk__in=ids))) if r.complaint]
    recent = [r for r in batch if r.written_at >= since]
    reviews: dict[str, set[str]] = defaultdict(set)
    for row in batch:
        if row.source == Source.REVIEW:
            reviews[row.store_id].add(row.source_id)
    if not recent and not reviews:
        return []
    stores = sorted({r.store_id for r in recent})
    window_rows: list[Row] = []
    matchers: dict[str, ProductMatcher] = {}
    if stores:
        window_rows = [
            r
            for r in _rows(
                _counted(
                    TextItem.objects.filter(store_id__in=stores, written_at__gte=since).filter(
                        complaints.complaint_q()
                    )
                ).order_by("-written_at", "-pk")[:WINDOW_LIMIT]
            )
            if r.complaint
        ]
        seen = {r.pk for r in window_rows}
        window_rows += [r for r in recent if r.pk not in seen]
        matchers = _matchers(stores)
        for row in window_rows:
            if row.product_id is None and row.store_id in matchers:
                row.product_id = matchers[row.store_id].find(row.text[:TEXT_READ])
    fresh = {r.pk for r in recent}
    all_stores = sorted(set(stores) | set(reviews))
    review_rows = [r for r in batch if r.source == Source.REVIEW]
    state = _state(all_stores, [r.pk for r in window_rows] + [r.pk for r in review_rows])
    decisions = decide(cfg, now, window_rows, fresh, state, matchers)
    decisions += _review_share_decisions(cfg, now, review_rows, state)
    return apply(decisions, cfg, now)


def check_review_shared(store_id: str, review_id: str) -> list[ReputationAlert]:
    """A review card was shared into a circle of the store: a negative review in two or more
    of its circles within the window is a complaint shared again."""
    cfg = current()
    now = timezone.now()
    rows = [
        r
        for r in _rows(
            _counted(
                TextItem.objects.filter(
                    store_id=store_id, source=Source.REVIEW, source_id=review_id
                )
            )
        )
    ]
    if not rows:
        return []
    state = _state([store_id], [r.pk for r in rows])
    return apply(_review_share_decisions(cfg, now, rows, state), cfg, now)


def _review_share_decisions(
    cfg: TrustSettings, now: datetime, rows: list[Row], state: State
) -> list[Decision]:
    from quanzi.circles.models import Message, MessageKind

    if not rows:
        return []
    since = now - timedelta(minutes=cfg.alert_window_minutes)
    circles: dict[tuple[str, str], set[str]] = defaultdict(set)
    low: set[tuple[str, str]] = set()
    for store_id, review_id, circle_id, stars in Message.objects.filter(
        kind=MessageKind.REVIEW,
        circle__store_id__in=sorted({r.store_id for r in rows}),
        created_at__gte=since,
        recalled_at=None,
        removed_at=None,
        card__review_id__in=sorted({r.source_id for r in rows}),
    ).values_list("circle__store_id", "card__review_id", "circle_id", "card__stars"):
        circles[(store_id, str(review_id))].add(circle_id)
        if isinstance(stars, int) and stars <= 2:
            low.add((store_id, str(review_id)))
    decisions: list[Decision] = []
    for row in rows:
        key = (row.store_id, row.source_id)
        if len(circles[key]) < 2 or not (row.complaint or key in low):
            continue
        _reshared(state, row.store_id, row.product_id, [row], circles[key], decisions)
    return decisions


# --- Writing ----------------------------------------------------------------------------------


def apply(decisions: list[Decision], cfg: TrustSettings, now: datetime) -> list[ReputationAlert]:
    """Open and grow the alerts, under the alerts' lock (the unresolved ones are read again
    there: a concurrent batch may have opened the same scope); notify for the new ones."""
    if not decisions:
        return []
    since = now - timedelta(minutes=cfg.alert_window_minutes)
    stores = sorted({d.store_id for d in decisions})
    with transaction.atomic():
        lock_alerting()
        current = {
            (a.store_id, a.product_id, a.kind): a
            for a in ReputationAlert.objects.filter(store_id__in=stores, status__in=UNRESOLVED)
        }
        new: list[ReputationAlert] = []
        made: dict[str, Decision] = {}
        links: list[AlertItem] = []
        touched: dict[str, ReputationAlert] = {}
        shared_in: dict[str, set[str]] = defaultdict(set)
        for decision in decisions:
            alert = current.get(decision.scope)
            if alert is None:
                if not decision.open:
                    continue  # resolved meanwhile: its complaints wait for a new spike
                alert = ReputationAlert(
                    store_id=decision.store_id,
                    product_id=decision.product_id,
                    kind=decision.kind,
                    negative_count=decision.count,
                    baseline_per_window=decision.baseline,
                    window_start=since,
                    window_end=now,
                )
                current[decision.scope] = alert
                new.append(alert)
                made[alert.pk] = decision
            links.extend(AlertItem(alert=alert, item_id=pk) for pk in decision.items)
            touched[alert.pk] = alert
            shared_in[alert.pk].update(decision.circle_ids)
        ReputationAlert.objects.bulk_create(new)
        AlertItem.objects.bulk_create(links, ignore_conflicts=True)
        refresh_suggestions(list(touched.values()), shared_in)
        notify_opened(new, made)
    return new


def refresh_suggestions(
    alerts: list[ReputationAlert], shared_in: dict[str, set[str]] | None = None
) -> None:
    """The suggested responses of these alerts from their items: reply in each circle where
    it was said (at the latest message), answer the reviews, after-sales on the buyers'
    orders, a goodwill coupon. Stored with the alert, as links."""
    from quanzi.circles.models import Circle, Message
    from quanzi.orders.models import AfterSaleMessage, Order, OrderStatus

    if not alerts:
        return
    items = list(
        AlertItem.objects.filter(alert__in=alerts)
        .order_by("-item__written_at")
        .values_list(
            "alert_id", "item__source", "item__source_id", "item__circle_id", "item__author_id"
        )
    )
    chat_ids = [sid for _a, source, sid, _c, _u in items if source == Source.CHAT]
    seqs = dict(Message.objects.filter(pk__in=chat_ids).values_list("pk", "seq"))
    shared: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        shared[alert.pk].update((shared_in or {}).get(alert.pk, set()))
        for old in alert.suggestions or []:
            if isinstance(old, dict) and old.get("kind") == Suggestion.REPLY:
                shared[alert.pk].add(str(old.get("circle_id") or ""))
    circle_ids = {c for *_x, c, _u in items if c} | {c for cs in shared.values() for c in cs}
    circle_names = dict(Circle.objects.filter(pk__in=circle_ids).values_list("pk", "name"))
    line_ids = [sid for _a, source, sid, _c, _u in items if source == Source.AFTER_SALE]
    lines = {
        pk: (after_sale, order, number)
        for pk, after_sale, order, number in AfterSaleMessage.objects.filter(
            pk__in=line_ids
        ).values_list("pk", "after_sale_id", "after_sale__order_id", "after_sale__order__number")
    }
    stores = {a.store_id for a in alerts}
    authors = {u for *_x, u in items}
    orders: dict[tuple[str, int], tuple[str, str]] = {}
    for store_id, buyer_id, pk, number in (
        Order.objects.filter(store_id__in=stores, buyer_id__in=authors)
        .exclude(status__in=(OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED))
        .order_by("-created_at")
        .values_list("store_id", "buyer_id", "pk", "number")
    ):
        orders.setdefault((store_id, buyer_id), (pk, number))
    by_alert: dict[str, list[tuple[str, str, str, int]]] = defaultdict(list)
    for alert_id, source, sid, circle_id, author_id in items:
        by_alert[alert_id].append((source, sid, circle_id or "", author_id))
    for alert in alerts:
        store_id = alert.store_id
        out: list[dict[str, object]] = []
        said = by_alert.get(alert.pk, [])
        replied: set[str] = set()
        for source, sid, circle_id, _author in said:  # newest first
            if source == Source.CHAT and circle_id and circle_id not in replied:
                replied.add(circle_id)
                url = reverse("circles:chat", args=[circle_id])
                if sid in seqs:
                    url += f"#m{seqs[sid]}"
                out.append(
                    {
                        "kind": Suggestion.REPLY,
                        "circle_id": circle_id,
                        "name": circle_names.get(circle_id, ""),
                        "url": url,
                    }
                )
        for circle_id in sorted(shared[alert.pk] - replied):  # where a review card went
            if circle_id in circle_names:
                out.append(
                    {
                        "kind": Suggestion.REPLY,
                        "circle_id": circle_id,
                        "name": circle_names[circle_id],
                        "url": reverse("circles:chat", args=[circle_id]),
                    }
                )
        if any(source == Source.REVIEW for source, *_r in said):
            out.append(
                {
                    "kind": Suggestion.REVIEW,
                    "url": reverse("reviews:console_reviews", args=[store_id]) + "?unreplied=1",
                }
            )
        offered: set[str] = set()
        for source, sid, _circle, author_id in said:
            if len(offered) >= MAX_BUYER_SUGGESTIONS:
                break
            if source == Source.AFTER_SALE and sid in lines:
                after_sale, order_id, number = lines[sid]
                if order_id in offered:
                    continue
                offered.add(order_id)
                out.append(
                    {
                        "kind": Suggestion.AFTER_SALE,
                        "after_sale": after_sale,
                        "order_id": order_id,
                        "name": number,
                        "url": reverse("orders:console_order", args=[store_id, order_id]),
                    }
                )
            elif (store_id, author_id) in orders:
                order_id, number = orders[(store_id, author_id)]
                if order_id in offered:
                    continue
                offered.add(order_id)
                out.append(
                    {
                        "kind": Suggestion.AFTER_SALE,
                        "order_id": order_id,
                        "name": number,
                        "url": reverse("orders:console_order", args=[store_id, order_id]),
                    }
                )
        if not offered:
            out.append(
                {
                    "kind": Suggestion.AFTER_SALE,
                    "name": "",
                    "url": reverse("orders:console_orders", args=[store_id]),
                }
            )
        out.append(
            {"kind": Suggestion.COUPON, "url": reverse("coupons:console_new", args=[store_id])}
        )
        alert.suggestions = out
    ReputationAlert.objects.bulk_update(alerts, ["suggestions"])


def recipients(store_ids: Iterable[str]) -> dict[str, list[int]]:
    """Who hears of a store's alerts: the owner and the staff who see the customers."""
    from quanzi.stores.models import StaffRole, StoreStaff

    out: dict[str, list[int]] = defaultdict(list)
    for store_id, user_id in (
        StoreStaff.objects.filter(store_id__in=list(store_ids))
        .filter(Q(role=StaffRole.OWNER) | Q(sees_customers=True))
        .order_by("pk")
        .values_list("store_id", "user_id")
    ):
        out[store_id].append(user_id)
    return out


def alert_url(alert: ReputationAlert) -> str:
    return reverse("trust:alert", args=[alert.store_id, alert.pk])


def notify_opened(alerts: list[ReputationAlert], made: dict[str, Decision]) -> None:
    """Tell the store's people of each new alert (in the site's language: the receiver may run
    in a customer's request)."""
    from quanzi.circles.models import NotificationKind
    from quanzi.circles.services.notifications import notify_users

    if not alerts:
        return
    people = recipients({a.store_id for a in alerts})
    titles = dict(
        Product.objects.filter(pk__in={a.product_id for a in alerts if a.product_id}).values_list(
            "pk", "title"
        )
    )
    with translation.override(settings.LANGUAGE_CODE):
        for alert in alerts:
            decision = made[alert.pk]
            minutes = round((alert.window_end - alert.window_start).total_seconds() / 60)
            text = alert_words.headline(
                alert.kind,
                count=alert.negative_count,
                baseline=alert.baseline_per_window,
                minutes=minutes,
                product=titles.get(alert.product_id or "", ""),
                circles=decision.circles,
                quote=decision.quote,
            )
            notify_users(
                people.get(alert.store_id, []), NotificationKind.TRUST, text, url=alert_url(alert)
            )


# --- Receivers --------------------------------------------------------------------------------


def on_text_analysed(sender: Any, *, item_ids: Iterable[object] = (), **_: Any) -> None:
    try:
        check_items(item_ids)
    except Exception:
        log.exception("reputation alerts: could not check the texts just analysed")


def on_message_sent(
    sender: Any,
    *,
    message_id: str = "",
    circle_id: str = "",
    user_id: int | None = None,
    store_id: str | None = None,
    **_: Any,
) -> None:
    """A message in a store circle: a shared review card may be a complaint shared again; a
    message of the store's people answers the alerts of that circle."""
    if not store_id:
        return
    try:
        from quanzi.trust.services import alert_responses

        alert_responses.on_store_message(store_id, circle_id, message_id, user_id)
    except Exception:
        log.exception("reputation alerts: could not read message %s", message_id)


def on_review_replied(sender: Any, *, review_id: str = "", **_: Any) -> None:
    try:
        from quanzi.trust.services import alert_responses

        alert_responses.review_answered([review_id])
    except Exception:
        log.exception("reputation alerts: could not read the reply to review %s", review_id)


def on_after_sale_line(sender: Any, *, line_id: str = "", **_: Any) -> None:
    try:
        from quanzi.trust.services import alert_responses

        alert_responses.after_sale_answered(line_id)
    except Exception:
        log.exception("reputation alerts: could not read after-sales line %s", line_id)


def sweep() -> None:
    """After the minute's rollup: check again what was analysed lately (a lost signal), and
    the alerts' reviews answered since (a lost signal too)."""
    from quanzi.trust.services import alert_responses

    since = timezone.now() - timedelta(minutes=SWEEP_MINUTES)
    ids = list(
        TextItem.objects.filter(analysed_at__gte=since)
        .order_by("-analysed_at")
        .values_list("pk", flat=True)[:WINDOW_LIMIT]
    )
    check_items(ids)
    alert_responses.sweep_review_replies()


def connect() -> None:
    """Connect to needs' `text_analysed` and to what answers an alert (called once from
    `TrustConfig.ready`), and run the sweep after the minute's rollup."""
    from quanzi.circles import signals as circles
    from quanzi.needs import signals as needs
    from quanzi.orders import signals as orders
    from quanzi.reviews import signals as reviews
    from quanzi.tracking.services import register_after_rollup

    needs.text_analysed.connect(on_text_analysed, dispatch_uid="trust.alerts.text_analysed")
    circles.message_sent.connect(on_message_sent, dispatch_uid="trust.alerts.message_sent")
    reviews.review_replied.connect(on_review_replied, dispatch_uid="trust.alerts.review_replied")
    orders.after_sale_line_added.connect(
        on_after_sale_line, dispatch_uid="trust.alerts.after_sale_line"
    )
    register_after_rollup("trust.alerts", sweep)
