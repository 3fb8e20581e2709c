"""Appeals: a reviewer appeals their own review while a case holds it; a store (its owner or
staff) appeals a case that concerns it; an operator decides with a reason. Upholding restores
the appealed review (a reviewer's appeal) or the case's held reviews (a store's), as restoring
does (another open case's hold and an operator's hide stand); rejecting changes nothing. Each
step is a `CaseAction` (appeal, appeal upheld, appeal rejected) and the appellant is told the
outcome. Lock order: the appeal → its case → as a case's actions (`quanzi.trust.locks`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotAuthenticated, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_text
from quanzi.reviews.models import Moderation, Review
from quanzi.stores.models import Store
from quanzi.stores.services import role_in
from quanzi.trust.access import require_operator
from quanzi.trust.errors import TrustCode
from quanzi.trust.locks import lock_appeal, lock_case
from quanzi.trust.models import (
    ActionKind,
    Appeal,
    AppealBy,
    AppealStatus,
    Case,
    CaseAction,
    CaseProduct,
    CaseReview,
)
from quanzi.trust.services import notices
from quanzi.trust.services.cases import (
    ACTIVE,
    CASE_NOT_FOUND,
    clean_reason,
    record,
    release_reviews,
)

APPEAL_LENGTH = 1000
REVIEW_NOT_FOUND = _("Review not found.")

clean_appeal_text = partial(
    clean_text,
    field="text",
    max_length=APPEAL_LENGTH,
    required=True,
    multiline=True,
    missing=_("Say why you appeal."),
    missing_code=TrustCode.EMPTY_APPEAL,
    too_long_code=CoreCode.TEXT_TOO_LONG,
)


def _person(user: object) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def holding_case(review_id: str) -> Case | None:
    """The newest open case that holds the review, if any."""
    return (
        Case.objects.filter(status__in=ACTIVE, reviews__review_id=review_id, reviews__held=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def _create(case: Case, author: User, text: str, **fields: object) -> Appeal:
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(case=case, author=author, text=text, **fields)
    except IntegrityError as exc:  # a concurrent appeal of the same thing won
        raise Conflict(
            _("You have already appealed; wait for the decision."),
            code=TrustCode.ALREADY_APPEALED,
        ) from exc
    record(
        case,
        ActionKind.APPEAL,
        author,
        text,
        {"appeal": appeal.pk, "by": appeal.by_role, "review": appeal.review_id},
    )
    return appeal


def appeal_review(user: object, review_id: object, text: object) -> Appeal:
    """The author appeals their own review while a case holds it (one open appeal at a time).
    Another person's review is 'not found'."""
    author = _person(user)
    rid = str(review_id or "")
    review = (
        Review.objects.filter(pk=rid, author=author).select_related("product").first()
        if is_public_id(rid)
        else None
    )
    if review is None:
        raise NotFound(REVIEW_NOT_FOUND)
    body = clean_appeal_text(text)
    found = holding_case(review.pk)
    if found is None or review.moderation != Moderation.HELD:
        raise Conflict(
            _("Only a review under review can be appealed."), code=TrustCode.NOT_APPEALABLE
        )
    with transaction.atomic():
        case = lock_case(found.pk)
        still = CaseReview.objects.filter(case_id=found.pk, review=review, held=True).exists()
        if case is None or case.status not in ACTIVE or not still:
            raise Conflict(
                _("Only a review under review can be appealed."), code=TrustCode.NOT_APPEALABLE
            )
        if Appeal.objects.filter(
            review=review, by_role=AppealBy.REVIEWER, status=AppealStatus.OPEN
        ).exists():
            raise Conflict(
                _("You have already appealed; wait for the decision."),
                code=TrustCode.ALREADY_APPEALED,
            )
        return _create(case, author, body, review=review, by_role=AppealBy.REVIEWER)


def concerns(case: Case, store: Store) -> bool:
    """Whether the case is about the store: its store, or some of its products are the store's
    (the cases an operator notifies a store of)."""
    return (
        case.store_id == store.pk
        or CaseProduct.objects.filter(case=case, product__store=store).exists()
    )


