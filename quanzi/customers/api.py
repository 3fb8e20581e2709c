"""The customers API (/api/v1/customers/{store}/…): customers and their 360° profile, tag
groups, tags (manual and rule), putting tags on customers, RFM settings and segment sizes,
segments and their preview. Everything names individual members, so every operation needs
the customers right (`access_store(need="customers")`): the owner, and staff the owner let
see the customers; others get 403 (the store's public page is no secret) or 404; money in fen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.accounts.models import User
from quanzi.core.pagination import paginate
from quanzi.core.schemas import Schema
from quanzi.customers.models import CustomerRfm, CustomerTag, Segment, Tag, TagGroup
from quanzi.customers.services import population, profiles, rfm, rules, segments, tags
from quanzi.stores.models import Store
from quanzi.stores.services import access_store

router = Router()
SAMPLE = 10


def _store(request: HttpRequest, store_id: str) -> Store:
    return access_store(current_user(request), store_id, need="customers")


# --- Schemas ------------------------------------------------------------------------------


class CustomerBriefOut(Schema):
    id: str = Field(description="the person's public id")
    name: str


class CustomerTagGroupOut(Schema):
    id: str
    name: str
    position: int


class CustomerTagOut(Schema):
    id: str
    name: str
    kind: str = Field(description="manual or rule")
    group_id: str | None
    rule: dict[str, Any] | None = Field(description="the rule of a rule tag (docs/customers.md)")
    customers: int = Field(default=0, description="customers carrying it")


class CustomerRfmOut(Schema):
    recency_days: int
    frequency: int
    monetary: int = Field(description="fen")
    r: int
    f: int
    m: int
    segment: str
    computed_at: datetime


class CustomerOut(Schema):
    id: str = Field(description="the person's public id")
    name: str
    phone: str | None
    tags: list[str] = Field(description="tag ids")
    rfm: CustomerRfmOut | None


class CustomerListOut(Schema):
    count: int
    page: int
    pages: int
    customers: list[CustomerOut]


class CustomerListQuery(Schema):
    q: str = Field(default="", max_length=40, description="name or phone")
    tag: str = Field(default="", max_length=16, description="a tag id")
    segment: str = Field(default="", max_length=20, description="an RFM segment")
    page: int = Field(default=1, ge=1, le=100000)
    page_size: int = Field(default=20, ge=1, le=50)


class CustomerOrderOut(Schema):
    id: str
    number: str
    status: str
    total: int = Field(description="fen")
    refunded: int = Field(description="fen")
    paid_at: datetime | None


class CustomerCircleOut(Schema):
    id: str
    name: str
    state: str
    joined_at: datetime


class CustomerWishOut(Schema):
    id: str
    label: str
    times: int
    last: datetime | None
    quote: str


class CustomerMotiveOut(Schema):
    motive: str
    label: str
    count: int


class CustomerSentimentOut(Schema):
    month: str
    texts: int
    positive: int
    negative: int
    score: float = Field(description="mean sentiment score of the month's texts")


class CustomerChainOut(Schema):
    order_id: str
    order_number: str
    sharers: list[str] = Field(description="from the first share down to the buyer's link")


class CustomerBroughtOut(Schema):
    id: str | None = Field(description="null when that member chose not to be profiled")
    name: str
    since: datetime


class CustomerProfileOut(Schema):
    id: str
    name: str
    phone: str | None
    spend: int = Field(description="fen, net of refunds")
    orders_count: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    orders: list[CustomerOrderOut]
    tags: list[CustomerTagOut]
    rfm: CustomerRfmOut | None
    circles: list[CustomerCircleOut]
    messages_last_30_days: int
    last_message_at: datetime | None
    wishes: list[CustomerWishOut]
    motives: list[CustomerMotiveOut]
    sentiment: list[CustomerSentimentOut]
    promoter: CustomerBriefOut | None = Field(description="the promoter they are bound to")
    share_chains: list[CustomerChainOut]
    brought: list[CustomerBroughtOut]
    brought_orders: int
    brought_gmv: int = Field(description="fen")


class CustomerTagGroupIn(Schema):
    name: str = Field(max_length=40)


class CustomerTagIn(Schema):
    name: str = Field(max_length=40)
    group_id: str | None = None
    rule: dict[str, Any] | None = Field(default=None, description="given: a rule tag")


class CustomerTagChangeIn(Schema):
    name: str | None = Field(default=None, max_length=40)
    group_id: str | None = None
    rule: dict[str, Any] | None = None


class CustomerTagAssignIn(Schema):
    customers: list[str] = Field(max_length=tags.MAX_BULK, description="public ids")


class CustomerTagAssignOut(Schema):
    changed: int


class CustomerRfmSettingsIn(Schema):
    window_days: int | None = Field(default=None, ge=7, le=3650)
    recency_breaks: list[int] | None = Field(default=None, description="[] for quintiles")
    frequency_breaks: list[int] | None = None
    monetary_breaks: list[int] | None = Field(default=None, description="fen")
    new_days: int | None = Field(default=None, ge=1, le=3650)
    sleeping_days: int | None = Field(default=None, ge=1, le=3650)


class CustomerRfmSizeOut(Schema):
    segment: str
    label: str
    customers: int
    spend: int = Field(description="fen")


class CustomerRfmSettingsOut(Schema):
    window_days: int
    recency_breaks: list[int]
    frequency_breaks: list[int]
    monetary_breaks: list[int]
    new_days: int
    sleeping_days: int
    computed_at: datetime | None
    sizes: list[CustomerRfmSizeOut]


class SegmentIn(Schema):
    name: str = Field(max_length=80)
    definition: dict[str, Any] = Field(description="docs/customers.md")


class SegmentChangeIn(Schema):
    name: str | None = Field(default=None, max_length=80)
    definition: dict[str, Any] | None = None


class SegmentOut(Schema):
    id: str
    name: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    size: int


class SegmentPreviewIn(Schema):
    definition: dict[str, Any]


class SegmentPreviewOut(Schema):
    size: int
    sample: list[CustomerBriefOut]


# --- Outputs -----------------------------------------------------------------------------


def _rfm_out(row: CustomerRfm | None) -> CustomerRfmOut | None:
    if row is None:
        return None
    return CustomerRfmOut(
        recency_days=row.recency_days,
        frequency=row.frequency,
        monetary=row.monetary,
        r=row.r,
        f=row.f,
        m=row.m,
        segment=row.segment,
        computed_at=row.computed_at,
    )


def _tag_out(tag: Tag, customers: int = 0) -> CustomerTagOut:
    return CustomerTagOut(
        id=tag.pk,
        name=tag.name,
        kind=tag.kind,
        group_id=tag.group_id,
        rule=tag.rule or None,
        customers=customers,
    )


def _group_out(group: TagGroup) -> CustomerTagGroupOut:
    return CustomerTagGroupOut(id=group.pk, name=group.name, position=group.position)


def _brief(user: User) -> CustomerBriefOut:
    return CustomerBriefOut(id=user.public_id, name=population.display_name(user))


def _segment_out(segment: Segment) -> SegmentOut:
    return SegmentOut(
        id=segment.pk,
        name=segment.name,
        definition=segment.definition,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
        size=segments.count_of(segment),
    )


def _preview(store: Store, definition: dict[str, Any]) -> SegmentPreviewOut:
    found = segments.matching(store, definition)
    return SegmentPreviewOut(
        size=found.count(), sample=[_brief(u) for u in found.order_by("-pk")[:SAMPLE]]
    )


# --- Customers ------------------------------------------------------------------------------


@router.get("/{store_id}/customers", auth=AUTH, response=CustomerListOut)
def list_customers(
    request: HttpRequest, store_id: str, query: Query[CustomerListQuery]
) -> CustomerListOut:
    """The store's customers (a paid order or an active circle membership; members who chose
    not to be profiled are never listed), most recent buyers first."""
    store = _store(request, store_id)
    page = paginate(
        population.search(store, q=query.q, tag_id=query.tag, segment=query.segment),
        query.page,
        query.page_size,
    )
    ids = [u.pk for u in page.items]
    held: dict[int, list[str]] = {}
    for user_id, tag_id in CustomerTag.objects.filter(store=store, user_id__in=ids).values_list(
        "user_id", "tag_id"
    ):
        held.setdefault(user_id, []).append(tag_id)
    scores = {r.user_id: r for r in CustomerRfm.objects.filter(store=store, user_id__in=ids)}
    return CustomerListOut(
        count=page.count,
        page=page.number,
        pages=page.pages,
        customers=[
            CustomerOut(
                id=u.public_id,
                name=population.display_name(u),
                phone=u.phone,
                tags=held.get(u.pk, []),
                rfm=_rfm_out(scores.get(u.pk)),
            )
            for u in page.items
        ],
    )


@router.get("/{store_id}/customers/{customer_id}", auth=AUTH, response=CustomerProfileOut)
def get_customer(request: HttpRequest, store_id: str, customer_id: str) -> CustomerProfileOut:
    """The customer's 360° profile. 404 for anyone who is not the store's customer; 403
    `customer_not_profiled` for a member who chose not to be profiled."""
    store = _store(request, store_id)
    p = profiles.profile(store, profiles.customer_of(store, customer_id))
    return CustomerProfileOut(
        id=p.user.public_id,
        name=p.name,
        phone=p.user.phone,
        spend=p.spend,
        orders_count=p.order_count,
        first_order_at=p.first_order_at,
        last_order_at=p.last_order_at,
        orders=[
            CustomerOrderOut(
                id=o.pk,
                number=o.number,
                status=o.status,
                total=o.total,
                refunded=o.refunded_amount,
                paid_at=o.paid_at,
            )
            for o in p.orders
        ],
        tags=[_tag_out(ct.tag) for ct in p.tags],
        rfm=_rfm_out(p.rfm),
        circles=[
            CustomerCircleOut(
                id=m.circle_id, name=m.circle.name, state=m.state, joined_at=m.joined_at
            )
            for m in p.memberships
        ],
        messages_last_30_days=p.messages_recent,
        last_message_at=p.last_message_at,
        wishes=[CustomerWishOut(**w) for w in p.wishes],
        motives=[CustomerMotiveOut(**{**m, "label": str(m["label"])}) for m in p.motives],
        sentiment=[CustomerSentimentOut(**s) for s in p.sentiment],
        promoter=_brief(p.promoter) if p.promoter else None,
        share_chains=[
            CustomerChainOut(
                order_id=c["order"].pk,
                order_number=c["order"].number,
                sharers=[link["sharer"] for link in c["links"]],
            )
            for c in p.chains
        ],
        brought=[
            CustomerBroughtOut(
                id=b["user"].public_id if b["profiled"] else None, name=b["name"], since=b["since"]
            )
            for b in p.brought
        ],
        brought_orders=p.brought_orders,
        brought_gmv=p.brought_gmv,
    )


# --- Tag groups and tags --------------------------------------------------------------------


@router.get("/{store_id}/tag-groups", auth=AUTH, response=list[CustomerTagGroupOut])
def list_groups(request: HttpRequest, store_id: str) -> list[CustomerTagGroupOut]:
    store = _store(request, store_id)
    return [_group_out(g) for g in TagGroup.objects.filter(store=store)]


@router.post("/{store_id}/tag-groups", auth=AUTH, response={201: CustomerTagGroupOut})
def create_group(
    request: HttpRequest, store_id: str, data: CustomerTagGroupIn
) -> Status[CustomerTagGroupOut]:
    store = _store(request, store_id)
    return Status(201, _group_out(tags.create_group(store, data.name)))


@router.patch("/{store_id}/tag-groups/{group_id}", auth=AUTH, response=CustomerTagGroupOut)
def rename_group(
    request: HttpRequest, store_id: str, group_id: str, data: CustomerTagGroupIn
) -> CustomerTagGroupOut:
    store = _store(request, store_id)
    return _group_out(tags.rename_group(tags.group_of(store, group_id), data.name))


@router.delete("/{store_id}/tag-groups/{group_id}", auth=AUTH, response={204: None})
def delete_group(request: HttpRequest, store_id: str, group_id: str) -> Status[None]:
    """The group goes; its tags stay, without a group."""
    store = _store(request, store_id)
    tags.delete_group(tags.group_of(store, group_id))
    return Status(204, None)


def _counted_tags(store: Store, only_rules: bool = False) -> list[CustomerTagOut]:
    qs = Tag.objects.filter(store=store).annotate(n=Count("holders"))
    if only_rules:
        qs = qs.filter(kind="rule")
    return [_tag_out(t, t.n) for t in qs]  # type: ignore[attr-defined]


@router.get("/{store_id}/tags", auth=AUTH, response=list[CustomerTagOut])
def list_tags(request: HttpRequest, store_id: str) -> list[CustomerTagOut]:
    return _counted_tags(_store(request, store_id))


@router.get("/{store_id}/rules", auth=AUTH, response=list[CustomerTagOut])
def list_rules(request: HttpRequest, store_id: str) -> list[CustomerTagOut]:
    """The rule tags only, each with its rule and how many customers it holds."""
    return _counted_tags(_store(request, store_id), only_rules=True)


@router.post("/{store_id}/tags", auth=AUTH, response={201: CustomerTagOut})
def create_tag(request: HttpRequest, store_id: str, data: CustomerTagIn) -> Status[CustomerTagOut]:
    """A manual tag, or a rule tag when `rule` is given (put on the matching customers at
    once)."""
    store = _store(request, store_id)
    tag = tags.create_tag(
        store, tags.TagFields(name=data.name, group=data.group_id, rule=data.rule)
    )
    return Status(201, _tag_out(tag, tag.holders.count()))


@router.patch("/{store_id}/tags/{tag_id}", auth=AUTH, response=CustomerTagOut)
def change_tag(
    request: HttpRequest, store_id: str, tag_id: str, data: CustomerTagChangeIn
) -> CustomerTagOut:
    """Rename, regroup (`group_id` null: no group) or change a rule tag's rule."""
    store = _store(request, store_id)
    sent = data.model_dump(exclude_unset=True)
    tag = tags.change_tag(
        tags.tag_of(store, tag_id),
        tags.TagFields(
            name=sent.get("name"),
            group=sent.get("group_id", tags.UNSET),
            rule=sent.get("rule"),
        ),
    )
    return _tag_out(tag, tag.holders.count())


