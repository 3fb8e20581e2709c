"""The operators' actions on a case: every one recorded with who (None: the detector) and why.

An operator action (`apply_action`, or the function of each action) is taken by a platform
operator only (anyone else: 404), says why (`empty_reason`), and runs in one transaction with
the case locked, recorded as a `CaseAction`. A dismissed case refuses everything but reopening
(`case_closed`). What an action undoes is only what its case did: restoring lets go of the
case's holds (a review another open case holds stays held, one an operator hid stays hidden),
restoring commissions lifts only this case's suspension (`referrals.services.suspension`), and
clearing marks clears only the marks this case set. Lock order: `quanzi.trust.locks`."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.catalog.models import Product
from quanzi.core.errors import Conflict, CoreCode, InvalidInput, NotFound
from quanzi.core.validation import clean_text
from quanzi.referrals.services.suspension import (
    bound_promoters,
    promoters_among,
    suspend_commissions,
)
from quanzi.reviews.models import Review
from quanzi.reviews.services import set_held
from quanzi.stores.models import Store
from quanzi.trust.access import operator_case, require_operator
from quanzi.trust.errors import TrustCode
from quanzi.trust.locks import lock_case, lock_case_review
from quanzi.trust.models import (
    AccountMark,
    ActionKind,
    Case,
    CaseAction,
    CaseReview,
    CaseStatus,
    MarkKind,
)
from quanzi.trust.services import indicator, notices

REASON_LENGTH = 500
ACTIVE = (CaseStatus.OPEN, CaseStatus.ACTIONED)  # a case whose holds count
CASE_NOT_FOUND = _("Case not found.")


class CaseActionName(StrEnum):
    """What an operator may ask of a case (the API's and the form's `action`)."""

    HOLD = "hold"
    RESTORE = "restore"
    MARK_SUSPECTED = "mark_suspected"
    MARK_CONFIRMED = "mark_confirmed"
    CLEAR_MARKS = "clear_marks"
    SUSPEND_COMMISSIONS = "suspend_commissions"
    RESTORE_COMMISSIONS = "restore_commissions"
    NOTIFY_STORE = "notify_store"
    DISMISS = "dismiss"
    REOPEN = "reopen"


ACTION_LABELS: dict[CaseActionName, Promise] = {
    CaseActionName.HOLD: _("Hold the reviews out of view and rating"),
    CaseActionName.RESTORE: _("Restore the reviews"),
    CaseActionName.MARK_SUSPECTED: _("Mark the accounts as suspected fakes"),
    CaseActionName.MARK_CONFIRMED: _("Mark the accounts as confirmed fakes"),
    CaseActionName.CLEAR_MARKS: _("Clear the accounts' marks"),
    CaseActionName.SUSPEND_COMMISSIONS: _("Suspend the ring's promoter commissions"),
    CaseActionName.RESTORE_COMMISSIONS: _("Restore the ring's promoter commissions"),
    CaseActionName.NOTIFY_STORE: _("Notify the store"),
    CaseActionName.DISMISS: _("Dismiss the case (restores what it held)"),
    CaseActionName.REOPEN: _("Reopen the case"),
}


def clean_reason(reason: object) -> str:
    """The operator's why: required, at most 500 characters."""
    return clean_text(
        reason,
        field="reason",
        max_length=REASON_LENGTH,
        required=True,
        multiline=True,
        missing=_("Say why."),
        missing_code=TrustCode.EMPTY_REASON,
        too_long_code=CoreCode.TOO_LONG,
    )


def clean_action(action: object) -> CaseActionName:
    try:
        return CaseActionName(str(action))
    except ValueError:
        raise InvalidInput(
            _("Choose one of the actions."), code=TrustCode.UNKNOWN_ACTION, field="action"
        ) from None


def record(
    case: Case, kind: str, actor: User | None, reason: str, detail: dict[str, Any] | None = None
) -> CaseAction:
    """Every action on a case, recorded; the trust indicators of the stores it touches are read
    again once it commits (a hold, a mark or a restore changes what counts)."""
    indicator.forget(store.pk for store in case_stores(case))
    return CaseAction.objects.create(
        case=case, kind=kind, actor=actor, reason=reason[:REASON_LENGTH], detail=detail or {}
    )


