"""The operators' actions on a case: every one recorded with who (None: the detector) and why."""

from __future__ import annotations

from django.db import transaction

from quanzi.accounts.models import User
from quanzi.reviews.services import set_held
from quanzi.trust.locks import lock_case
from quanzi.trust.models import ActionKind, Case, CaseAction, CaseReview


def hold_reviews(case: Case, actor: User | None, reason: str) -> int:
    """Hold the case's reviews out of view and rating pending the decision; answers how many
    were newly held (a review already held or hidden by moderation is left as it is)."""
    with transaction.atomic():
        locked = lock_case(case.pk)
        if locked is None:
            return 0
        held = 0
        for row in CaseReview.objects.filter(case=locked, held=False).order_by("review_id"):
            if set_held(row.review_id, True):
                held += 1
            CaseReview.objects.filter(pk=row.pk).update(held=True)
        CaseAction.objects.create(
            case=locked, kind=ActionKind.HOLD, actor=actor, reason=reason, detail={"held": held}
        )
    return held