@router.delete("/{store_id}/tags/{tag_id}", auth=AUTH, response={204: None})
def delete_tag(request: HttpRequest, store_id: str, tag_id: str) -> Status[None]:
    store = _store(request, store_id)
    tags.delete_tag(tags.tag_of(store, tag_id))
    return Status(204, None)


@router.post("/{store_id}/tags/{tag_id}/assign", auth=AUTH, response=CustomerTagAssignOut)
def assign_tag(
    request: HttpRequest, store_id: str, tag_id: str, data: CustomerTagAssignIn
) -> CustomerTagAssignOut:
    """Put a manual tag on customers (at most 1000); a rule tag answers 409 `tag_is_rule`."""
    store = _store(request, store_id)
    tag = tags.tag_of(store, tag_id)
    people = tags.customers_by_public_id(store, data.customers)
    return CustomerTagAssignOut(changed=tags.add_tag(tag, people))


@router.post("/{store_id}/tags/{tag_id}/unassign", auth=AUTH, response=CustomerTagAssignOut)
def unassign_tag(
    request: HttpRequest, store_id: str, tag_id: str, data: CustomerTagAssignIn
) -> CustomerTagAssignOut:
    store = _store(request, store_id)
    tag = tags.tag_of(store, tag_id)
    people = tags.customers_by_public_id(store, data.customers)
    return CustomerTagAssignOut(changed=tags.remove_tag(tag, people))


