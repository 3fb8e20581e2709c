"""The merchant's reputation alerts in the console: /trust/console/<store>/alerts/ (open alerts
first, with the figures of the last 30 days), one alert with the messages to answer, the
suggested responses and the resolve form, and the console tab's badge (the open count)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.core.errors import DomainError, NotFound, PermissionDenied
from quanzi.stores.models import Store
from quanzi.trust import alert_words
from quanzi.trust.models import AlertStatus, ReputationAlert
from quanzi.trust.services import alert_reads
from quanzi.trust.services.alert_responses import MAX_NOTE, resolve_alert


@login_required
@require_GET
def alert_list(request: HttpRequest, store_id: str) -> HttpResponse:
    store = alert_reads.alerts_store(signed_in_user(request), store_id)
    status = request.GET.get("status") or ""
    if status not in AlertStatus.values:
        status = ""
    figures = alert_reads.figures(store)
    return render(
        request,
        "trust/alerts/list.html",
        {
            "store": store,
            "console_tab": "alerts",
            "rows": alert_reads.alerts_of(store, status=status or None),
            "figures": figures,
            "median_response": alert_words.duration_words(figures.median_response),
            "median_resolution": alert_words.duration_words(figures.median_resolution),
            "status": status,
            "statuses": AlertStatus.choices,
        },
    )


def _detail(
    request: HttpRequest,
    store: Store,
    alert: ReputationAlert,
    *,
    error: DomainError | None = None,
    note: str = "",
) -> HttpResponse:
    row = alert_reads.alert_row(alert)
    context: dict[str, Any] = {
        "store": store,
        "console_tab": "alerts",
        "alert": alert,
        "row": row,
        "open_for": alert_words.duration_words(row.open_for),
        "response_after": alert_words.duration_words(row.response_after),
        "resolved_after": alert_words.duration_words(row.resolved_after),
        "items": alert_reads.alert_items(store, alert),
        "suggestions": alert_reads.suggestions_of(alert),
        "error": error,
        "note": note,
        "max_note": MAX_NOTE,
    }
    return render(
        request, "trust/alerts/detail.html", context, status=error.status if error else 200
    )


@login_required
@require_GET
def alert_detail(request: HttpRequest, store_id: str, alert_id: str) -> HttpResponse:
    store = alert_reads.alerts_store(signed_in_user(request), store_id)
    return _detail(request, store, alert_reads.alert_in(store, alert_id))


@login_required
@require_POST
def alert_resolve(request: HttpRequest, store_id: str, alert_id: str) -> HttpResponse:
    user = signed_in_user(request)
    note = request.POST.get("note", "")
    try:
        alert = resolve_alert(user, store_id, alert_id, note)
    except DomainError as exc:
        if isinstance(exc, NotFound | PermissionDenied):
            raise
        store = alert_reads.alerts_store(user, store_id)
        return _detail(request, store, alert_reads.alert_in(store, alert_id), error=exc, note=note)
    messages.success(request, _("The alert is resolved."))
    return redirect(reverse("trust:alert", args=[alert.store_id, alert.pk]))


@require_GET
def alerts_badge(request: HttpRequest, store_id: str) -> HttpResponse:
    """The open count beside the console's Alerts tab (loaded by HTMX); nothing for people who
    may not read the alerts."""
    try:
        store = alert_reads.alerts_store(page_user(request), store_id)
    except (NotFound, PermissionDenied):
        return HttpResponse(status=204)
    return render(request, "trust/alerts/_badge.html", {"count": alert_reads.open_count(store)})


urlpatterns: list[URLPattern] = [
    path("console/<str:store_id>/alerts/", alert_list, name="alerts"),
    path("console/<str:store_id>/alerts/badge/", alerts_badge, name="alerts_badge"),
    path("console/<str:store_id>/alerts/<str:alert_id>/", alert_detail, name="alert"),
    path(
        "console/<str:store_id>/alerts/<str:alert_id>/resolve/",
        alert_resolve,
        name="alert_resolve",
    ),
]
