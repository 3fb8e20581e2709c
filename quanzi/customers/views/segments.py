"""Segments: the list, the builder (live size through the API, a sample of members), delete
and the Excel export of the members."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import signed_in_user
from quanzi.catalog.models import Category, Product
from quanzi.circles.models import Circle
from quanzi.core.errors import DomainError, InvalidInput
from quanzi.customers.models import CustomerRfm, RfmSegment, Segment, Tag
from quanzi.customers.services import population, segments
from quanzi.customers.views.common import acting, customers_store
from quanzi.insights.tables import Column, Table, export
from quanzi.needs.models import Wish
from quanzi.needs.text.base import MOTIVE_LABELS
from quanzi.stores.models import Store

SAMPLE = 10
MAX_DEFINITION = 20000  # characters of JSON


@login_required
def segment_list(request: HttpRequest, store_id: str) -> HttpResponse:
    store = customers_store(request, store_id)
    rows = [
        {"segment": s, "size": segments.count_of(s)}
        for s in Segment.objects.filter(store=store)[:200]
    ]
    return render(
        request,
        "customers/segments.html",
        {"store": store, "console_tab": "segments", "rows": rows},
    )


def options(store: Store) -> dict[str, Any]:
    """What the builder offers in its choices, passed to segments.js as JSON."""
    return {
        "tag": [{"id": t.pk, "label": t.name} for t in Tag.objects.filter(store=store)],
        "circle": [{"id": c.pk, "label": c.name} for c in Circle.objects.filter(store=store)],
        "product": [
            {"id": p.pk, "label": p.title}
            for p in Product.objects.filter(store=store).order_by("title")[:500]
        ],
        "category": [{"id": c.pk, "label": c.name} for c in Category.objects.order_by("name")],
        "wish": [
            {"id": w.pk, "label": f"{w.label} ({w.mention_count})"}
            for w in Wish.objects.filter(store=store).order_by("-mention_count")[:300]
        ],
        "motive": [{"id": k.value, "label": str(v)} for k, v in MOTIVE_LABELS.items()],
        "rfm_segment": [{"id": k, "label": str(v)} for k, v in RfmSegment.choices],
        "kinds": [
            {"id": "tag", "label": _("Has tag")},
            {"id": "rfm_segment", "label": _("RFM segment")},
            {"id": "rfm_score", "label": _("RFM score range")},
            {"id": "circle", "label": _("Member of circle")},
            {"id": "product", "label": _("Bought product")},
            {"id": "category", "label": _("Bought in category")},
            {"id": "spend", "label": _("Total spend (¥)")},
            {"id": "wish", "label": _("Has wish")},
            {"id": "motive", "label": _("Motive")},
        ],
        "words": {
            "all": _("all of"),
            "any": _("any of"),
            "not": _("not"),
            "add": _("Add a condition"),
            "addGroup": _("Add a group"),
            "remove": _("Remove"),
            "min": _("from"),
            "max": _("to"),
            "members": _("members"),
            "error": _("This definition cannot be used yet."),
        },
    }


def _sample(store: Store, definition: dict[str, Any]) -> tuple[int, list[dict[str, str]]]:
    found = segments.matching(store, definition)
    return found.count(), [
        {"id": u.public_id, "name": population.display_name(u)}
        for u in found.order_by("-pk")[:SAMPLE]
    ]


@login_required
def segment_edit(request: HttpRequest, store_id: str, segment_id: str = "") -> HttpResponse:
    """The builder: a new segment, or an existing one. "Preview" shows the size and a sample
    without saving (what the live size shows as the conditions change, with JavaScript)."""
    store = customers_store(request, store_id)
    segment = segments.segment_of(store, segment_id) if segment_id else None
    name = segment.name if segment else ""
    definition: Any = segment.definition if segment else segments.EVERYONE
    raw = json.dumps(definition, ensure_ascii=False)
    preview: tuple[int, list[dict[str, str]]] | None = None
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        raw = request.POST.get("definition", "")
        try:
            if len(raw) > MAX_DEFINITION:
                raise InvalidInput(_("The definition is too long."), field="definition")
            try:
                definition = json.loads(raw)
            except ValueError as exc:
                raise InvalidInput(
                    _("The definition is not valid JSON."), field="definition"
                ) from exc
            segments.validate(store, definition)
            if request.POST.get("action") == "preview":
                preview = _sample(store, definition)
            else:
                fields = segments.SegmentFields(name=name, definition=definition)
                if segment is None:
                    segment = segments.create_segment(store, signed_in_user(request), fields)
                else:
                    segments.change_segment(segment, fields)
                messages.success(request, _("Segment saved."))
                return redirect(f"/customers/console/{store.pk}/segments/{segment.pk}/")
        except DomainError as exc:
            if exc.status in (401, 403):
                raise
            error = str(exc.message)
    elif segment is not None:
        preview = _sample(store, segment.definition)
    return render(
        request,
        "customers/segment_edit.html",
        {
            "store": store,
            "console_tab": "segments",
            "segment": segment,
            "name": name,
            "definition": raw,
            "preview": preview,
            "error": error,
            "options": options(store),
            "preview_url": f"/api/v1/customers/{store.pk}/segments/preview",
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
@acting
def segment_delete(request: HttpRequest, store: Store, segment_id: str) -> HttpResponse:
    segments.delete_segment(segments.segment_of(store, segment_id))
    messages.success(request, _("Segment deleted."))
    return redirect(f"/customers/console/{store.pk}/segments/")


@login_required
def segment_export(request: HttpRequest, store_id: str, segment_id: str) -> HttpResponse:
    """The members as an Excel file (or CSV with ?format=csv): through the insights' table
    export, which keeps text that looks like a formula from running."""
    store = customers_store(request, store_id)
    segment = segments.segment_of(store, segment_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise InvalidInput(_("Export as csv or xlsx."), field="format")
    ids = segments.members_of(segment)
    people = population.customers(store).filter(pk__in=ids).order_by("pk")
    scores = {r.user_id: r for r in CustomerRfm.objects.filter(store=store, user_id__in=ids)}
    spend = dict(
        population.paid_orders(store)
        .filter(buyer_id__in=ids)
        .values("buyer_id")
        .annotate(s=Sum(F("total") - F("refunded_amount")))
        .values_list("buyer_id", "s")
    )
    labels = dict(RfmSegment.choices)
    table = Table(
        id="members",
        title=segment.name,
        columns=[
            Column("id", _("Customer ID"), "text"),
            Column("name", _("Name"), "text"),
            Column("phone", _("Phone"), "text"),
            Column("spend", _("Total spend"), "fen"),
            Column("rfm", _("RFM"), "text"),
            Column("segment", _("RFM segment"), "text"),
        ],
        rows=[
            {
                "id": u.public_id,
                "name": population.display_name(u),
                "phone": u.phone or "",
                "spend": int(spend.get(u.pk) or 0),
                "rfm": f"{r.r}{r.f}{r.m}" if (r := scores.get(u.pk)) else "",
                "segment": str(labels.get(r.segment, "")) if r else "",
            }
            for u in people
        ],
        chart="none",
    )
    return export(table, fmt, f"segment-{segment.pk}-{timezone.localdate().isoformat()}")
