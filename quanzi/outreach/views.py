"""The outreach pages: the merchant's (/outreach/console/<store>/…: the list with each lift, a
new draft, a draft's preview and its sending, the report) and the member's (the message an
outreach sent, with "turn off messages from this store", and the settings of those choices)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.catalog.models import Product
from quanzi.circles.models import Circle, MemberState
from quanzi.circles.services.access import ADMIN_ROLES
from quanzi.core.errors import Conflict, DomainError, NotFound
from quanzi.core.ids import is_public_id
from quanzi.coupons.models import Coupon
from quanzi.customers.models import Segment
from quanzi.outreach.errors import OutreachCode
from quanzi.outreach.models import (
    DEFAULT_HOLDOUT,
    DEFAULT_WINDOW_DAYS,
    MAX_HOLDOUT,
    MIN_HOLDOUT,
    Channel,
    Delivery,
    Group,
    Outreach,
    OutreachMember,
    OutreachState,
    SkipReason,
)
from quanzi.outreach.services import optout, sending
from quanzi.outreach.services.audience import segment_members
from quanzi.outreach.services.report import OutreachReport, report_of
from quanzi.outreach.words import fen, lift_sentences, pct, points
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

FIELDS = (
    "name",
    "segment_id",
    "channel",
    "holdout_percent",
    "window_days",
    "coupon_id",
    "circle_id",
    "title",
    "body",
    "product_id",
    "text",
    "link",
)


def _store(request: HttpRequest, store_id: str) -> Store:
    return access_store(signed_in_user(request), store_id, need="customers")


def _page(request: HttpRequest, store: Store, template: str, **context: Any) -> HttpResponse:
    return render(request, template, {"store": store, "console_tab": "outreach", **context})


def _summary(report: OutreachReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    lift = report.lift
    return {
        "reached_rate": pct(report.reached.conversion),
        "holdout_rate": pct(report.holdout.conversion),
        "lift": points(lift.conversion.estimate),
        "low": points(lift.conversion.low),
        "high": points(lift.conversion.high),
        "significant": not lift.conversion.covers_zero,
        "gmv": fen(lift.incremental_gmv.estimate),
    }


@login_required
def outreach_list(request: HttpRequest, store_id: str) -> HttpResponse:
    store = _store(request, store_id)
    rows = [{"o": o, "s": _summary(report_of(o))} for o in sending.outreaches_of(store)]
    return _page(request, store, "outreach/list.html", rows=rows)


def _choices(request: HttpRequest, store: Store) -> dict[str, Any]:
    user = signed_in_user(request)
    return {
        "segments": Segment.objects.filter(store=store).order_by("name")[:200],
        "coupons": Coupon.objects.filter(store=store, is_active=True).order_by("-created_at")[:100],
        "circles": Circle.objects.filter(
            store=store,
            memberships__user=user,
            memberships__role__in=ADMIN_ROLES,
            memberships__state=MemberState.ACTIVE,
        ).order_by("name")[:100],
        "products": Product.objects.filter(store=store).order_by("-created_at")[:100],
        "channels": Channel.choices,
        "min_holdout": MIN_HOLDOUT,
        "max_holdout": MAX_HOLDOUT,
    }


@login_required
@require_http_methods(["GET", "POST"])
def outreach_new(request: HttpRequest, store_id: str) -> HttpResponse:
    store = _store(request, store_id)
    user = signed_in_user(request)
    given = {
        name: request.POST.get(name, "") if request.method == "POST" else request.GET.get(name, "")
        for name in FIELDS
    }
    given["holdout_percent"] = given["holdout_percent"] or str(DEFAULT_HOLDOUT)
    given["window_days"] = given["window_days"] or str(DEFAULT_WINDOW_DAYS)
    given["channel"] = given["channel"] or Channel.COUPON
    error = ""
    if request.method == "POST":
        try:
            draft = sending.create_outreach(user, store.pk, sending.OutreachInput(**given))
        except DomainError as exc:
            error = str(exc.message)
        else:
            return redirect("outreach:detail", store.pk, draft.pk)
    return _page(
        request, store, "outreach/new.html", given=given, error=error, **_choices(request, store)
    )


def _chart(report: OutreachReport) -> dict[str, Any]:
    return {
        "labels": [_("Reached"), _("Held out")],
        "conversion": [
            round(report.reached.conversion * 100, 2),
            round(report.holdout.conversion * 100, 2),
        ],
        "gmv_per_member": [
            round(report.reached.gmv_per_member / 100, 2),
            round(report.holdout.gmv_per_member / 100, 2),
        ],
        "conversion_label": _("Conversion (%)"),
        "gmv_label": _("GMV per member (¥)"),
    }


@login_required
def outreach_detail(request: HttpRequest, store_id: str, outreach_id: str) -> HttpResponse:
    store = _store(request, store_id)
    outreach = sending.find_outreach(store, outreach_id)
    if outreach.state == OutreachState.DRAFT:
        preview = None
        if outreach.segment is not None:
            size = len(segment_members(outreach.segment))
            preview = sending.preview_counts(size, outreach.holdout_percent)
        return _page(request, store, "outreach/draft.html", o=outreach, preview=preview)
    sending.resume_if_stalled(outreach)
    report = report_of(outreach)
    assert report is not None
    skipped = [
        (label, report.skipped.get(value, 0))
        for value, label in SkipReason.choices
        if report.skipped.get(value, 0)
    ]
    return _page(
        request,
        store,
        "outreach/report.html",
        o=outreach,
        r=report,
        words=lift_sentences(report.lift),
        groups=[
            {
                "key": "reached",
                "label": _("Reached"),
                "g": report.reached,
                "rate": pct(report.reached.conversion),
                "gmv": fen(report.reached.gmv.total),
                "per": fen(report.reached.gmv_per_member),
            },
            {
                "key": "holdout",
                "label": _("Held out"),
                "g": report.holdout,
                "rate": pct(report.holdout.conversion),
                "gmv": fen(report.holdout.gmv.total),
                "per": fen(report.holdout.gmv_per_member),
            },
        ],
        relative=report.lift.conversion_relative,
        relative_text=(
            {
                "d": pct(report.lift.conversion_relative.estimate),
                "low": pct(report.lift.conversion_relative.low),
                "high": pct(report.lift.conversion_relative.high),
            }
            if report.lift.conversion_relative
            else None
        ),
        skipped=skipped,
        chart=_chart(report),
    )


@login_required
@require_POST
def outreach_send(request: HttpRequest, store_id: str, outreach_id: str) -> HttpResponse:
    store = _store(request, store_id)
    try:
        sending.send_outreach(signed_in_user(request), store.pk, outreach_id)
    except Conflict as exc:
        if exc.code != OutreachCode.ALREADY_SENT:
            messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent. The report fills in as members buy."))
    return redirect("outreach:detail", store.pk, outreach_id)


# --- The member's side -----------------------------------------------------------------------


@login_required
def member_message(request: HttpRequest, outreach_id: str) -> HttpResponse:
    """What an outreach sent the member: only a member it reached sees it (others: 404)."""
    user = signed_in_user(request)
    row = (
        OutreachMember.objects.filter(
            outreach_id=outreach_id,
            user=user,
            group=Group.REACHED,
            delivery=Delivery.DELIVERED,
        )
        .select_related("outreach__store", "outreach__coupon", "outreach__circle")
        .first()
        if is_public_id(outreach_id)
        else None
    )
    if row is None:
        raise NotFound(_("Not found."))
    outreach: Outreach = row.outreach
    return render(
        request,
        "outreach/message.html",
        {
            "o": outreach,
            "store": outreach.store,
            "turned_off": optout.is_opted_out(outreach.store, user),
        },
    )


@login_required
@require_POST
def member_choice(request: HttpRequest, store_id: str) -> HttpResponse:
    allowed = request.POST.get("allowed") == "1"
    store = optout.set_store_outreach(signed_in_user(request), store_id, allowed=allowed)
    if allowed:
        messages.success(
            request, _("Messages from %(store)s are on again.") % {"store": store.name}
        )
    else:
        messages.success(
            request,
            _("You will get no more messages from %(store)s's outreach.") % {"store": store.name},
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("outreach:settings")


@login_required
def member_settings(request: HttpRequest) -> HttpResponse:
    stores = optout.stores_turned_off(signed_in_user(request))
    return render(request, "outreach/settings.html", {"stores": stores})
