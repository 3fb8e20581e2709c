"""The merchant's reputation alerts (/api/v1/trust/stores/{store}/alerts…): the store's owner and
the staff who see the customers read them and resolve them; anyone outside the store gets 404,
the store's other staff 403, an anonymous caller 401."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.schemas import Schema
from quanzi.trust.models import AlertStatus, ReputationAlert
from quanzi.trust.services import alert_reads
from quanzi.trust.services.alert_responses import resolve_alert

router = Router()


class TrustAlertQuery(Schema):
    status: str | None = Field(default=None, description="open, answered or resolved")


class TrustAlertOut(Schema):
    id: str
    kind: str = Field(description="product, store or reshared")
    kind_label: str
    status: str = Field(description="open, answered or resolved")
    status_label: str
    headline: str = Field(description="what happened, in words")
    product_id: str | None
    product_title: str
    negative_count: int = Field(description="complaints in the window that opened the alert")
    baseline_per_window: float = Field(description="the store's usual count per window")
    window_start: datetime
    window_end: datetime
    items: int = Field(description="messages to answer, the later ones included")
    unanswered: int
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    resolution: str
    seconds_to_first_response: float | None
    seconds_to_resolution: float | None


class TrustAlertFiguresOut(Schema):
    open: int
    answered: int
    resolved: int = Field(description="resolved among the alerts of the last `days`")
    alerts: int = Field(description="opened in the last `days`")
    median_seconds_to_first_response: float | None
    median_seconds_to_resolution: float | None
    days: int


class TrustAlertListOut(Schema):
    figures: TrustAlertFiguresOut
    alerts: list[TrustAlertOut]


class TrustAlertItemOut(Schema):
    id: int
    source: str = Field(description="chat, note, comment, review or after_sale")
    text: str
    written_at: datetime
    link: str = Field(description="where it was said")
    circle: str
    author: str | None = Field(description="null for members who chose not to be named")
    answered_at: datetime | None


class TrustAlertSuggestionOut(Schema):
    kind: str = Field(description="reply, review, after_sale or coupon")
    label: str
    help: str
    url: str


class TrustAlertDetailOut(TrustAlertOut):
    messages: list[TrustAlertItemOut]
    suggestions: list[TrustAlertSuggestionOut]


class TrustAlertResolveIn(Schema):
    note: str = Field(default="", description="what was done (required, at most 500 characters)")


def _out(row: alert_reads.AlertRow) -> TrustAlertOut:
    a = row.alert
    return TrustAlertOut(
        id=a.pk,
        kind=a.kind,
        kind_label=str(a.get_kind_display()),
        status=a.status,
        status_label=str(a.get_status_display()),
        headline=row.headline,
        product_id=a.product_id,
        product_title=row.product_title,
        negative_count=a.negative_count,
        baseline_per_window=a.baseline_per_window,
        window_start=a.window_start,
        window_end=a.window_end,
        items=row.items,
        unanswered=row.unanswered,
        created_at=a.created_at,
        first_response_at=a.first_response_at,
        resolved_at=a.resolved_at,
        resolution=a.resolution,
        seconds_to_first_response=row.response_after,
        seconds_to_resolution=row.resolved_after,
    )


def _detail(alert: ReputationAlert) -> TrustAlertDetailOut:
    row = alert_reads.alert_row(alert)
    items = alert_reads.alert_items(alert.store, alert)
    return TrustAlertDetailOut(
        **_out(row).model_dump(),
        messages=[
            TrustAlertItemOut(
                id=i.id,
                source=i.source,
                text=i.text,
                written_at=i.written_at,
                link=i.link,
                circle=i.circle,
                author=i.author,
                answered_at=i.answered_at,
            )
            for i in items
        ],
        suggestions=[
            TrustAlertSuggestionOut(kind=s.kind, label=s.label, help=s.help, url=s.url)
            for s in alert_reads.suggestions_of(alert)
        ],
    )


@router.get("/stores/{store_id}/alerts", auth=AUTH, response=TrustAlertListOut)
def alert_list(request: HttpRequest, store_id: str, q: Query[TrustAlertQuery]) -> TrustAlertListOut:
    """The store's reputation alerts, unresolved first, and the figures of the last 30 days."""
    store = alert_reads.alerts_store(current_user(request), store_id)
    status = q.status if q.status in AlertStatus.values else None
    f = alert_reads.figures(store)
    return TrustAlertListOut(
        figures=TrustAlertFiguresOut(
            open=f.open,
            answered=f.answered,
            resolved=f.resolved,
            alerts=f.alerts,
            median_seconds_to_first_response=f.median_response,
            median_seconds_to_resolution=f.median_resolution,
            days=f.days,
        ),
        alerts=[_out(r) for r in alert_reads.alerts_of(store, status=status)],
    )


@router.get("/stores/{store_id}/alerts/{alert_id}", auth=AUTH, response=TrustAlertDetailOut)
def alert_detail(request: HttpRequest, store_id: str, alert_id: str) -> TrustAlertDetailOut:
    """One alert: the messages to answer (with where each was said), the suggested responses,
    the times to first response and resolution."""
    return _detail(alert_reads.store_alert(current_user(request), store_id, alert_id))


@router.post(
    "/stores/{store_id}/alerts/{alert_id}/resolve", auth=AUTH, response=TrustAlertDetailOut
)
def alert_resolve(
    request: HttpRequest, store_id: str, alert_id: str, body: TrustAlertResolveIn
) -> TrustAlertDetailOut:
    """Resolve the alert with a note of what was done (409 `alert_resolved` when it already
    is; 400 `empty_note` without a note)."""
    return _detail(resolve_alert(current_user(request), store_id, alert_id, body.note))