# --- RFM --------------------------------------------------------------------------------------


def _rfm_settings_out(store: Store) -> CustomerRfmSettingsOut:
    s = rules.settings_of(store)
    return CustomerRfmSettingsOut(
        window_days=s.rfm_window_days,
        recency_breaks=s.recency_breaks,
        frequency_breaks=s.frequency_breaks,
        monetary_breaks=s.monetary_breaks,
        new_days=s.new_days,
        sleeping_days=s.sleeping_days,
        computed_at=s.rfm_computed_at,
        sizes=[
            CustomerRfmSizeOut(**{**row, "label": str(row["label"])}) for row in rfm.sizes(store)
        ],
    )


@router.get("/{store_id}/rfm", auth=AUTH, response=CustomerRfmSettingsOut)
def get_rfm(request: HttpRequest, store_id: str) -> CustomerRfmSettingsOut:
    """The RFM settings (empty breaks: quintiles) and the eight segments' sizes."""
    return _rfm_settings_out(_store(request, store_id))


@router.put("/{store_id}/rfm", auth=AUTH, response=CustomerRfmSettingsOut)
def change_rfm(
    request: HttpRequest, store_id: str, data: CustomerRfmSettingsIn
) -> CustomerRfmSettingsOut:
    """Change the window, breaks (four ascending numbers, [] for quintiles) or lifecycle
    thresholds; the scores are computed again at once."""
    store = _store(request, store_id)
    rfm.change_settings(store, **data.model_dump(exclude_unset=True))
    return _rfm_settings_out(store)


