"""How the store answers its reputation alerts, and when: the first answer of the store's
people after an alert opened — a message in a circle where its complaints were said (or where
its review card was shared), the answer to one of its reviews, a message or decision in one of
its after-sales requests — sets `first_response_at` and the alert's status to answered; an
item answered directly (a reply to that message, the answer to that review, that after-sales
request) gets its own `answered_at`. The merchant resolves an alert with a note
(`resolve_alert`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, CoreCode
from quanzi.core.validation import clean_text
from quanzi.needs.models import Source
from quanzi.trust.alert_words import Suggestion
from quanzi.trust.errors import TrustCode
from quanzi.trust.locks import lock_alert
from quanzi.trust.models import AlertItem, AlertStatus, ReputationAlert
from quanzi.trust.services.alerts import UNRESOLVED, check_review_shared

MAX_NOTE = 500


def _answered(alert_ids: Iterable[str], at: datetime) -> None:
    """The alerts' first response, if they had none yet (two conditional updates: concurrent
    answers keep the first)."""
    ids = list(alert_ids)
    if not ids:
        return
    ReputationAlert.objects.filter(pk__in=ids, first_response_at=None, created_at__lte=at).update(
        first_response_at=at
    )
    ReputationAlert.objects.filter(pk__in=ids, status=AlertStatus.OPEN).update(
        status=AlertStatus.ANSWERED
    )


def _circles_of(alert: ReputationAlert, item_circles: set[str]) -> set[str]:
    shared = {
        str(s.get("circle_id"))
        for s in alert.suggestions or []
        if isinstance(s, dict) and s.get("kind") == Suggestion.REPLY and s.get("circle_id")
    }
    return item_circles | shared


def on_store_message(store_id: str, circle_id: str, message_id: str, user_id: int | None) -> None:
    """A message in one of the store's circles (after it committed). One query when the store
    has no unresolved alert and the message is no review card."""
    from django.db.models import Exists, OuterRef

    from quanzi.circles.models import Message, MessageKind
    from quanzi.stores.models import StoreStaff

    alerting = ReputationAlert.objects.filter(store_id=store_id, status__in=UNRESOLVED)
    row = (
        Message.objects.filter(pk=message_id)
        .annotate(
            alerting=Exists(alerting),
            staff=Exists(
                StoreStaff.objects.filter(store_id=store_id, user_id=OuterRef("sender_id"))
            ),
        )
        .values_list("kind", "reply_to_id", "created_at", "card__review_id", "alerting", "staff")
        .first()
    )
    if row is None:
        return
    kind, reply_to_id, at, review_id, has_alerts, by_staff = row
    if kind == MessageKind.REVIEW and isinstance(review_id, str) and review_id:
        check_review_shared(store_id, review_id)
        has_alerts = True
    if not (has_alerts and by_staff):
        return
    alerts = {a.pk: a for a in alerting.filter(created_at__lte=at)}
    if not alerts:
        return
    circles: dict[str, set[str]] = {pk: set() for pk in alerts}
    for alert_id, item_circle in AlertItem.objects.filter(alert_id__in=list(alerts)).values_list(
        "alert_id", "item__circle_id"
    ):
        if item_circle:
            circles[alert_id].add(item_circle)
    here = [pk for pk, alert in alerts.items() if circle_id in _circles_of(alert, circles[pk])]
    if not here:
        return
    with transaction.atomic():
        _answered(here, at)
        if reply_to_id:
            AlertItem.objects.filter(
                alert_id__in=here,
                item__source=Source.CHAT,
                item__source_id=reply_to_id,
                answered_at=None,
            ).update(answered_at=at)


def review_answered(review_ids: Iterable[str]) -> int:
    """The store answered these reviews: the unresolved alerts holding them are answered at
    the reply's time (when it came after the alert opened). Answers how many items."""
    from quanzi.reviews.models import Review

    replies = dict(
        Review.objects.filter(pk__in=list(review_ids), replied_at__isnull=False).values_list(
            "pk", "replied_at"
        )
    )
    if not replies:
        return 0
    rows = list(
        AlertItem.objects.filter(
            alert__status__in=UNRESOLVED,
            item__source=Source.REVIEW,
            item__source_id__in=list(replies),
            answered_at=None,
        ).values_list("pk", "alert_id", "alert__created_at", "item__source_id")
    )
    done = 0
    with transaction.atomic():
        for pk, alert_id, opened, review_id in rows:
            at = replies[review_id]
            if at is None or at < opened:
                continue
            AlertItem.objects.filter(pk=pk, answered_at=None).update(answered_at=at)
            _answered([alert_id], at)
            done += 1
    return done


def sweep_review_replies(limit: int = 500) -> int:
    """The reviews of unresolved alerts answered since (the reply's signal was lost)."""
    ids = list(
        AlertItem.objects.filter(
            alert__status__in=UNRESOLVED, item__source=Source.REVIEW, answered_at=None
        ).values_list("item__source_id", flat=True)[:limit]
    )
    return review_answered(ids) if ids else 0


# An after-sales step the store took: its messages and its decisions.
STORE_EVENTS = ("approved", "rejected")


def after_sale_answered(line_id: str) -> int:
    """A line of an after-sales thread: when the store wrote it (a message or a decision), the
    alerts holding the buyer's words of that request are answered."""
    from quanzi.orders.models import AfterSaleMessage, AfterSaleRole

    line = (
        AfterSaleMessage.objects.filter(pk=line_id)
        .values_list("after_sale_id", "role", "event", "created_at")
        .first()
    )
    if line is None:
        return 0
    after_sale_id, role, event, at = line
    if not (
        role == AfterSaleRole.MERCHANT or (role == AfterSaleRole.SYSTEM and event in STORE_EVENTS)
    ):
        return 0
    lines = AfterSaleMessage.objects.filter(after_sale_id=after_sale_id).values("pk")
    rows = AlertItem.objects.filter(
        alert__status__in=UNRESOLVED,
        alert__created_at__lte=at,
        item__source=Source.AFTER_SALE,
        item__source_id__in=lines,
    )
    alert_ids = set(rows.values_list("alert_id", flat=True))
    if not alert_ids:
        return 0
    with transaction.atomic():
        done = rows.filter(answered_at=None).update(answered_at=at)
        _answered(alert_ids, at)
    return done


def resolve_alert(user: User, store_id: str, alert_id: str, note: object) -> ReputationAlert:
    """The merchant closes the alert, saying what was done."""
    from quanzi.trust.services.alert_reads import store_alert

    alert = store_alert(user, store_id, alert_id)
    text = clean_text(
        note,
        field="note",
        max_length=MAX_NOTE,
        required=True,
        multiline=True,
        missing=_("Say what you did about it."),
        missing_code=TrustCode.EMPTY_NOTE,
        too_long_code=CoreCode.TEXT_TOO_LONG,
    )
    now = timezone.now()
    with transaction.atomic():
        locked = lock_alert(alert.pk)
        if locked is None:  # pragma: no cover - deleted with its store meanwhile
            return alert
        if locked.status == AlertStatus.RESOLVED:
            raise Conflict(_("This alert is already resolved."), code=TrustCode.ALERT_RESOLVED)
        locked.status = AlertStatus.RESOLVED
        locked.resolved_at = now
        locked.resolved_by = user
        locked.resolution = text
        locked.save(
            update_fields=["status", "resolved_at", "resolved_by", "resolution", "updated_at"]
        )
    return locked