# --- The detector's hold (the pipeline calls it) -----------------------------------------------


def hold_reviews(case: Case, actor: User | None, reason: str) -> int:
    """Hold the case's reviews out of view and rating pending the decision; answers how many
    were newly held (a review already held or hidden by moderation is left as it is). A case an
    operator dismissed holds nothing again."""
    with transaction.atomic():
        locked = lock_case(case.pk)
        if locked is None or locked.status == CaseStatus.DISMISSED:
            return 0
        return int(_hold(locked, actor, reason).detail["held"])


def _hold(case: Case, actor: User | None, reason: str) -> CaseAction:
    newly: list[str] = []
    for row in CaseReview.objects.filter(case=case, held=False).order_by("review_id"):
        if set_held(row.review_id, True):
            newly.append(row.review_id)
        CaseReview.objects.filter(pk=row.pk).update(held=True)
    # Their authors are told (a held review never silently disappears for its author).
    notices.tell_reviewers(
        list(Review.objects.filter(pk__in=newly).select_related("product").order_by("pk"))
    )
    return record(case, ActionKind.HOLD, actor, reason, {"held": len(newly)})


# --- What an action undoes ---------------------------------------------------------------------


def _held_elsewhere(review_id: str, case_id: str) -> bool:
    return (
        CaseReview.objects.filter(review_id=review_id, held=True, case__status__in=ACTIVE)
        .exclude(case_id=case_id)
        .exists()
    )


def release_reviews(case: Case, review_ids: Iterable[str] | None = None) -> tuple[int, int]:
    """Let go of the case's holds (on `review_ids` only, when given), the case locked by the
    caller: each review is shown again unless another open case still holds it (kept) or an
    operator hid it by moderation (it stays hidden). Answers (restored, kept)."""
    rows = CaseReview.objects.filter(case=case, held=True)
    if review_ids is not None:
        rows = rows.filter(review_id__in=list(review_ids))
    restored = kept = 0
    for row in rows.order_by("review_id"):
        present = lock_case_review(row.review_id)
        CaseReview.objects.filter(pk=row.pk).update(held=False)
        if not present:
            continue
        if _held_elsewhere(row.review_id, case.pk):
            kept += 1
        elif set_held(row.review_id, False):
            restored += 1
    return restored, kept


def case_stores(case: Case) -> list[Store]:
    """The stores a case concerns: its store, or the stores of its products."""
    if case.store_id is not None:
        return list(Store.objects.filter(pk=case.store_id))
    ids = Product.objects.filter(pk__in=case.products.values("product_id")).values("store_id")
    return list(Store.objects.filter(pk__in=ids).order_by("pk"))


def _holder(case: Case) -> str:
    return f"trust.case:{case.pk}"


def _suspended_pairs(case: Case) -> list[tuple[str, int]]:
    """(store, promoter) of every suspension this case ever asked for."""
    pairs: set[tuple[str, int]] = set()
    for detail in CaseAction.objects.filter(case=case, kind=ActionKind.SUSPEND).values_list(
        "detail", flat=True
    ):
        for item in (detail or {}).get("promoters", []):
            if isinstance(item, list) and len(item) == 2:
                pairs.add((str(item[0]), int(item[1])))
    return sorted(pairs)


def _lift_commissions(case: Case, reason: str) -> tuple[int, int]:
    """Lift this case's suspensions; answers (promoters free again, fen released)."""
    pairs = _suspended_pairs(case)
    stores = {s.pk: s for s in Store.objects.filter(pk__in={p[0] for p in pairs})}
    people = {u.pk: u for u in User.objects.filter(pk__in={p[1] for p in pairs})}
    freed = released = 0
    for store_id, user_id in pairs:
        if store_id not in stores or user_id not in people:
            continue
        change = suspend_commissions(
            stores[store_id], people[user_id], False, reason, holder=_holder(case)
        )
        freed += int(change.changed)
        released += change.released
    return freed, released


def _members(case: Case) -> list[int]:
    return list(case.members.order_by("user_id").values_list("user_id", flat=True))


def _standing(user_ids: Iterable[int]) -> dict[int, AccountMark]:
    """Each account's newest mark (its standing)."""
    latest: dict[int, AccountMark] = {}
    for mark in AccountMark.objects.filter(user_id__in=list(user_ids)).order_by(
        "user_id", "-created_at", "-pk"
    ):
        latest.setdefault(mark.user_id, mark)
    return latest


