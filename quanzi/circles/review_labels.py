"""来自圈子成员: a review whose author is an active member of one of the store's circles says
so (registered with `quanzi.reviews.labels`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from quanzi.circles.models import Membership, MemberState
from quanzi.reviews.models import Review


def circle_members(reviews: Sequence[Review]) -> Mapping[str, str]:
    """One query: which of these reviews' authors belong to a circle of the reviewed store."""
    pairs = {(r.author_id, r.store_id) for r in reviews}
    if not pairs:
        return {}
    members = set(
        Membership.objects.filter(
            user_id__in={a for a, _s in pairs},
            circle__store_id__in={s for _a, s in pairs},
            state=MemberState.ACTIVE,
        ).values_list("user_id", "circle__store_id")
    )
    label = _("Circle member")
    return {r.pk: label for r in reviews if (r.author_id, r.store_id) in members}
