"""Automatic tags: each rule tag's condition, checked against what a customer did.

A rule is one JSON object (docs/customers.md):

    {"kind": "spend", "op": "gte" | "lte", "value": fen}          lifetime spend, net of refunds
    {"kind": "orders", "op": "gte" | "lte", "value": n}           paid orders not fully refunded
    {"kind": "days_since_order", "op": "gte" | "lte", "value": d} (never ordered: no; a fully
                                                                  refunded order is no order)
    {"kind": "category", "category": "<id>"}                      bought in the category
    {"kind": "product", "product": "<id>"}                        bought the product
    {"kind": "circle", "circle": "<id>"}                          an active member of the circle
    {"kind": "active", "days": n, "messages": k}                  ≥ k messages in the store's
                                                                  circles over the last n days
    {"kind": "referred"}                                          bound to a promoter of the
                                                                  store, or bought through a
                                                                  sharer's link (attribution)
    {"kind": "promoter"}                                          a promoter of the store now
    {"kind": "lifecycle", "stage": "new" | "active" | "sleeping"} (the store's day thresholds)

`refresh(store, user_ids)` recomputes every rule tag of those customers in a few queries for
all of them at once (the facts are gathered in bulk, then each rule is a test on them), so an
event refreshes one customer cheaply and the nightly sweep walks the store in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.catalog.models import Category, Product
from quanzi.circles.models import Circle, Membership, MemberState, Message
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.text import check_text
from quanzi.customers.errors import CustomerCode
from quanzi.customers.models import CustomerSettings, CustomerTag, Tag, TagKind
from quanzi.customers.services import population
from quanzi.orders.models import OrderItem, OrderStatus
from quanzi.referrals.models import (
    Attribution,
    Binding,
    DistributionConfig,
    Promoter,
    PromoterRule,
    PromoterStatus,
)
from quanzi.stores.models import Store

OPS = ("gte", "lte")
STAGES = ("new", "active", "sleeping")
MAX_VALUE = 10**12
MAX_DAYS = 3650
FIELDS: dict[str, tuple[str, ...]] = {
    "spend": ("op", "value"),
    "orders": ("op", "value"),
    "days_since_order": ("op", "value"),
    "category": ("category",),
    "product": ("product",),
    "circle": ("circle",),
    "active": ("days", "messages"),
    "referred": (),
    "promoter": (),
    "lifecycle": ("stage",),
}
TIME_BASED = ("days_since_order", "active", "lifecycle")


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code=CustomerCode.BAD_RULE, field="rule")


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_rule(store: Store, rule: Any) -> dict[str, Any]:
    """The rule, checked: 400 for a malformed one, 404 for an object not the store's."""
    check_text(rule)
    if not isinstance(rule, dict):
        raise _bad(_("A rule is an object with a kind."))
    kind = rule.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise _bad(_("Unknown rule: %(kind)s.") % {"kind": str(kind)[:30]})
    if set(rule) != {"kind", *FIELDS[kind]}:
        raise _bad(
            _("The rule %(kind)s takes exactly: %(fields)s.")
            % {"kind": kind, "fields": ", ".join(sorted({"kind", *FIELDS[kind]}))}
        )
    if "op" in rule:
        if rule["op"] not in OPS:
            raise _bad(_("Compare with gte (at least) or lte (at most)."))
        high = MAX_DAYS if kind == "days_since_order" else MAX_VALUE
        if not _whole(rule["value"], 0, high):
            raise _bad(_("The value is a whole number."))
    if kind == "active" and not (
        _whole(rule["days"], 1, MAX_DAYS) and _whole(rule["messages"], 1, 100000)
    ):
        raise _bad(_("Active: at least 1 message over 1 to 3650 days."))
    if kind == "lifecycle" and rule["stage"] not in STAGES:
        raise _bad(_("The stage is new, active or sleeping."))
    for name, qs in (
        ("category", Category.objects.all()),
        ("product", Product.objects.filter(store=store)),
        ("circle", Circle.objects.filter(store=store)),
    ):
        if kind == name:
            value = rule[name]
            if not is_public_id(value) or not qs.filter(pk=value).exists():
                raise NotFound(_("Not found: the rule's %(what)s.") % {"what": name})
    return rule