def _clear_marks(case: Case, operator: User, reason: str) -> int:
    """Clear the marks this case set that are still their account's standing."""
    cleared = 0
    for user_id, mark in _standing(_members(case)).items():
        if mark.case_id == case.pk and mark.mark != MarkKind.CLEARED:
            AccountMark.objects.create(
                user_id=user_id, mark=MarkKind.CLEARED, case=case, by=operator, reason=reason
            )
            cleared += 1
    return cleared


# --- The operator's actions --------------------------------------------------------------------


def _locked(operator: object, case_id: str, reason: object) -> tuple[User, Case, str]:
    """The operator, the case locked (inside the caller's transaction) and the reason."""
    user = require_operator(operator)
    found = operator_case(user, case_id)
    why = clean_reason(reason)
    case = lock_case(found.pk)
    if case is None:
        raise NotFound(CASE_NOT_FOUND)
    return user, case, why


def _refuse_closed(case: Case) -> None:
    if case.status == CaseStatus.DISMISSED:
        raise Conflict(_("This case was dismissed: reopen it first."), code=TrustCode.CASE_CLOSED)


def _decided(case: Case, operator: User, status: str = CaseStatus.ACTIONED) -> None:
    """An operator acted: an open case is actioned (dismissing: dismissed), with who and when."""
    case.status = status
    case.decided_at = timezone.now()
    case.decided_by = operator
    case.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])


def _acting(operator: object, case_id: str, reason: object) -> tuple[User, Case, str]:
    user, case, why = _locked(operator, case_id, reason)
    _refuse_closed(case)
    return user, case, why


def hold(operator: object, case_id: str, reason: object) -> CaseAction:
    """Hold the case's reviews out of view and rating (those not held yet)."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        action = _hold(case, user, why)
        _decided(case, user)
    return action


def restore_reviews(operator: object, case_id: str, reason: object) -> CaseAction:
    """Show the reviews this case holds again (not those another open case still holds, nor
    those an operator hid by moderation)."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        restored, kept = release_reviews(case)
        action = record(case, ActionKind.RESTORE, user, why, {"restored": restored, "kept": kept})
        _decided(case, user)
    return action


def mark_accounts(operator: object, case_id: str, mark: object, reason: object) -> CaseAction:
    """Mark every member of the case as a suspected or confirmed fake."""
    if mark not in (MarkKind.SUSPECTED, MarkKind.CONFIRMED):
        raise InvalidInput(
            _("Choose suspected or confirmed."), code=TrustCode.UNKNOWN_ACTION, field="mark"
        )
    kind = MarkKind(str(mark))
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        members = _members(case)
        AccountMark.objects.bulk_create(
            AccountMark(user_id=member, mark=kind, case=case, by=user, reason=why)
            for member in members
        )
        action = record(case, ActionKind.MARK, user, why, {"mark": kind, "accounts": len(members)})
        _decided(case, user)
    return action


def clear_marks(operator: object, case_id: str, reason: object) -> CaseAction:
    """Clear the marks this case set on its members (another case's marks stand)."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        cleared = _clear_marks(case, user, why)
        action = record(case, ActionKind.UNMARK, user, why, {"accounts": cleared})
        _decided(case, user)
    return action


def ring_promoters(case: Case) -> list[tuple[Store, int]]:
    """The ring's promoters in each store the case concerns: members who promote the store
    (approved, or earning there) and the promoters the members are bound to there."""
    members = _members(case)
    found: list[tuple[Store, int]] = []
    for store in case_stores(case):
        ids = promoters_among(store.pk, members) | bound_promoters(store.pk, members)
        found += [(store, user_id) for user_id in sorted(ids)]
    return found


def suspend_ring_commissions(operator: object, case_id: str, reason: object) -> CaseAction:
    """Suspend the commissions of the ring's promoters (frozen ones are not released, no
    withdrawals) until this case restores them."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        if not case_stores(case):
            raise Conflict(_("This case concerns no store."), code=TrustCode.NO_STORE)
        targets = ring_promoters(case)
        people = {u.pk: u for u in User.objects.filter(pk__in={t[1] for t in targets})}
        suspended = 0
        for store, user_id in targets:
            change = suspend_commissions(store, people[user_id], True, why, holder=_holder(case))
            suspended += int(change.changed)
        detail = {
            "promoters": [[store.pk, user_id] for store, user_id in targets],
            "suspended": suspended,
        }
        action = record(case, ActionKind.SUSPEND, user, why, detail)
        _decided(case, user)
    return action


