"""What the merchant reads of its reputation alerts (the console pages and the API): who may,
the list with open alerts first, the figures of the last 30 days, one alert with the messages
to answer and where each was said.

Who: the store's owner and the staff the owner lets see the customers (the alerts quote
customers' words and name them) — the people the alerts notify. Anyone outside the store is
answered 404 (nobody learns of a store's alerts); the store's other staff 403."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.needs.models import TextItem
from quanzi.needs.privacy import not_profiled
from quanzi.needs.selectors import links_of
from quanzi.stores.models import Store
from quanzi.stores.services import access_store, role_in
from quanzi.trust import alert_words
from quanzi.trust.models import AlertItem, AlertKind, AlertStatus, ReputationAlert
from quanzi.trust.services.alerts import UNRESOLVED

FIGURE_DAYS = 30
LIST_LIMIT = 200
ITEM_LIMIT = 300


def alerts_store(user: User | None, store_id: object) -> Store:
    """The store, if `user` may read its alerts."""
    if not is_public_id(store_id):
        raise NotFound(_("Store not found."))
    try:
        return access_store(user, store_id, need="customers")
    except PermissionDenied:
        store = Store.objects.filter(pk=store_id).first()
        if store is None or role_in(user, store) is None:
            raise NotFound(_("Store not found.")) from None
        raise


def store_alert(user: User | None, store_id: object, alert_id: object) -> ReputationAlert:
    """The alert of the store, if `user` may read the store's alerts."""
    return alert_in(alerts_store(user, store_id), alert_id)


def alert_in(store: Store, alert_id: object) -> ReputationAlert:
    alert = (
        ReputationAlert.objects.filter(pk=alert_id, store=store).select_related("product").first()
        if is_public_id(alert_id)
        else None
    )
    if alert is None:
        raise NotFound(_("Alert not found."))
    return alert


def open_count(store: Store) -> int:
    return ReputationAlert.objects.filter(store=store, status__in=UNRESOLVED).count()


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


@dataclass(frozen=True)
class AlertRow:
    alert: ReputationAlert
    headline: str
    items: int
    unanswered: int
    open_for: float | None  # seconds, while unresolved
    response_after: float | None  # seconds from opening to the first response
    resolved_after: float | None  # seconds from opening to resolution

    @property
    def product_title(self) -> str:
        return self.alert.product.title if self.alert.product else ""


def _window_minutes(alert: ReputationAlert) -> int:
    return max(1, round((alert.window_end - alert.window_start).total_seconds() / 60))


def _shared_circles(alert: ReputationAlert) -> int:
    return sum(
        1 for s in alert.suggestions or [] if isinstance(s, dict) and s.get("kind") == "reply"
    )


def headline_of(alert: ReputationAlert, quote: str = "") -> str:
    return alert_words.headline(
        alert.kind,
        count=alert.negative_count,
        baseline=alert.baseline_per_window,
        minutes=_window_minutes(alert),
        product=alert.product.title if alert.product else "",
        circles=_shared_circles(alert),
        quote=quote,
    )


def _quotes(alerts: Sequence[ReputationAlert]) -> dict[str, str]:
    """The first text of each shared-complaint alert (what its headline quotes)."""
    ids = [a.pk for a in alerts if a.kind == AlertKind.RESHARED]
    out: dict[str, str] = {}
    if ids:
        for alert_id, text in (
            AlertItem.objects.filter(alert_id__in=ids)
            .order_by("item__written_at", "pk")
            .values_list("alert_id", "item__text")
        ):
            out.setdefault(alert_id, text)
    return out


def _row(alert: ReputationAlert, quote: str, now: datetime) -> AlertRow:
    return AlertRow(
        alert=alert,
        headline=headline_of(alert, quote),
        items=getattr(alert, "item_count", 0),
        unanswered=getattr(alert, "unanswered_count", 0),
        open_for=None if alert.status == AlertStatus.RESOLVED else _seconds(alert.created_at, now),
        response_after=_seconds(alert.created_at, alert.first_response_at),
        resolved_after=_seconds(alert.created_at, alert.resolved_at),
    )


def _with_counts(qs: QuerySet[ReputationAlert]) -> QuerySet[ReputationAlert]:
    return qs.annotate(
        item_count=Count("items"),
        unanswered_count=Count("items", filter=Q(items__answered_at=None)),
    )