@dataclass
class Facts:
    spend: int = 0
    orders: int = 0
    first_paid: datetime | None = None
    last_paid: datetime | None = None
    products: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    circles: set[str] = field(default_factory=set)
    messages: dict[int, int] = field(default_factory=dict)  # days → messages in them
    referred: bool = False
    promoter: bool = False


def settings_of(store: Store) -> CustomerSettings:
    found, _created = CustomerSettings.objects.get_or_create(store=store)
    return found


def gather(
    store: Store, user_ids: Iterable[int], rules: list[dict[str, Any]], now: datetime
) -> dict[int, Facts]:
    """What the rules need to know of these customers, in one query per kind of fact."""
    ids = list(user_ids)
    facts: dict[int, Facts] = defaultdict(Facts)
    kinds = {r["kind"] for r in rules}
    if not ids or not kinds:
        return facts
    paid = population.paid_orders(store).filter(buyer_id__in=ids)
    if kinds & {"spend", "orders", "days_since_order", "lifecycle"}:
        for row in paid.values("buyer_id").annotate(  # one row per buyer
            spend=Sum(F("total") - F("refunded_amount")),
            orders=Count("pk", filter=~Q(status=OrderStatus.REFUNDED)),
            first=Min("paid_at", filter=~Q(status=OrderStatus.REFUNDED)),
            last=Max("paid_at", filter=~Q(status=OrderStatus.REFUNDED)),
        ):
            f = facts[row["buyer_id"]]
            f.spend, f.orders = int(row["spend"] or 0), row["orders"]
            f.first_paid, f.last_paid = row["first"], row["last"]
    if kinds & {"product", "category"}:
        items = OrderItem.objects.filter(
            order__in=paid.exclude(status=OrderStatus.REFUNDED)
        ).values_list("order__buyer_id", "product_id", "product__category_id")
        for buyer, product, category in items.distinct():
            facts[buyer].products.add(product)
            if category:
                facts[buyer].categories.add(category)
    if "circle" in kinds:
        for user_id, circle_id in Membership.objects.filter(
            circle__store=store, state=MemberState.ACTIVE, user_id__in=ids
        ).values_list("user_id", "circle_id"):
            facts[user_id].circles.add(circle_id)
    for days in {r["days"] for r in rules if r["kind"] == "active"}:
        for sender_id, n in (
            Message.objects.filter(
                circle__store=store,
                sender_id__in=ids,
                created_at__gte=now - timedelta(days=days),
                removed_at__isnull=True,
                recalled_at__isnull=True,
            )
            .values("sender_id")
            .annotate(n=Count("pk"))
            .values_list("sender_id", "n")
        ):
            facts[sender_id].messages[days] = n
    if "referred" in kinds:
        bound = Binding.objects.filter(store=store, customer_id__in=ids).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
        for user_id in bound.values_list("customer_id", flat=True):
            facts[user_id].referred = True
        for user_id in Attribution.objects.filter(
            order__store=store, order__buyer_id__in=ids, order__paid_at__isnull=False
        ).values_list("order__buyer_id", flat=True):
            facts[user_id].referred = True
    if "promoter" in kinds:
        for user_id in promoters_among(store, ids):
            facts[user_id].promoter = True
    return facts


def promoters_among(store: Store, ids: list[int]) -> set[int]:
    """Who of `ids` is the store's promoter now, by its programme's rule (as
    `referrals.services.distribution.is_promoter` says, for many at once)."""
    config = DistributionConfig.objects.filter(store=store, enabled=True).first()
    if config is None:
        return set()
    standing = dict(
        Promoter.objects.filter(store=store, user_id__in=ids).values_list("user_id", "status")
    )
    chosen = {u for u, s in standing.items() if s == PromoterStatus.APPROVED}
    revoked = {u for u, s in standing.items() if s == PromoterStatus.REVOKED}
    if config.promoters == PromoterRule.EVERYONE:
        return set(ids) - revoked
    if config.promoters == PromoterRule.SPENDERS:
        spenders = (
            population.paid_orders(store)
            .filter(buyer_id__in=ids, status=OrderStatus.COMPLETED)
            .values("buyer_id")
            .annotate(spend=Sum(F("total") - F("refunded_amount")))
            .filter(spend__gte=config.spend_threshold)
            .values_list("buyer_id", flat=True)
        )
        chosen |= set(spenders) - revoked
    return chosen


