"""The 360° profile of one customer, as the store sees them (need="customers"): orders and
spend, tags and RFM, circles and activity, wishes, motives and the sentiment trend of what
they wrote in the store's community, who brought them (their binding to a promoter and the
share chain of their attributed orders) and whom they brought.

Only the store's own rows are read: its orders, its circles' memberships and messages, the
needs items of its community (never private messages, never other stores' circles). A member
who chose not to be profiled has no profile: `profile` raises `customer_not_profiled`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.circles.models import Membership, Message
from quanzi.core.errors import NotFound, PermissionDenied
from quanzi.core.ids import is_public_id
from quanzi.customers.errors import CustomerCode
from quanzi.customers.models import CustomerRfm, CustomerTag
from quanzi.customers.services import population, tags
from quanzi.needs.models import TextItem, WishMention
from quanzi.needs.text.base import MOTIVE_LABELS, Motive
from quanzi.orders.models import Order, OrderStatus
from quanzi.referrals.models import Attribution, Binding, ShareLink
from quanzi.stores.models import Store

MAX_CHAIN = 20  # hops followed up a share chain
RECENT_ORDERS = 20
ACTIVE_DAYS = 30


def customer_of(store: Store, public_id: Any, *, profiled_only: bool = True) -> User:
    """The store's customer by public id: 404 for anyone else (a forged id without a query);
    `customer_not_profiled` (403) for a member who chose not to be profiled."""
    if not is_public_id(public_id):
        raise NotFound(_("No such customer."), code=CustomerCode.CUSTOMER_NOT_FOUND)
    user = User.objects.filter(public_id=public_id).first()
    if user is None or not population.is_customer(store, user.pk):
        raise NotFound(_("No such customer."), code=CustomerCode.CUSTOMER_NOT_FOUND)
    if profiled_only and not population.is_profiled(user.pk):
        raise PermissionDenied(
            _("This member chose not to be profiled."), code=CustomerCode.NOT_PROFILED
        )
    return user


@dataclass
class ChainLink:
    sharer: User
    code: str


@dataclass
class Profile:
    user: User
    name: str
    spend: int
    order_count: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    orders: list[Order]
    tags: list[CustomerTag]
    rfm: CustomerRfm | None
    memberships: list[Membership]
    messages_recent: int
    last_message_at: datetime | None
    wishes: list[dict[str, Any]]
    motives: list[dict[str, Any]]
    sentiment: list[dict[str, Any]]
    promoter: User | None
    bound_since: datetime | None
    chains: list[dict[str, Any]] = field(default_factory=list)
    brought: list[dict[str, Any]] = field(default_factory=list)
    brought_orders: int = 0
    brought_gmv: int = 0


def profile(store: Store, user: User) -> Profile:
    now = timezone.now()
    paid = population.paid_orders(store).filter(buyer=user)
    totals = paid.aggregate(
        spend=Sum(F("total") - F("refunded_amount")),
        orders=Count("pk", filter=~Q(status=OrderStatus.REFUNDED)),
        last=Max("paid_at"),
    )
    first = paid.order_by("paid_at").values_list("paid_at", flat=True).first()
    memberships = list(
        Membership.objects.filter(circle__store=store, user=user)
        .select_related("circle")
        .order_by("-joined_at")
    )
    messages = Message.objects.filter(circle__store=store, sender=user, removed_at__isnull=True)
    binding = (
        Binding.objects.filter(store=store, customer=user)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("promoter")
        .first()
    )
    return Profile(
        user=user,
        name=population.display_name(user),
        spend=int(totals["spend"] or 0),
        order_count=int(totals["orders"] or 0),
        first_order_at=first,
        last_order_at=totals["last"],
        orders=list(paid.order_by("-paid_at")[:RECENT_ORDERS]),
        tags=tags.tags_of(store, user.pk),
        rfm=CustomerRfm.objects.filter(store=store, user=user).first(),
        memberships=memberships,
        messages_recent=messages.filter(created_at__gte=now - timedelta(days=ACTIVE_DAYS)).count(),
        last_message_at=messages.aggregate(last=Max("created_at"))["last"],
        wishes=_wishes(store, user),
        motives=_motives(store, user),
        sentiment=_sentiment(store, user),
        promoter=binding.promoter if binding else None,
        bound_since=binding.created_at if binding else None,
        chains=_chains(store, user),
        **_brought(store, user),
    )


def _wishes(store: Store, user: User) -> list[dict[str, Any]]:
    rows = (
        WishMention.objects.filter(wish__store=store, user=user)
        .values("wish_id", "wish__label")
        .annotate(times=Count("pk"), last=Max("written_at"))
        .order_by("-times", "-last")[:20]
    )
    out = []
    for row in rows:
        quote = (
            WishMention.objects.filter(wish_id=row["wish_id"], user=user)
            .order_by("-written_at")
            .values_list("item__text", flat=True)
            .first()
        )
        out.append(
            {
                "id": row["wish_id"],
                "label": row["wish__label"],
                "times": row["times"],
                "last": row["last"],
                "quote": (quote or "")[:120],
            }
        )
    return out


def _motives(store: Store, user: User) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for motives in TextItem.objects.filter(store=store, author=user).values_list(
        "motives", flat=True
    )[:2000]:
        for motive in motives or []:
            counts[str(motive)] += 1
    known = {m.value: m for m in Motive}
    return [
        {"motive": key, "label": MOTIVE_LABELS[known[key]], "count": n}
        for key, n in counts.most_common()
        if key in known
    ]


def _sentiment(store: Store, user: User) -> list[dict[str, Any]]:
    """Per month of the last year: the texts analysed and their mean sentiment score."""
    since = timezone.now() - timedelta(days=365)
    rows = (
        TextItem.objects.filter(
            store=store, author=user, written_at__gte=since, analysed_at__isnull=False
        )
        .annotate(month=TruncMonth("written_at"))
        .values("month")
        .annotate(
            texts=Count("pk"),
            positive=Count("pk", filter=Q(sentiment="positive")),
            negative=Count("pk", filter=Q(sentiment="negative")),
            score=Sum("sentiment_score"),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m") if row["month"] else "",
            "texts": row["texts"],
            "positive": row["positive"],
            "negative": row["negative"],
            "score": round(float(row["score"] or 0) / row["texts"], 3) if row["texts"] else 0.0,
        }
        for row in rows
    ]


def _chains(store: Store, user: User) -> list[dict[str, Any]]:
    """The share chains of their attributed orders (latest 5): the sharers from the first
    share down to the link they bought through."""
    out = []
    for attribution in (
        Attribution.objects.filter(order__store=store, order__buyer=user)
        .select_related("link", "order")
        .order_by("-created_at")[:5]
    ):
        chain: list[ShareLink] = []
        link: ShareLink | None = attribution.link
        seen: set[str] = set()
        while link is not None and link.pk not in seen and len(chain) < MAX_CHAIN:
            seen.add(link.pk)
            chain.append(link)
            link = (
                ShareLink.objects.select_related("sharer").filter(pk=link.parent_id).first()
                if link.parent_id
                else None
            )
        chain.reverse()
        sharers = User.objects.in_bulk([c.sharer_id for c in chain])
        out.append(
            {
                "order": attribution.order,
                "root_code": chain[0].code if chain else "",
                "links": [
                    {"code": c.code, "sharer": population.display_name(sharers[c.sharer_id])}
                    for c in chain
                    if c.sharer_id in sharers
                ],
            }
        )
    return out


def _brought(store: Store, user: User) -> dict[str, Any]:
    now = timezone.now()
    bound = list(
        Binding.objects.filter(store=store, promoter=user)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("customer")
        .order_by("-created_at")[:50]
    )
    attributed = Attribution.objects.filter(
        order__store=store, sharer=user, order__paid_at__isnull=False
    ).exclude(order__status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
    gmv = attributed.aggregate(g=Sum(F("order__total") - F("order__refunded_amount")))["g"]
    # a link only to those the store has a profile of: profiled customers of the store
    shown = set(
        population.customers(store)
        .filter(pk__in=[b.customer_id for b in bound])
        .values_list("pk", flat=True)
    )
    hidden = set(
        population.opted_out()
        .filter(user_id__in=[b.customer_id for b in bound])
        .values_list("user_id", flat=True)
    )
    return {
        "brought": [
            {
                "user": b.customer,
                "name": population.display_name(b.customer),
                "since": b.created_at,
                "profiled": b.customer_id not in hidden,
                "linked": b.customer_id in shown,
            }
            for b in bound
        ],
        "brought_orders": attributed.count(),
        "brought_gmv": int(gmv or 0),
    }