def alerts_of(
    store: Store, *, status: str | None = None, limit: int = LIST_LIMIT
) -> list[AlertRow]:
    """The store's alerts: the unresolved ones first, newest first within each."""
    qs = ReputationAlert.objects.filter(store=store).select_related("product")
    if status in AlertStatus.values:
        qs = qs.filter(status=status)
    qs = _with_counts(qs).annotate(
        done=Case(
            When(status=AlertStatus.RESOLVED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    alerts = list(qs.order_by("done", "-created_at")[:limit])
    quotes = _quotes(alerts)
    now = timezone.now()
    return [_row(a, quotes.get(a.pk, ""), now) for a in alerts]


def alert_row(alert: ReputationAlert) -> AlertRow:
    counted = _with_counts(ReputationAlert.objects.filter(pk=alert.pk)).first()
    if counted is not None:
        alert.item_count = counted.item_count  # type: ignore[attr-defined]
        alert.unanswered_count = counted.unanswered_count  # type: ignore[attr-defined]
    return _row(alert, _quotes([alert]).get(alert.pk, ""), timezone.now())


@dataclass(frozen=True)
class Figures:
    open: int  # waiting for an answer
    answered: int  # answered, not yet resolved
    resolved: int  # in the last FIGURE_DAYS
    alerts: int  # opened in the last FIGURE_DAYS
    median_response: float | None  # seconds, over the alerts of the last FIGURE_DAYS answered
    median_resolution: float | None  # seconds, over those resolved
    days: int = FIGURE_DAYS


def figures(store: Store, *, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    counts = dict(
        ReputationAlert.objects.filter(store=store, status__in=UNRESOLVED)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    recent = list(
        ReputationAlert.objects.filter(
            store=store, created_at__gte=now - timedelta(days=FIGURE_DAYS)
        ).values_list("status", "created_at", "first_response_at", "resolved_at")[:5000]
    )
    responses = [s for _st, c, f, _r in recent if (s := _seconds(c, f)) is not None]
    resolutions = [s for _st, c, _f, r in recent if (s := _seconds(c, r)) is not None]
    return Figures(
        open=counts.get(AlertStatus.OPEN, 0),
        answered=counts.get(AlertStatus.ANSWERED, 0),
        resolved=sum(1 for st, *_x in recent if st == AlertStatus.RESOLVED),
        alerts=len(recent),
        median_response=median(responses) if responses else None,
        median_resolution=median(resolutions) if resolutions else None,
    )


@dataclass(frozen=True)
class ItemView:
    """A message to answer: its words, where it was said (with a link), by whom (when the
    member may be named), and when it was answered."""

    id: int
    source: str
    source_label: str
    text: str
    written_at: datetime
    link: str
    circle: str
    author: str | None
    answered_at: datetime | None


def alert_items(store: Store, alert: ReputationAlert, *, limit: int = ITEM_LIMIT) -> list[ItemView]:
    from quanzi.circles.models import Circle

    rows = list(
        AlertItem.objects.filter(alert=alert)
        .select_related("item", "item__author")
        .order_by("item__written_at", "pk")[:limit]
    )
    items: list[TextItem] = [r.item for r in rows]
    links = links_of(store, items)
    hidden = set(not_profiled().filter(user_id__in={i.author_id for i in items}))
    circles = dict(
        Circle.objects.filter(pk__in={i.circle_id for i in items if i.circle_id}).values_list(
            "pk", "name"
        )
    )
    return [
        ItemView(
            id=row.item.pk,
            source=row.item.source,
            source_label=str(row.item.get_source_display()),
            text=row.item.text,
            written_at=row.item.written_at,
            link=links.get(row.item.pk, ""),
            circle=circles.get(row.item.circle_id or "", ""),
            author=None if row.item.author_id in hidden else row.item.author.display_name,
            answered_at=row.answered_at,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SuggestionView:
    kind: str
    label: str
    help: str
    url: str


def suggestions_of(alert: ReputationAlert) -> list[SuggestionView]:
    out = []
    for s in alert.suggestions or []:
        if not isinstance(s, dict) or not isinstance(s.get("url"), str):
            continue
        url = str(s["url"])
        if not url.startswith("/") or url.startswith("//"):
            continue  # only the site's own pages
        out.append(
            SuggestionView(
                kind=str(s.get("kind", "")),
                label=alert_words.suggestion_label(s),
                help=alert_words.suggestion_help(s),
                url=url,
            )
        )
    return out