def stage_of(f: Facts, settings: CustomerSettings, now: datetime) -> str:
    """new: first paid order within `new_days`; sleeping: no paid order for `sleeping_days`;
    active: any other buyer; "" for someone who never paid an order."""
    if f.first_paid is None or f.last_paid is None:
        return ""
    if now - f.first_paid <= timedelta(days=settings.new_days):
        return "new"
    if now - f.last_paid > timedelta(days=settings.sleeping_days):
        return "sleeping"
    return "active"


def matches(rule: dict[str, Any], f: Facts, settings: CustomerSettings, now: datetime) -> bool:
    kind = rule["kind"]
    if kind in ("spend", "orders", "days_since_order"):
        if kind == "days_since_order":
            if f.last_paid is None:
                return False
            value = (now - f.last_paid).days
        else:
            value = f.spend if kind == "spend" else f.orders
        return bool(value >= rule["value"] if rule["op"] == "gte" else value <= rule["value"])
    if kind == "product":
        return str(rule["product"]) in f.products
    if kind == "category":
        return str(rule["category"]) in f.categories
    if kind == "circle":
        return str(rule["circle"]) in f.circles
    if kind == "active":
        return f.messages.get(rule["days"], 0) >= int(rule["messages"])
    if kind == "referred":
        return f.referred
    if kind == "promoter":
        return f.promoter
    if kind == "lifecycle":
        return bool(stage_of(f, settings, now) == rule["stage"])
    return False


def refresh(
    store: Store,
    user_ids: Iterable[int],
    *,
    tags: list[Tag] | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Recompute the rule tags of these customers (all the store's rule tags, or `tags`);
    answers (added, removed). Someone who is no longer a customer, or chose not to be
    profiled, loses every rule tag."""
    now = now or timezone.now()
    ids = set(user_ids)
    if tags is None:
        tags = list(Tag.objects.filter(store=store, kind=TagKind.RULE))
    if not ids or not tags:
        return 0, 0
    eligible = set(population.customers(store).filter(pk__in=ids).values_list("pk", flat=True))
    settings = settings_of(store)
    facts = gather(store, eligible, [t.rule for t in tags], now)
    want = {
        (tag.pk, uid)
        for tag in tags
        for uid in eligible
        if matches(tag.rule, facts.get(uid) or Facts(), settings, now)
    }
    have = set(
        CustomerTag.objects.filter(tag__in=tags, user_id__in=ids, source=TagKind.RULE).values_list(
            "tag_id", "user_id"
        )
    )
    gone = have - want
    if gone:
        stale = Q()
        for tag_id, uid in gone:
            stale |= Q(tag_id=tag_id, user_id=uid)
        CustomerTag.objects.filter(stale, source=TagKind.RULE).delete()
    new = want - have
    CustomerTag.objects.bulk_create(
        [
            CustomerTag(tag_id=t, user_id=u, store=store, source=TagKind.RULE)
            for t, u in sorted(new)
        ],
        ignore_conflicts=True,
    )
    return len(new), len(gone)


def refresh_store(store: Store, *, tags: list[Tag] | None = None, batch: int = 500) -> int:
    """Every customer of the store (and every current holder of a rule tag), in batches;
    answers how many people were looked at."""
    now = timezone.now()
    holders = CustomerTag.objects.filter(store=store, source=TagKind.RULE).values_list(
        "user_id", flat=True
    )
    everyone = sorted(
        set(population.customers(store, include_opted_out=True).values_list("pk", flat=True))
        | set(holders)
    )
    for start in range(0, len(everyone), batch):
        refresh(store, everyone[start : start + batch], tags=tags, now=now)
    return len(everyone)