@router.post("/{store_id}/rfm/compute", auth=AUTH, response=CustomerRfmSettingsOut)
def compute_rfm(request: HttpRequest, store_id: str) -> CustomerRfmSettingsOut:
    store = _store(request, store_id)
    rfm.compute(store)
    return _rfm_settings_out(store)


# --- Segments -------------------------------------------------------------------------------


@router.get("/{store_id}/segments", auth=AUTH, response=list[SegmentOut])
def list_segments(request: HttpRequest, store_id: str) -> list[SegmentOut]:
    store = _store(request, store_id)
    return [_segment_out(s) for s in Segment.objects.filter(store=store)[:200]]


@router.post("/{store_id}/segments", auth=AUTH, response={201: SegmentOut})
def create_segment(request: HttpRequest, store_id: str, data: SegmentIn) -> Status[SegmentOut]:
    """A segment from its definition (checked strictly: 400 for a malformed one, 404 for an
    object that is not the store's)."""
    store = _store(request, store_id)
    segment = segments.create_segment(
        store,
        current_user(request),
        segments.SegmentFields(name=data.name, definition=data.definition),
    )
    return Status(201, _segment_out(segment))


@router.post("/{store_id}/segments/preview", auth=AUTH, response=SegmentPreviewOut)
def preview_segment(
    request: HttpRequest, store_id: str, data: SegmentPreviewIn
) -> SegmentPreviewOut:
    """The size and a sample of the members a definition selects, without saving it."""
    store = _store(request, store_id)
    return _preview(store, segments.validate(store, data.definition))