def restore_ring_commissions(operator: object, case_id: str, reason: object) -> CaseAction:
    """Lift this case's suspensions; what completed meanwhile is released (a promoter another
    case still suspends stays suspended)."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        freed, released = _lift_commissions(case, why)
        detail = {"freed": freed, "released": released}
        action = record(case, ActionKind.UNSUSPEND, user, why, detail)
        _decided(case, user)
    return action


def notify_store(operator: object, case_id: str, reason: object) -> CaseAction:
    """Tell the owner and staff of each store the case concerns, with a link to their appeals."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        stores = case_stores(case)
        if not stores:
            raise Conflict(_("This case concerns no store."), code=TrustCode.NO_STORE)
        products = list(
            Product.objects.filter(pk__in=case.products.values("product_id")).order_by("title")
        )
        held = CaseReview.objects.filter(case=case, held=True)
        notified: set[int] = set()
        for store in stores:
            own = [p for p in products if p.store_id == store.pk]
            count = held.filter(review__store=store).count()
            notified |= notices.tell_store(store, own, count)
        detail = {"stores": [s.pk for s in stores], "notified": len(notified)}
        action = record(case, ActionKind.NOTIFY, user, why, detail)
        _decided(case, user)
    return action


def dismiss(operator: object, case_id: str, reason: object) -> CaseAction:
    """Close the case as no ring: what it held is restored (reviews, commissions, marks)."""
    with transaction.atomic():
        user, case, why = _acting(operator, case_id, reason)
        restored, kept = release_reviews(case)
        freed, released = _lift_commissions(case, why)
        cleared = _clear_marks(case, user, why)
        detail = {
            "restored": restored,
            "kept": kept,
            "freed": freed,
            "released": released,
            "cleared": cleared,
        }
        action = record(case, ActionKind.DISMISS, user, why, detail)
        _decided(case, user, CaseStatus.DISMISSED)
    return action


def reopen(operator: object, case_id: str, reason: object) -> CaseAction:
    """Open a dismissed case again (it holds nothing until an operator acts on it)."""
    with transaction.atomic():
        user, case, why = _locked(operator, case_id, reason)
        if case.status != CaseStatus.DISMISSED:
            raise Conflict(_("This case is not dismissed."), code=TrustCode.CASE_OPEN)
        case.status = CaseStatus.OPEN
        case.decided_at = None
        case.decided_by = None
        case.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
        action = record(case, ActionKind.REOPEN, user, why)
    return action


def apply_action(operator: object, case_id: str, action: object, reason: object) -> CaseAction:
    """The entry point of the API and the case page: one of `CaseActionName` with a reason."""
    require_operator(operator)
    operator_case(operator, case_id)  # 404 before anything is read of the request
    name = clean_action(action)
    if name == CaseActionName.MARK_SUSPECTED:
        return mark_accounts(operator, case_id, MarkKind.SUSPECTED, reason)
    if name == CaseActionName.MARK_CONFIRMED:
        return mark_accounts(operator, case_id, MarkKind.CONFIRMED, reason)
    return _ACTIONS[name](operator, case_id, reason)


_ACTIONS = {
    CaseActionName.HOLD: hold,
    CaseActionName.RESTORE: restore_reviews,
    CaseActionName.CLEAR_MARKS: clear_marks,
    CaseActionName.SUSPEND_COMMISSIONS: suspend_ring_commissions,
    CaseActionName.RESTORE_COMMISSIONS: restore_ring_commissions,
    CaseActionName.NOTIFY_STORE: notify_store,
    CaseActionName.DISMISS: dismiss,
    CaseActionName.REOPEN: reopen,
}


def held_reviews(case: Case) -> QuerySet[Review]:
    """The reviews this case holds now."""
    return Review.objects.filter(
        pk__in=CaseReview.objects.filter(case=case, held=True).values("review_id")
    )
