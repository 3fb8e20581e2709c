"""Segments: saved conditions over the store's customers, combined with AND / OR / NOT.

A segment's `definition` is one node, a JSON object with a `kind` and that kind's fields and
nothing else (docs/customers.md lists them):

    groups      {"kind": "and", "of": [node, …]}    every condition (an empty "and": everyone)
                {"kind": "or",  "of": [node, …]}    any condition   (an empty "or": nobody)
                {"kind": "not", "of": node}         not this
    conditions  {"kind": "tag", "tag": "<tag id>"}
                {"kind": "rfm_segment", "segment": "important_value"}  (RfmSegment values)
                {"kind": "rfm_score", "letter": "r" | "f" | "m", "min": 1–5, "max": 1–5}
                {"kind": "circle", "circle": "<circle id>"}         an active member
                {"kind": "product", "product": "<product id>"}      bought it (paid order)
                {"kind": "category", "category": "<category id>"}   bought in it
                {"kind": "spend", "min": fen | null, "max": fen | null}  lifetime spend
                {"kind": "wish", "wish": "<wish id>"}               asked for that wish
                {"kind": "motive", "motive": "gift"}                a text of theirs with it

Validation is strict: an unknown kind or field, a wrong type, more than `MAX_DEPTH` levels of
groups or `MAX_NODES` nodes is a 400 (`bad_segment_definition`); an id that cannot be one of
ours is a 404 without a query, one that is not the store's a 404. At use, a condition whose
object has since been deleted matches nobody.

Members are worked out when asked (never stored): the store's customers
(`population.customers`, opted-out members already left out) filtered by one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Category, Product
from quanzi.circles.models import Circle, Membership, MemberState
from quanzi.core.errors import InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.text import check_text
from quanzi.core.validation import clean_text
from quanzi.customers.errors import CustomerCode
from quanzi.customers.models import CustomerRfm, CustomerTag, RfmSegment, Segment, Tag
from quanzi.customers.services import population
from quanzi.needs.models import TextItem, Wish, WishMention
from quanzi.needs.text.base import Motive
from quanzi.orders.models import OrderItem
from quanzi.stores.models import Store

MAX_DEPTH = 5  # nested groups
MAX_NODES = 60  # groups and conditions in one definition
MAX_SPEND = 10**12  # fen
GROUPS = ("and", "or", "not")
FIELDS: dict[str, tuple[str, ...]] = {
    "and": ("of",),
    "or": ("of",),
    "not": ("of",),
    "tag": ("tag",),
    "rfm_segment": ("segment",),
    "rfm_score": ("letter", "min", "max"),
    "circle": ("circle",),
    "product": ("product",),
    "category": ("category",),
    "spend": ("min", "max"),
    "wish": ("wish",),
    "motive": ("motive",),
}
EVERYONE: dict[str, Any] = {"kind": "and", "of": []}


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code=CustomerCode.BAD_DEFINITION, field="definition")


@dataclass
class _Walk:
    store: Store
    nodes: int = 0


def validate(store: Store, definition: Any) -> dict[str, Any]:
    """The definition, checked (see the module's docstring); raises 400 or 404."""
    check_text(definition)
    walk = _Walk(store)
    _check(walk, definition, 1)
    return definition  # type: ignore[no-any-return]


def _check(walk: _Walk, node: Any, depth: int) -> None:
    walk.nodes += 1
    if walk.nodes > MAX_NODES:
        raise _bad(_("A segment has at most %(n)d conditions and groups.") % {"n": MAX_NODES})
    if not isinstance(node, dict):
        raise _bad(_("Each condition is an object with a kind."))
    kind = node.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise _bad(_("Unknown condition: %(kind)s.") % {"kind": str(kind)[:30]})
    wanted = {"kind", *FIELDS[kind]}
    if set(node) != wanted:
        raise _bad(
            _("The condition %(kind)s takes exactly: %(fields)s.")
            % {"kind": kind, "fields": ", ".join(sorted(wanted))}
        )
    if kind in GROUPS:
        if depth > MAX_DEPTH:
            raise _bad(_("Groups nest at most %(n)d deep.") % {"n": MAX_DEPTH})
        children = node["of"]
        if kind == "not":
            _check(walk, children, depth + 1)
            return
        if not isinstance(children, list):
            raise _bad(_("A group's conditions are a list."))
        for child in children:
            _check(walk, child, depth + 1)
        return
    store = walk.store
    if kind == "tag":
        _exists(Tag.objects.filter(store=store), node["tag"], _("No such tag."))
    elif kind == "circle":
        _exists(Circle.objects.filter(store=store), node["circle"], _("No such circle."))
    elif kind == "product":
        _exists(Product.objects.filter(store=store), node["product"], _("No such product."))
    elif kind == "category":
        _exists(Category.objects.all(), node["category"], _("No such category."))
    elif kind == "wish":
        _exists(Wish.objects.filter(store=store), node["wish"], _("No such wish."))
    elif kind == "rfm_segment":
        if node["segment"] not in RfmSegment.values:
            raise _bad(_("Unknown RFM segment."))
    elif kind == "motive":
        if node["motive"] not in {m.value for m in Motive}:
            raise _bad(_("Unknown motive."))
    elif kind == "rfm_score":
        if node["letter"] not in ("r", "f", "m"):
            raise _bad(_("The RFM letter is r, f or m."))
        low, high = node["min"], node["max"]
        if not (_whole(low, 1, 5) and _whole(high, 1, 5)) or low > high:
            raise _bad(_("RFM scores run from 1 to 5, min ≤ max."))
    elif kind == "spend":
        low, high = node["min"], node["max"]
        if low is None and high is None:
            raise _bad(_("Give a lowest or a highest spend."))
        for value in (low, high):
            if value is not None and not _whole(value, 0, MAX_SPEND):
                raise _bad(_("A spend is a whole number of fen."))
        if low is not None and high is not None and low > high:
            raise _bad(_("The lowest spend is above the highest."))


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _exists(qs: QuerySet[Any], value: Any, message: str) -> None:
    if not is_public_id(value) or not qs.filter(pk=value).exists():
        raise NotFound(message)


# --- Members --------------------------------------------------------------------------------


def matching(store: Store, definition: dict[str, Any]) -> QuerySet[User]:
    """The store's profiled customers that the (validated) definition selects."""
    return population.customers(store).filter(_q(store, definition)).distinct()


def members_of(segment: Segment) -> list[int]:
    """The user pks of the segment's members today (opted-out members never), in pk order."""
    return list(
        matching(segment.store, segment.definition).order_by("pk").values_list("pk", flat=True)
    )


def count_of(segment: Segment) -> int:
    return matching(segment.store, segment.definition).count()


def _q(store: Store, node: dict[str, Any]) -> Q:
    kind = node["kind"]
    if kind == "and":
        q = Q()
        for child in node["of"]:
            q &= _q(store, child)
        return q
    if kind == "or":
        if not node["of"]:
            return Q(pk__in=[])
        q = Q()
        for child in node["of"]:
            q |= _q(store, child)
        return q
    if kind == "not":
        return ~_q(store, node["of"])
    return Q(pk__in=_users(store, node))


def _users(store: Store, node: dict[str, Any]) -> QuerySet[Any]:
    """The user ids one condition selects, as a subquery."""
    kind = node["kind"]
    if kind == "tag":
        return CustomerTag.objects.filter(store=store, tag_id=node["tag"]).values("user_id")
    if kind == "rfm_segment":
        return CustomerRfm.objects.filter(store=store, segment=node["segment"]).values("user_id")
    if kind == "rfm_score":
        letter = node["letter"]
        return CustomerRfm.objects.filter(
            store=store, **{f"{letter}__gte": node["min"], f"{letter}__lte": node["max"]}
        ).values("user_id")
    if kind == "circle":
        return Membership.objects.filter(
            circle_id=node["circle"], circle__store=store, state=MemberState.ACTIVE
        ).values("user_id")
    if kind == "product":
        return _bought(store).filter(product_id=node["product"]).values("order__buyer_id")
    if kind == "category":
        return (
            _bought(store).filter(product__category_id=node["category"]).values("order__buyer_id")
        )
    if kind == "spend":
        spend = (
            population.paid_orders(store)
            .values("buyer_id")
            .annotate(spend=Sum(F("total") - F("refunded_amount")))
        )
        if node["min"] is not None:
            spend = spend.filter(spend__gte=node["min"])
        if node["max"] is not None:
            spend = spend.filter(spend__lte=node["max"])
        return spend.values("buyer_id")
    if kind == "wish":
        return WishMention.objects.filter(wish_id=node["wish"], wish__store=store).values("user_id")
    if kind == "motive":
        return TextItem.objects.filter(
            store=store, motives__icontains=f'"{node["motive"]}"'
        ).values("author_id")
    raise _bad(_("Unknown condition: %(kind)s.") % {"kind": kind})


def _bought(store: Store) -> QuerySet[OrderItem]:
    return OrderItem.objects.filter(
        order__in=population.paid_orders(store).exclude(status="refunded")
    )


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentFields:
    name: str | None = None
    definition: Any = None


def _name(value: str | None) -> str:
    return clean_text(value or "", field="name", max_length=40, required=True)


def create_segment(store: Store, user: User | None, fields: SegmentFields) -> Segment:
    name = _name(fields.name)
    definition = validate(store, fields.definition if fields.definition is not None else EVERYONE)
    return Segment.objects.create(store=store, name=name, definition=definition, created_by=user)


def change_segment(segment: Segment, fields: SegmentFields) -> Segment:
    if fields.name is not None:
        segment.name = _name(fields.name)
    if fields.definition is not None:
        segment.definition = validate(segment.store, fields.definition)
    segment.save()
    return segment


def delete_segment(segment: Segment) -> None:
    segment.delete()


def segment_of(store: Store, segment_id: str) -> Segment:
    """The store's segment, or 404 (a forged id without a query)."""
    segment = (
        Segment.objects.filter(store=store, pk=segment_id).select_related("store").first()
        if is_public_id(segment_id)
        else None
    )
    if segment is None:
        raise NotFound(_("No such segment."), code=CustomerCode.SEGMENT_NOT_FOUND)
    return segment