@router.get("/{store_id}/segments/{segment_id}", auth=AUTH, response=SegmentOut)
def get_segment(request: HttpRequest, store_id: str, segment_id: str) -> SegmentOut:
    return _segment_out(segments.segment_of(_store(request, store_id), segment_id))


@router.get("/{store_id}/segments/{segment_id}/members", auth=AUTH, response=SegmentPreviewOut)
def segment_members(request: HttpRequest, store_id: str, segment_id: str) -> SegmentPreviewOut:
    store = _store(request, store_id)
    segment = segments.segment_of(store, segment_id)
    return _preview(store, segment.definition)


@router.patch("/{store_id}/segments/{segment_id}", auth=AUTH, response=SegmentOut)
def change_segment(
    request: HttpRequest, store_id: str, segment_id: str, data: SegmentChangeIn
) -> SegmentOut:
    store = _store(request, store_id)
    segment = segments.change_segment(
        segments.segment_of(store, segment_id),
        segments.SegmentFields(name=data.name, definition=data.definition),
    )
    return _segment_out(segment)


@router.delete("/{store_id}/segments/{segment_id}", auth=AUTH, response={204: None})
def delete_segment(request: HttpRequest, store_id: str, segment_id: str) -> Status[None]:
    store = _store(request, store_id)
    segments.delete_segment(segments.segment_of(store, segment_id))
    return Status(204, None)