def store_of_person(user: User, store_id: object) -> Store:
    """The store if the person is its owner or staff; 404 for anyone else (nobody learns which
    cases concern a store they do not work for)."""
    sid = str(store_id or "")
    store = Store.objects.filter(pk=sid).first() if is_public_id(sid) else None
    if store is None or role_in(user, store) is None:
        raise NotFound(_("Store not found."))
    return store


def appeal_case(user: object, case_id: object, store_id: object, text: object) -> Appeal:
    """The store's owner or staff appeal a case that concerns the store (one open appeal per
    store and case). A case that does not concern it is 'not found'."""
    person = _person(user)
    store = store_of_person(person, store_id)
    cid = str(case_id or "")
    found = Case.objects.filter(pk=cid).first() if is_public_id(cid) else None
    if found is None or not concerns(found, store):
        raise NotFound(CASE_NOT_FOUND)
    body = clean_appeal_text(text)
    with transaction.atomic():
        case = lock_case(found.pk)
        if case is None or case.status not in ACTIVE:
            raise Conflict(
                _("This case is closed: there is nothing to appeal."),
                code=TrustCode.NOT_APPEALABLE,
            )
        if Appeal.objects.filter(
            case=case, store=store, by_role=AppealBy.STORE, status=AppealStatus.OPEN
        ).exists():
            raise Conflict(
                _("Your store has already appealed this case; wait for the decision."),
                code=TrustCode.ALREADY_APPEALED,
            )
        return _create(case, person, body, store=store, by_role=AppealBy.STORE)


def appeal(
    user: object,
    text: object,
    *,
    review_id: object = None,
    case_id: object = None,
    store_id: object = None,
) -> Appeal:
    """A reviewer's appeal (`review_id`) or a store's (`case_id` and `store_id`)."""
    if review_id and not (case_id or store_id):
        return appeal_review(user, review_id, text)
    if case_id and store_id and not review_id:
        return appeal_case(user, case_id, store_id, text)
    raise InvalidInput(
        _("Appeal either a review, or a case for a store."), code=TrustCode.NOT_APPEALABLE
    )


@dataclass(frozen=True)
class Decision:
    appeal: Appeal
    action: CaseAction
    restored: int = 0
    kept: int = 0


def decide(operator: object, appeal_id: object, uphold: object, reason: object) -> Decision:
    """An operator upholds (restores what was appealed) or rejects (changes nothing) an open
    appeal, with a reason the appellant reads; anyone else gets 404."""
    user = require_operator(operator)
    aid = str(appeal_id or "")
    found = Appeal.objects.filter(pk=aid).first() if is_public_id(aid) else None
    if found is None:
        raise NotFound(_("Appeal not found."))
    if not isinstance(uphold, bool):
        raise InvalidInput(_("Uphold or reject the appeal."), field="uphold")
    why = clean_reason(reason)
    with transaction.atomic():
        appeal = lock_appeal(found.pk)
        if appeal is None:
            raise NotFound(_("Appeal not found."))
        if appeal.status != AppealStatus.OPEN:
            raise Conflict(_("This appeal was already decided."), code=TrustCode.APPEAL_DECIDED)
        case = lock_case(appeal.case_id)
        assert case is not None  # an appeal's case is deleted with it
        restored = kept = 0
        if uphold:
            only = None
            if appeal.by_role == AppealBy.REVIEWER:
                only = [appeal.review_id] if appeal.review_id else []
            restored, kept = release_reviews(case, only)
        appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
        appeal.decided_by = user
        appeal.decided_at = timezone.now()
        appeal.decision = why
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision", "updated_at"])
        kind = ActionKind.APPEAL_UPHELD if uphold else ActionKind.APPEAL_REJECTED
        detail = {"appeal": appeal.pk, "restored": restored, "kept": kept}
        action = record(case, kind, user, why, detail)
        notices.tell_appellant(appeal, restored, still_held=kept > 0)
    return Decision(appeal=appeal, action=action, restored=restored, kept=kept)


# --- Reads ---------------------------------------------------------------------------------------


@dataclass
class MyReview:
    """One of the reviewer's reviews under review (or whose appeal was decided)."""

    review: Review
    under_review: bool
    appeal: Appeal | None = None
    can_appeal: bool = False


