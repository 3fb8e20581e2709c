"""The needs pages: the merchant console under /needs/console/<store>/ (the overview, a wish,
the weekly digests) and the member's privacy page (/needs/privacy/)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from quanzi.accounts.auth import signed_in_user
from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle
from quanzi.core.errors import NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.needs import selectors
from quanzi.needs.errors import NeedsCode
from quanzi.needs.models import Digest
from quanzi.needs.periods import Period, parse_period
from quanzi.needs.services.preferences import preference_of, set_preference
from quanzi.needs.text.base import DEEP_MOTIVES, MOTIVE_LABELS, Motive
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

PERIOD_CHOICES = (("7d", _lazy("7 days")), ("30d", _lazy("30 days")), ("90d", _lazy("90 days")))


def sees_customers(user: User, store: Store) -> bool:
    """May this person see who asked (the customers right)?"""
    try:
        access_store(user, store.pk, need="customers")
    except PermissionDenied:
        return False
    return True


def _context(request: HttpRequest, store: Store, period: Period, tab: str) -> dict[str, Any]:
    return {
        "store": store,
        "console_tab": "needs",
        "needs_tab": tab,
        "period": period,
        "previous": period.previous(),
        "period_choices": PERIOD_CHOICES,
    }


def sentiment_chart(days: list[selectors.SentimentDay]) -> dict[str, Any]:
    return {
        "type": "line",
        "labels": [d.day.strftime("%m-%d") for d in days],
        "datasets": [
            {"label": _("Positive"), "data": [d.positive for d in days]},
            {"label": _("Neutral"), "data": [d.neutral for d in days]},
            {"label": _("Negative"), "data": [d.negative for d in days]},
        ],
    }


def motive_rows(split: selectors.MotiveSplit) -> list[dict[str, Any]]:
    return [
        {
            "key": m.value,
            "label": MOTIVE_LABELS[m],
            "count": split.counts.get(m.value, 0),
            "deep": m in DEEP_MOTIVES,
        }
        for m in Motive
    ]


def motive_chart(split: selectors.MotiveSplit) -> dict[str, Any]:
    return {
        "type": "doughnut",
        "labels": [_("Surface (function, quality, price)"), _("Deep (gift, status, comfort…)")],
        "datasets": [{"label": _("Texts"), "data": [split.surface, split.deep]}],
    }


@login_required
def overview(request: HttpRequest, store_id: str) -> HttpResponse:
    user = signed_in_user(request)
    store = access_store(user, store_id, need="insights")
    period = parse_period(request.GET)
    filters = selectors.check_filters(
        store, request.GET.get("circle") or None, request.GET.get("product") or None
    )
    trend = selectors.sentiment_trend(store, period, filters)
    split = selectors.motives(store, period, filters)
    context = _context(request, store, period, "overview")
    context.update(
        {
            "filters": filters,
            "filter_query": _filter_query(filters),
            "circles": Circle.objects.filter(store=store).order_by("name").only("pk", "name"),
            "products": Product.objects.filter(store=store)
            .order_by("title")
            .only("pk", "title")[:200],
            "wishes": selectors.wishes(store, period, filters, limit=10),
            "topics": selectors.topics(store, period, filters)[:6],
            "keywords": selectors.keywords(store, period, filters, n=20),
            "mood": selectors.sentiment(store, period, filters),
            "mood_before": selectors.sentiment(store, period.previous(), filters),
            "sentiment_chart": sentiment_chart(trend),
            "motives": split,
            "motive_rows": motive_rows(split),
            "motive_chart": motive_chart(split),
            "recent": selectors.recent_moods(store, period, filters, limit=10),
            "latest_digest": Digest.objects.filter(store=store).first(),
        }
    )
    return render(request, "needs/overview.html", context)


def _filter_query(filters: selectors.Filters) -> str:
    parts = []
    if filters.circle_id:
        parts.append(f"&circle={filters.circle_id}")
    if filters.product_id:
        parts.append(f"&product={filters.product_id}")
    return "".join(parts)


@login_required
def wish(request: HttpRequest, store_id: str, wish_id: str) -> HttpResponse:
    user = signed_in_user(request)
    store = access_store(user, store_id, need="insights")
    period = parse_period(request.GET)
    found = selectors.wish_of(store, wish_id)
    names = sees_customers(user, store)
    weeks = selectors.wish_weeks(store, found, period)
    context = _context(request, store, period, "overview")
    context.update(
        {
            "wish": found,
            "names": names,
            "quotes": selectors.wish_quotes(store, found, names=names),
            "askers": selectors.wish_askers(store, found) if names else [],
            "weeks_chart": {
                "type": "bar",
                "labels": [w.week.strftime("%m-%d") for w in weeks],
                "datasets": [{"label": _("Mentions"), "data": [w.count for w in weeks]}],
            },
        }
    )
    return render(request, "needs/wish.html", context)


@login_required
def digests(request: HttpRequest, store_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id, need="insights")
    context = _context(request, store, parse_period({}), "digests")
    context["digests"] = Digest.objects.filter(store=store)[:52]
    return render(request, "needs/digests.html", context)


@login_required
def digest(request: HttpRequest, store_id: str, digest_id: str) -> HttpResponse:
    store = access_store(signed_in_user(request), store_id, need="insights")
    found = (
        Digest.objects.filter(pk=digest_id, store=store).first()
        if is_public_id(digest_id)
        else None
    )
    if found is None:
        raise NotFound(_("Digest not found."), code=NeedsCode.DIGEST_NOT_FOUND)
    context = _context(request, store, parse_period({}), "digests")
    context.update({"digest": found, "content": found.content})
    return render(request, "needs/digest.html", context)


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """What stores learn from the member's words, and the member's two choices."""
    user = signed_in_user(request)
    saved = False
    if request.method == "POST":
        set_preference(
            user,
            profiled=request.POST.get("profiled") == "on",
            in_aggregates=request.POST.get("in_aggregates") == "on",
        )
        return redirect(f"{request.path}?saved=1")
    saved = request.GET.get("saved") == "1"
    return render(
        request,
        "needs/privacy.html",
        {
            "preference": preference_of(user),
            "saved": saved,
        },
    )
