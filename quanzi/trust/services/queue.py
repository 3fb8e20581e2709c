"""What operators read of cases: the queue (by status, highest score first) and one case in full
(members, products, the timeline of its reviews and orders, the signals in words, the history of
actions, the appeals). Operators only: anyone else gets 404. Each read takes a fixed number of
queries whatever the size of the case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.core.errors import InvalidInput
from quanzi.core.pagination import DEFAULT_PAGE_SIZE, Page, paginate
from quanzi.reviews.models import Review
from quanzi.trust.access import operator_case, require_operator
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import (
    AccountMark,
    AccountScore,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CaseAction,
    CaseReview,
    CaseStatus,
    MarkKind,
)
from quanzi.trust.reasons import describe_all
from quanzi.trust.services.cases import ACTION_LABELS, ACTIVE, CaseActionName

ALL = "all"
TIMELINE_LIMIT = 400


def clean_status(status: object) -> str:
    """A queue filter: a case status or "all" (default: open)."""
    value = str(status or CaseStatus.OPEN)
    if value != ALL and value not in CaseStatus.values:
        raise InvalidInput(_("Unknown case status."), code=TrustCode.UNKNOWN_STATUS, field="status")
    return value


def queue(
    operator: object,
    status: object = CaseStatus.OPEN,
    *,
    page: int | None = 1,
    page_size: int | None = DEFAULT_PAGE_SIZE,
) -> Page[Case]:
    """The cases of a status, highest score first, each with `n_members`, `n_products` and
    `n_held` (the reviews it holds now)."""
    require_operator(operator)
    chosen = clean_status(status)
    cases: QuerySet[Case] = Case.objects.all()
    if chosen != ALL:
        cases = cases.filter(status=chosen)
    cases = (
        cases.select_related("store")
        .annotate(
            n_members=Count("members", distinct=True),
            n_products=Count("products", distinct=True),
            n_held=Count("reviews", filter=Q(reviews__held=True), distinct=True),
        )
        .order_by("-score", "-last_seen_at", "-created_at", "pk")
    )
    return paginate(cases, page, page_size)


@dataclass
class Member:
    user: User
    joined: datetime
    age_days: int
    score: int | None
    reasons: list[str]
    mark: AccountMark | None  # the newest: the account's standing
    marks: int  # how many marks it ever had


@dataclass
class ProductRow:
    product: Product
    rating: float | None
    rating_count: int
    in_case: int  # reviews of the product in the case
    held: int  # of which this case holds now


@dataclass
class Moment:
    """One line of the timeline: an order paid or a review written."""

    at: datetime
    kind: str  # "order" or "review"
    user: User
    product: str
    words: str
    review: Review | None = None
    held: bool = False


@dataclass
class HistoryLine:
    action: CaseAction
    label: str
    summary: str


@dataclass
class CaseView:
    case: Case
    signals: list[str]
    members: list[Member]
    products: list[ProductRow]
    timeline: list[Moment]
    history: list[HistoryLine]
    appeals: list[Appeal]
    open_appeals: int
    actions: list[tuple[str, str]] = field(default_factory=list)  # (value, label) allowed now


def _members(case: Case, now: datetime) -> list[Member]:
    users = list(
        User.objects.filter(pk__in=case.members.values("user_id")).order_by("date_joined", "pk")
    )
    ids = [u.pk for u in users]
    scores = {s.user_id: s for s in AccountScore.objects.filter(user_id__in=ids)}
    latest: dict[int, AccountMark] = {}
    counts: dict[int, int] = {}
    for mark in AccountMark.objects.filter(user_id__in=ids).order_by(
        "user_id", "-created_at", "-pk"
    ):
        latest.setdefault(mark.user_id, mark)
        counts[mark.user_id] = counts.get(mark.user_id, 0) + 1
    rows = []
    for user in users:
        score = scores.get(user.pk)
        rows.append(
            Member(
                user=user,
                joined=user.date_joined,
                age_days=max((now - user.date_joined).days, 0),
                score=score.score if score else None,
                reasons=describe_all(score.reasons) if score else [],
                mark=latest.get(user.pk),
                marks=counts.get(user.pk, 0),
            )
        )
    return rows


def _products(case: Case) -> list[ProductRow]:
    products = list(
        Product.objects.filter(pk__in=case.products.values("product_id")).order_by("title", "pk")
    )
    counts: dict[str, tuple[int, int]] = {
        product_id: (n, held)
        for product_id, n, held in CaseReview.objects.filter(case=case)
        .values("review__product_id")
        .annotate(n=Count("pk"), held=Count("pk", filter=Q(held=True)))
        .values_list("review__product_id", "n", "held")
    }
    return [
        ProductRow(
            product=p,
            rating=p.rating,
            rating_count=p.rating_count,
            in_case=counts.get(p.pk, (0, 0))[0],
            held=counts.get(p.pk, (0, 0))[1],
        )
        for p in products
    ]


def _timeline(case: Case) -> list[Moment]:
    rows = list(
        CaseReview.objects.filter(case=case)
        .select_related("review__author", "review__product", "review__order_item__order")
        .order_by("review__created_at", "review_id")[: TIMELINE_LIMIT // 2]
    )
    moments: list[Moment] = []
    for row in rows:
        review = row.review
        order = review.order_item.order
        paid = order.paid_at or order.created_at
        moments.append(
            Moment(
                at=paid,
                kind="order",
                user=review.author,
                product=review.product.title,
                words=gettext("Order %(number)s paid") % {"number": order.number},
            )
        )
        moments.append(
            Moment(
                at=review.created_at,
                kind="review",
                user=review.author,
                product=review.product.title,
                words=ngettext("Reviewed: %(n)d star", "Reviewed: %(n)d stars", review.stars)
                % {"n": review.stars},
                review=review,
                held=row.held,
            )
        )
    moments.sort(key=lambda m: (m.at, m.kind != "order"))
    return moments


def summary(action: CaseAction) -> str:
    """What an action did, in words (from the numbers it recorded)."""
    d = action.detail or {}

    def n(key: str) -> int:
        value = d.get(key, 0)
        return value if isinstance(value, int) else 0

    kind = action.kind
    if kind == ActionKind.HOLD:
        return ngettext("%(n)d review held", "%(n)d reviews held", n("held")) % {"n": n("held")}
    if kind in (ActionKind.RESTORE, ActionKind.APPEAL_UPHELD):
        text = ngettext("%(n)d review restored", "%(n)d reviews restored", n("restored")) % {
            "n": n("restored")
        }
        if n("kept"):
            text += gettext("; %(n)d still held by another case") % {"n": n("kept")}
        return text
    if kind == ActionKind.MARK:
        mark = MarkKind(d["mark"]).label if d.get("mark") in MarkKind.values else ""
        return ngettext(
            "%(n)d account marked %(mark)s", "%(n)d accounts marked %(mark)s", n("accounts")
        ) % {"n": n("accounts"), "mark": mark}
    if kind == ActionKind.UNMARK:
        return ngettext("%(n)d account cleared", "%(n)d accounts cleared", n("accounts")) % {
            "n": n("accounts")
        }
    if kind == ActionKind.SUSPEND:
        count = len(d.get("promoters", []) or [])
        return ngettext(
            "%(n)d promoter's commissions suspended",
            "%(n)d promoters' commissions suspended",
            count,
        ) % {"n": count}
    if kind == ActionKind.UNSUSPEND:
        return ngettext("%(n)d promoter free again", "%(n)d promoters free again", n("freed")) % {
            "n": n("freed")
        }
    if kind == ActionKind.NOTIFY:
        return ngettext("%(n)d person notified", "%(n)d people notified", n("notified")) % {
            "n": n("notified")
        }
    if kind == ActionKind.DISMISS:
        return gettext(
            "%(restored)d reviews restored, %(freed)d promoters free again, "
            "%(cleared)d accounts cleared"
        ) % {"restored": n("restored"), "freed": n("freed"), "cleared": n("cleared")}
    return ""


def allowed_actions(case: Case) -> list[tuple[str, str]]:
    """The actions the case's form offers now: only reopening once it is dismissed."""

    if case.status == CaseStatus.DISMISSED:
        return [(CaseActionName.REOPEN.value, str(ACTION_LABELS[CaseActionName.REOPEN]))]
    return [
        (name.value, str(label))
        for name, label in ACTION_LABELS.items()
        if name != CaseActionName.REOPEN
    ]


def case_view(operator: object, case_id: str) -> CaseView:
    """One case in full, for an operator."""
    case = operator_case(operator, case_id)
    now = timezone.now()
    actions = list(
        CaseAction.objects.filter(case=case).select_related("actor").order_by("created_at", "pk")
    )
    appeals = list(
        Appeal.objects.filter(case=case)
        .select_related("author", "review__product", "store", "decided_by")
        .order_by("-created_at", "-pk")
    )
    return CaseView(
        case=case,
        signals=describe_all(case.reasons),
        members=_members(case, now),
        products=_products(case),
        timeline=_timeline(case),
        history=[
            HistoryLine(action=a, label=str(a.get_kind_display()), summary=summary(a))
            for a in actions
        ],
        appeals=appeals,
        open_appeals=sum(1 for a in appeals if a.status == AppealStatus.OPEN),
        actions=allowed_actions(case),
    )


def is_active(case: Case) -> bool:
    return case.status in ACTIVE