def my_reviews(user: object) -> list[MyReview]:
    """The person's reviews under review, and those they appealed, newest first, each with its
    latest appeal and whether it may be appealed now."""
    person = _person(user)
    appeals = list(
        Appeal.objects.filter(author=person, by_role=AppealBy.REVIEWER)
        .select_related("decided_by")
        .order_by("-created_at", "-pk")
    )
    latest: dict[str, Appeal] = {}
    for row in appeals:
        if row.review_id is not None:
            latest.setdefault(row.review_id, row)
    reviews = (
        Review.objects.filter(author=person)
        .filter(Q(moderation=Moderation.HELD) | Q(pk__in=list(latest)))
        .select_related("product", "order_item")
        .order_by("-created_at", "pk")
    )
    held_by_case = set(
        CaseReview.objects.filter(
            review__author=person, held=True, case__status__in=ACTIVE
        ).values_list("review_id", flat=True)
    )
    rows = []
    for review in reviews:
        under = review.moderation == Moderation.HELD
        last = latest.get(review.pk)
        open_ = last is not None and last.status == AppealStatus.OPEN
        rows.append(
            MyReview(
                review=review,
                under_review=under,
                appeal=last,
                can_appeal=under and review.pk in held_by_case and not open_,
            )
        )
    return rows


def appeals_of(user: object) -> QuerySet[Appeal]:
    """Every appeal the person wrote, newest first."""
    person = _person(user)
    return (
        Appeal.objects.filter(author=person)
        .select_related("author", "review__product", "store")
        .order_by("-created_at", "-pk")
    )


@dataclass
class StoreCase:
    """A case as the store sees it: its products in the case, how many of their reviews it
    holds, when the store was told, the store's appeals and whether it may appeal now."""

    case: Case
    products: list[str]
    held: int
    notified_at: datetime | None
    appeals: list[Appeal] = field(default_factory=list)
    can_appeal: bool = False


def store_cases(user: object, store_id: object) -> tuple[Store, list[StoreCase]]:
    """The cases notified to the store (or that it appealed), newest first (owner and staff;
    anyone else 404)."""
    person = _person(user)
    store = store_of_person(person, store_id)
    about = Q(store=store) | Q(products__product__store=store)
    notified = CaseAction.objects.filter(kind=ActionKind.NOTIFY).values("case_id")
    appealed = Appeal.objects.filter(store=store).values("case_id")
    cases = list(
        Case.objects.filter(about)
        .filter(Q(pk__in=notified) | Q(pk__in=appealed))
        .distinct()
        .order_by("-created_at", "-pk")
    )
    ids = [c.pk for c in cases]
    told: dict[str, datetime] = {}
    for case_id, at in (
        CaseAction.objects.filter(case_id__in=ids, kind=ActionKind.NOTIFY)
        .order_by("created_at")
        .values_list("case_id", "created_at")
    ):
        told.setdefault(case_id, at)
    products: dict[str, list[str]] = {}
    for case_id, title in (
        CaseProduct.objects.filter(case_id__in=ids, product__store=store)
        .order_by("product__title")
        .values_list("case_id", "product__title")
    ):
        products.setdefault(case_id, []).append(title)
    held: dict[str, int] = {}
    for case_id in CaseReview.objects.filter(
        case_id__in=ids, held=True, review__store=store
    ).values_list("case_id", flat=True):
        held[case_id] = held.get(case_id, 0) + 1
    by_case: dict[str, list[Appeal]] = {}
    store_appeals = Appeal.objects.filter(case_id__in=ids, store=store).select_related("author")
    for row in store_appeals.order_by("-created_at", "-pk"):
        by_case.setdefault(row.case_id, []).append(row)
    rows = []
    for case in cases:
        mine = by_case.get(case.pk, [])
        waiting = any(a.status == AppealStatus.OPEN for a in mine)
        rows.append(
            StoreCase(
                case=case,
                products=products.get(case.pk, []),
                held=held.get(case.pk, 0),
                notified_at=told.get(case.pk),
                appeals=mine,
                can_appeal=case.status in ACTIVE and not waiting,
            )
        )
    return store, rows
