"""A member's choice about what stores learn from their words (the privacy page)."""

from __future__ import annotations

from django.db import transaction

from quanzi.accounts.models import User
from quanzi.needs.models import ProfilingPreference
from quanzi.needs.services.wishes import recount_user


def preference_of(user: User) -> ProfilingPreference:
    """The member's choice (unsaved defaults when they never chose: both allowed)."""
    found = ProfilingPreference.objects.filter(user=user).first()
    return found or ProfilingPreference(user=user, profiled=True, in_aggregates=True)


def set_preference(user: User, *, profiled: bool, in_aggregates: bool) -> ProfilingPreference:
    """Save the choice; leaving the anonymous totals also leaves the profiles. The wishes the
    member asked for are counted again at once."""
    profiled = profiled and in_aggregates
    with transaction.atomic():
        pref, _created = ProfilingPreference.objects.update_or_create(
            user=user, defaults={"profiled": profiled, "in_aggregates": in_aggregates}
        )
        recount_user(user.pk)
    return pref
