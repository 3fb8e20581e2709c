"""The trust API of cases and appeals (thin: schema in → service → schema out), under
/api/v1/trust:

- operators (staff accounts; anyone else 404): GET /cases, GET /cases/{id},
  POST /cases/{id}/actions, GET and PATCH /settings, POST /appeals/{id}/decision;
- reviewers: POST /appeals {review_id, text}, GET /appeals/mine;
- a store's owner and staff: POST /appeals {case_id, store_id, text},
  GET /stores/{store_id}/appeals (anyone else 404)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from quanzi.accounts.auth import AUTH, current_user
from quanzi.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from quanzi.core.schemas import Schema
from quanzi.reviews.models import Moderation
from quanzi.trust.access import require_operator
from quanzi.trust.models import Appeal, CaseAction, CaseStatus
from quanzi.trust.services import appeals, cases, queue
from quanzi.trust.services import settings as trust_settings

router = Router()


class TrustCaseRowOut(Schema):
    id: str
    status: str
    score: int
    store_id: str | None = None
    store_name: str | None = None
    members: int
    products: int
    held: int = Field(description="reviews the case holds out of view and rating now")
    first_seen_at: datetime
    last_seen_at: datetime | None = None


class TrustCasePageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[TrustCaseRowOut]


class TrustMemberOut(Schema):
    user_id: str
    name: str
    joined_at: datetime
    age_days: int
    score: int | None = None
    reasons: list[str] = Field(description="the account's signals, in words")
    mark: str | None = Field(None, description="the account's standing: suspected, confirmed…")
    mark_label: str | None = None


class TrustProductOut(Schema):
    id: str
    title: str
    rating: float | None = None
    rating_count: int
    reviews: int = Field(description="reviews of the product in the case")
    held: int = Field(description="of which the case holds now")


class TrustMomentOut(Schema):
    at: datetime
    kind: str = Field(description='"order" (paid) or "review" (written)')
    user_id: str
    user_name: str
    product: str
    words: str
    review_id: str | None = None
    held: bool = False


class TrustActionOut(Schema):
    kind: str
    label: str
    summary: str
    actor_name: str | None = Field(None, description="None: the detector")
    reason: str
    created_at: datetime


class TrustAppealOut(Schema):
    id: str
    case_id: str
    by: str = Field(description='"reviewer" or "store"')
    review_id: str | None = None
    review_under_review: bool | None = None
    store_id: str | None = None
    author_name: str
    text: str
    status: str
    status_label: str
    decision: str
    decided_at: datetime | None = None
    created_at: datetime


class TrustCaseOut(Schema):
    id: str
    status: str
    score: int
    density: float
    store_id: str | None = None
    store_name: str | None = None
    first_seen_at: datetime
    last_seen_at: datetime | None = None
    decided_at: datetime | None = None
    signals: list[str] = Field(description="the case's signals, in words")
    members: list[TrustMemberOut]
    products: list[TrustProductOut]
    timeline: list[TrustMomentOut]
    history: list[TrustActionOut]
    appeals: list[TrustAppealOut]
    actions: list[str] = Field(description="the actions an operator may take now")


class TrustCaseActionIn(Schema):
    action: str = Field(description=", ".join(a.value for a in cases.CaseActionName))
    reason: str


class TrustCaseActionOut(Schema):
    case_id: str
    status: str
    action: TrustActionOut


class TrustSettingsOut(Schema):
    review_flag: int
    account_flag: int
    hold: int
    alert_window_minutes: int
    alert_min_complaints: int
    alert_ratio: float
    alert_baseline_days: int
    updated_at: datetime | None = None


class TrustSettingsPatch(Schema):
    review_flag: int | None = None
    account_flag: int | None = None
    hold: int | None = None
    alert_window_minutes: int | None = None
    alert_min_complaints: int | None = None
    alert_ratio: float | None = None
    alert_baseline_days: int | None = None


class TrustAppealIn(Schema):
    review_id: str | None = Field(None, description="a reviewer's appeal of their held review")
    case_id: str | None = Field(None, description="a store's appeal: the case …")
    store_id: str | None = Field(None, description="… and the store appealing")
    text: str


class TrustDecisionIn(Schema):
    uphold: bool
    reason: str


class TrustDecisionOut(Schema):
    appeal: TrustAppealOut
    restored: int = Field(description="reviews shown again")
    kept: int = Field(description="reviews another case still holds")


class TrustStoreCaseOut(Schema):
    case_id: str
    status: str
    products: list[str]
    held: int
    notified_at: datetime | None = None
    can_appeal: bool
    appeals: list[TrustAppealOut]


class TrustStoreAppealsOut(Schema):
    store_id: str
    cases: list[TrustStoreCaseOut]


class TrustQueueQuery(Schema):
    status: str = Field(CaseStatus.OPEN, description="open, actioned, dismissed or all")
    page: int = 1
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def action_out(action: CaseAction) -> TrustActionOut:
    return TrustActionOut(
        kind=action.kind,
        label=str(action.get_kind_display()),
        summary=queue.summary(action),
        actor_name=action.actor.display_name if action.actor else None,
        reason=action.reason,
        created_at=action.created_at,
    )


def appeal_out(appeal: Appeal) -> TrustAppealOut:
    review = appeal.review
    return TrustAppealOut(
        id=appeal.pk,
        case_id=appeal.case_id,
        by=appeal.by_role,
        review_id=appeal.review_id,
        review_under_review=review.moderation == Moderation.HELD if review else None,
        store_id=appeal.store_id,
        author_name=appeal.author.display_name,
        text=appeal.text,
        status=appeal.status,
        status_label=str(appeal.get_status_display()),
        decision=appeal.decision,
        decided_at=appeal.decided_at,
        created_at=appeal.created_at,
    )


def settings_out() -> TrustSettingsOut:
    row = trust_settings.current()
    return TrustSettingsOut(
        review_flag=row.review_flag,
        account_flag=row.account_flag,
        hold=row.hold,
        alert_window_minutes=row.alert_window_minutes,
        alert_min_complaints=row.alert_min_complaints,
        alert_ratio=row.alert_ratio,
        alert_baseline_days=row.alert_baseline_days,
        updated_at=row.updated_at,
    )


@router.get("/cases", auth=AUTH, response=TrustCasePageOut)
def case_queue(request: HttpRequest, q: Query[TrustQueueQuery]) -> TrustCasePageOut:
    """The case queue, highest score first (operators)."""
    page = queue.queue(current_user(request), q.status, page=q.page, page_size=q.page_size)
    return TrustCasePageOut(
        count=page.count,
        page=page.number,
        pages=page.pages,
        page_size=page.size,
        items=[
            TrustCaseRowOut(
                id=c.pk,
                status=c.status,
                score=c.score,
                store_id=c.store_id,
                store_name=c.store.name if c.store else None,
                members=c.n_members,  # type: ignore[attr-defined]
                products=c.n_products,  # type: ignore[attr-defined]
                held=c.n_held,  # type: ignore[attr-defined]
                first_seen_at=c.first_seen_at,
                last_seen_at=c.last_seen_at,
            )
            for c in page.items
        ],
    )


@router.get("/cases/{case_id}", auth=AUTH, response=TrustCaseOut)
def case_detail(request: HttpRequest, case_id: str) -> TrustCaseOut:
    """One case: members, products, timeline, signals, history and appeals (operators)."""
    v = queue.case_view(current_user(request), case_id)
    case = v.case
    return TrustCaseOut(
        id=case.pk,
        status=case.status,
        score=case.score,
        density=case.density,
        store_id=case.store_id,
        store_name=case.store.name if case.store else None,
        first_seen_at=case.first_seen_at,
        last_seen_at=case.last_seen_at,
        decided_at=case.decided_at,
        signals=v.signals,
        members=[
            TrustMemberOut(
                user_id=m.user.public_id,
                name=m.user.display_name,
                joined_at=m.joined,
                age_days=m.age_days,
                score=m.score,
                reasons=m.reasons,
                mark=m.mark.mark if m.mark else None,
                mark_label=str(m.mark.get_mark_display()) if m.mark else None,
            )
            for m in v.members
        ],
        products=[
            TrustProductOut(
                id=p.product.pk,
                title=p.product.title,
                rating=p.rating,
                rating_count=p.rating_count,
                reviews=p.in_case,
                held=p.held,
            )
            for p in v.products
        ],
        timeline=[
            TrustMomentOut(
                at=t.at,
                kind=t.kind,
                user_id=t.user.public_id,
                user_name=t.user.display_name,
                product=t.product,
                words=t.words,
                review_id=t.review.pk if t.review else None,
                held=t.held,
            )
            for t in v.timeline
        ],
        history=[action_out(h.action) for h in v.history],
        appeals=[appeal_out(a) for a in v.appeals],
        actions=[value for value, _label in v.actions],
    )


@router.post("/cases/{case_id}/actions", auth=AUTH, response={201: TrustCaseActionOut})
def case_action(
    request: HttpRequest, case_id: str, data: TrustCaseActionIn
) -> Status[TrustCaseActionOut]:
    """Act on a case with a reason (operators): hold, restore, mark_suspected, mark_confirmed,
    clear_marks, suspend_commissions, restore_commissions, notify_store, dismiss, reopen."""
    done = cases.apply_action(current_user(request), case_id, data.action, data.reason)
    done.case.refresh_from_db(fields=["status"])
    return Status(
        201,
        TrustCaseActionOut(case_id=done.case_id, status=done.case.status, action=action_out(done)),
    )


@router.get("/settings", auth=AUTH, response=TrustSettingsOut)
def get_settings(request: HttpRequest) -> TrustSettingsOut:
    """The thresholds (operators)."""
    require_operator(current_user(request))
    return settings_out()


@router.patch("/settings", auth=AUTH, response=TrustSettingsOut)
def patch_settings(request: HttpRequest, data: TrustSettingsPatch) -> TrustSettingsOut:
    """Change the thresholds (operators); fields left out stay."""
    trust_settings.update(current_user(request), trust_settings.TrustSettingsChange(**data.dict()))
    return settings_out()


@router.post("/appeals", auth=AUTH, response={201: TrustAppealOut})
def create_appeal(request: HttpRequest, data: TrustAppealIn) -> Status[TrustAppealOut]:
    """Appeal: a reviewer their review under review ({review_id, text}), or a store's owner or
    staff a case about it ({case_id, store_id, text})."""
    made = appeals.appeal(
        current_user(request),
        data.text,
        review_id=data.review_id,
        case_id=data.case_id,
        store_id=data.store_id,
    )
    return Status(201, appeal_out(made))


@router.get("/appeals/mine", auth=AUTH, response=list[TrustAppealOut])
def my_appeals(request: HttpRequest) -> list[TrustAppealOut]:
    """The appeals I wrote and how they were decided, newest first."""
    return [appeal_out(a) for a in appeals.appeals_of(current_user(request))]


@router.get("/stores/{store_id}/appeals", auth=AUTH, response=TrustStoreAppealsOut)
def store_appeals(request: HttpRequest, store_id: str) -> TrustStoreAppealsOut:
    """The cases notified to the store and its appeals with their outcomes (owner and staff)."""
    store, rows = appeals.store_cases(current_user(request), store_id)
    return TrustStoreAppealsOut(
        store_id=store.pk,
        cases=[
            TrustStoreCaseOut(
                case_id=r.case.pk,
                status=r.case.status,
                products=r.products,
                held=r.held,
                notified_at=r.notified_at,
                can_appeal=r.can_appeal,
                appeals=[appeal_out(a) for a in r.appeals],
            )
            for r in rows
        ],
    )


@router.post("/appeals/{appeal_id}/decision", auth=AUTH, response=TrustDecisionOut)
def decide_appeal(request: HttpRequest, appeal_id: str, data: TrustDecisionIn) -> TrustDecisionOut:
    """Uphold (restores what was appealed) or reject an open appeal, with a reason the appellant
    reads (operators)."""
    decided = appeals.decide(current_user(request), appeal_id, data.uphold, data.reason)
    return TrustDecisionOut(
        appeal=appeal_out(decided.appeal), restored=decided.restored, kept=decided.kept
    )
