"""The customer list, the 360° profile, tags and their rules, and RFM."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from quanzi.catalog.models import Category, Product
from quanzi.circles.models import Circle
from quanzi.core.errors import InvalidInput
from quanzi.core.money import fen_to_yuan_str, yuan_to_fen
from quanzi.core.pagination import page_number
from quanzi.core.validation import form_whole_number
from quanzi.customers.models import CustomerRfm, CustomerTag, RfmSegment, Tag, TagGroup
from quanzi.customers.services import population, profiles, rfm, rules, tags
from quanzi.customers.views.common import acting, back, customers_store
from quanzi.needs.models import ProfilingPreference
from quanzi.stores.models import Store

PAGE_SIZE = 20


def _base(store: Any, tab: str = "customers") -> dict[str, Any]:
    return {"store": store, "console_tab": tab}


@login_required
def customer_list(request: HttpRequest, store_id: str) -> HttpResponse:
    store = customers_store(request, store_id)
    q = request.GET.get("q", "")[:40]
    tag_id = request.GET.get("tag", "")[:16]
    segment = request.GET.get("segment", "")[:20]
    found = population.search(store, q=q, tag_id=tag_id, segment=segment)
    page = Paginator(found, PAGE_SIZE).get_page(page_number(request))
    ids = [u.pk for u in page.object_list]
    held: dict[int, list[Tag]] = {}
    for ct in CustomerTag.objects.filter(store=store, user_id__in=ids).select_related("tag"):
        held.setdefault(ct.user_id, []).append(ct.tag)
    scores = {r.user_id: r for r in CustomerRfm.objects.filter(store=store, user_id__in=ids)}
    rows = [
        {
            "user": u,
            "name": population.display_name(u),
            "tags": held.get(u.pk, []),
            "rfm": scores.get(u.pk),
        }
        for u in page.object_list
    ]
    all_tags = list(Tag.objects.filter(store=store).select_related("group"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "customers/list.html",
        {
            **_base(store),
            "page": page,
            "rows": rows,
            "q": q,
            "tag_id": tag_id,
            "segment": segment,
            "tags": all_tags,
            "manual_tags": [t for t in all_tags if t.kind == "manual"],
            "segments": RfmSegment.choices,
            "query": query.urlencode(),
        },
    )


@login_required
@require_POST
@acting
def bulk_tag(request: HttpRequest, store: Store) -> HttpResponse:
    """Put a manual tag on the ticked customers, or take it off."""
    tag = tags.tag_of(store, request.POST.get("tag", ""))
    people = tags.customers_by_public_id(store, request.POST.getlist("customer"))
    if not people:
        raise InvalidInput(_("Tick at least one customer."), field="customer")
    if request.POST.get("action") == "remove":
        n = tags.remove_tag(tag, people)
        messages.success(request, _("%(n)d customers lost the tag.") % {"n": n})
    else:
        n = tags.add_tag(tag, people)
        messages.success(request, _("%(n)d customers got the tag.") % {"n": n})
    return back(request, f"/customers/console/{store.pk}/")


@login_required
def profile(request: HttpRequest, store_id: str, customer_id: str) -> HttpResponse:
    store = customers_store(request, store_id)
    user = profiles.customer_of(store, customer_id, profiled_only=False)
    context = _base(store)
    if not population.is_profiled(user.pk):
        return render(
            request,
            "customers/profile_private.html",
            {**context, "name": population.display_name(user)},
            status=200,
        )
    p = profiles.profile(store, user)
    held = {ct.tag_id for ct in p.tags}
    context.update(
        {
            "p": p,
            "manual_tags": [
                t for t in Tag.objects.filter(store=store, kind="manual") if t.pk not in held
            ],
            "sentiment_data": p.sentiment,
        }
    )
    return render(request, "customers/profile.html", context)


@login_required
@require_POST
@acting
def profile_tag(request: HttpRequest, store: Store, customer_id: str) -> HttpResponse:
    user = profiles.customer_of(store, customer_id)
    tag = tags.tag_of(store, request.POST.get("tag", ""))
    if request.POST.get("action") == "remove":
        tags.remove_tag(tag, [user])
    else:
        tags.add_tag(tag, [user])
    return redirect(f"/customers/console/{store.pk}/c/{user.public_id}/")


# --- Tags -----------------------------------------------------------------------------------


RULE_KINDS = [
    ("spend", gettext_lazy("Total spend")),
    ("orders", gettext_lazy("Order count")),
    ("days_since_order", gettext_lazy("Days since the last order")),
    ("category", gettext_lazy("Bought in category")),
    ("product", gettext_lazy("Bought product")),
    ("circle", gettext_lazy("Member of circle")),
    ("active", gettext_lazy("Active in circles")),
    ("referred", gettext_lazy("Came through a promoter")),
    ("promoter", gettext_lazy("Is a promoter of the store")),
    ("lifecycle", gettext_lazy("Lifecycle stage")),
]


def describe_rule(rule: dict[str, Any], names: dict[str, str]) -> str:
    """A rule as the merchant reads it."""
    kind = rule.get("kind")
    op = "≥" if rule.get("op") == "gte" else "≤"
    if kind == "spend":
        return _("Total spend %(op)s ¥%(v)s") % {"op": op, "v": fen_to_yuan_str(rule["value"])}
    if kind == "orders":
        return _("Orders %(op)s %(v)d") % {"op": op, "v": rule["value"]}
    if kind == "days_since_order":
        return _("Days since the last order %(op)s %(v)d") % {"op": op, "v": rule["value"]}
    if kind in ("category", "product", "circle"):
        label = {
            "category": _("Bought in %(x)s"),
            "product": _("Bought %(x)s"),
            "circle": _("Member of %(x)s"),
        }[kind]
        return label % {"x": names.get(rule[kind], "—")}
    if kind == "active":
        return _("At least %(k)d messages in the last %(n)d days") % {
            "k": rule["messages"],
            "n": rule["days"],
        }
    if kind == "referred":
        return _("Came through a promoter")
    if kind == "promoter":
        return _("Is a promoter of the store")
    if kind == "lifecycle":
        return {"new": _("New"), "active": _("Active"), "sleeping": _("Sleeping")}.get(
            rule["stage"], "—"
        )
    return "—"


def rule_from_form(data: Any) -> dict[str, Any]:
    kind = data.get("rule_kind", "")
    rule: dict[str, Any] = {"kind": kind}
    if kind in ("spend", "orders", "days_since_order"):
        rule["op"] = data.get("op", "")
        raw = data.get("value", "")
        rule["value"] = (
            yuan_to_fen(raw, field="value")
            if kind == "spend"
            else form_whole_number(raw, field="value", max_digits=6)
        )
    elif kind in ("category", "product", "circle"):
        rule[kind] = data.get(kind, "")
    elif kind == "active":
        rule["days"] = form_whole_number(data.get("days", ""), field="days", max_digits=4)
        rule["messages"] = form_whole_number(
            data.get("messages", ""), field="messages", max_digits=6
        )
    elif kind == "lifecycle":
        rule["stage"] = data.get("stage", "")
    return rule


def _names(store: Store) -> dict[str, str]:
    names: dict[str, str] = dict(Category.objects.values_list("pk", "name"))
    names.update(Product.objects.filter(store=store).values_list("pk", "title"))
    names.update(Circle.objects.filter(store=store).values_list("pk", "name"))
    return names


@login_required
def tags_page(request: HttpRequest, store_id: str) -> HttpResponse:
    store = customers_store(request, store_id)
    names = _names(store)
    all_tags = list(
        Tag.objects.filter(store=store).select_related("group").annotate(n=Count("holders"))
    )
    groups = list(TagGroup.objects.filter(store=store))
    for tag in all_tags:
        tag.described = describe_rule(tag.rule, names) if tag.rule else ""  # type: ignore[attr-defined]
    return render(
        request,
        "customers/tags.html",
        {
            **_base(store),
            "groups": groups,
            "tags": all_tags,
            "rule_kinds": RULE_KINDS,
            "categories": Category.objects.order_by("position", "name"),
            "products": Product.objects.filter(store=store).order_by("title")[:500],
            "circles": Circle.objects.filter(store=store).order_by("name"),
            "settings": rules.settings_of(store),
        },
    )


@login_required
@require_POST
@acting
def tags_action(request: HttpRequest, store: Store) -> HttpResponse:
    action = request.POST.get("action", "")
    data = request.POST
    if action == "group_create":
        tags.create_group(store, data.get("name", ""))
    elif action == "group_rename":
        tags.rename_group(tags.group_of(store, data.get("group", "")), data.get("name", ""))
    elif action == "group_delete":
        tags.delete_group(tags.group_of(store, data.get("group", "")))
    elif action == "tag_create":
        rule = rule_from_form(data) if data.get("rule_kind") else None
        tags.create_tag(
            store,
            tags.TagFields(name=data.get("name", ""), group=data.get("group") or None, rule=rule),
        )
    elif action == "tag_change":
        tag = tags.tag_of(store, data.get("tag", ""))
        rule = rule_from_form(data) if data.get("rule_kind") else None
        tags.change_tag(
            tag,
            tags.TagFields(
                name=data.get("name") or None, group=data.get("group") or None, rule=rule
            ),
        )
    elif action == "tag_delete":
        tags.delete_tag(tags.tag_of(store, data.get("tag", "")))
    elif action == "lifecycle":
        rfm.change_settings(
            store,
            new_days=form_whole_number(data.get("new_days", ""), field="new_days", max_digits=4),
            sleeping_days=form_whole_number(
                data.get("sleeping_days", ""), field="sleeping_days", max_digits=4
            ),
        )
        rules.refresh_store(store)
    else:
        raise InvalidInput(_("Unknown action."), field="action")
    messages.success(request, _("Saved."))
    return redirect(f"/customers/console/{store.pk}/tags/")


# --- RFM ------------------------------------------------------------------------------------


def _breaks_from_form(raw: str, *, field: str, yuan: bool = False) -> list[int]:
    parts = [p for p in raw.replace("，", ",").split(",") if p.strip()]
    if not parts:
        return []
    if yuan:
        values = [yuan_to_fen(p, field=field) for p in parts]
    else:
        values = [form_whole_number(p, field=field, max_digits=7) for p in parts]
    return rfm.clean_breaks(values, field=field)


@login_required
def rfm_page(request: HttpRequest, store_id: str) -> HttpResponse:
    store = customers_store(request, store_id)
    settings = rules.settings_of(store)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "compute":
                rfm.compute(store)
            else:
                rfm.change_settings(
                    store,
                    window_days=form_whole_number(
                        request.POST.get("window_days", ""), field="window_days", max_digits=4
                    ),
                    recency_breaks=_breaks_from_form(
                        request.POST.get("recency_breaks", ""), field="recency_breaks"
                    ),
                    frequency_breaks=_breaks_from_form(
                        request.POST.get("frequency_breaks", ""), field="frequency_breaks"
                    ),
                    monetary_breaks=_breaks_from_form(
                        request.POST.get("monetary_breaks", ""), field="monetary_breaks", yuan=True
                    ),
                )
            messages.success(request, _("Scores computed."))
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
        return redirect(f"/customers/console/{store.pk}/rfm/")
    sizes = rfm.sizes(store)
    total = sum(row["customers"] for row in sizes) or 1
    arrows = {seg: (r, f, m) for (r, f, m), seg in rfm.SEGMENTS.items()}
    for row in sizes:
        row["share"] = round(100 * row["customers"] / total, 1)
        high = arrows[RfmSegment(row["segment"])]
        row["code"] = " ".join(
            f"{letter}{'↑' if up else '↓'}" for letter, up in zip("RFM", high, strict=True)
        )
    return render(
        request,
        "customers/rfm.html",
        {
            **_base(store),
            "settings": settings,
            "sizes": sizes,
            "windows": rfm.WINDOWS,
            "monetary_yuan": ", ".join(fen_to_yuan_str(v) for v in settings.monetary_breaks),
            "chart": {
                "labels": [str(r["label"]) for r in sizes],
                "data": [r["customers"] for r in sizes],
            },
            "opted_out": population.customers(store, include_opted_out=True)
            .filter(pk__in=ProfilingPreference.objects.filter(profiled=False).values("user_id"))
            .count(),
        },
    )
